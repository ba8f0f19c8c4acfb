"""``audio-feed import feed``: an existing podcast's RSS feed -> a show folder.

Each item becomes ``episodes/<date>-<slug>.md``; its GUID becomes ``post_id``
exactly as the feed has it, so podcast apps see the same episodes after the move.
An empty (or missing) folder is made a show first, as ``init`` makes it; the channel
fills its ``podcast.toml``, ``podcast:guid`` included (a podcast.toml the user wrote
is never replaced). Importing again writes only what is missing: an item
whose GUID a post already has, and any existing file, are left alone. Every file
is written atomically.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nh3
import yaml
from lxml import etree, html
from markdownify import markdownify

from .. import download, filekind, images, init, posts
from ..cache import write_atomic
from ..categories import CATEGORIES
from ..config import CONFIG_NAME, normalise_base_url
from ..constants import DESCRIPTION_MAX_BYTES, LANGUAGE
from ..errors import (
    EnvironmentProblem,
    InputError,
    Problem,
    Problems,
    described,
    expected,
    illegal_characters,
)
from ..feed import ITUNES_NS, PODCAST_NS, podcast_guid
from ..text import control_characters, slugify

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MAX_FEED_BYTES = 64 << 20
"""Largest feed read: far above the largest feeds hosts serve."""
_I, _P, _C = f"{{{ITUNES_NS}}}", f"{{{PODCAST_NS}}}", f"{{{CONTENT_NS}}}"
_EXPLICIT = {"yes", "true", "explicit"}
PLACEHOLDER_URL = "https://example.com/podcast/"
"""base_url when ``--base-url`` is not given: the build's --base-url overrides it."""

Progress = Callable[[str], None]


@dataclass
class ImportReport:
    """What an import did, each as a path relative to the show."""

    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Items already imported (by GUID or file name), left alone."""
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Item:
    """One feed item, as the post it becomes."""

    number: int
    guid: str
    title: str
    date: dt.datetime
    body: str
    meta: dict[str, Any]


def read_source(source: str, limit: int = MAX_FEED_BYTES) -> bytes:
    """The feed's bytes from a URL or a file; errors name the source."""
    if download.is_url(source):
        try:
            return download.get(source, limit)[0]
        except download.BadAnswer as e:
            raise InputError([Problem(source, None, str(e))]) from e
    path = Path(source)
    found = filekind.kind(path)
    if found in (filekind.MISSING, filekind.DANGLING) or filekind.is_folder(path):
        raise InputError([Problem(source, None, expected("a feed file or URL", source) + (
            "" if found == filekind.MISSING else f", {found}"))])
    # A pipe named on the command line (`import feed /dev/stdin`, `<(curl ...)`) has a
    # writer: it is read as cat would. The limit ends what never would (/dev/zero).
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise EnvironmentProblem(f"{source}: {e.strerror}") from e
    if len(data) > limit:
        raise InputError([Problem(source, None, described(
            f"a feed of at most {limit >> 20} MB", f"{found} with more"))])
    return data


def parse(source: str, data: bytes) -> etree._Element:
    """The feed's <channel>; InputError naming the source when it is not RSS."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as e:
        raise InputError([Problem(source, None, described(
            "an RSS feed", f"XML that does not parse ({e.msg})"))]) from e
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise InputError([Problem(source, None, described(
            "an RSS feed (<rss><channel>)", f"<{etree.QName(root).localname}>"))])
    return channel


def _text(el: etree._Element, path: str) -> str | None:
    found = el.find(path)
    text = found.text if found is not None else None
    return text.strip() if text and text.strip() else None


def _attr(el: etree._Element, path: str, name: str) -> str | None:
    found = el.find(path)
    value = found.get(name) if found is not None else None
    return value.strip() if value and value.strip() else None


def _clean(text: str) -> str:
    """Text without the control characters no output can carry."""
    return "".join(c for c in text if c in "\n\t" or not control_characters(c))


def to_markdown(markup: str) -> str:
    """An item's HTML description as Markdown, sanitised first."""
    safe = nh3.clean(markup, link_rel=None)
    text: str = markdownify(safe, heading_style="ATX", bullets="-")
    return re.sub(r"\n{3,}", "\n\n", _clean(text)).strip() + "\n"


def plain(markup: str) -> str:
    """HTML as plain text, for the show's description."""
    if "<" not in markup:
        return _clean(markup).strip()
    return _clean(html.fromstring(f"<div>{markup}</div>").text_content()).strip()


def _date(raw: str | None) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _whole(el: etree._Element, *paths: str) -> int | None:
    for path in paths:
        value = _text(el, path)
        if value is not None and value.isdigit():
            return int(value)
    return None


def _item_meta(el: etree._Element) -> dict[str, Any]:
    """The front matter an item gives beyond title, date and GUID."""
    meta: dict[str, Any] = {}
    subtitle = _text(el, _I + "subtitle")
    if subtitle:
        meta["subtitle"] = _clean(plain(subtitle)).replace("\n", " ")
    season = _whole(el, _I + "season", _P + "season")
    episode = _whole(el, _I + "episode", _P + "episode")
    if season:
        meta["season"] = season
    if episode is not None:
        meta["episode"] = episode
    kind = _text(el, _I + "episodeType")
    if kind in ("full", "trailer", "bonus"):
        meta["episode_type"] = kind
    explicit = _text(el, _I + "explicit")
    if explicit is not None:
        meta["explicit"] = explicit.lower() in _EXPLICIT
    for key, path in (("chapters_url", _P + "chapters"), ("transcript_url", _P + "transcript")):
        url = _attr(el, path, "url")
        if url and posts.is_http_url(url):
            meta[key] = url
    audio = _attr(el, "enclosure", "url")
    if audio and posts.is_http_url(audio):
        meta["audio"] = audio
    return meta


def items(source: str, channel: etree._Element) -> list[Item]:
    """Every item, checked: a GUID (or, as apps do, the enclosure URL), a title, a
    date, and no GUID twice. InputError names the source and the item."""
    problems: list[Problem] = []
    found: list[Item] = []
    seen: dict[str, int] = {}
    for n, el in enumerate(channel.iterfind("item"), 1):
        where = f"item {n}"
        guid_el = el.find("guid")
        guid = guid_el.text if guid_el is not None and guid_el.text else None
        guid = guid or _attr(el, "enclosure", "url")
        title = _text(el, "title")
        date = _date(_text(el, "pubDate"))
        if guid is None or not guid.strip():
            problems.append(Problem(source, f"{where}: guid", "expected a GUID, got none"))
            continue
        if (illegal := illegal_characters(guid)) is not None:
            # check would refuse it as post_id: refuse it here, before writing anything.
            problems.append(Problem(source, f"{where}: guid", illegal))
            continue
        # Apps trim a GUID: two that differ only in spaces around them are one.
        if guid.strip() in seen:
            problems.append(Problem(source, f"{where}: guid", expected(
                f"a GUID no other item has (also item {seen[guid.strip()]})", guid)))
            continue
        seen[guid.strip()] = n
        if title is None or date is None:
            what = "title" if title is None else "pubDate"
            problems.append(Problem(source, f"{where}: {what}", expected(
                "a title" if title is None else "an RFC 822 date",
                _text(el, what) or "nothing")))
            continue
        markup = _text(el, _C + "encoded") or _text(el, "description") or _text(
            el, _I + "summary") or ""
        found.append(Item(n, guid, _clean(title), date, to_markdown(markup), _item_meta(el)))
    if problems:
        raise InputError(problems)
    return found


def post_text(item: Item) -> str:
    """The post file: YAML front matter (the GUID quoted, so YAML keeps it as text,
    byte for byte), then the description as Markdown."""
    head: dict[str, Any] = {"title": item.title, "date": item.date.isoformat(),
                            "post_id": item.guid, "type": "podcast", **item.meta}
    fm = yaml.safe_dump(head, allow_unicode=True, sort_keys=False, default_style=None,
                        width=10_000)
    return f"---\n{fm}---\n\n{item.body}"


def _existing_ids(root: Path) -> set[str]:
    """The post_id of every post the show has, to import each item once."""
    ids: set[str] = set()
    for source in posts.find_posts(root):
        if not filekind.is_file(source):
            continue  # the build reports it; a named pipe would never answer
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        meta = posts.parse_front_matter(source, text, Problems(root)) or {}
        if meta.get("post_id") is not None:
            ids.add(str(meta["post_id"]))
    return ids


def _stem(item: Item, taken: set[str]) -> str:
    base = f"{item.date.date().isoformat()}-{slugify(item.title)[:60].strip('-')}"
    stem, n = base, 2
    while stem in taken:
        stem, n = f"{base}-{n}", n + 1
    taken.add(stem)
    return stem


def write_posts(root: Path, found: list[Item], report: ImportReport) -> dict[str, Path]:
    """One post per item not imported yet; existing files are never touched.
    Returns the post of each GUID written."""
    written: dict[str, Path] = {}
    episodes = root / "episodes"
    ids = _existing_ids(root)
    taken = {p.stem for p in posts.find_posts(root)}
    for item in sorted(found, key=lambda i: (i.date, i.number)):
        stem = _stem(item, taken)
        target = episodes / f"{stem}.md"
        if item.guid in ids or target.exists() or target.is_symlink():
            report.kept.append(f"episodes/{target.name}")
            continue
        write_atomic(target, post_text(item).encode())
        report.added.append(f"episodes/{target.name}")
        written[item.guid] = target
    return written


def _toml(value: object) -> str:
    # A JSON string or boolean is a valid TOML basic string or boolean, once DEL (which
    # JSON leaves as it is and TOML refuses raw) is escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _language(channel: etree._Element) -> str | None:
    lang = _text(channel, "language")
    return lang if lang and LANGUAGE.match(lang) else None


def _category(channel: etree._Element) -> str | None:
    top = channel.find(_I + "category")
    if top is None or not top.get("text"):
        return None
    sub = top.find(_I + "category")
    name = str(top.get("text", ""))
    return name + (f"/{sub.get('text')}" if sub is not None and sub.get("text") else "")


def _description(channel: etree._Element) -> str | None:
    text = plain(_text(channel, "description") or _text(channel, _I + "summary") or "")
    while len(text.encode()) > DESCRIPTION_MAX_BYTES:
        text = text[: -max(1, (len(text.encode()) - DESCRIPTION_MAX_BYTES))].rstrip()
    return text or None


def channel_keys(channel: etree._Element, source: str) -> dict[str, object]:
    """The podcast.toml keys the channel gives, in the order they are written."""
    owner = channel.find(_I + "owner")
    guid = _text(channel, _P + "guid")
    if guid is None and download.is_url(source):
        # Apps derive a feed's podcast:guid from its URL when the feed states none.
        guid = podcast_guid(source)
    keys: dict[str, object | None] = {
        "title": plain(_text(channel, "title") or ""),
        "description": _description(channel),
        "author": _text(channel, _I + "author") or (
            _text(owner, _I + "name") if owner is not None else None),
        "email": _text(owner, _I + "email") if owner is not None else None,
        "language": _language(channel),
        "category": _category(channel),
        "explicit": (_text(channel, _I + "explicit") or "").lower() in _EXPLICIT,
        "link": _text(channel, "link"),
        "copyright": _text(channel, "copyright"),
        "type": _text(channel, _I + "type"),
        "podcast_guid": guid,
    }
    return {k: v for k, v in keys.items() if v not in (None, "")}


def _fetch_artwork(channel: etree._Element, report: ImportReport,
                   progress: Progress) -> tuple[str, bytes] | None:
    """The channel's artwork, downloaded: (file name, bytes); None with a warning."""
    url = _attr(channel, _I + "image", "href") or _text(channel, "image/url")
    if url is None or not posts.is_http_url(url):
        report.warnings.append(f"{CONFIG_NAME}: artwork: the feed names none; add one")
        return None
    progress(f"downloading {url}")
    try:
        body = download.get(url, images.MAX_IMAGE_BYTES)[0]
    except (download.BadAnswer, EnvironmentProblem) as e:
        report.warnings.append(f"{CONFIG_NAME}: artwork: {e}")
        return None
    return ("artwork.jpg" if body[:3] == b"\xff\xd8\xff" else "artwork.png"), body


def _check_artwork(root: Path, name: str, report: ImportReport) -> None:
    for problem in images.artwork_problems(root / name):
        report.warnings.append(f"{name}: {problem}")


def _artwork(root: Path, channel: etree._Element, report: ImportReport,
             progress: Progress) -> str | None:
    """Download the channel's artwork into the show (never over a file, except init's
    untouched placeholder); a warning when it fails the checks."""
    found = _fetch_artwork(channel, report, progress)
    if found is None:
        return None
    name, body = found
    target = root / name
    if not (target.exists() or target.is_symlink()) or init.untouched(
            target, init.placeholder_artwork()):
        write_atomic(target, body)
    _check_artwork(root, name, report)
    return name


def _known_category(keys: dict[str, object], report: ImportReport) -> None:
    value = keys.get("category")
    if not isinstance(value, str):
        return
    top, _, sub = value.partition("/")
    if top not in CATEGORIES:
        report.warnings.append(f"{CONFIG_NAME}: category: expected an Apple Podcasts "
                               f"category, got {value!r}; set one")
        del keys["category"]
    elif sub and sub not in CATEGORIES[top]:
        keys["category"] = top


def config_text(channel: etree._Element, source: str, report: ImportReport,
                artwork: str | None, base_url: str | None) -> str:
    """podcast.toml filled from the channel (init's commented file, the channel's keys
    set); a warning for each required key the feed does not give."""
    keys = channel_keys(channel, source)
    _known_category(keys, report)
    if artwork is not None:
        keys["artwork"] = artwork
    if base_url is None:
        report.warnings.append(f"{CONFIG_NAME}: base_url: set it to where the new site "
                               f"will be served (a placeholder, {PLACEHOLDER_URL}, was written)")
    for key in ("author", "email", "language", "category", "description"):
        if key not in keys:
            report.warnings.append(f"{CONFIG_NAME}: {key}: the feed gives none; add it")
    values = {"base_url": _toml(base_url or PLACEHOLDER_URL)}
    values.update((k, _toml(v)) for k, v in keys.items())
    return init.podcast_toml(values, source)


def write_config(root: Path, channel: etree._Element, source: str, report: ImportReport,
                 progress: Progress, base_url: str | None = None) -> None:
    """podcast.toml from the channel, when the show has none yet, or only init's
    untouched one: a podcast.toml the user wrote is never replaced."""
    target = root / CONFIG_NAME
    if (target.exists() or target.is_symlink()) and not init.untouched(
            target, init.podcast_toml().encode()):
        report.kept.append(CONFIG_NAME)
        return
    artwork = _artwork(root, channel, report, progress)
    write_atomic(target, config_text(channel, source, report, artwork, base_url).encode())
    report.added.append(CONFIG_NAME)


def scaffold(root: Path, channel: etree._Element, source: str, report: ImportReport,
             progress: Progress, base_url: str | None = None) -> None:
    """A new show in an empty ``root``, as init makes it, with podcast.toml filled from
    the channel and the channel's artwork in place of the placeholder."""
    artwork = _fetch_artwork(channel, report, progress)
    text = config_text(channel, source, report,
                       artwork[0] if artwork else init.ARTWORK_NAME, base_url)
    made = init.init(root, text, artwork)
    report.added += made.written
    if artwork is not None:
        _check_artwork(root, artwork[0], report)


def download_audio(root: Path, found: list[Item], written: dict[str, Path],
                   progress: Progress) -> None:
    """``--download-audio``: each new post's enclosure now rather than at the first build."""
    problems = Problems(root)
    for item in found:
        url = item.meta.get("audio")
        if isinstance(url, str) and item.guid in written:
            download.fetch(root, written[item.guid], url, problems, progress)
    problems.raise_if_any()


def import_feed(source: str, into: Path, download_enclosures: bool = False,
                progress: Progress = lambda _line: None,
                base_url: str | None = None) -> ImportReport:
    """Import the feed at ``source`` (a URL or a file) into the show ``into``;
    ``base_url`` is where the new site will be served.

    Everything is read and checked before the first file is written.
    """
    if base_url is not None and normalise_base_url(base_url) is None:
        raise InputError([Problem("--base-url", None, expected(
            "an http:// or https:// URL", base_url))])
    channel = parse(source, read_source(source))
    found = items(source, channel)
    local = None if download.is_url(source) else Path(source)
    fresh = init.needs_scaffold(into, local)
    init.check_posts_folder(into)
    root = into.resolve()
    report = ImportReport()
    if fresh:
        scaffold(root, channel, source, report, progress, base_url)
    else:
        write_config(root, channel, source, report, progress, base_url)
    written = write_posts(root, found, report)
    if download_enclosures:
        download_audio(root, found, written, progress)
    return report
