"""The checks behind the rules: each yields the one-line messages of its own rule.

A check is ``check(feed) -> Iterable[str]``; ``per_item`` turns a check of one
item into a check of the feed that names the item in each message. The rule
table in ``rules.py`` says which check belongs to which rule.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree, html
from mutagen import MutagenError

from .. import images, tags
from ..categories import CATEGORIES
from ..constants import (
    DESCRIPTION_MAX_BYTES,
    ENCLOSURE_TYPES,
    EPISODE_TYPES,
    FUNDING_TEXT_MAX_CHARS,
    LANGUAGE,
    LOUDNESS_TOLERANCE,
    SHOW_TYPES,
    TRANSCRIPT_TYPES,
)
from ..errors import expected
from ..feed import podcast_guid
from ..images import _FORMATS as IMAGE_SUFFIXES  # the artwork types directories accept
from .context import CONTENT, IT, NAMESPACES, OLD_NAMESPACES, POD, Feed, Item
from .parse import (
    SECONDS,
    TITLE_NUMBER,
    duration,
    either,
    got,
    is_url,
    number,
    quoted,
    relative,
    rfc2822,
    text_of,
    unencoded,
)

Check = Callable[[Feed], Iterable[str]]
ItemCheck = Callable[[Feed, Item], Iterable[str]]

DURATION_TOLERANCE = 1.0
"""Seconds itunes:duration may differ from the real audio."""


class StopLint(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a check after its messages when nothing further can be read."""


def per_item(check: ItemCheck) -> Check:
    """A check of every item, each message starting with the item's label."""
    def run(feed: Feed) -> Iterator[str]:
        for item in feed.items:
            for message in check(feed, item):
                yield f"{item.label}: {message}"
    run.__doc__ = check.__doc__
    return run


# -- the document ------------------------------------------------------------------


def encoding(feed: Feed) -> Iterator[str]:
    found = (feed.root.getroottree().docinfo.encoding or "UTF-8").upper()
    if found not in ("UTF-8", "UTF8"):
        yield expected("UTF-8", found)


def rss_version(feed: Feed) -> Iterator[str]:
    root = feed.root
    count = len(root.findall("channel"))
    if root.tag != "rss" or root.get("version") != "2.0" or count != 1:
        found = f'<{root.tag} version="{root.get("version", "")}"> with {count} <channel>'
        yield f'expected <rss version="2.0"> with one <channel>, got {found}'
    if not feed.single_channel:
        raise StopLint


def namespaces(feed: Feed) -> Iterator[str]:
    # Only prefixes the feed declares: a feed using no podcast: element needs no
    # podcast namespace, but a known prefix bound to another URI hides its elements.
    declared: dict[str, str] = {}
    for el in feed.root.iter(etree.Element):
        for prefix, uri in el.nsmap.items():
            declared.setdefault(prefix, uri)
    for prefix, uri in NAMESPACES.items():
        if prefix in declared and declared[prefix] not in (uri, OLD_NAMESPACES.get(prefix)):
            yield expected(f'xmlns:{prefix}="{uri}"', declared[prefix])


# -- the channel -----------------------------------------------------------------


def channel_title(feed: Feed) -> Iterator[str]:
    if not feed.text("title"):
        yield "expected a non-empty <title>, got nothing"


def channel_link(feed: Feed) -> Iterator[str]:
    if not is_url(link := feed.text("link")):
        yield got("<link> with an absolute http(s) URL", link)


def channel_description(feed: Feed) -> Iterator[str]:
    description = feed.text("description")
    size = len(description.encode("utf-8"))
    if not description:
        yield "expected a non-empty <description>, got nothing"
    elif size > DESCRIPTION_MAX_BYTES:
        yield f"expected a <description> of at most {DESCRIPTION_MAX_BYTES} bytes, got {size} bytes"


def channel_language(feed: Feed) -> Iterator[str]:
    if not LANGUAGE.fullmatch(language := feed.text("language")):
        yield got("an ISO 639 code such as 'en' in <language>", language)


def itunes_image(feed: Feed) -> Iterator[str]:
    el = feed.channel.find(IT + "image")
    href = el.get("href", "").strip() if el is not None else ""
    suffixes = tuple(s for group in IMAGE_SUFFIXES.values() for s in group)
    if not is_url(href) or not urlsplit(href).path.lower().endswith(suffixes):
        yield got("<itunes:image href> with an absolute URL ending in " + either(suffixes), href)


def artwork_resolves(feed: Feed) -> Iterator[str]:
    if feed.artwork is not None and feed.artwork.problem is not None:
        yield f"{feed.artwork.name}: {feed.artwork.problem}"


def _artwork_info(feed: Feed) -> tuple[str, images.ImageInfo | None] | None:
    """(the artwork's name, what Pillow makes of it), when its bytes are at hand."""
    art = feed.artwork
    if art is None or art.problem is not None or art.path is None:
        return None
    return art.name, images.inspect(art.path)


def _artwork_image(feed: Feed) -> tuple[str, images.ImageInfo] | None:
    """(the artwork's name, its facts), when it is a JPEG or PNG image."""
    found = _artwork_info(feed)
    if found is None or found[1] is None or found[1].format not in IMAGE_SUFFIXES:
        return None
    return found[0], found[1]


def artwork_type(feed: Feed) -> Iterator[str]:
    if (found := _artwork_info(feed)) is None:
        return
    name, info = found
    if info is None or info.format not in IMAGE_SUFFIXES:
        kind = "a file that is not an image" if info is None else f"a {info.format} image"
        yield f"{name}: expected a JPEG or PNG image, got {kind}"
        return
    suffix = Path(urlsplit(feed.channel.find(IT + "image").get("href")).path).suffix.lower()
    if suffix not in IMAGE_SUFFIXES[info.format]:
        yield f"{name}: expected the extension to match the real type ({info.format}), " \
              f"got '{suffix}'"


def artwork_size(feed: Feed) -> Iterator[str]:
    if (found := _artwork_image(feed)) is None:
        return
    (name, info), lo, hi = found, images.ARTWORK_MIN, images.ARTWORK_MAX
    if info.width != info.height or not lo <= info.width <= hi:
        yield f"{name}: expected a square of {lo} to {hi} px, got {info.width}x{info.height} px"


def artwork_rgb(feed: Feed) -> Iterator[str]:
    if (found := _artwork_image(feed)) is not None and found[1].mode != "RGB":
        yield f"{found[0]}: expected RGB colour, got mode {found[1].mode}"


def itunes_category(feed: Feed) -> Iterator[str]:
    tops = feed.channel.findall(IT + "category")
    if not tops:
        yield "expected <itunes:category> from Apple's list, got nothing"
    for top in tops:
        name = top.get("text", "")
        if name not in CATEGORIES:
            yield got("a category from Apple's list", name)
            continue
        for sub in top.findall(IT + "category"):
            if sub.get("text", "") not in CATEGORIES[name]:
                yield got(f"a subcategory of {name!r} from Apple's list", sub.get("text", ""))


def _explicit(el: Any) -> Iterator[str]:
    value = (el.text or "") if el is not None else ""
    if value not in ("true", "false"):
        yield got("<itunes:explicit> 'true' or 'false'", value)


def explicit(feed: Feed) -> Iterator[str]:
    """Required on the channel; on items only checked when present."""
    yield from (f"channel: {m}" for m in _explicit(feed.channel.find(IT + "explicit")))
    for item in feed.items:
        if (el := item.el.find(IT + "explicit")) is not None:
            yield from (f"{item.label}: {m}" for m in _explicit(el))


def itunes_author(feed: Feed) -> Iterator[str]:
    if not feed.text(IT + "author"):
        yield "expected a non-empty <itunes:author>, got nothing"


def itunes_owner(feed: Feed) -> Iterator[str]:
    owner = feed.channel.find(IT + "owner")
    email = text_of(owner.find(IT + "email")) if owner is not None else ""
    if owner is None:
        yield "expected <itunes:owner> with <itunes:email>, got nothing"
    elif "@" not in email:
        yield got("an email address in <itunes:owner><itunes:email>", email)


def atom_self(feed: Feed) -> Iterator[str]:
    wanted = feed.options.feed_url
    if not feed.self_links:
        yield f'expected <atom:link rel="self"{f" with href={wanted!r}" if wanted else ""}>, ' \
              "got nothing"
    elif wanted is not None and feed.self_links[0] != wanted:
        yield expected(f'<atom:link rel="self"> to be the feed URL {wanted}', feed.self_links[0])


def podcast_guid_check(feed: Feed) -> Iterator[str]:
    guid = feed.text(POD + "guid")
    kept = feed.options.podcast_guid
    if kept is not None:
        if guid != kept:
            yield got(f"<podcast:guid> {kept} (podcast_guid in podcast.toml)", guid)
    elif feed.feed_url is not None:
        want = podcast_guid(feed.feed_url)
        if guid != want:
            yield got(f"<podcast:guid> {want} (UUIDv5 of {feed.feed_url})", guid)
    elif not guid:
        yield "expected a <podcast:guid>, got nothing"


def podcast_locked(feed: Feed) -> Iterator[str]:
    if (locked := feed.channel.find(POD + "locked")) is None:
        return
    if (value := text_of(locked)) not in ("yes", "no"):
        yield got("<podcast:locked> 'yes' or 'no'", value)
    elif "@" not in locked.get("owner", ""):
        yield got("an owner email on <podcast:locked>", locked.get("owner", ""))


def podcast_funding(feed: Feed) -> Iterator[str]:
    for funding in feed.channel.findall(POD + "funding"):
        if not is_url(funding.get("url", "")):
            yield got("<podcast:funding url> with an absolute URL", funding.get("url", ""))
        if len(text := text_of(funding)) > FUNDING_TEXT_MAX_CHARS:
            yield f"expected <podcast:funding> text of at most {FUNDING_TEXT_MAX_CHARS} " \
                  f"characters, got {len(text)}"


def podcast_txt(feed: Feed) -> Iterator[str]:
    for txt in feed.channel.findall(POD + "txt"):
        if txt.get("purpose") == "ai-content" and text_of(txt) not in ("true", "false"):
            yield got('<podcast:txt purpose="ai-content"> \'true\' or \'false\'', text_of(txt))


def itunes_type(feed: Feed) -> Iterator[str]:
    el = feed.channel.find(IT + "type")
    if el is not None and text_of(el) not in SHOW_TYPES:
        yield got("<itunes:type> " + either(tuple(f"'{t}'" for t in SHOW_TYPES)), text_of(el))


def serial_episodes(feed: Feed) -> Iterator[str]:
    if feed.text(IT + "type") != "serial":
        return
    for item in feed.items:
        if not item.text(IT + "episode"):
            yield f"{item.label}: expected <itunes:episode> (the show is serial), got nothing"


def last_build_date(feed: Feed) -> Iterator[str]:
    built_text = feed.text("lastBuildDate")
    built, wanted = rfc2822(built_text)
    newest = max((d for i in feed.items if (d := rfc2822(i.text("pubDate"))[0])), default=None)
    if built is None:
        yield got(f"<lastBuildDate> {wanted}", built_text)
    elif newest is not None and built < newest:
        yield expected(f"<lastBuildDate> not earlier than the newest pubDate "
                       f"({email.utils.format_datetime(newest)})", built_text)


# -- URLs anywhere ---------------------------------------------------------------


def _html_urls(text: str) -> Iterator[str]:
    """Every URL an app would follow in a piece of feed HTML."""
    if not text.strip():
        return
    try:
        root = html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return
    for el in root.iter(etree.Element):
        for attr in ("href", "src", "poster", "cite", "action", "background"):
            if (value := el.get(attr)) is not None:
                yield value.strip()
        for candidate in (el.get("srcset") or "").split(","):
            if candidate.strip():
                yield candidate.split()[0]


_HTML = (("<description>", "description"), ("<content:encoded>", CONTENT + "encoded"))


def feed_html_relative(feed: Feed, item: Item) -> Iterator[str]:
    for what, tag in _HTML:
        for url in _html_urls(item.text(tag)):
            if relative(url):
                yield expected(f"absolute URLs in {what} (apps resolve a relative one against "
                               "the feed URL)", url)


_URL_ATTRIBUTES = ("url", "href", "src", "img")
"""Attributes that hold a URL on any element (enclosure url, itunes:image href,
podcast:person img, ...)."""
_URL_ELEMENTS = ("link", "url", "docs", "comments", IT + "new-feed-url")
"""Elements whose text is a URL (the channel's and items' link, the RSS image url, ...)."""


def _element_urls(el: Any) -> Iterator[tuple[str, str]]:
    """(where, URL) for the URLs one element holds, in its attributes or its text."""
    local = etree.QName(el).localname
    name = f"{el.prefix}:{local}" if el.prefix else local
    for attr in _URL_ATTRIBUTES:
        if (value := el.get(attr)) is not None:
            yield f"<{name} {attr}>", value.strip()
    text = text_of(el)
    if el.tag in _URL_ELEMENTS or (el.tag == "guid" and is_url(text)):
        yield f"<{name}>", text


def _feed_urls(feed: Feed) -> Iterator[tuple[str, str]]:
    """(where, URL) for every URL in the feed an app fetches or opens."""
    in_items = {el for item in feed.items for el in item.el.iter(etree.Element)}
    for el in feed.channel.iter(etree.Element):
        if el not in in_items:
            yield from (("channel " + where, url) for where, url in _element_urls(el))
    for item in feed.items:
        for el in item.el.iter(etree.Element):
            yield from ((f"{item.label}: {where}", url) for where, url in _element_urls(el))
        for what, tag in _HTML:
            for url in _html_urls(item.text(tag)):
                yield f"{item.label}: {what}", url


def url_encoding(feed: Feed) -> Iterator[str]:
    for where, url in _feed_urls(feed):
        if url and (why := unencoded(url)) is not None:
            yield f"{where}: expected a percent-encoded URL, got {quoted(url)}: {why}"


# -- each item -------------------------------------------------------------------


def item_title(feed: Feed, item: Item) -> Iterator[str]:
    if not item.text("title"):
        yield "expected a non-empty <title>, got nothing"


def title_number(feed: Feed, item: Item) -> Iterator[str]:
    if number_found := TITLE_NUMBER.match(item.text("title")):
        yield expected("no episode number in the title (it belongs in <itunes:episode>)",
                       number_found.group().strip())


def guid_present(feed: Feed, item: Item) -> Iterator[str]:
    if not item.text("guid"):
        yield "expected a non-empty <guid>, got nothing"


def guid_unique(feed: Feed) -> Iterator[str]:
    seen: dict[str, str] = {}
    for item in feed.items:
        if (guid := item.text("guid")) and guid in seen:
            yield f"{item.label}: expected a <guid> no other item has, got '{guid}' " \
                  f"(also {seen[guid]})"
        if guid:
            seen.setdefault(guid, item.label)


def guid_permalink(feed: Feed, item: Item) -> Iterator[str]:
    el, guid = item.el.find("guid"), item.text("guid")
    # isPermaLink defaults to true: apps then treat the guid as a URL.
    if guid and not is_url(guid) and el.get("isPermaLink", "true") != "false":
        found = repr(el.get("isPermaLink")) if "isPermaLink" in el.attrib else "nothing"
        yield f"expected isPermaLink=\"false\" on a guid that is not a URL ('{guid}'), " \
              f"got {found}"


def enclosure_count(feed: Feed, item: Item) -> Iterator[str]:
    if (count := len(item.el.findall("enclosure"))) != 1:
        yield f"expected exactly one <enclosure>, got {count}"


def enclosure_url(feed: Feed, item: Item) -> Iterator[str]:
    if item.el.find("enclosure") is not None and not item.enclosure_ok:
        yield got("an absolute enclosure URL ending in " + either(tuple(ENCLOSURE_TYPES)),
                  item.enclosure_url)


def enclosure_type(feed: Feed, item: Item) -> Iterator[str]:
    if not item.enclosure_ok:
        return
    allowed = ENCLOSURE_TYPES[item.suffix]
    if (kind := item.el.find("enclosure").get("type", "")) not in allowed:
        yield got(f"type {' or '.join(allowed)} for a {item.suffix} enclosure", kind)


def enclosure_unique(feed: Feed) -> Iterator[str]:
    seen: dict[str, str] = {}
    for item in feed.items:
        if item.el.find("enclosure") is None:
            continue
        if (url := item.enclosure_url) in seen:
            yield f"{item.label}: expected an enclosure URL no other item has, got {url} " \
                  f"(also {seen[url]})"
        seen.setdefault(url, item.label)


def enclosure_resolves(feed: Feed, item: Item) -> Iterator[str]:
    if item.audio is not None and item.audio.problem is not None:
        yield f"{item.audio.name}: {item.audio.problem}"


def enclosure_length(feed: Feed, item: Item) -> Iterator[str]:
    if (el := item.el.find("enclosure")) is None:
        return
    text = el.get("length", "").strip()
    length = int(text) if text.isdigit() else 0
    if length <= 0:
        yield got("a length in bytes greater than 0", text)
    elif (audio := item.audio) is not None and audio.problem is None \
            and audio.size is not None and audio.size != length:
        yield f"expected length {audio.size} (the file's size), got {length}"


def enclosure_audio(feed: Feed, item: Item) -> Iterator[str]:
    name = item.audio_name
    if item.audio_problem is not None:
        yield f"{name}: {item.audio_problem}"
    elif item.decoded.problem is not None:
        yield f"{name}: {item.decoded.problem}"


def pub_date(feed: Feed, item: Item) -> Iterator[str]:
    when, wanted = rfc2822(text := item.text("pubDate"))
    if when is None:
        yield got(f"<pubDate> {wanted}", text)


def date_order(feed: Feed) -> Iterator[str]:
    dates = [(d, i.label) for i in feed.items if (d := rfc2822(i.text("pubDate"))[0])]
    for (newer, a), (older, b) in zip(dates, dates[1:], strict=False):
        if older > newer:
            yield f"{b}: expected items newest first, got it ({older:%Y-%m-%d}) after {a} " \
                  f"({newer:%Y-%m-%d})"


def duration_format(feed: Feed, item: Item) -> Iterator[str]:
    text = item.text(IT + "duration")
    if not duration(text)[1]:
        yield got("<itunes:duration> in whole seconds", text)


def duration_mismatch(feed: Feed, item: Item) -> Iterator[str]:
    text = item.text(IT + "duration")
    seconds, real = duration(text)[0], item.real_duration
    if seconds is not None and real is not None and abs(seconds - real) > DURATION_TOLERANCE:
        yield f"expected <itunes:duration> within {number(DURATION_TOLERANCE)} s of the " \
              f"audio's {real:.2f} s, got {text}"


def duration_unchecked(feed: Feed, item: Item) -> Iterator[str]:
    if item.audio is not None and item.audio.problem is None and item.audio.skipped:
        yield f"{item.audio.name}: duration, loudness and embedded chapters not checked: " \
              f"the audio is {item.audio.skipped}"


def episode_type(feed: Feed, item: Item) -> Iterator[str]:
    el = item.el.find(IT + "episodeType")
    if el is not None and text_of(el) not in EPISODE_TYPES:
        yield got("<itunes:episodeType> " + either(EPISODE_TYPES), text_of(el))


def episode_number(feed: Feed, item: Item) -> Iterator[str]:
    for tag in ("episode", "season"):
        el = item.el.find(IT + tag)
        if el is not None and not (SECONDS.fullmatch(text_of(el)) and int(text_of(el)) > 0):
            yield got(f"<itunes:{tag}> as a whole number from 1", text_of(el))


def item_link(feed: Feed, item: Item) -> Iterator[str]:
    if not is_url(link := item.text("link")):
        yield got("<link> to the show-notes page (an absolute URL)", link)


def link_resolves(feed: Feed, item: Item) -> Iterator[str]:
    if feed.res is not None and is_url(link := item.text("link")):
        page = feed.res.probe(link)
        if page.problem is not None:
            yield f"{page.name}: {page.problem}"


def item_description(feed: Feed, item: Item) -> Iterator[str]:
    for what, tag in _HTML:
        if not item.text(tag):
            yield f"expected a non-empty {what}, got nothing"


# -- chapters and transcripts ------------------------------------------------------


def chapters_type(feed: Feed, item: Item) -> Iterator[str]:
    el = item.el.find(POD + "chapters")
    if el is not None and el.get("type") != "application/json+chapters":
        yield got('podcast:chapters type="application/json+chapters"', el.get("type", ""))


def chapters_resolves(feed: Feed, item: Item) -> Iterator[str]:
    if (el := item.el.find(POD + "chapters")) is None:
        return
    if not is_url(url := el.get("url", "")):
        yield got("podcast:chapters url, an absolute URL", url)
    elif (file := item.chapters_file[0]) is not None and (file.problem or file.path is None):
        yield f"{file.name}: {file.problem or file.skipped}"


def chapters_json(feed: Feed, item: Item) -> Iterator[str]:
    file, data = item.chapters_file
    if file is None or file.path is None or data is None:
        return
    if isinstance(data, ValueError):
        yield f"{file.name}: expected JSON, got {data}"
    elif item.chapters is None:
        found = data.get("chapters") if isinstance(data, dict) else None
        yield f"{file.name}: expected an object with a non-empty 'chapters' list, got " \
              f"{type(found).__name__}"
    elif item.chapter_starts is None:
        for i, chapter in enumerate(item.chapters, 1):
            start = chapter.get("startTime") if isinstance(chapter, dict) else None
            if isinstance(start, bool) or not isinstance(start, int | float) or start < 0:
                yield f"{file.name}: chapter {i}: expected a startTime in seconds, got {start!r}"
                return


def chapters_version(feed: Feed, item: Item) -> Iterator[str]:
    file, data = item.chapters_file
    if file is None or item.chapters is None:
        return
    version = data.get("version")
    if not isinstance(version, str) or not version:
        yield f"{file.name}: " + got("a version such as '1.2.0'",
                                     "" if version is None else str(version))


def chapters_order(feed: Feed, item: Item) -> Iterator[str]:
    if (starts := item.chapter_starts) is None:
        return
    name = item.chapters_file[0].name  # type: ignore[union-attr]  # starts imply a file
    if starts[0][0] != 0:
        yield f"{name}: {starts[0][1]}: expected a startTime of 0, got {number(starts[0][0])}"
    for (before, _), (start, what) in zip(starts, starts[1:], strict=False):
        if start <= before:
            yield f"{name}: {what}: expected a startTime after {number(before)}, " \
                  f"got {number(start)}"
            return


def chapters_range(feed: Feed, item: Item) -> Iterator[str]:
    starts, seconds = item.chapter_starts, item.best_duration
    if starts is None or seconds is None:
        return
    name = item.chapters_file[0].name  # type: ignore[union-attr]  # starts imply a file
    for start, what in starts:
        if start >= seconds:
            yield f"{name}: {what}: expected a startTime within the audio's {seconds:.2f} s, " \
                  f"got {number(start)}"
            return


def _embedded_kind(path: Path) -> str:
    """How the chapters inside an audio file of this type are stored."""
    return "the M4A's chapter atoms" if path.suffix.lower() == ".m4a" else \
        "the MP3's ID3 chapters"


def chapters_embedded(feed: Feed, item: Item) -> Iterator[str]:
    path, chapters, starts = item.audio_path, item.chapters, item.chapter_starts
    if path is None or chapters is None or starts is None or item.audio_problem:
        return
    name, kind = item.chapters_file[0].name, _embedded_kind(path)  # type: ignore[union-attr]
    try:
        frames = tags.read_chapters(path)
    except (MutagenError, KeyError, OSError):  # no tag, or a CTOC naming no CHAP
        frames = []
    if not frames:
        yield f"expected the audio file to carry the {len(chapters)} chapters of {name} " \
              f"(ID3 CHAP frames or MP4 chapters), got none"
        return
    wanted = [(start, str(c.get("title", ""))) for (start, _), c in zip(starts, chapters,
                                                                          strict=True)]
    if len(frames) != len(wanted):
        yield f"expected {kind} to match {name} ({len(wanted)} chapters), got {len(frames)}"
        return
    for i, ((start, title), (at, _, frame_title)) in enumerate(zip(wanted, frames,
                                                                   strict=True), 1):
        # Chapter times inside the file are whole milliseconds.
        if abs(start - at) > 0.0015 or title != frame_title:
            yield f"chapter {i}: expected {kind[:-1]} to match {name} ({number(start)} s " \
                  f"{title!r}), got {number(at)} s {frame_title!r}"
            return


def transcript_type(feed: Feed, item: Item) -> Iterator[str]:
    for el in item.el.findall(POD + "transcript"):
        if (kind := el.get("type", "")) not in TRANSCRIPT_TYPES:
            yield got("podcast:transcript type " + either(TRANSCRIPT_TYPES), kind)


def transcript_resolves(feed: Feed, item: Item) -> Iterator[str]:
    for el in item.el.findall(POD + "transcript"):
        if not is_url(url := el.get("url", "")):
            yield got("podcast:transcript url, an absolute URL", url)
        elif feed.res is not None and (file := feed.res.probe(url)).problem is not None:
            yield f"{file.name}: {file.problem}"


# -- decoded audio and the server ------------------------------------------------------


def loudness(feed: Feed, item: Item) -> Iterator[str]:
    target, found = feed.options.audio.loudness, item.decoded.loudness
    if found is not None and abs(found - target) > LOUDNESS_TOLERANCE:
        yield f"{item.audio_name}: expected {number(target)} LUFS " \
              f"(±{number(LOUDNESS_TOLERANCE)}), got {found} LUFS"


def true_peak(feed: Feed, item: Item) -> Iterator[str]:
    ceiling, found = feed.options.audio.true_peak, item.decoded.true_peak
    if found is not None and found > ceiling:
        yield f"{item.audio_name}: expected a true peak of at most {number(ceiling)} dBTP, " \
              f"got {found} dBTP"


def _media(feed: Feed) -> Iterator[tuple[str, str]]:
    """(label, URL) of the artwork and every enclosure the server holds."""
    art = feed.artwork
    if art is not None and art.problem is None:
        yield f"artwork {art.name}", feed.channel.find(IT + "image").get("href", "").strip()
    for item in feed.items:
        if item.audio is not None and item.audio.problem is None:
            yield item.label, item.enclosure_url


def server(rule: str) -> Check:
    """The check for one of the server rules (HEAD, Range), from ``Feed.serving``."""
    def check(feed: Feed) -> Iterator[str]:
        for label, url in _media(feed):
            for found, message in feed.serving(url):
                if found == rule:
                    yield f"{label}: {message}"
    return check
