"""Importers: an archive from elsewhere -> episodes/*.md, before the read stage."""
