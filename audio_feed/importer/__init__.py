"""Importers: an existing archive -> a show folder (``audio-feed import``)."""
