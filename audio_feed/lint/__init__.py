"""Check a built feed against what podcast apps and directories require, locally or over HTTP.

The builder is meant to make these checks pass by construction; the linter is
the independent witness. It reads only what a podcast app would read: the feed
XML and the files its URLs point to, never the show folder or the build's own
data. Each rule (``rules.RULES``) has a stable id, a severity, a source (who
requires it) and a summary; each finding is one line naming the item and
saying what was expected and what was found::

    feed.xml: enclosure-length: item 'Why We Listen': expected length 588211
    (the file's size), got 12        <- one line, wrapped here

``lint_site`` maps the feed's URLs (those under the feed URL's folder) onto a
built site folder; ``lint_url`` fetches everything over HTTP(S), as an app
would, and also checks that the server answers ``HEAD`` and byte ``Range``
requests. Audio is judged with mutagen (fast, headers only) unless ``decode``
asks for a full decode with ffmpeg (exact duration, loudness and true peak).

Our own house rules are errors when ``house`` is true (our builds, and
``--strict``); for someone else's feed they only warn. Rules that need
knowledge a feed does not carry are not checked: whether the voice is
synthetic (``podcast:txt``), whether ``podcast:guid``, GUIDs or media URLs
changed since the previous build, and whether ``lastBuildDate`` came from the
clock. The facts behind the rules are in docs/podcast-feeds.md.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from .. import filekind
from ..model import AudioSettings
from . import checks
from .context import ATOM, SMALL_LIMIT, Feed, Options
from .fetch import Http, Resources, SiteFiles
from .rules import BY_ID, ERROR, FEED_FETCH, FEED_XML, NOTE, RULES, WARNING, Rule

__all__ = ["ERROR", "NOTE", "RULES", "WARNING", "Finding", "Rule", "errors_in", "lint_site",
           "lint_url", "rules_table", "self_link"]

DOWNLOAD_LIMIT = 20 * 2**20
"""Largest enclosure lint_url downloads to check its duration (a 40-minute 64k MP3)."""


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
    if not filekind.is_file(feed):
        return None  # a named pipe would never answer
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


def rules_table() -> list[tuple[str, str, str, str]]:
    """(id, severity, source, summary) of every rule, in the order they are checked."""
    return [(r.id, r.severity, r.source, r.summary) for r in RULES]


def lint_site(site: Path, feed_url: str | None = None, *, decode: bool = False,
              audio: AudioSettings | None = None, house: bool = True,
              podcast_guid: str | None = None) -> list[Finding]:
    """Lint ``site/feed.xml`` and the files its URLs point to in ``site``.

    URLs under the feed URL's folder map to files in ``site``; the feed URL is
    ``feed_url`` or else the feed's own ``atom:link rel="self"`` (when neither is
    known, nothing outside the XML can be checked). ``decode`` decodes every
    enclosure with ffmpeg for its exact duration, loudness and true peak, judged
    against ``audio`` (the show's settings; the defaults when not given).
    ``house``: our own conventions are errors (a site we built) or warnings.
    ``podcast_guid``: the show's own podcast:guid, kept from a feed it moved from.
    """
    path = site / "feed.xml"
    found = filekind.not_file(path)
    if found:  # never opened: a named pipe would wait forever
        return [_finding(BY_ID[FEED_FETCH], house, "feed.xml", f"expected a built site with "
                         f"feed.xml in {site}, got {found}")]
    try:
        data = path.read_bytes()
    except OSError as e:
        return [_finding(BY_ID[FEED_FETCH], house, "feed.xml",
                         f"expected a built site with feed.xml in {site}, got {e.strerror or e}")]
    options = Options(feed_url, decode, DOWNLOAD_LIMIT, audio or AudioSettings(), house,
                      podcast_guid)
    return _lint("feed.xml", data, options, lambda url: SiteFiles(site, url))


def lint_url(url: str, timeout: float = 10, *, download_limit: int = DOWNLOAD_LIMIT,
             decode: bool = False, audio: AudioSettings | None = None,
             house: bool = False) -> list[Finding]:
    """Lint the feed at ``url`` and everything it links to, over HTTP(S) as an app would.

    Enclosures are asked for with HEAD (their size) and a two-byte Range GET (the
    server must answer 206); they are downloaded to check duration, loudness and
    embedded chapters only up to ``download_limit`` bytes (larger ones get a note).
    ``timeout`` applies to each request. House rules only warn unless ``house``.
    """
    with tempfile.TemporaryDirectory(prefix="audio-feed-lint-") as tmp:
        http = Http(timeout, Path(tmp))
        got = http.fetch(url, SMALL_LIMIT)
        if got.path is None:
            why = got.problem or f"expected a feed of at most {SMALL_LIMIT} bytes, got {got.size}"
            return [_finding(BY_ID[FEED_FETCH], house, url, why)]
        options = Options(url, decode, download_limit, audio or AudioSettings(), house)
        return _lint(url, got.path.read_bytes(), options, lambda _: http)


def _finding(rule: Rule, house: bool, where: str, message: str) -> Finding:
    return Finding(rule.id, rule.severity_for(house), where, message)


def _lint(where: str, data: bytes, options: Options,
          resources: Callable[[str], Resources]) -> list[Finding]:
    """Every rule's findings, in the table's order."""
    try:
        # No entities, no network: a remote feed must not make us read files or URLs.
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        return [_finding(BY_ID[FEED_XML], options.house, where,
                         f"expected well-formed XML, got {e.msg}")]
    feed = Feed(root, options, resources)
    findings: list[Finding] = []
    for rule in RULES:
        if rule.check is None:
            continue
        try:
            for message in rule.check(feed):
                findings.append(_finding(rule, options.house, where, message))
        except checks.StopLint:
            break
    return findings

