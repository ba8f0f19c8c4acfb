"""feedgen + our extension -> feed XML (RSS 2.0, iTunes, Podcasting 2.0).

feedgen writes the RSS core and most iTunes tags. Our extension adds what it
lacks or gets wrong (see docs/podcast-feeds.md): ``itunes:explicit`` as true/false,
the whole ``podcast:`` namespace, and descriptions in CDATA. ``lastBuildDate``
comes from the newest pubDate, never from the clock. Every URL in an item's HTML
is absolute, since apps resolve relative ones against the feed, not the episode's page.
"""

from __future__ import annotations

import datetime as dt
import uuid
from email.utils import formatdate
from html import escape
from typing import Any
from urllib.parse import urljoin

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from . import __version__, urls
from .model import EpisodePage, Show
from .text import hms

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def podcast_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, bare))


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    el = etree.SubElement(parent, tag, {k: v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _yes(value: bool) -> str:
    return "true" if value else "false"


class _ShowExtension(BaseExtension):  # type: ignore[misc]
    """Channel-level tags feedgen does not write (or writes wrongly)."""

    def __init__(self) -> None:
        self.show: Show | None = None
        self.trailers: list[EpisodePage] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "itunes": ITUNES_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        show = self.show
        assert show is not None
        channel = rss_feed[0]
        p, i = f"{{{PODCAST_NS}}}", f"{{{ITUNES_NS}}}"
        _sub(channel, i + "explicit", _yes(show.explicit))
        _sub(channel, p + "guid", show.podcast_guid or podcast_guid(show.feed_url))
        if show.new_feed_url:
            _sub(channel, i + "new-feed-url", show.new_feed_url)
        _sub(channel, p + "locked", "yes" if show.locked else "no", owner=show.email)
        _sub(channel, p + "medium", "podcast")
        _sub(channel, p + "txt", _yes(show.synthetic_voice), purpose="ai-content")
        if show.funding_url:
            _sub(channel, p + "funding", show.funding_text or "Support the show",
                 url=show.funding_url)
        _sub(channel, p + "person", show.author, role="host")
        for page in self.trailers:
            assert page.audio is not None and page.audio_url is not None
            _sub(channel, p + "trailer", page.episode.title, url=page.audio_url,
                 pubdate=formatdate(page.episode.date.timestamp(), usegmt=True),
                 length=str(page.audio.length), type=page.audio.mime)
        return rss_feed


class _EpisodeExtension(BaseEntryExtension):  # type: ignore[misc]
    """Item-level tags: explicit, chapters, transcript, a synthetic voice; descriptions as
    CDATA."""

    def __init__(self) -> None:
        self.page: EpisodePage | None = None
        self.explicit = False

    def extend_rss(self, entry: Any) -> Any:
        page = self.page
        assert page is not None
        p, i = f"{{{PODCAST_NS}}}", f"{{{ITUNES_NS}}}"
        description = entry.find("description")
        if description is not None and description.text:
            description.text = etree.CDATA(description.text)
        _sub(entry, i + "explicit", _yes(self.explicit))
        if page.chapters_url:
            _sub(entry, p + "chapters", url=page.chapters_url, type="application/json+chapters")
        _sub(entry, p + "transcript", url=page.transcript_url, type="text/html")
        if page.vtt_url:
            _sub(entry, p + "transcript", url=page.vtt_url, type="text/vtt")
        if page.episode.season is not None:
            _sub(entry, p + "season", str(page.episode.season))
        if page.episode.number is not None:
            _sub(entry, p + "episode", str(page.episode.number))
        if page.episode.cover:
            _sub(entry, i + "image", href=urljoin(page.url, page.episode.cover))
        for guest in page.episode.guests:
            _sub(entry, p + "person", guest, role="guest")
        if page.episode.synthetic:
            # This episode's voice is synthetic whatever the show's other episodes are.
            _sub(entry, p + "txt", "true", purpose="ai-content")
        return entry


def item_description(page: EpisodePage) -> str:
    """Short HTML for <description>: the summary, chapter lines, and the page link."""
    parts = [f"<p>{escape(page.episode.summary)}</p>"]
    if page.audio and page.audio.chapters:
        lines = "<br>".join(f"{hms(c.start)} {escape(c.title)}" for c in page.audio.chapters)
        parts.append(f"<p>{lines}</p>")
    parts.append(f'<p><a href="{escape(page.url)}">Show notes and full text</a></p>')
    return urls.absolute_html("".join(parts), page.url)


def build_feed(show: Show, pages: list[EpisodePage]) -> bytes:
    """The feed for ``pages`` (public episodes with audio), newest first."""
    fg = FeedGenerator()
    fg.load_extension("podcast", atom=False, rss=True)
    fg.register_extension("audiofeed", _ShowExtension, _EpisodeExtension, atom=False, rss=True)
    fg.audiofeed.show = show
    fg.audiofeed.trailers = [pg for pg in pages if pg.episode.episode_type == "trailer"]
    fg.title(show.title)
    # feedgen's RSS <link> is the last link given: the self link must come first.
    fg.link(href=show.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=show.link, rel="alternate")
    fg.description(show.description)
    fg.language(show.language)
    fg.generator("audio-feed", __version__, "https://pypi.org/project/audio-feed/")
    if show.copyright:
        fg.copyright(show.copyright)
    fg.image(url=show.artwork_url, title=show.title, link=show.link)
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_owner(name=show.author, email=show.email)
    fg.podcast.itunes_image(show.artwork_url)
    fg.podcast.itunes_category(show.category, show.subcategory)
    fg.podcast.itunes_type(show.show_type)
    fg.podcast.itunes_summary(show.description)

    ordered = pages  # newest first, as the read stage ordered the episodes
    newest = ordered[0].episode.date if ordered else EPOCH
    fg.lastBuildDate(newest)
    for page in ordered:
        ep, audio = page.episode, page.audio
        assert audio is not None and page.audio_url is not None
        fe = fg.add_entry(order="append")
        fe.audiofeed.page = page
        fe.audiofeed.explicit = show.explicit if ep.explicit is None else ep.explicit
        fe.title(ep.title)
        fe.link(href=page.url)
        fe.guid(ep.post_id, permalink=False)
        fe.pubDate(ep.date)
        fe.description(item_description(page))
        # Apps resolve relative URLs against the feed: every one is made absolute.
        fe.content(urls.absolute_html(ep.html, page.url), type="CDATA")
        fe.enclosure(page.audio_url, str(audio.length), audio.mime)
        fe.podcast.itunes_duration(int(round(audio.duration)))
        fe.podcast.itunes_episode_type(ep.episode_type)
        if ep.number is not None:
            fe.podcast.itunes_episode(ep.number)
        if ep.season is not None:
            fe.podcast.itunes_season(ep.season)
        if ep.subtitle:
            fe.podcast.itunes_subtitle(ep.subtitle)
    xml: bytes = fg.rss_str(pretty=True, xml_declaration=True, encoding="UTF-8")
    return xml
