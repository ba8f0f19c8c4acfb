"""Importers: an archive from elsewhere (a Substack export, an RSS feed) -> a show's
episodes/*.md and podcast.toml, before the read stage (``audio-feed import``)."""
