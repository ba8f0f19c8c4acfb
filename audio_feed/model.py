"""The data that flows through a build: frozen, typed dataclasses.

Data flows one way: config -> posts -> audio -> tags -> feed/site -> writer.
Templates receive these objects themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .constants import LOUDNESS_TARGET, MIME_TYPES, TRUE_PEAK_MAX

PAID_AUDIENCES = frozenset({"only_paid", "founding"})
PAID_VISIBILITIES = frozenset({"paid", "founding", "subscribers"})


@dataclass(frozen=True)
class AudioSettings:
    """How episode audio is rendered (the ``[audio]`` table of podcast.toml)."""

    loudness: float = LOUDNESS_TARGET
    """Integrated loudness target in LUFS. Apple asks about -16 for spoken word."""
    true_peak: float = TRUE_PEAK_MAX
    """Ceiling for the true peak in dBTP; a limiter engages only when the gain needs it."""
    bitrate: str = "64k"
    """MP3 bitrate; 64k mono is Apple's recommendation for speech."""
    sample_rate: int = 44100
    """Output sample rate in Hz."""
    channels: int = 1
    """1 (mono, right for a spoken newsletter) or 2."""
    intro_overlap: float = 2.0
    """Seconds the intro music keeps playing, fading out, under the first words."""
    outro_overlap: float = 1.0
    """Seconds the outro music fades in under the last words."""
    format: str = "mp3"
    """Output format: mp3 (MP3 with ID3 tags) or m4a (AAC in MP4, with chapter atoms)."""

    @property
    def extension(self) -> str:
        return "." + self.format

    @property
    def mime(self) -> str:
        return MIME_TYPES[self.extension]

    def key(self) -> dict[str, Any]:
        """Every setting that changes the rendered bytes (part of the cache key)."""
        return {
            "loudness": self.loudness,
            "true_peak": self.true_peak,
            "bitrate": self.bitrate,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "intro_overlap": self.intro_overlap,
            "outro_overlap": self.outro_overlap,
            "format": self.format,
        }


@dataclass(frozen=True)
class SpeakSettings:
    """How posts without a recording are read aloud (the ``[speak]`` table)."""

    engine: str = "espeak-ng"
    """espeak-ng, piper or command."""
    voice: str = ""
    """The engine's voice: an espeak-ng voice name, a piper .onnx file or package, or
    for command the program line itself."""
    speed: float = 1.0
    """Speaking rate, 1.0 being the engine's normal."""
    sentence_pause: float = 0.4
    """Seconds of silence between sentences (twice that after a heading)."""
    read_date: bool = False
    images: str = "read"
    skip: tuple[str, ...] = ()
    pronounce: tuple[tuple[str, str], ...] = ()

    def key(self) -> dict[str, Any]:
        """Every setting that changes the synthesized samples (part of the cache key)."""
        return {"engine": self.engine, "voice": self.voice, "speed": self.speed}


@dataclass(frozen=True)
class Show:
    """The podcast as described by podcast.toml."""

    root: Path
    title: str
    description: str
    author: str
    email: str
    language: str
    base_url: str
    artwork: Path
    category: str
    subcategory: str | None
    explicit: bool
    intro: Path | None
    outro: Path | None
    link: str
    copyright: str | None
    show_type: str
    synthetic_voice: bool
    locked: bool
    funding_url: str | None
    funding_text: str | None
    templates: Path | None
    audio: AudioSettings = field(default_factory=AudioSettings)
    podcast_guid: str | None = None
    """Kept from the feed the show moved from; None: derived from ``feed_url``."""
    new_feed_url: str | None = None
    """Where the show moved to (itunes:new-feed-url)."""
    speak: SpeakSettings = field(default_factory=SpeakSettings)

    @property
    def feed_url(self) -> str:
        return self.base_url + "feed.xml"

    @property
    def artwork_name(self) -> str:
        """The artwork's file name in the built site."""
        return "artwork.jpg" if self.artwork.suffix.lower() in (".jpg", ".jpeg") else "artwork.png"

    @property
    def artwork_url(self) -> str:
        return self.base_url + self.artwork_name


@dataclass(frozen=True)
class Chapter:
    """A chapter mark; ``start`` is in seconds."""

    start: float
    title: str

    def shifted(self, offset: float) -> Chapter:
        return Chapter(self.start + offset, self.title)


def chapter_spans(chapters: Sequence[Chapter], end: float) -> list[tuple[float, float, str]]:
    """(start, end, title) of each chapter: each ends where the next starts, the last at ``end``."""
    ends = [c.start for c in chapters[1:]] + [end]
    return [(c.start, stop, c.title) for c, stop in zip(chapters, ends, strict=True)]


@dataclass(frozen=True)
class Image:
    """An image a post refers to, copied next to its page."""

    source: Path
    target: str
    """Path relative to the episode's folder in the site."""


@dataclass(frozen=True)
class Episode:
    """One post, validated."""

    stem: str
    source: Path
    title: str
    subtitle: str | None
    summary: str
    """Plain-text summary: the subtitle, else the start of the post."""
    date: dt.datetime
    """Publication time, timezone-aware (UTC when the post gives none)."""
    post_id: str
    """The episode GUID; never changes once published."""
    type: str
    audience: str
    visibility: str
    audio: Path | None
    """The body recording (or the folder of its sections), None when it is not ready yet."""
    chapters: tuple[Chapter, ...]
    number: int | None
    season: int | None
    episode_type: str
    explicit: bool | None
    html: str
    """The post body rendered from Markdown and sanitised."""
    text: str
    """The post as plain text (what the voice reads)."""
    images: tuple[Image, ...]
    sections: tuple[Path, ...] = ()
    """When the recording comes as one file per section: the files, in order."""
    section_titles: tuple[str, ...] = ()
    """The chapter title of each section: the matching ##/### heading, else the file name."""
    section_texts: tuple[str, ...] = ()
    """The text read in each section (for the WebVTT transcript)."""
    section_opening: bool = False
    """Whether the first section is the opening, the text before the first heading."""
    guests: tuple[str, ...] = ()
    """Guest names (podcast:person role="guest")."""
    draft: bool = False
    """A draft (``draft: true`` or ``is_published: false``): never published."""
    canonical_url: str | None = None
    """The post's original address, the page's canonical link."""
    cover: str | None = None
    """The episode's cover image: an http(s) URL, or a path in the episode's folder."""
    extra: tuple[tuple[str, Any], ...] = ()
    """Front-matter keys audio-feed does not know, kept as they were."""
    pronounce: tuple[tuple[str, str], ...] = ()
    """The post's own pronunciation fixes (written, spoken), over the show's."""
    spoken: tuple[tuple[tuple[float, float, str], ...], ...] = ()
    """For a recording made by ``speak``: each section's sentences (start, end, text),
    in seconds within the section, from its timing sidecar."""

    @property
    def synthetic(self) -> bool:
        """Read by a synthetic voice (its sections were made by ``speak``)."""
        return bool(self.spoken)

    @property
    def body(self) -> Path | tuple[Path, ...]:
        """What the renderer decodes: the recording, or its sections in order."""
        assert self.audio is not None
        return self.sections or self.audio

    @property
    def is_paid(self) -> bool:
        return self.audience in PAID_AUDIENCES or self.visibility in PAID_VISIBILITIES

    @property
    def is_draft(self) -> bool:
        return self.draft

    @property
    def is_public(self) -> bool:
        """Whether anything of this post may reach the site or the feed."""
        return not (self.is_paid or self.is_draft)

    @property
    def slug(self) -> str:
        return self.stem


@dataclass(frozen=True)
class RenderedAudio:
    """An episode's finished audio file in the site."""

    path: str
    """Site-relative path, e.g. ``audio/why-we-listen-1a2b3c4d.mp3``."""
    mime: str
    length: int
    duration: float
    body_offset: float
    """Where the body starts in the output (intro length minus the overlap)."""
    chapters: tuple[Chapter, ...]
    """Chapters against the output file (already shifted)."""
    loudness: float
    true_peak: float


@dataclass(frozen=True)
class EpisodePage:
    """Everything the feed and the templates know about one public episode."""

    episode: Episode
    url: str
    """Absolute URL of the show-notes page."""
    path: str
    """Site-relative folder of the episode, ending in '/'."""
    audio: RenderedAudio | None
    audio_url: str | None
    chapters_url: str | None
    transcript_url: str
    cues: tuple[tuple[float, float, str], ...] = ()
    """(start, end, text) when the timing of the text is known (sectioned recordings)."""

    @property
    def vtt_url(self) -> str | None:
        """The WebVTT transcript, written when the timings are known."""
        return self.url + "transcript.vtt" if self.cues else None
