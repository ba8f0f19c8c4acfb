"""Check a built feed against every rule in PODCAST-FEEDS.md, locally or over HTTP.

The builder is meant to make these checks pass by construction; the linter is
the independent witness. It reads only what a podcast app would read: the feed
XML and the files its URLs point to, never the show folder or the build's own
data. Each rule has a stable id (``RULES``), a severity and a one-line message
naming the item and saying what was expected and what was found::

    feed.xml: enclosure-length: item 'Why We Listen': expected length 588211
    (the file's size), got 12        <- one line, wrapped here

``lint_site`` maps the feed's URLs (those under the feed URL's folder) onto a
built site folder; ``lint_url`` fetches everything over HTTP(S), as an app
would, and also checks that the server answers ``HEAD`` and byte ``Range``
requests. Audio is judged with mutagen (fast, headers only) unless ``decode``
asks for a full decode with ffmpeg (exact duration, loudness and true peak).

Rules that need knowledge a feed does not carry are not checked: whether the
voice is synthetic (``podcast:txt``), whether ``podcast:guid``, GUIDs or media
URLs changed since the previous build, and whether ``lastBuildDate`` came from
the clock.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.message import Message
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from lxml import etree
from mutagen import MutagenError

from . import __version__, audio, ffmpeg, images, tags
from .categories import CATEGORIES
from .errors import expected
from .feed import ITUNES_NS, PODCAST_NS, podcast_guid
from .images import _FORMATS as IMAGE_SUFFIXES  # the artwork types directories accept
from .model import AudioSettings

ERROR = "error"
WARNING = "warning"
NOTE = "note"
"""A check that was skipped, and why; never counts as a failure, even when strict."""

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
NAMESPACES = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS, "content": CONTENT_NS}
# Clark-notation prefixes for find(): IT + "image" is {itunes URI}image.
IT, POD, ATOM, CONTENT = (f"{{{ns}}}" for ns in (ITUNES_NS, PODCAST_NS, ATOM_NS, CONTENT_NS))

AUDIO_TYPES = {".mp3": ("audio/mpeg",), ".m4a": ("audio/x-m4a", "audio/mp4")}
TRANSCRIPT_TYPES = ("text/html", "text/vtt", "application/x-subrip", "application/json",
                    "text/plain")
EPISODE_TYPES = ("full", "trailer", "bonus")
DESCRIPTION_MAX_BYTES = 4000
FUNDING_TEXT_MAX = 128
DURATION_TOLERANCE = 1.0
"""Seconds itunes:duration may differ from the real audio."""
LOUDNESS_TARGET = -16.0
LOUDNESS_TOLERANCE = 1.0
TRUE_PEAK_MAX = -1.0

DOWNLOAD_LIMIT = 20 * 2**20
"""Largest enclosure lint_url downloads to check its duration (a 40-minute 64k MP3)."""
SMALL_LIMIT = 10 * 2**20
"""Largest artwork or chapters file lint_url downloads."""
USER_AGENT = f"audio-feed-lint/{__version__}"

RULES: dict[str, tuple[str, str]] = {
    # The document.
    "feed-fetch": (ERROR, "The feed can be read: site/feed.xml exists, or the URL answers 200."),
    "feed-xml": (ERROR, "The feed is well-formed XML."),
    "feed-encoding": (ERROR, "The feed is encoded as UTF-8."),
    "rss-version": (ERROR, 'The root element is <rss version="2.0"> holding one <channel>.'),
    "namespaces": (ERROR, "xmlns:itunes, podcast, atom and content are declared on <rss> "
                          "with their exact URIs."),
    # The channel.
    "channel-title": (ERROR, "The channel has a non-empty <title>."),
    "channel-link": (ERROR, "The channel has a <link> that is an absolute http(s) URL."),
    "channel-description": (ERROR, "The channel has a non-empty <description> of at most "
                                   "4000 bytes."),
    "channel-language": (ERROR, "The channel has a <language> that is an ISO 639 code "
                                "such as 'en' or 'en-GB'."),
    "itunes-image": (ERROR, "The channel has <itunes:image href> with an absolute URL "
                            "ending in .jpg, .jpeg or .png."),
    "artwork-resolves": (ERROR, "The artwork URL points to a file that exists."),
    "artwork-type": (ERROR, "The artwork is a JPEG or PNG image and its extension matches "
                            "its real type."),
    "artwork-size": (ERROR, "The artwork is square, 1400 to 3000 px."),
    "artwork-rgb": (ERROR, "The artwork is in RGB colour."),
    "itunes-category": (ERROR, "The channel has <itunes:category> from Apple's list "
                               "(subcategories under their own category)."),
    "itunes-explicit-value": (ERROR, "<itunes:explicit> is exactly 'true' or 'false' (required "
                                     "on the channel, checked on items when present)."),
    "itunes-author": (ERROR, "The channel has a non-empty <itunes:author>."),
    "itunes-owner": (ERROR, "The channel has <itunes:owner> with an <itunes:email>."),
    "atom-self": (ERROR, '<atom:link rel="self"> is present and equal to the feed URL.'),
    "podcast-guid": (ERROR, "<podcast:guid> is the UUIDv5 of the feed URL (scheme and "
                            "trailing slashes removed)."),
    "podcast-locked": (ERROR, "<podcast:locked> is 'yes' or 'no', with an owner email."),
    "podcast-funding": (WARNING, "<podcast:funding>, when present, has an absolute url and "
                                 "text of at most 128 characters."),
    "podcast-txt": (WARNING, '<podcast:txt purpose="ai-content">, when present, is '
                             "'true' or 'false'."),
    "itunes-type": (ERROR, "<itunes:type> is 'episodic' or 'serial'."),
    "serial-episodes": (ERROR, "In a serial show every item has <itunes:episode>."),
    "last-build-date": (ERROR, "<lastBuildDate> is an RFC 2822 date not earlier than the "
                               "newest pubDate."),
    # Each item.
    "item-title": (ERROR, "Every item has a non-empty <title>."),
    "title-number": (WARNING, "Item titles do not carry the episode number (it belongs in "
                              "<itunes:episode>)."),
    "guid-present": (ERROR, "Every item has a non-empty <guid>."),
    "guid-unique": (ERROR, "No two items share a <guid>."),
    "guid-permalink": (ERROR, 'A <guid> that is not a URL says isPermaLink="false".'),
    "enclosure-count": (ERROR, "Every item has exactly one <enclosure>."),
    "enclosure-url": (ERROR, "The enclosure URL is absolute http(s) and ends in .mp3 or .m4a."),
    "enclosure-type": (ERROR, "The enclosure type matches the extension: audio/mpeg for .mp3, "
                              "audio/x-m4a or audio/mp4 for .m4a."),
    "enclosure-unique": (ERROR, "No two items share an enclosure URL."),
    "enclosure-resolves": (ERROR, "The enclosure URL points to a file that exists."),
    "enclosure-length": (ERROR, "The enclosure length is greater than 0 and equal to the "
                                "file's byte size."),
    "enclosure-audio": (ERROR, "The enclosure is audio a player can read."),
    "pub-date": (ERROR, "Every item has a <pubDate> in RFC 2822 form with a time zone "
                        "(and the right weekday)."),
    "date-order": (ERROR, "Items are listed newest first."),
    "duration-format": (WARNING, "Every item has <itunes:duration> in whole seconds."),
    "duration-mismatch": (ERROR, "<itunes:duration> is within 1 s of the real audio."),
    "duration-unchecked": (NOTE, "The audio was too large to download, so its duration, "
                                 "loudness and embedded chapters were not checked."),
    "episode-type": (ERROR, "<itunes:episodeType>, when present, is full, trailer or bonus."),
    "episode-number": (ERROR, "<itunes:episode> and <itunes:season>, when present, are "
                              "positive whole numbers."),
    "item-link": (ERROR, "Every item has a <link> to its show-notes page, an absolute "
                         "http(s) URL."),
    "link-resolves": (ERROR, "The item's <link> points to a page that exists."),
    "item-description": (WARNING, "Every item has a non-empty <description> and "
                                  "<content:encoded>."),
    "chapters-type": (ERROR, 'podcast:chapters has type="application/json+chapters".'),
    "chapters-resolves": (ERROR, "The chapters URL points to a file that exists."),
    "chapters-json": (ERROR, "The chapters file is a JSON object whose chapters list has a "
                             "numeric startTime in each chapter."),
    "chapters-version": (ERROR, "The chapters file has a version, such as '1.2.0'."),
    "chapters-order": (ERROR, "Chapter startTimes go up, strictly, from 0."),
    "chapters-range": (ERROR, "Every chapter starts within the audio's duration."),
    "chapters-embedded": (WARNING, "An MP3 or M4A carries the same chapters as its JSON chapters "
                                   "file, as ID3 CTOC/CHAP frames."),
    "transcript-type": (ERROR, "podcast:transcript has an allowed type: "
                               + ", ".join(TRANSCRIPT_TYPES) + "."),
    "transcript-resolves": (ERROR, "The transcript URL points to a file that exists."),
    # Only with decode=True.
    "loudness": (WARNING, "The audio's integrated loudness is -16 LUFS, within 1 LU "
                          "(decode only)."),
    "true-peak": (WARNING, "The audio's true peak is at most -1 dBTP (decode only)."),
    # Only over HTTP.
    "server-head": (ERROR, "The server answers HEAD for audio and artwork with 200 and a "
                           "Content-Length (lint_url only)."),
    "server-range": (ERROR, "The server answers 'Range: bytes=0-1' for audio and artwork with "
                            "206 and a Content-Range (lint_url only)."),
}


@dataclass(frozen=True)
class Finding:
    """One rule a feed breaks: which, how badly, in which feed, and the one-line detail."""

    rule: str
    severity: str
    """'error', 'warning' or 'note' (see ``RULES``)."""
    where: str
    """The feed: 'feed.xml' in a site, or its URL."""
    message: str
    """Names the item (or file) and says what was expected and what was found."""

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}"


def _parser() -> Any:
    # Feeds may come from anywhere: no entities, no DTDs, no network.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def self_link(feed: Path) -> str | None:
    """The feed's own URL (its atom:link rel="self"), or None if it has none or is unreadable."""
    try:
        root = etree.parse(str(feed), _parser()).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None
    for el in root.iter(ATOM + "link"):
        if el.get("rel") == "self":
            return str(el.get("href", "")) or None
    return None


def errors_in(findings: list[Finding], strict: bool) -> list[Finding]:
    """The findings that make a lint fail: errors, and warnings too when ``strict``."""
    failing = {ERROR, WARNING} if strict else {ERROR}
    return [f for f in findings if f.severity in failing]


def lint_site(site: Path, feed_url: str | None = None, *, decode: bool = False) -> list[Finding]:
    """Lint ``site/feed.xml`` and the files its URLs point to in ``site``.

    URLs under the feed URL's folder map to files in ``site``; the feed URL is
    ``feed_url`` or else the feed's own ``atom:link rel="self"`` (when neither is
    known, nothing outside the XML can be checked). ``decode`` decodes every
    enclosure with ffmpeg for its exact duration, loudness and true peak.
    """
    path = site / "feed.xml"
    try:
        data = path.read_bytes()
    except OSError as e:
        return [Finding("feed-fetch", RULES["feed-fetch"][0], "feed.xml",
                        f"expected a built site with feed.xml in {site}, got {e.strerror or e}")]
    return _Linter("feed.xml", feed_url, lambda url: _SiteFiles(site, url), decode,
                   DOWNLOAD_LIMIT).run(data)


def lint_url(url: str, timeout: float = 10, *, download_limit: int = DOWNLOAD_LIMIT,
             decode: bool = False) -> list[Finding]:
    """Lint the feed at ``url`` and everything it links to, over HTTP(S) as an app would.

    Enclosures are asked for with HEAD (their size) and a two-byte Range GET (the
    server must answer 206); they are downloaded to check duration, loudness and
    embedded chapters only up to ``download_limit`` bytes (larger ones get a note).
    ``timeout`` applies to each request.
    """
    with tempfile.TemporaryDirectory(prefix="audio-feed-lint-") as tmp:
        http = _Http(timeout, Path(tmp))
        got = http.fetch(url, SMALL_LIMIT)
        if got.path is None:
            why = got.problem or f"expected a feed of at most {SMALL_LIMIT} bytes, got {got.size}"
            return [Finding("feed-fetch", RULES["feed-fetch"][0], url, why)]
        data = got.path.read_bytes()
        return _Linter(url, url, lambda _: http, decode, download_limit).run(data)


# -- where the bytes come from ------------------------------------------------


@dataclass(frozen=True)
class _Got:
    """What fetching one URL gave."""

    name: str
    """How messages call it: a path inside the site, or the URL."""
    path: Path | None = None
    """The bytes on disk; None when they could not be, or were not, fetched."""
    size: int | None = None
    problem: str | None = None
    """Why it could not be fetched, as 'expected ..., got ...'."""
    skipped: str | None = None
    """Why the bytes were not downloaded although the URL works (too large)."""


class _Resources(Protocol):
    def fetch(self, url: str, limit: int) -> _Got:
        """The file behind ``url`` on disk, when at most ``limit`` bytes."""

    def probe(self, url: str) -> _Got:
        """Whether ``url`` works, and its size; no bytes."""

    def serving(self, url: str) -> list[tuple[str, str]]:
        """(rule, message) for what the server does wrong with a media URL."""


class _SiteFiles:
    """URLs under the feed URL's folder, read from a built site folder."""

    def __init__(self, site: Path, feed_url: str) -> None:
        self.site = site.resolve()
        self.base = feed_url.rsplit("/", 1)[0] + "/"

    def fetch(self, url: str, limit: int) -> _Got:
        if not url.startswith(self.base):
            return _Got(url, problem=expected(f"a URL under {self.base} (this site)", url))
        rel = unquote(urlsplit(url[len(self.base):]).path)
        path = (self.site / rel).resolve()
        if not path.is_relative_to(self.site):
            return _Got(url, problem=expected(f"a URL under {self.base} (this site)", url))
        if path.is_dir():  # a page URL ending in / is served as its index.html
            path = path / "index.html"
            rel = (rel.rstrip("/") + "/index.html").lstrip("/")
        if not path.is_file():
            return _Got(rel, problem="expected this file in the site, got none")
        return _Got(rel, path=path, size=path.stat().st_size)

    def probe(self, url: str) -> _Got:
        return self.fetch(url, 0)

    def serving(self, url: str) -> list[tuple[str, str]]:
        return []  # no server to judge


@dataclass(frozen=True)
class _Reply:
    status: int | None
    """None when the server did not answer at all."""
    reason: str
    headers: Message | None
    body: Any
    """The open response, to read from (None on errors)."""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def length(self) -> int | None:
        value = self.headers.get("Content-Length") if self.headers is not None else None
        return int(value) if value is not None and value.strip().isdigit() else None


class _Http:
    """URLs fetched with urllib; answers are cached, downloads live in ``tmp``."""

    def __init__(self, timeout: float, tmp: Path) -> None:
        self.timeout = timeout
        self.tmp = tmp
        self._probes: dict[str, tuple[_Got, str | None]] = {}
        self._files: dict[str, _Got] = {}

    @contextmanager
    def _request(self, url: str, method: str = "GET",
                 headers: dict[str, str] | None = None) -> Iterator[_Reply]:
        request = urllib.request.Request(
            url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = None
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            e.close()
            reply = _Reply(e.code, f"HTTP {e.code} {e.reason}", e.headers, None)
        except (OSError, http.client.HTTPException, ValueError) as e:
            # URLError is an OSError; ValueError is urllib's "unknown url type".
            reply = _Reply(None, f"no answer ({getattr(e, 'reason', e)})", None, None)
        else:
            reply = _Reply(response.status, f"HTTP {response.status} {response.reason}",
                           response.headers, response)
        try:
            yield reply
        finally:
            if response is not None:
                response.close()

    def _probe(self, url: str) -> tuple[_Got, str | None]:
        """(what the URL gave, why HEAD was not good enough or None)."""
        if url in self._probes:
            return self._probes[url]
        with self._request(url, "HEAD") as head:
            pass
        size = head.length()
        if head.ok and size is not None:
            result: tuple[_Got, str | None] = (_Got(url, size=size), None)
        else:
            why = ("expected HEAD to answer 200 with a Content-Length, got " + head.reason
                   + (" without Content-Length" if head.ok else ""))
            # Whether the URL works at all is GET's to say; read no body.
            with self._request(url) as get:
                pass
            if get.ok:
                result = (_Got(url, size=get.length()), why)
            else:
                result = (_Got(url, problem=f"expected HTTP 200, got {get.reason}"), None)
        self._probes[url] = result
        return result

    def probe(self, url: str) -> _Got:
        return self._probe(url)[0]

    def fetch(self, url: str, limit: int) -> _Got:
        if url in self._files:
            return self._files[url]
        got = self.probe(url)
        if got.problem is not None:
            return got
        if got.size is not None and got.size > limit:
            return replace(got, skipped=f"{got.size} bytes, over the {limit}-byte limit")
        # Keep the URL's extension: audio and image checks look at it.
        target = self.tmp / f"{len(self._files)}{Path(urlsplit(url).path).suffix}"
        with self._request(url) as reply:
            if not reply.ok or reply.body is None:
                return replace(got, problem=f"expected HTTP 200, got {reply.reason}")
            size = 0
            with target.open("wb") as out:
                # Content-Length may be missing or wrong: stop one chunk past the limit.
                while size <= limit and (chunk := reply.body.read(1 << 16)):
                    out.write(chunk)
                    size += len(chunk)
        # Past the limit only when Content-Length was missing: the size read is partial.
        result = _Got(url, path=target, size=size) if size <= limit else replace(
            got, skipped=f"over the {limit}-byte limit")
        self._files[url] = result
        return result

    def serving(self, url: str) -> list[tuple[str, str]]:
        got, head_problem = self._probe(url)
        if got.problem is not None:
            return []  # the *-resolves rule says it
        found = [("server-head", head_problem)] if head_problem else []
        total = "N" if got.size is None else str(got.size)
        with self._request(url, headers={"Range": "bytes=0-1"}) as reply:
            # A server that ignores Range sends the whole file: close without reading it.
            span = reply.headers.get("Content-Range") if reply.headers is not None else None
        wanted = f"206 with 'Content-Range: bytes 0-1/{total}' for 'Range: bytes=0-1'"
        match = re.fullmatch(r"bytes 0-1/(\d+|\*)", (span or "").strip())
        if reply.status != 206 or match is None:
            detail = f" with Content-Range {span!r}" if span else " without Content-Range"
            found.append(("server-range", f"expected {wanted}, got {reply.reason}{detail}"))
        elif got.size is not None and match.group(1) not in (str(got.size), "*"):
            found.append(("server-range", expected(wanted, span)))
        return found


# -- small parsers --------------------------------------------------------------


def _text(el: Any) -> str:
    return "" if el is None else (el.text or "").strip()


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _got(what: str, found: str) -> str:
    """``expected``, but 'got nothing' for an empty value."""
    return expected(what, found) if found else f"expected {what}, got nothing"


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _rfc2822(value: str) -> tuple[dt.datetime | None, str]:
    """(the date, '') or (None, what was expected instead): RFC 2822, a time zone, and
    the weekday, when given, of that date."""
    wanted = "as an RFC 2822 date such as 'Mon, 19 Jan 2026 00:00:00 +0000'"
    parts = email.utils.parsedate_tz(value)
    if parts is None:
        return None, wanted
    if parts[9] is None:
        return None, "with a time zone such as +0000"
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # e.g. 31 Feb
        return None, wanted
    if when.tzinfo is None:  # "-0000" (zone unknown) parses naive; it is still UTC
        when = when.replace(tzinfo=dt.UTC)
    day = value.strip()[:3]
    if day in _WEEKDAYS and _WEEKDAYS.index(day) != when.weekday():
        return None, f"with the weekday of {when:%d %b %Y} ({_WEEKDAYS[when.weekday()]})"
    return when, ""


_SECONDS = re.compile(r"\d+")
_CLOCK = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)")
_TITLE_NUMBER = re.compile(
    r"\s*(?:(?:episode|ep\.?|no\.?)\s*\d+|#\s*\d+|s\d+\s*e\d+\b|\d+\s*[.:)|\-–—])", re.I)
_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{1,8})*")


def _duration(value: str) -> tuple[float | None, bool]:
    """(seconds, whether written as whole seconds) of an itunes:duration."""
    if _SECONDS.fullmatch(value):
        return float(value), True
    clock = _CLOCK.fullmatch(value)
    if clock:
        h, m, s = (int(g or 0) for g in clock.groups())
        return float(h * 3600 + m * 60 + s), False
    try:
        return float(value), False
    except ValueError:
        return None, False


def _either(options: tuple[str, ...]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]


def _number(value: float) -> str:
    return f"{value:g}"


# -- the checks ------------------------------------------------------------------


@dataclass
class _Enclosure:
    """What the item's enclosure checks learned, for the checks that follow."""

    path: Path | None = None
    duration: float | None = None
    """Of the real audio, when it could be read."""


class _Linter:
    def __init__(self, where: str, feed_url: str | None,
                 resources: Callable[[str], _Resources], decode: bool,
                 download_limit: int) -> None:
        self.where = where
        self.feed_url = feed_url
        self._make_resources = resources
        self.res: _Resources | None = None
        self.decode = decode
        self.download_limit = download_limit
        self.findings: list[Finding] = []

    def add(self, rule: str, message: str) -> None:
        self.findings.append(Finding(rule, RULES[rule][0], self.where, message))

    def run(self, data: bytes) -> list[Finding]:
        # No entities, no network: a remote feed must not make us read files or URLs.
        parser = _parser()
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as e:
            self.add("feed-xml", f"expected well-formed XML, got {e.msg}")
            return self.findings
        encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
        if encoding not in ("UTF-8", "UTF8"):
            self.add("feed-encoding", expected("UTF-8", encoding))
        channels = root.findall("channel")
        if root.tag != "rss" or root.get("version") != "2.0" or len(channels) != 1:
            version = root.get("version", "")
            found = f'<{root.tag} version="{version}"> with {len(channels)} <channel>'
            self.add("rss-version", f'expected <rss version="2.0"> with one <channel>, '
                                    f"got {found}")
            if len(channels) != 1:
                return self.findings
        for prefix, uri in NAMESPACES.items():
            if root.nsmap.get(prefix) != uri:
                self.add("namespaces", _got(f'xmlns:{prefix}="{uri}" on <rss>',
                                            root.nsmap.get(prefix) or ""))
        channel = channels[0]
        self.channel(channel)
        self.items(channel)
        return self.findings

    # -- channel ---------------------------------------------------------------

    def channel(self, ch: Any) -> None:
        if not _text(ch.find("title")):
            self.add("channel-title", "expected a non-empty <title>, got nothing")
        link = _text(ch.find("link"))
        if not _is_url(link):
            self.add("channel-link", _got("<link> with an absolute http(s) URL", link))
        description = _text(ch.find("description"))
        size = len(description.encode("utf-8"))
        if not description:
            self.add("channel-description", "expected a non-empty <description>, got nothing")
        elif size > DESCRIPTION_MAX_BYTES:
            self.add("channel-description", f"expected a <description> of at most "
                                            f"{DESCRIPTION_MAX_BYTES} bytes, got {size} bytes")
        language = _text(ch.find("language"))
        if not _LANGUAGE.fullmatch(language):
            self.add("channel-language", _got("an ISO 639 code such as 'en' in <language>",
                                              language))
        self.self_link(ch)
        self.artwork(ch)
        self.category(ch)
        self.explicit(ch.find(IT + "explicit"), "channel", required=True)
        if not _text(ch.find(IT + "author")):
            self.add("itunes-author", "expected a non-empty <itunes:author>, got nothing")
        owner = ch.find(IT + "owner")
        email = _text(owner.find(IT + "email")) if owner is not None else ""
        if owner is None:
            self.add("itunes-owner", "expected <itunes:owner> with <itunes:email>, got nothing")
        elif "@" not in email:
            self.add("itunes-owner", _got("an email address in <itunes:owner><itunes:email>",
                                          email))
        self.podcast_tags(ch)

    def self_link(self, ch: Any) -> None:
        links = [el.get("href", "") for el in ch.findall(ATOM + "link") if el.get("rel") == "self"]
        if not links:
            want = f' with href="{self.feed_url}"' if self.feed_url else ""
            self.add("atom-self", f'expected <atom:link rel="self"{want}>, got nothing')
        elif self.feed_url is not None and links[0] != self.feed_url:
            self.add("atom-self", expected(f'<atom:link rel="self"> to be the feed URL '
                                           f"{self.feed_url}", links[0]))
        if self.feed_url is None and links and _is_url(links[0]):
            self.feed_url = links[0]
        # Without a feed URL there is no telling where a URL's file is: check the XML only.
        if self.feed_url is not None:
            self.res = self._make_resources(self.feed_url)

    def artwork(self, ch: Any) -> None:
        el = ch.find(IT + "image")
        href = el.get("href", "").strip() if el is not None else ""
        suffixes = tuple(s for group in IMAGE_SUFFIXES.values() for s in group)
        if not _is_url(href) or not urlsplit(href).path.lower().endswith(suffixes):
            self.add("itunes-image", _got("<itunes:image href> with an absolute URL ending in "
                                          + _either(suffixes), href))
            return
        if self.res is None:
            return
        got = self.res.fetch(href, SMALL_LIMIT)
        if got.problem is not None:
            self.add("artwork-resolves", f"{got.name}: {got.problem}")
            return
        for rule, message in self.res.serving(href):
            self.add(rule, f"artwork {got.name}: {message}")
        if got.path is None:
            return
        info = images.inspect(got.path)
        suffix = Path(urlsplit(href).path).suffix.lower()
        if info is None or info.format not in IMAGE_SUFFIXES:
            kind = "a file that is not an image" if info is None else f"a {info.format} image"
            self.add("artwork-type", f"{got.name}: expected a JPEG or PNG image, got {kind}")
            return
        if suffix not in IMAGE_SUFFIXES[info.format]:
            self.add("artwork-type", f"{got.name}: expected the extension to match the real "
                                     f"type ({info.format}), got '{suffix}'")
        lo, hi = images.ARTWORK_MIN, images.ARTWORK_MAX
        if info.width != info.height or not lo <= info.width <= hi:
            self.add("artwork-size", f"{got.name}: expected a square of {lo} to {hi} px, "
                                     f"got {info.width}x{info.height} px")
        if info.mode != "RGB":
            self.add("artwork-rgb", f"{got.name}: expected RGB colour, got mode {info.mode}")

    def category(self, ch: Any) -> None:
        tops = ch.findall(IT + "category")
        if not tops:
            self.add("itunes-category", "expected <itunes:category> from Apple's list, "
                                        "got nothing")
        for top in tops:
            name = top.get("text", "")
            if name not in CATEGORIES:
                self.add("itunes-category", _got("a category from Apple's list", name))
                continue
            for sub in top.findall(IT + "category"):
                if sub.get("text", "") not in CATEGORIES[name]:
                    self.add("itunes-category", _got(f"a subcategory of {name!r} from Apple's "
                                                     "list", sub.get("text", "")))

    def explicit(self, el: Any, who: str, required: bool) -> None:
        if el is None and not required:
            return
        value = (el.text or "") if el is not None else ""
        if value not in ("true", "false"):
            self.add("itunes-explicit-value",
                     f"{who}: " + _got("<itunes:explicit> 'true' or 'false'", value))

    def podcast_tags(self, ch: Any) -> None:
        guid = _text(ch.find(POD + "guid"))
        if self.feed_url is not None:
            want = podcast_guid(self.feed_url)
            if guid != want:
                self.add("podcast-guid", _got(f"<podcast:guid> {want} (UUIDv5 of "
                                              f"{self.feed_url})", guid))
        elif not guid:
            self.add("podcast-guid", "expected a <podcast:guid>, got nothing")
        locked = ch.find(POD + "locked")
        value = _text(locked)
        if value not in ("yes", "no"):
            self.add("podcast-locked", _got("<podcast:locked> 'yes' or 'no'", value))
        elif "@" not in locked.get("owner", ""):
            self.add("podcast-locked", _got("an owner email on <podcast:locked>",
                                            locked.get("owner", "")))
        for funding in ch.findall(POD + "funding"):
            text = _text(funding)
            if not _is_url(funding.get("url", "")):
                self.add("podcast-funding", _got("<podcast:funding url> with an absolute URL",
                                                 funding.get("url", "")))
            if len(text) > FUNDING_TEXT_MAX:
                self.add("podcast-funding", f"expected <podcast:funding> text of at most "
                                            f"{FUNDING_TEXT_MAX} characters, got {len(text)}")
        for txt in ch.findall(POD + "txt"):
            if txt.get("purpose") == "ai-content" and _text(txt) not in ("true", "false"):
                self.add("podcast-txt", _got('<podcast:txt purpose="ai-content"> '
                                             "'true' or 'false'", _text(txt)))
        show_type = _text(ch.find(IT + "type"))
        if show_type not in ("episodic", "serial"):
            self.add("itunes-type", _got("<itunes:type> 'episodic' or 'serial'", show_type))

    # -- items -------------------------------------------------------------------

    def items(self, ch: Any) -> None:
        guids: dict[str, str] = {}
        urls: dict[str, str] = {}
        dates: list[tuple[dt.datetime, str]] = []
        serial = _text(ch.find(IT + "type")) == "serial"
        for n, item in enumerate(ch.findall("item"), 1):
            title = _text(item.find("title"))
            guid = _text(item.find("guid"))
            label = (f"item '{title}'" if title else
                     f"item with guid '{guid}'" if guid else f"item {n}")
            when = self.item(item, label, guids, urls)
            if when is not None:
                dates.append((when, label))
            if serial and not _text(item.find(IT + "episode")):
                self.add("serial-episodes", f"{label}: expected <itunes:episode> (the show is "
                                            "serial), got nothing")
        for (newer, a), (older, b) in zip(dates, dates[1:], strict=False):
            if older > newer:
                self.add("date-order", f"{b}: expected items newest first, got it "
                                       f"({older:%Y-%m-%d}) after {a} ({newer:%Y-%m-%d})")
        built_text = _text(ch.find("lastBuildDate"))
        built, wanted = _rfc2822(built_text)
        newest = max((d for d, _ in dates), default=None)
        if built is None:
            self.add("last-build-date", _got(f"<lastBuildDate> {wanted}", built_text))
        elif newest is not None and built < newest:
            self.add("last-build-date", expected(
                f"<lastBuildDate> not earlier than the newest pubDate "
                f"({email.utils.format_datetime(newest)})", built_text))

    def item(self, item: Any, label: str, guids: dict[str, str],
             urls: dict[str, str]) -> dt.datetime | None:
        def add(rule: str, message: str) -> None:
            self.add(rule, f"{label}: {message}")

        title = _text(item.find("title"))
        if not title:
            add("item-title", "expected a non-empty <title>, got nothing")
        elif number := _TITLE_NUMBER.match(title):
            add("title-number", expected("no episode number in the title (it belongs in "
                                         "<itunes:episode>)", number.group().strip()))
        self.guid(item.find("guid"), label, guids)
        enclosure = self.enclosure(item, label, urls)
        date_text = _text(item.find("pubDate"))
        when, wanted = _rfc2822(date_text)
        if when is None:
            add("pub-date", _got(f"<pubDate> {wanted}", date_text))
        self.duration(item, label, enclosure)
        self.explicit(item.find(IT + "explicit"), label, required=False)
        episode_type = item.find(IT + "episodeType")
        if episode_type is not None and _text(episode_type) not in EPISODE_TYPES:
            add("episode-type", _got("<itunes:episodeType> " + _either(EPISODE_TYPES),
                                     _text(episode_type)))
        for tag in ("episode", "season"):
            el = item.find(IT + tag)
            if el is not None and not (_SECONDS.fullmatch(_text(el)) and int(_text(el)) > 0):
                add("episode-number", _got(f"<itunes:{tag}> as a whole number from 1",
                                           _text(el)))
        link = _text(item.find("link"))
        if not _is_url(link):
            add("item-link", _got("<link> to the show-notes page (an absolute URL)", link))
        elif self.res is not None:
            page = self.res.probe(link)
            if page.problem is not None:
                add("link-resolves", f"{page.name}: {page.problem}")
        for what, el in (("<description>", item.find("description")),
                         ("<content:encoded>", item.find(CONTENT + "encoded"))):
            if not _text(el):
                add("item-description", f"expected a non-empty {what}, got nothing")
        self.chapters(item, label, enclosure)
        self.transcript(item, label)
        return when

    def guid(self, el: Any, label: str, guids: dict[str, str]) -> None:
        guid = _text(el)
        if not guid:
            self.add("guid-present", f"{label}: expected a non-empty <guid>, got nothing")
            return
        if guid in guids:
            self.add("guid-unique", f"{label}: expected a <guid> no other item has, got "
                                    f"'{guid}' (also {guids[guid]})")
        guids.setdefault(guid, label)
        # isPermaLink defaults to true: apps then treat the guid as a URL.
        if not _is_url(guid) and el.get("isPermaLink", "true") != "false":
            self.add("guid-permalink", f"{label}: expected isPermaLink=\"false\" on a guid "
                                       f"that is not a URL ('{guid}'), got "
                                       + (repr(el.get("isPermaLink")) if "isPermaLink" in el.attrib
                                          else "nothing"))

    def enclosure(self, item: Any, label: str, urls: dict[str, str]) -> _Enclosure:
        def add(rule: str, message: str) -> None:
            self.add(rule, f"{label}: {message}")

        found = _Enclosure()
        enclosures = item.findall("enclosure")
        if len(enclosures) != 1:
            add("enclosure-count", f"expected exactly one <enclosure>, got {len(enclosures)}")
            if not enclosures:
                return found
        el = enclosures[0]
        url = el.get("url", "").strip()
        suffix = Path(urlsplit(url).path).suffix.lower()
        url_ok = _is_url(url) and suffix in AUDIO_TYPES
        if not url_ok:
            add("enclosure-url", _got("an absolute enclosure URL ending in .mp3 or .m4a", url))
        elif el.get("type", "") not in AUDIO_TYPES[suffix]:
            add("enclosure-type", _got(f"type {' or '.join(AUDIO_TYPES[suffix])} for a "
                                       f"{suffix} enclosure", el.get("type", "")))
        if url in urls:
            add("enclosure-unique", f"expected an enclosure URL no other item has, got "
                                    f"{url} (also {urls[url]})")
        urls.setdefault(url, label)
        length_text = el.get("length", "").strip()
        length = int(length_text) if length_text.isdigit() else 0
        if length <= 0:
            add("enclosure-length", _got("a length in bytes greater than 0", length_text))
        if self.res is None or not url_ok:
            return found
        got = self.res.fetch(url, self.download_limit)
        if got.problem is not None:
            add("enclosure-resolves", f"{got.name}: {got.problem}")
            return found
        for rule, message in self.res.serving(url):
            add(rule, message)
        if length > 0 and got.size is not None and got.size != length:
            add("enclosure-length", f"expected length {got.size} (the file's size), "
                                    f"got {length}")
        if got.skipped is not None:
            add("duration-unchecked", f"{got.name}: duration, loudness and embedded chapters "
                                      f"not checked: the audio is {got.skipped}")
        if got.path is None:
            return found
        found.path = got.path
        problem = tags.audio_problem(got.path)
        if problem is not None:
            add("enclosure-audio", f"{got.name}: {problem}")
            return found
        if not self.decode:
            found.duration = tags.read_duration(got.path)
            return found
        settings = AudioSettings()
        try:
            facts = audio.analyse(got.path, settings, 0)
        except (ffmpeg.FFmpegError, audio.AudioProblem) as e:
            add("enclosure-audio", f"{got.name}: expected audio ffmpeg can decode, got {e}")
            return found
        found.duration = facts.samples / settings.sample_rate
        if abs(facts.loudness - LOUDNESS_TARGET) > LOUDNESS_TOLERANCE:
            add("loudness", f"{got.name}: expected {_number(LOUDNESS_TARGET)} LUFS "
                            f"(±{_number(LOUDNESS_TOLERANCE)}), got {facts.loudness} LUFS")
        if facts.true_peak > TRUE_PEAK_MAX:
            add("true-peak", f"{got.name}: expected a true peak of at most "
                             f"{_number(TRUE_PEAK_MAX)} dBTP, got {facts.true_peak} dBTP")
        return found

    def duration(self, item: Any, label: str, enclosure: _Enclosure) -> None:
        text = _text(item.find(IT + "duration"))
        seconds, whole = _duration(text)
        if not whole:
            self.add("duration-format", f"{label}: " + _got("<itunes:duration> in whole "
                                                            "seconds", text))
        real = enclosure.duration
        if seconds is not None and real is not None and \
                abs(seconds - real) > DURATION_TOLERANCE:
            self.add("duration-mismatch", f"{label}: expected <itunes:duration> within "
                                          f"{_number(DURATION_TOLERANCE)} s of the audio's "
                                          f"{real:.2f} s, got {text}")
        if real is None and seconds is not None:
            enclosure.duration = seconds  # the best there is for the chapters' range

    def chapters(self, item: Any, label: str, enclosure: _Enclosure) -> None:
        el = item.find(POD + "chapters")
        if el is None:
            return

        def add(rule: str, message: str) -> None:
            self.add(rule, f"{label}: {message}")

        if el.get("type") != "application/json+chapters":
            add("chapters-type", _got('podcast:chapters type="application/json+chapters"',
                                      el.get("type", "")))
        url = el.get("url", "")
        if not _is_url(url):
            add("chapters-resolves", _got("podcast:chapters url, an absolute URL", url))
            return
        if self.res is None:
            return
        got = self.res.fetch(url, SMALL_LIMIT)
        if got.problem is not None or got.path is None:
            add("chapters-resolves", f"{got.name}: {got.problem or got.skipped}")
            return
        try:
            data = json.loads(got.path.read_bytes())
        except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError
            add("chapters-json", f"{got.name}: expected JSON, got {e}")
            return
        chapters = data.get("chapters") if isinstance(data, dict) else None
        if not isinstance(chapters, list) or not chapters:
            add("chapters-json", f"{got.name}: expected an object with a non-empty "
                                 f"'chapters' list, got {type(chapters).__name__}")
            return
        version = data.get("version")
        if not isinstance(version, str) or not version:
            add("chapters-version", f"{got.name}: "
                + _got("a version such as '1.2.0'", "" if version is None else str(version)))
        starts: list[tuple[float, str]] = []
        for i, chapter in enumerate(chapters, 1):
            start = chapter.get("startTime") if isinstance(chapter, dict) else None
            if isinstance(start, bool) or not isinstance(start, int | float) or start < 0:
                add("chapters-json", f"{got.name}: chapter {i}: expected a startTime in "
                                     f"seconds, got {start!r}")
                return
            title = chapter.get("title")
            starts.append((float(start), f"chapter {i}" + (f" ({title!r})" if title else "")))
        self.chapter_times(got.name, starts, enclosure.duration, add)
        if enclosure.path is not None and enclosure.path.suffix.lower() in (".mp3", ".m4a"):
            self.embedded_chapters(got.name, chapters, enclosure.path, add)

    def chapter_times(self, name: str, starts: list[tuple[float, str]],
                      duration: float | None, add: Any) -> None:
        if starts[0][0] != 0:
            add("chapters-order", f"{name}: {starts[0][1]}: expected a startTime of 0, got "
                                  f"{_number(starts[0][0])}")
        for (before, _), (start, what) in zip(starts, starts[1:], strict=False):
            if start <= before:
                add("chapters-order", f"{name}: {what}: expected a startTime after "
                                      f"{_number(before)}, got {_number(start)}")
                break
        for start, what in starts:
            if duration is not None and start >= duration:
                add("chapters-range", f"{name}: {what}: expected a startTime within the "
                                      f"audio's {duration:.2f} s, got {_number(start)}")
                break

    def embedded_chapters(self, name: str, chapters: list[Any], mp3: Path, add: Any) -> None:
        try:
            frames = tags.read_chapters(mp3)
        except (MutagenError, KeyError, OSError):  # no ID3 tag, or a CTOC naming no CHAP
            frames = []
        if not frames:
            add("chapters-embedded", f"expected the audio file to carry the {len(chapters)} "
                                     f"chapters of {name} (ID3 CHAP frames or MP4 chapters), "
                                     f"got none")
            return
        json_side = [(float(c["startTime"]), str(c.get("title", ""))) for c in chapters]
        if len(frames) != len(json_side):
            add("chapters-embedded", f"expected the MP3's ID3 chapters to match {name} "
                                     f"({len(json_side)} chapters), got {len(frames)}")
            return
        for i, ((start, title), (frame_start, _, frame_title)) in enumerate(
                zip(json_side, frames, strict=True), 1):
            # CHAP times are whole milliseconds.
            if abs(start - frame_start) > 0.0015 or title != frame_title:
                add("chapters-embedded", f"chapter {i}: expected the MP3's ID3 chapter to "
                                         f"match {name} ({_number(start)} s {title!r}), got "
                                         f"{_number(frame_start)} s {frame_title!r}")
                return

    def transcript(self, item: Any, label: str) -> None:
        for el in item.findall(POD + "transcript"):
            kind = el.get("type", "")
            if kind not in TRANSCRIPT_TYPES:
                self.add("transcript-type", f"{label}: " + _got(
                    "podcast:transcript type " + _either(TRANSCRIPT_TYPES), kind))
            url = el.get("url", "")
            if not _is_url(url):
                self.add("transcript-resolves", f"{label}: "
                         + _got("podcast:transcript url, an absolute URL", url))
            elif self.res is not None:
                got = self.res.probe(url)
                if got.problem is not None:
                    self.add("transcript-resolves", f"{label}: {got.name}: {got.problem}")
