"""Limits and tables that more than one module needs, defined once.

The facts behind them are in docs/podcast-feeds.md and docs/audio.md. A
module that checks one of these (config and posts when reading the show, lint
when reading a built feed) imports it from here, so the two can never disagree.
"""

from __future__ import annotations

import re

DESCRIPTION_MAX_BYTES = 4000
"""Longest show description, in UTF-8 bytes, that Apple accepts."""

FUNDING_TEXT_MAX_CHARS = 128
"""Longest ``podcast:funding`` link text the Podcasting 2.0 namespace allows."""

EPISODE_TYPES = ("full", "trailer", "bonus")
"""The values of ``itunes:episodeType`` (front matter ``episode_type``)."""

SHOW_TYPES = ("episodic", "serial")
"""The values of ``itunes:type`` (podcast.toml ``type``)."""

LANGUAGE = re.compile(r"\A[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")
"""A BCP 47 language tag as feeds use it: an ISO 639 code of two or three
letters, then any subtags (region, script, variant) of one to eight letters or
digits, such as ``en``, ``en-GB``, ``pt-BR`` or ``zh-Hant-TW``. BCP 47 tags are
case-insensitive. Anchored with \\A and \\Z, so ``match`` and ``fullmatch``
agree and a trailing newline is refused."""

MIME_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    # Apple's feed guide documents audio/x-m4a for .m4a; we write that.
    ".m4a": "audio/x-m4a",
    ".mp4": "video/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "text/javascript",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/vnd.microsoft.icon",
}
"""MIME type by lower-cased suffix, for everything audio-feed writes or serves.
A fixed table rather than :mod:`mimetypes`, which reads the machine's
``/etc/mime.types`` and so answers differently on different machines."""

TEXT_TYPES = frozenset(
    m for m in MIME_TYPES.values() if m.startswith("text/") or m in (
        "application/xml", "application/x-subrip"))
"""Types served with ``; charset=utf-8``. JSON is not among them: RFC 8259
defines no charset parameter for it (it is always UTF-8)."""

ENCLOSURE_TYPES: dict[str, tuple[str, ...]] = {
    ".mp3": (MIME_TYPES[".mp3"],),
    ".m4a": (MIME_TYPES[".m4a"], "audio/mp4"),
}
"""Enclosure types lint accepts per suffix: the one we write first, then the
registered audio/mp4 that other hosts write for .m4a and apps play."""

TRANSCRIPT_TYPES = ("text/html", "text/vtt", "application/x-subrip", "application/json",
                    "text/plain")
"""The ``podcast:transcript`` types the Podcasting 2.0 namespace lists."""

LOUDNESS_TARGET = -16.0
"""Integrated loudness in LUFS for spoken word (Apple's guidance)."""

TRUE_PEAK_MAX = -1.0
"""Highest true peak in dBTP (Apple's guidance)."""

LOUDNESS_TOLERANCE = 1.0
"""LU the measured loudness of a finished episode may differ from its target."""
