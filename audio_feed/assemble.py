"""The assemble stage: typed data -> what the site shows, as pure functions.

An episode's ``Render`` gives its ``Timing`` (duration, chapters against the
output file, transcript cues); with the size of its tagged file, that makes
its ``EpisodePage``. ``site_files`` turns the pages into the feed, the pages,
``chapters.json`` and the transcripts, all as bytes by site-relative path.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import site, urls
from .feed import build_feed
from .model import Chapter, Episode, EpisodePage, RenderedAudio, Show
from .plan import RenderJob
from .render import Render

Cues = tuple[tuple[float, float, str], ...]


@dataclass(frozen=True)
class Timing:
    """An episode's audio as its tags, page and feed item see it."""

    duration: float
    body_offset: float
    chapters: tuple[Chapter, ...]
    """Against the output file: shifted past the intro, which gets a chapter of its own."""
    cues: Cues
    """(start, end, text) of the transcript, when the timing of the text is known."""


def timing(ep: Episode, render: Render) -> Timing:
    """Where the chapters and sections of ``ep`` fall in its rendered file."""
    offset = render.body_offset
    given = ep.chapters
    cues: Cues = ()
    if ep.sections:
        starts = list(render.section_starts)
        given = tuple(Chapter(at, title)
                      for at, title in zip(starts, ep.section_titles, strict=True))
        ends = starts[1:] + [render.body_seconds]
        cues = section_cues(ep, [offset + x for x in starts], [offset + x for x in ends])
    chapters = tuple(c.shifted(offset) for c in given)
    if chapters and offset > 0:
        chapters = (Chapter(0.0, "Intro"),) + chapters
    return Timing(render.duration, offset, chapters, cues)


def section_cues(ep: Episode, starts: list[float], ends: list[float]) -> Cues:
    """WebVTT cues of a recording in sections: a sentence each, timed within its section.

    A section under a heading reads the heading first; the opening (text before
    the first heading) has no heading of its own.
    """
    if ep.spoken:
        # Read by speak: every sentence's time is known to the sample.
        return tuple((a + s, a + e, text) for a, section in zip(starts, ep.spoken, strict=True)
                     for s, e, text in section)
    cues: list[tuple[float, float, str]] = []
    for n, (a, b, title, text) in enumerate(zip(starts, ends, ep.section_titles,
                                                ep.section_texts, strict=True)):
        heading = [] if n == 0 and ep.section_opening else [title]
        cues += site.spread(a, b, heading + site.sentences(text))
    return tuple(cues)


def page_path(ep: Episode) -> str:
    """Site-relative folder of the episode's page, ending in '/'."""
    return f"episodes/{ep.slug}/"


def page_url(show: Show, ep: Episode) -> str:
    return show.base_url + urls.path(page_path(ep))


def episode_page(show: Show, ep: Episode, job: RenderJob | None, time: Timing | None,
                 length: int) -> EpisodePage:
    """What the feed and the templates know of one public episode.

    ``length`` is the size in bytes of the tagged audio file in the site.
    """
    url = page_url(show, ep)
    rendered = None
    if job is not None and time is not None:
        rendered = RenderedAudio(job.audio_path, show.audio.mime, length, time.duration,
                                 time.body_offset, time.chapters, show.audio.loudness,
                                 show.audio.true_peak)
    return EpisodePage(
        episode=ep, url=url, path=page_path(ep), audio=rendered,
        cues=time.cues if rendered and time else (),
        audio_url=show.base_url + urls.path(job.audio_path) if job else None,
        chapters_url=url + "chapters.json" if rendered and rendered.chapters else None,
        transcript_url=url + "transcript.html")


def site_files(show: Show, pages: list[EpisodePage]) -> dict[str, bytes]:
    """The pages, page-side files and feed.xml of ``pages`` (newest first)."""
    files = site.render_pages(show, pages)
    files["feed.xml"] = build_feed(show, [p for p in pages if p.audio is not None])
    return files
