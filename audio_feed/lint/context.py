"""What the rules look at: the parsed feed, its items, and the files they point to.

Everything a rule needs that costs a fetch or a decode is a cached property
here, so that several rules can look at one enclosure and it is fetched, read
and decoded once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from .. import audio, ffmpeg, tags
from ..constants import ENCLOSURE_TYPES
from ..feed import ITUNES_NS, PODCAST_NS
from ..model import AudioSettings
from .fetch import Got, Resources
from .parse import duration, is_url, text_of

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
NAMESPACES = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS, "content": CONTENT_NS}
OLD_NAMESPACES = {"podcast": "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"}
"""Earlier URIs still valid for a prefix (the Podcasting 2.0 namespace's first home)."""
# Clark-notation prefixes for find(): IT + "image" is {itunes URI}image.
IT, POD, ATOM, CONTENT = (f"{{{ns}}}" for ns in (ITUNES_NS, PODCAST_NS, ATOM_NS, CONTENT_NS))

SMALL_LIMIT = 10 * 2**20
"""Largest artwork or chapters file lint_url downloads."""


@dataclass(frozen=True)
class Options:
    """How to lint: what the caller knows that the feed does not say."""

    feed_url: str | None = None
    decode: bool = False
    download_limit: int = 20 * 2**20
    audio: AudioSettings = field(default_factory=AudioSettings)
    """The show's loudness target, true-peak ceiling and format (defaults when unknown)."""
    house: bool = True
    """Whether our own house rules are errors (our builds, --strict) or only warnings."""
    podcast_guid: str | None = None
    """The podcast:guid the show keeps from a feed it moved from (podcast.toml)."""


class Feed:
    """The feed document and where its URLs' files come from."""

    def __init__(self, root: Any, options: Options,
                 resources: Callable[[str], Resources]) -> None:
        self.root = root
        self.options = options
        channels = root.findall("channel")
        self.channel: Any = channels[0] if len(channels) == 1 else etree.Element("channel")
        self.single_channel = len(channels) == 1
        self.self_links = [el.get("href", "") for el in self.channel.findall(ATOM + "link")
                           if el.get("rel") == "self"]
        own = self.self_links[0] if self.self_links and is_url(self.self_links[0]) else None
        self.feed_url = options.feed_url or own
        # Without a feed URL there is no telling where a URL's file is: check the XML only.
        self.res = resources(self.feed_url) if self.feed_url else None
        self._serving: dict[str, list[tuple[str, str]]] = {}

    def text(self, tag: str) -> str:
        return text_of(self.channel.find(tag))

    @cached_property
    def items(self) -> list[Item]:
        return [Item(self, el, n) for n, el in enumerate(self.channel.findall("item"), 1)]

    def serving(self, url: str) -> list[tuple[str, str]]:
        """(rule, message) for what the server does wrong with ``url``, asked once."""
        if self.res is None:
            return []
        if url not in self._serving:
            self._serving[url] = self.res.serving(url)
        return self._serving[url]

    @cached_property
    def artwork(self) -> Got | None:
        """The artwork file, when its URL is usable and there is a site or server."""
        el = self.channel.find(IT + "image")
        href = el.get("href", "").strip() if el is not None else ""
        if self.res is None or not is_url(href):
            return None
        return self.res.fetch(href, SMALL_LIMIT)


@dataclass
class Decoded:
    """A full decode of an enclosure with ffmpeg."""

    seconds: float | None = None
    loudness: float | None = None
    true_peak: float | None = None
    problem: str | None = None


class Item:
    """One <item>, with what its enclosure and chapters turn out to be."""

    def __init__(self, feed: Feed, el: Any, n: int) -> None:
        self.feed = feed
        self.el = el
        title, guid = self.text("title"), self.text("guid")
        self.label = (f"item '{title}'" if title else
                      f"item with guid '{guid}'" if guid else f"item {n}")

    def text(self, tag: str) -> str:
        return text_of(self.el.find(tag))

    @cached_property
    def enclosure_url(self) -> str:
        el = self.el.find("enclosure")
        return el.get("url", "").strip() if el is not None else ""

    @property
    def suffix(self) -> str:
        return Path(urlsplit(self.enclosure_url).path).suffix.lower()

    @property
    def enclosure_ok(self) -> bool:
        return is_url(self.enclosure_url) and self.suffix in ENCLOSURE_TYPES

    @cached_property
    def audio(self) -> Got | None:
        """The enclosure as fetched (None when its URL is unusable or nothing is served)."""
        if self.feed.res is None or not self.enclosure_ok:
            return None
        return self.feed.res.fetch(self.enclosure_url, self.feed.options.download_limit)

    @property
    def audio_name(self) -> str:
        """How messages call the enclosure's file."""
        return self.audio.name if self.audio is not None else self.enclosure_url

    @cached_property
    def audio_problem(self) -> str | None:
        got = self.audio
        if got is None or got.path is None or got.problem is not None:
            return None
        return tags.audio_problem(got.path)

    @property
    def audio_path(self) -> Path | None:
        """The enclosure's bytes on disk, when they are audio mutagen can read."""
        got = self.audio
        if got is None or got.problem is not None or self.audio_problem is not None:
            return None
        return got.path

    @cached_property
    def decoded(self) -> Decoded:
        path, settings = self.audio_path, self.feed.options.audio
        if path is None or not self.feed.options.decode:
            return Decoded()
        try:
            facts = audio.analyse(path, settings, 0)
        except (ffmpeg.FFmpegError, audio.AudioProblem) as e:
            return Decoded(problem=f"expected audio ffmpeg can decode, got {e}")
        return Decoded(facts.samples / settings.sample_rate, facts.loudness, facts.true_peak)

    @cached_property
    def real_duration(self) -> float | None:
        """Seconds of the real audio, when it could be read."""
        if self.feed.options.decode:
            return self.decoded.seconds
        path = self.audio_path
        return tags.read_duration(path) if path is not None else None

    @property
    def best_duration(self) -> float | None:
        """The real duration, else what itunes:duration says (for the chapters' range)."""
        real = self.real_duration
        return real if real is not None else duration(self.text(IT + "duration"))[0]

    @cached_property
    def chapters_file(self) -> tuple[Got | None, Any]:
        """(the fetched chapters file, its parsed JSON or the ValueError) or (None, None)."""
        el = self.el.find(POD + "chapters")
        url = el.get("url", "") if el is not None else ""
        if self.feed.res is None or not is_url(url):
            return None, None
        got = self.feed.res.fetch(url, SMALL_LIMIT)
        if got.problem is not None or got.path is None:
            return got, None
        try:
            return got, json.loads(got.path.read_bytes())
        except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError
            return got, e

    @property
    def chapters(self) -> list[Any] | None:
        """The chapters list, when the file is a JSON object with a non-empty one."""
        data = self.chapters_file[1]
        found = data.get("chapters") if isinstance(data, dict) else None
        return found if isinstance(found, list) and found else None

    @property
    def chapter_starts(self) -> list[tuple[float, str]] | None:
        """(startTime, 'chapter N (title)') of each chapter, or None if any is invalid."""
        starts: list[tuple[float, str]] = []
        for i, chapter in enumerate(self.chapters or [], 1):
            start = chapter.get("startTime") if isinstance(chapter, dict) else None
            if isinstance(start, bool) or not isinstance(start, int | float) or start < 0:
                return None
            title = chapter.get("title")
            starts.append((float(start), f"chapter {i}" + (f" ({title!r})" if title else "")))
        return starts or None
