"""episodes/*.md -> Episode: front matter, Markdown, images, chapters.

Every field is declared in ``FIELDS`` with a one-line docstring (the README's
table of front-matter fields uses the same words) and the parser that checks it;
``read_fields`` runs them in order. Unknown keys are kept on the episode and
reported once per key as a warning: real exports carry many.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler

from . import download, filekind, markdown, tags
from .config import inside_show, not_a_file, pronunciations
from .constants import EPISODE_TYPES
from .errors import (
    ILLEGAL_TEXT,
    URL_ENCODED,
    Problems,
    described,
    expected,
    illegal_characters,
    illegal_line,
    library_error,
)
from .images import image_problem, inspect
from .lint.parse import unencoded
from .model import PAID_AUDIENCES, PAID_VISIBILITIES, Chapter, Episode, Image
from .speak import timing
from .text import control_characters, did_you_mean, hms, one_line, parse_hms, summary

AUDIENCES = ("everyone", "only_free", "only_paid", "founding")
VISIBILITIES = ("public", "paid", "founding")


@dataclass(frozen=True)
class Reading:
    """What a field's parser needs besides the value: where to report a problem."""

    field: str
    problems: Problems
    source: Path

    def refuse(self, what: str, value: Any) -> None:
        """Record 'expected ``what``, got ``value``' for this field; the value is dropped."""
        self.problems.add(self.source, self.field, expected(what, value))


@dataclass(frozen=True)
class Field:
    """One front-matter key: its README line and how it becomes an Episode value."""

    name: str
    doc: str
    parse: Callable[[Any, Reading], Any] | None = None
    """The value as given (never absent) -> the Episode's value, or None when there is
    none or it was refused (a problem recorded). None: the field names files and is
    read with them, after the body (see ``read_post``)."""
    into: str | None = None
    """The Episode attribute it sets, when not its own name. Several fields may set
    one attribute: the first that gives a value wins."""
    fallback: bool = False
    """Read only when the fields before it with the same ``into`` gave nothing."""
    required: str = ""
    """For a required attribute, what is expected. Given on the last field that sets
    it; reported when none gave a value and none was refused (its problem says enough)."""
    default: Any = None
    """The attribute's value when no field gives one."""

    @property
    def attribute(self) -> str:
        return self.into or self.name


def _text(value: Any, reading: Reading) -> str | None:
    if isinstance(value, str) or value is None:
        return (value or "").strip() or None
    reading.refuse("text", value)
    return None


def _post_id(value: Any, reading: Reading) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # an id exported as a number
    text = _text(value, reading)
    # A GUID that looks like a URL is written as one, where it must be encoded.
    if text is not None and re.match(r"(?i)https?://", text) and unencoded(text):
        reading.refuse(URL_ENCODED, text)
        return None
    return text


def _one_of(choices: tuple[str, ...]) -> Callable[[Any, Reading], str | None]:
    def parse(value: Any, reading: Reading) -> str | None:
        if value in choices:
            return str(value)
        reading.refuse(" or ".join(repr(c) for c in choices), value)
        return None
    return parse


def _whole(lowest: int) -> Callable[[Any, Reading], int | None]:
    def parse(value: Any, reading: Reading) -> int | None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)
                             and lowest <= value <= MAX_NUMBER):
            return value
        reading.refuse(f"a whole number from {lowest} to {MAX_NUMBER}", value)
        return None
    return parse


def _flag(value: Any, reading: Reading) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    reading.refuse("true or false", value)
    return None


def _is_draft(value: Any, reading: Reading) -> bool | None:
    return True if _flag(value, reading) is True else None


def _is_unpublished(value: Any, reading: Reading) -> bool | None:
    return True if _flag(value, reading) is False else None


def _guests(value: Any, reading: Reading) -> tuple[str, ...] | None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(g, str) and g.strip() for g in names):
        reading.refuse("a list of names", value)
        return None
    return tuple(g.strip() for g in names)


def is_http_url(value: str) -> bool:
    """An http(s) URL with a host, a valid port and no spaces."""
    return _is_http_url(value)


def _is_http_url(value: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname)
            and not any(c.isspace() for c in value))


def _http_url(value: Any, reading: Reading) -> str | None:
    text = _text(value, reading)
    if text is not None and not _is_http_url(text):
        reading.refuse("an http:// or https:// URL", text)
        return None
    if text is not None and unencoded(text):
        reading.refuse(URL_ENCODED, text)
        return None
    return text


def _date(value: Any, reading: Reading) -> dt.datetime | None:
    if value is None:
        return None
    when = _as_datetime(value)
    if when is None:
        reading.refuse("an ISO 8601 date", value)
        return None
    try:
        return when.astimezone(dt.UTC)
    except OverflowError:
        # 0001-01-01 east of UTC or 9999-12-31 west of it has no UTC instant Python holds.
        reading.refuse("an ISO 8601 date between the years 1 and 9999 in UTC", value)
        return None


def _pronounce(value: Any, reading: Reading) -> tuple[tuple[str, str], ...] | None:
    before = len(reading.problems.items)
    table = pronunciations(value, reading.problems, reading.source, reading.field)
    return None if len(reading.problems.items) > before else table


_DATE_REQUIRED = "an ISO 8601 date (date, post_date or email_sent_at)"

FIELDS: tuple[Field, ...] = (
    # In the order they are checked (and their problems listed); the README's table
    # is in reading order.
    Field("title", "Episode title (required; no episode number in it).", _text,
          required="a value"),
    Field("subtitle", "One-line summary shown under the title and in players.", _text),
    Field("description", "Alternative to subtitle, as some exports name it.", _text,
          into="subtitle", fallback=True),
    Field("post_id", "Permanent id, the episode GUID (required; never change it).", _post_id,
          required="a value"),
    Field("type", "newsletter, podcast, thread, ... (kept for templates).", _text,
          default="newsletter"),
    Field("audience", "everyone (default), only_free, only_paid or founding.",
          _one_of(AUDIENCES), default=AUDIENCES[0]),
    Field("visibility", "public (default), paid or founding.", _one_of(VISIBILITIES),
          default=VISIBILITIES[0]),
    Field("episode_type", "full (default), trailer or bonus.", _one_of(EPISODE_TYPES),
          default=EPISODE_TYPES[0]),
    Field("episode",
          "Episode number (default: its place in the public feed; see Episode numbers).",
          _whole(0), into="number"),
    Field("season", "Season number.", _whole(1)),
    Field("guests", "List of guest names (podcast:person role guest).", _guests, default=()),
    Field("explicit", "true or false; defaults to the show's setting.", _flag),
    Field("draft", "true: a draft, left out of the site and the feed like a paid post.",
          _is_draft, default=False),
    Field("is_published", "Substack's flag: false makes the post a draft (see draft).",
          _is_unpublished, into="draft", fallback=True, default=False),
    Field("canonical_url", "The post's original address (http or https), given to search "
          "engines as the page's canonical link.", _http_url),
    # The date fields, most preferred first; each one given is checked.
    Field("email_sent_at", "When the newsletter went out (ISO 8601); preferred over date.",
          _date, into="date"),
    Field("post_date", "Substack's publication date (ISO 8601); used when email_sent_at "
          "is not given, preferred over date.", _date, into="date"),
    Field("date", "Publication date, ISO 8601 (required unless email_sent_at or post_date "
          "is given).", _date, required=_DATE_REQUIRED),
    Field("chapters", "List of 'HH:MM:SS Title' lines, times against the recording."),
    Field("audio", "The recording, a path inside the show (default episodes/<stem>.mp3, "
          ".m4a or .wav), a folder of sections, or an http(s) URL the build downloads "
          "once."),
    Field("chapters_url", "The chapters file of a feed the episode was imported from "
          "(kept for the record; the build makes its own)."),
    Field("transcript_url", "The transcript of a feed the episode was imported from "
          "(kept for the record; the build makes its own)."),
    Field("cover_image", "The episode's own cover: a PNG or JPEG inside the show (same rules "
          "as images in the body) or an http(s) URL."),
    Field("pronounce", "Pronunciation fixes for speak, written: spoken; over the show's "
          "[speak.pronounce].", _pronounce, default=()),
)
_KNOWN = {f.name for f in FIELDS}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
DATE_FIELDS = tuple(f.name for f in FIELDS if f.attribute == "date")
"""The date fields, most preferred first."""
MAX_STEM_BYTES = 200
MAX_NUMBER = 65535
"""The largest episode or season number: MP4's track number holds 16 bits."""
MAX_CHAPTERS = 255
"""The most chapters: an ID3 table of contents (CTOC) counts its entries in one byte."""
_STEM_CHARS = re.compile(r"[/\\?#%]")


class _FrontMatter(YAMLHandler):
    """YAML front matter with dates left as text: we parse them ourselves, so an
    impossible date such as 2026-02-30 gets our message instead of a traceback,
    and the raw value is kept to tell a list from key: value pairs."""

    raw: Any = None

    def load(self, fm: str, **kwargs: object) -> Any:
        try:
            # libyaml takes a tab in a plain value that PyYAML refuses: such text keeps
            # PyYAML's answer.
            if "\t" not in fm:
                self.raw = yaml.load(fm, Loader=_FastTextDates)  # noqa: S506 - SafeLoader kin
                return {}
        except (yaml.YAMLError, UnicodeError):
            pass  # libyaml words its errors its own way: the pure-Python parser reports it.
        self.raw = yaml.load(fm, Loader=_TextDates)  # noqa: S506 - a SafeLoader subclass
        # python-frontmatter passes the keys as keyword arguments, which must be text:
        # the mapping is read from ``raw`` instead, where a key such as 1 gets our message.
        return {}


def _once_each(node: yaml.MappingNode) -> None:
    """A repeated key silently wins over the first: 'audience: only_paid' and a later
    'audience: everyone' would publish a paid post."""
    seen: set[str] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node.value, str):
            continue
        if key_node.value in seen:
            raise yaml.constructor.ConstructorError(
                problem=f"the key {key_node.value!r} a second time (give each key once)",
                problem_mark=key_node.start_mark)
        seen.add(key_node.value)


class _TextDates(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        _once_each(node)
        return super().construct_mapping(node, deep)


class _FastTextDates(yaml.CSafeLoader):
    """The same rules on libyaml's parser: the pure-Python one was most of the time a
    build of many posts took to read them."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        _once_each(node)
        return super().construct_mapping(node, deep)


_TextDates.yaml_implicit_resolvers = _FastTextDates.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Draft:
    """An episode plus what validation needs to know about its audio."""

    episode: Episode
    audio_seconds: float | None
    owned: tuple[Path, ...] = ()
    """For a paid post or a draft: the files and folders nothing public may take."""


AUDIO_SUFFIXES = tags.AUDIO_EXTENSIONS


def _owned(root: Path, source: Path, meta: dict[str, Any]) -> tuple[Path, ...]:
    """What a post owns: itself, its chapter files, its recording(s) and its folder."""
    names = [source, source.with_suffix(""), source.with_suffix(".chapters.txt"),
             source.with_suffix(".chapters.json"),
             *(source.with_suffix(ext) for ext in tags.AUDIO_EXTENSIONS)]
    if download.is_url(meta.get("audio")):
        # Downloaded or not, the copy of a paid post's URL is the paid post's.
        names += download.copies(root, meta["audio"])
    elif isinstance(meta.get("audio"), str):
        names.append(root / meta["audio"])
    found = (inside_show(root, n) for n in names)
    return tuple(p for p in found if p is not None)


def check_private_files(drafts: list[Draft], problems: Problems,
                        show_files: tuple[tuple[Path, str, Path | None], ...] = ()) -> None:
    """No public output may draw on a file a paid post or a draft owns.

    That covers every file a public post publishes (its images, its recording or
    section files, its chapter files) and the show's own (``show_files``: where
    each is named, the key, the file), such as the intro, outro and artwork.
    """
    owned = [p for d in drafts if not d.episode.is_public for p in d.owned]
    inodes = {i for p in owned for i in _inodes(p)}

    def private(path: Path) -> bool:
        # Compared resolved and by inode: a symlink or a hard link to a paid file is
        # the paid file.
        real = _resolved(path)
        return (any(real == p or real.is_relative_to(p) for p in owned)
                or any(i in inodes for i in _inodes(real)))

    for d in drafts:
        if d.episode.is_public:
            _check_public_uses(d.episode, private, problems)
    for source, key, named in show_files:
        if named is not None and private(named):
            problems.add(source, key, expected("a file no paid post or draft owns",
                                               problems.rel(named)))


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def _inodes(path: Path) -> set[tuple[int, int]]:
    """(device, inode) of a file, or of every file in a folder: a hard link shares it."""
    try:
        files = [path] if not path.is_dir() else [p for p in path.rglob("*") if p.is_file()]
        return {(st.st_dev, st.st_ino) for st in (f.stat() for f in files if f.is_file())}
    except (OSError, RuntimeError):
        return set()


def _plainly_mine(ep: Episode, path: Path) -> bool:
    """A post's own default recording, neither a link elsewhere nor a hard link: a
    paid post naming it with ``audio:`` does not make it the paid post's."""
    mine = (ep.source.with_suffix(""), *(ep.source.with_suffix(x) for x in AUDIO_SUFFIXES))
    if not any(path == m or path.is_relative_to(m) for m in mine):
        return False
    try:
        return _resolved(path) == path.absolute() and (path.is_dir() or path.stat().st_nlink == 1)
    except OSError:
        return False


def _check_public_uses(ep: Episode, private: Callable[[Path], bool], problems: Problems) -> None:
    uses = [("body", i.source, "an image") for i in ep.images]
    uses += [("audio", p, "a recording") for p in (ep.audio, *ep.sections)
             if p and not _plainly_mine(ep, p)]
    said: set[str] = set()
    for field, path, what in uses:
        # One line for a recording: its folder, not each section file again.
        if private(path) and (field == "body" or field not in said):
            said.add(field)
            problems.add(ep.source, field, expected(
                f"{what} no paid post or draft owns", problems.rel(path)))


def find_posts(root: Path) -> list[Path]:
    """Every post: episodes/*.md but the _drafts-style names starting with '_'.

    Dot names such as '...md' and '.x.md' are found too, and refused by ``check_stems``,
    and so is what is no file at all (a folder, a named pipe), refused when read: a
    post never vanishes without a word. Read none before ``filekind.is_file``.
    """
    return sorted(p for p in (root / "episodes").glob("*.md") if not p.name.startswith("_"))


def stem_problem(stem: str) -> str | None:
    """Why a post's stem cannot name its page and audio files, or None when it can.

    Every output path of a post is derived from its stem, so the stem must be one
    path segment that stays in its folder and means the same in a URL.
    """
    # Line breaks of any kind (\n, U+2028, U+0085) and other invisible characters
    # (tab, U+200B) would split or hide the name in the site's marker and in messages.
    invisible = any(not c.isprintable() and c != " " for c in stem)
    if not stem or stem.startswith(".") or _STEM_CHARS.search(stem) or invisible:
        return ("a post file name that can name a page: not starting with a dot, "
                "without / \\ ? # % or control characters")
    if len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        return (f"a post file name of at most {MAX_STEM_BYTES} bytes (its audio file adds "
                f"a version to it, and file names stop at 255)")
    return None


def _fold(stem: str) -> str:
    """What a case-insensitive, normalising file system (macOS, Windows) sees; Windows
    also drops trailing dots and spaces."""
    return unicodedata.normalize("NFC", stem).casefold().rstrip(". ")


def check_stems(sources: list[Path], problems: Problems) -> list[Path]:
    """The posts whose stems can name their outputs; a problem for each other one.

    Two stems that differ only in case or Unicode normalisation are refused too: on
    macOS and Windows they would write the same page and audio files.
    """
    good: list[Path] = []
    seen: dict[str, Path] = {}
    for source in sources:
        why = stem_problem(source.name.removesuffix(".md"))
        if why is not None:
            # A name that cannot be printed is reported on its folder, quoted.
            where = source.parent if control_characters(source.name) else source
            problems.add(where, None, expected(why, source.name))
            continue
        other = seen.setdefault(_fold(source.stem), source)
        if other is not source:
            problems.add(source, None, expected(
                f"a file name no other post has when case is ignored "
                f"(also {problems.rel(other)})", source.name))
            continue
        good.append(source)
    return good


def _illegal_values(meta: dict[Any, Any], problems: Problems, path: Path) -> set[str]:
    """Report every front-matter value (of any type, nested lists and tables included)
    and every key holding a character no output can carry; the keys concerned."""
    tainted: set[str] = set()
    seen: set[int] = set()  # YAML aliases can share a list or make it hold itself

    def walk(value: Any, field: str) -> bool:
        if isinstance(value, list | tuple | set | dict):
            if id(value) in seen:
                return False
            seen.add(id(value))
        if isinstance(value, str):
            illegal = illegal_characters(value)
            if illegal:
                problems.add(path, field, illegal)
            return bool(illegal)
        if isinstance(value, list | tuple | set):
            return any([walk(v, f"{field}[{n}]") for n, v in enumerate(value, 1)])
        if isinstance(value, dict):
            return any([walk(k, field) or walk(v, f"{field}.{k}") for k, v in value.items()])
        return False

    for key, value in meta.items():
        if not isinstance(key, str):
            problems.add(path, str(key), expected("a key that is text", key))
            tainted.add(str(key))
        elif illegal := illegal_characters(key, f"keys in {ILLEGAL_TEXT}"):
            problems.add(path, "front matter", illegal)
            tainted.add(key)
        elif walk(value, key):
            tainted.add(key)
    return tainted


def _as_datetime(value: Any) -> dt.datetime | None:
    """YAML dates come as date, datetime or str; anything else is not a date."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def parse_chapter_lines(lines: list[Any], problems: Problems, path: Path,
                        field: str) -> tuple[Chapter, ...]:
    """'HH:MM:SS Title' lines -> chapters, ascending."""
    chapters: list[Chapter] = []
    for n, line in enumerate(lines, 1):
        m = re.match(r"^\s*(\S+)\s+(.+?)\s*$", line) if isinstance(line, str) else None
        start = parse_hms(m.group(1)) if m else None
        if m is None or start is None:
            problems.add(path, f"{field}[{n}]", expected("'HH:MM:SS Title'", line))
            return ()
        bad = control_characters(m.group(2))
        if bad:
            problems.add(path, f"{field}[{n}]", described(ILLEGAL_TEXT, f"{bad} in {line!r}"))
            return ()
        chapters.append(Chapter(start, m.group(2)))
    return _ascending(chapters, problems, path, field, quote=lines)


def _ascending(chapters: list[Chapter], problems: Problems, path: Path, field: str,
               quote: list[Any] | None = None) -> tuple[Chapter, ...]:
    if len(chapters) > MAX_CHAPTERS:
        problems.add(path, field, expected(f"at most {MAX_CHAPTERS} chapters (the most an "
                                           "ID3 table of contents holds)", len(chapters)))
        return ()
    for n in range(1, len(chapters)):
        # Tags store chapter starts in whole milliseconds: closer starts would collide.
        if round(chapters[n].start * 1000) <= round(chapters[n - 1].start * 1000):
            what = f"a time at least 1 ms after {hms(chapters[n - 1].start)}"
            if quote is not None:
                problems.add(path, f"{field}[{n + 1}]", expected(what, quote[n]))
            else:
                problems.add(path, f"{field}[{n + 1}]", described(what, hms(chapters[n].start)))
            return ()
    return tuple(chapters)


def _sidecar_text(root: Path, path: Path, problems: Problems) -> str | None:
    """A chapters file as text, inside the show and printable; None
    (with a problem recorded) when it is not."""
    if inside_show(root, path) is None:
        problems.add_named(path, None, _outside(path, "a chapters file"))
        return None
    if not filekind.is_file(path):
        problems.add_named(path, None, described("a chapters file", filekind.kind(path)))
        return None
    text = problems.read_text(path)
    if text is None:
        return None
    illegal = illegal_line(text)
    if illegal:
        problems.add(path, "chapters", illegal)
        return None
    return text


def _sidecar_chapters(root: Path, source: Path, problems: Problems
                      ) -> tuple[Chapter, ...] | None:
    txt = source.with_suffix(".chapters.txt")
    js = source.with_suffix(".chapters.json")
    if filekind.exists(txt):
        text = _sidecar_text(root, txt, problems)
        if text is None:
            return ()
        lines = [ln for ln in text.split("\n") if ln.strip()]
        return parse_chapter_lines(lines, problems, txt, "chapters")
    if filekind.exists(js):
        text = _sidecar_text(root, js, problems)
        if text is None:
            return ()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            problems.add(js, None, described(
                "valid JSON", f"a syntax error at line {e.lineno}, column {e.colno}: {e.msg}"))
            return ()
        except (ValueError, RecursionError) as e:
            problems.add(js, None, described("valid JSON", library_error(e)))
            return ()
        chapters: list[Chapter] | None
        try:
            chapters = [Chapter(float(c["startTime"]), c["title"]) for c in data["chapters"]]
        except (ValueError, KeyError, TypeError):
            chapters = None
        if chapters is None or not all(
                isinstance(c.title, str) and math.isfinite(c.start) and c.start >= 0
                for c in chapters):
            problems.add(js, "chapters", described(
                'a list of {"startTime": seconds, "title": text}', "something else"))
            return ()
        for n, c in enumerate(chapters, 1):
            illegal = illegal_characters(c.title)
            if illegal:
                problems.add(js, f"chapters[{n}]", illegal)
                return ()
        return _ascending(chapters, problems, js, "chapters")
    return None


def _find_audio(root: Path, source: Path, meta: dict[str, Any], problems: Problems
                ) -> tuple[Path | None, tuple[Path, ...]]:
    """The body recording, or a folder and its section files in order.

    (None, ()) when there is no recording yet, or when it is unusable (a problem
    is then recorded).
    """
    value = meta.get("audio")
    if download.is_url(value):
        return _downloaded(root, source, value, problems), ()
    if value is not None:
        # inside_show refuses a blank path too.
        candidate = inside_show(root, value) if isinstance(value, str) else None
        if candidate is None:
            problems.add(source, "audio", expected("a path inside the show folder", value))
            return None, ()
        if candidate.is_dir():
            return _sections(root, candidate, source, problems, required=True)
        missing = not_a_file(root, value, "audio file")
        if missing:
            problems.add(source, "audio", missing)
            return None, ()
        problem = tags.audio_problem(candidate)
        if problem:
            problems.add(source, "audio", problem + f" ({value})")
            return None, ()
        return candidate, ()
    if _strange_recordings(source, problems):
        return None, ()
    found = [source.with_suffix(ext) for ext in tags.AUDIO_EXTENSIONS
             if source.with_suffix(ext).is_file()]
    folder = source.with_suffix("")
    if folder.is_dir() and _section_files(folder):
        found.append(folder)
    if len(found) > 1:
        problems.add(source, "audio", described(
            "one recording next to the post", ", ".join(problems.rel(f) for f in found)))
        return None, ()
    if found and inside_show(root, found[0]) is None:
        problems.add_named(found[0], None, _outside(found[0]))
        return None, ()
    if found and found[0].is_dir():
        return _sections(root, found[0], source, problems, required=False)
    if found:
        problem = tags.audio_problem(found[0])
        if problem:
            problems.add(found[0], None, problem)
            return None, ()
        return found[0], ()
    return None, ()


def _strange_recordings(source: Path, problems: Problems) -> bool:
    """A post's default recording names holding what is no recording (a named pipe, a
    folder named like an audio file, a link to nothing) are reported, never skipped."""
    odd = [(p, found) for p in (source.with_suffix(x) for x in AUDIO_SUFFIXES)
           if (found := filekind.not_file(p))]
    folder = source.with_suffix("")
    odd += [(folder, found) for found in (filekind.special(folder),) if found]
    for path, found in odd:
        problems.add_named(path, None, described(
            "a folder of sections" if path == folder else "an audio file", found))
    return bool(odd)


def _downloaded(root: Path, source: Path, url: str, problems: Problems) -> Path | None:
    """The downloaded copy of an ``audio:`` URL; ``check`` downloads nothing and warns."""
    if not _is_http_url(url):
        problems.add(source, "audio", expected("an http:// or https:// URL", url))
        return None
    copy = download.local(root, url)
    if copy is None:
        problems.warn(source, "audio", f"not downloaded yet: the build downloads {url}")
        return None
    problem = tags.audio_problem(copy)
    if problem:
        problems.add(source, "audio", problem + f" (downloaded from {url})")
        return None
    return copy


def _section_files(folder: Path) -> list[Path]:
    # Whatever the name says is audio, file or not: a named pipe or a folder there is
    # reported, not left out of the recording.
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in tags.AUDIO_EXTENSIONS and not p.name.startswith("."))


def _outside(path: Path, what: str = "a file") -> str:
    """The message for a link out of the show, saying what it points at (/dev/null is
    a link to a character device, a link to a file gone is a link to nothing)."""
    found = filekind.kind(path)
    link = found if found.startswith("a link to ") else "a link to a file"
    return described(f"{what} inside the show folder", f"{link} outside it")


def _sections(root: Path, folder: Path, source: Path, problems: Problems, required: bool
              ) -> tuple[Path | None, tuple[Path, ...]]:
    """A folder of numbered section files (01-intro.mp3, 02-...), played in name order."""
    files = _section_files(folder)
    if not files:
        if required:
            problems.add(source, "audio", described(
                "a folder with numbered audio files (01-*.mp3, 02-*.mp3, ...)",
                f"no audio files in {problems.rel(folder)}"))
        return None, ()
    if len(files) > MAX_CHAPTERS:
        problems.add(folder, None, expected(f"at most {MAX_CHAPTERS} section files (each "
                                            "is a chapter)", len(files)))
        return None, ()
    bad = False
    for f in files:
        # The file name becomes a chapter title: it must be text every output can carry.
        illegal = illegal_characters(f.name, f"a file name in {ILLEGAL_TEXT}")
        problem = illegal or _section_problem(root, f)
        if illegal:
            problems.add(folder, None, illegal)
        elif problem:
            problems.add_named(f, None, problem)
        bad = bad or problem is not None
    return (None, ()) if bad else (folder, tuple(files))


def _section_problem(root: Path, path: Path) -> str | None:
    if inside_show(root, path) is None:
        return _outside(path)
    if not filekind.is_file(path):
        return described("an audio file", filekind.kind(path))
    return tags.audio_problem(path)


def section_title(path: Path) -> str:
    """'03-the_cheapest-hydrophone.mp3' -> 'The cheapest hydrophone'."""
    words = re.sub(r"^\d+[\s._-]*", "", path.stem).replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) if words else path.stem


def _section_parts(rendered: markdown.Rendered, title: str | None, sections: tuple[Path, ...],
                   source: Path, problems: Problems
                   ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each section's chapter title and text: one file per ##/### heading, and
    maybe one more first, for the text before the first heading (the opening,
    a chapter named after the episode)."""
    titled = rendered.sections
    if not sections:
        return (), ()
    if len(sections) == len(titled) + 1:
        return ((title or section_title(sections[0]), *(h for h, _ in titled)),
                (rendered.opening, *(t for _, t in titled)))
    if len(sections) != len(titled):
        problems.add(source, "audio", described(
            f"{len(titled)} or {len(titled) + 1} section files for {len(titled)} "
            f"heading{'' if len(titled) == 1 else 's'} "
            f"(the first one may be the opening, before the first heading)",
            str(len(sections))))
    return tuple(h for h, _ in titled), tuple(t for _, t in titled)


def _is_remote(src: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I)) or src.startswith("//")


def local_image(root: Path, source: Path, src: str) -> tuple[Path | None, str]:
    """The file a post's local image source names (relative to the post), or None
    with the reason, in 'expected ..., got ...' words.

    The one image rule: a real PNG, JPEG, GIF or WebP file of sane size, inside the
    show after symlinks are resolved, and not in a hidden folder (the cache, .git).
    A post, a recording, podcast.toml or the published record is never an image.
    """
    path = urllib.parse.unquote(src.split("#", 1)[0].split("?", 1)[0])
    target = inside_show(root, source.parent / path) if path.strip() else None
    if target is None:
        return None, expected("an image inside the show folder", src)
    if any(part.startswith(".") for part in target.relative_to(root.resolve()).parts):
        return None, expected("an image outside hidden files and folders (the cache)", src)
    illegal = illegal_characters(target.name, f"an image file name in {ILLEGAL_TEXT}")
    if illegal:
        return None, illegal
    if not filekind.is_file(target):
        found = filekind.kind(source.parent / path)
        if found != filekind.MISSING:
            return None, described("an image file", f"{src!r}, {found}")
        rel = target.relative_to(root.resolve()).as_posix()
        return None, described("an image file", f"{src!r}, and there is no {rel} "
                                                f"(images are found relative to the post)")
    problem = image_problem(target)
    return (None, f"{problem} ({src})") if problem else (target, "")


def _place_image(root: Path, source: Path, src: str, images: list[Image],
                 problems: Problems, field: str = "body") -> str | None:
    """Where a post's local image goes in the site (None: a remote image, left as is)."""
    if _is_remote(src):
        return None
    target, why = local_image(root, source, src)
    if target is None:
        problems.add(source, field, why)
        return None
    if len(target.name.encode("utf-8")) > MAX_STEM_BYTES:
        # A clash adds "N-" to the placed name, and file names stop at 255 bytes.
        problems.add(source, field, described(
            f"an image file name of at most {MAX_STEM_BYTES} bytes",
            f"a name of {len(target.name.encode('utf-8'))} bytes"))
        return None
    for known in images:
        if known.source == target:
            return urllib.parse.quote(known.target)
    # Unique as a case-insensitive file system sees it, whatever the files are named.
    taken = {i.target.casefold() for i in images}
    name, n = f"images/{target.name}", 1
    while name.casefold() in taken:
        name, n = f"images/{n}-{target.name}", n + 1
    images.append(Image(target, name))
    return urllib.parse.quote(name)


def parse_front_matter(source: Path, text: str, problems: Problems) -> dict[Any, Any] | None:
    """A post's raw front matter; None (with a problem recorded) when the YAML is bad."""
    parsed = _parse(source, text, problems)
    return None if parsed is None else parsed[0]


def _parse(source: Path, text: str, problems: Problems) -> tuple[dict[Any, Any], str] | None:
    """Front matter and body of a post; None (with a problem recorded) when the YAML is bad."""
    handler = _FrontMatter()
    try:
        post = frontmatter.loads(text, handler=handler)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        # The YAML text starts with the newline ending the opening '---' (file line 1).
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        problems.add(source, "front matter", f"expected valid YAML, got a syntax error{where}: "
                     f"{problem}")
        return None
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as e:
        # PyYAML's constructors raise these for explicit tags on bad values (!!int abc,
        # !!timestamp 2026-02-30, !!bool maybe) and for nesting past the recursion limit.
        problems.add(source, "front matter", described("valid YAML", library_error(e)))
        return None
    if handler.raw is not None and not isinstance(handler.raw, dict):
        problems.add(source, "front matter", described(
            "key: value pairs", "a list" if isinstance(handler.raw, list)
            else type(handler.raw).__name__))
        return None
    return dict(handler.raw or {}), post.content


def read_body(source: Path, problems: Problems) -> str | None:
    """A post's Markdown body, without its front matter; None on a problem."""
    text = problems.read_text(source)
    parsed = _parse(source, text, problems) if text is not None else None
    return None if parsed is None else parsed[1]


_PRIVACY_KEYS = ("draft", "audience", "visibility", "is_published")
_FOREIGN_PRIVACY = ("published", "status")
"""Other tools' keys for keeping a post private: ignoring one would publish the post."""


def _warn_unknown(meta: dict[Any, Any], problems: Problems, source: Path) -> None:
    for key in meta:
        if not isinstance(key, str) or key in _KNOWN or control_characters(key):
            continue
        folded = re.sub(r"[\s_-]", "", key.casefold())
        ours = next((k for k in _PRIVACY_KEYS if k.replace("_", "") == folded), None)
        if ours is not None:
            problems.add(source, key, expected(f"{ours} (audio-feed's key)", key))
        elif folded in _FOREIGN_PRIVACY:
            problems.add(source, key, "expected draft: true or is_published: false to keep "
                         f"a post private, got {key}: {_short_value(meta[key])}")
        else:
            problems.warn(source, key, "unknown front-matter key, kept but not used"
                          + did_you_mean(key, _KNOWN), once_per_field=True)


def _short_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 40 and not control_characters(text) else "a value"


def _check_body(text: str, rendered: markdown.Rendered, problems: Problems,
                source: Path) -> None:
    """Refuse what no page, feed or transcript can carry, with the line it is on."""
    illegal = illegal_line(text)
    if illegal:
        problems.add(source, "body", illegal)
        return
    bad = control_characters(rendered.html + rendered.text)
    if bad:
        problems.add(source, "body", described(ILLEGAL_TEXT,
                                               f"{bad}, written as a character reference"))


def check_whole(path: Path, problems: Problems, strict: bool) -> None:
    """Warn (with ``strict``, refuse) when a recording holds less than its header says."""
    damage = tags.truncation(path)
    if damage is not None:
        message = (f"recording is truncated or damaged: the header says {damage[0]:.1f} s, "
                   f"the file holds about {damage[1]:.1f} s")
        if strict:
            problems.add(path, None, message + " (an error with --strict)")
        else:
            problems.warn(path, None, message)


def _recording(root: Path, source: Path, meta: dict[str, Any], problems: Problems,
               strict: bool) -> tuple[Path | None, tuple[Path, ...], float | None]:
    """The recording of a public post, its sections and its length in seconds."""
    before = len(problems.items)
    audio, sections = _find_audio(root, source, meta, problems)
    pending = download.is_url(meta.get("audio"))
    if audio is None and len(problems.items) == before and not pending:
        message = ("expected a recording (episodes/<stem>.mp3, .m4a or .wav, a folder of "
                   "sections, or an audio: key), got none")
        if strict:
            problems.add(source, "audio", message + " (an error with --strict)")
        else:
            problems.warn(source, "audio", message + ": page built, left out of the feed")
    for f in sections or ((audio,) if audio else ()):
        check_whole(f, problems, strict)
    if sections:
        return audio, sections, sum(tags.read_duration(f) for f in sections)
    return audio, sections, tags.read_duration(audio) if audio else None


def _load(root: Path, source: Path, problems: Problems
          ) -> tuple[str, str, dict[Any, Any]] | None:
    """A post's text, body and raw front matter; None on a problem."""
    resolved = inside_show(root, source)
    if resolved is None:
        problems.add_named(source, None, _outside(source))
        return None
    if not filekind.is_file(source):
        problems.add_named(source, None, described("a post file", filekind.kind(source)))
        return None
    text = problems.read_text(source)
    if text is None:
        return None
    parsed = _parse(source, text, problems)
    return None if parsed is None else (text, parsed[1], parsed[0])


def _chapters(root: Path, source: Path, meta: dict[str, Any], tainted: set[str],
              problems: Problems) -> tuple[Chapter, ...]:
    """Chapters from the front matter, else from a sidecar file."""
    if "chapters" in meta:
        if isinstance(meta["chapters"], list):
            return parse_chapter_lines(meta["chapters"], problems, source, "chapters")
        problems.add(source, "chapters", expected("a list of 'HH:MM:SS Title' lines",
                                                  meta["chapters"]))
        return ()
    if "chapters" in tainted:
        return ()
    return _sidecar_chapters(root, source, problems) or ()


def _render(root: Path, source: Path, text: str, content: str, images: list[Image],
            problems: Problems) -> markdown.Rendered:
    """The body as HTML; its local images, which must pass the image rule, are added
    to ``images`` to be copied beside the page."""
    placed: dict[str, str | None] = {}

    def place(src: str) -> str | None:
        if src not in placed:
            placed[src] = _place_image(root, source, src, images, problems)
        return placed[src]

    rendered = markdown.render(content, place)
    _check_body(text, rendered, problems, source)
    _check_notes(rendered, problems, source)
    return rendered


def _listed(labels: tuple[str, ...]) -> str:
    shown = ", ".join(one_line(f"[^{label}]") for label in labels[:3])
    return shown + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")


def _check_notes(rendered: markdown.Rendered, problems: Problems, source: Path) -> None:
    """A footnote nothing refers to is left out of the page, and a reference to none is
    shown as written: a warning each, so a lost note is not lost silently."""
    if rendered.unused_notes:
        problems.warn(source, "body", described(
            "each footnote referred to in the text",
            f"{_listed(rendered.unused_notes)} never referred to (left out of the page)"))
    if rendered.repeated_notes:
        problems.warn(source, "body", described(
            "each footnote defined once",
            f"{_listed(rendered.repeated_notes)} more than once (the last one is shown)"))
    if rendered.undefined_notes:
        problems.warn(source, "body", described(
            "a definition ([^x]: ...) for each footnote reference",
            f"none for {_listed(rendered.undefined_notes)} (shown as written)"))


def read_fields(meta: dict[str, Any], tainted: set[str], problems: Problems,
                source: Path) -> dict[str, Any]:
    """The Episode values that ``FIELDS`` give from the front matter, validated field by
    field in their order. A field already refused for its characters (in ``tainted``,
    left out of ``meta``) is not reported again as missing."""
    values: dict[str, Any] = {}
    refused = set(tainted)
    for f in FIELDS:
        if f.parse is None or (f.fallback and values.get(f.attribute) is not None):
            continue
        if f.name in meta:
            before = len(problems.items)
            value = f.parse(meta[f.name], Reading(f.name, problems, source))
            if len(problems.items) > before:
                refused.add(f.name)
            if values.get(f.attribute) is None:
                values[f.attribute] = value
        setting = {g.name for g in FIELDS if g.attribute == f.attribute}
        if f.required and values.get(f.attribute) is None and not refused & setting:
            problems.add(source, f.name, f"expected {f.required}, got nothing (required)")
    for f in FIELDS:
        if f.parse is not None and values.get(f.attribute) is None:
            values[f.attribute] = f.default
    return values


def read_post(root: Path, source: Path, problems: Problems,
              strict: bool = False) -> Draft | None:
    """Read and validate one post; problems go to ``problems``; None when it failed.

    Warnings are recorded even when the post has errors, so one run shows everything.
    A paid post or a draft is read but its recording is neither checked nor measured:
    it is never published. With ``strict``, a missing or damaged recording is an error.
    """
    before = len(problems.items)
    loaded = _load(root, source, problems)
    if loaded is None:
        return None
    text, content, raw = loaded
    tainted = _illegal_values(raw, problems, source)
    _warn_unknown(raw, problems, source)
    meta: dict[str, Any] = {k: v for k, v in raw.items() if str(k) not in tainted}
    head = read_fields(meta, tainted, problems, source)
    private = head["draft"] or (head["audience"] in PAID_AUDIENCES
                                or head["visibility"] in PAID_VISIBILITIES)

    chapters = _chapters(root, source, meta, tainted, problems)
    images: list[Image] = []
    rendered = _render(root, source, text, content, images, problems)
    cover = _cover(root, source, meta, images, problems)
    recording: tuple[Path | None, tuple[Path, ...], float | None] = (None, (), None)
    if not private and "audio" not in tainted:
        recording = _recording(root, source, meta, problems, strict)
        recording = _stale_speech(recording, rendered, source, problems, strict)
    audio, sections, seconds = recording
    section_titles, section_texts = _fit_recording(rendered, head["title"], chapters,
                                                   recording, source, problems)
    spoken = _spoken(root, audio, sections, problems)
    if len(problems.items) > before:
        return None
    episode = Episode(
        stem=source.stem,
        source=source,
        **head,
        summary=head["subtitle"] or summary(rendered.text),
        audio=audio,
        chapters=chapters,
        html=rendered.html,
        text=rendered.text,
        images=tuple(images),
        sections=sections,
        section_titles=section_titles,
        section_texts=section_texts,
        section_opening=len(sections) == len(rendered.sections) + 1,
        cover=cover,
        extra=tuple(sorted((k, v) for k, v in meta.items() if k not in _KNOWN)),
        spoken=spoken,
    )
    return Draft(episode, seconds, _owned(root, source, meta) if private else ())


def _fit_recording(rendered: markdown.Rendered, title: str | None,
                   chapters: tuple[Chapter, ...],
                   recording: tuple[Path | None, tuple[Path, ...], float | None],
                   source: Path, problems: Problems) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Check that the chapters and the body fit the recording; each section's title
    and text."""
    _, sections, seconds = recording
    if sections and chapters:
        problems.add(source, "chapters", described(
            "no chapters list for a recording in sections (each section is a chapter)",
            f"{len(chapters)} chapters"))
    parts = _section_parts(rendered, title, sections, source, problems)
    if seconds is not None and chapters and chapters[-1].start >= seconds:
        problems.add(source, "chapters", expected(
            f"chapter times within the recording ({hms(seconds)})", hms(chapters[-1].start)))
    return parts


def _stale_speech(recording: tuple[Path | None, tuple[Path, ...], float | None],
                  rendered: markdown.Rendered, source: Path, problems: Problems, strict: bool
                  ) -> tuple[Path | None, tuple[Path, ...], float | None]:
    """A folder speak made before the post's headings changed is no recording yet: the
    post waits for ``audio-feed speak`` (which may then replace the folder)."""
    folder, sections, _ = recording
    if (not sections or folder is None or not (folder / timing.NAME).is_file()
            or len(sections) == len(rendered.sections) + 1):
        return recording
    message = (f"expected the sections speak made to follow the post's headings, got "
               f"{len(sections)} sections for {len(rendered.sections)} headings: run "
               f"audio-feed speak")
    if strict:
        problems.add(source, "audio", message + " (an error with --strict)")
    else:
        problems.warn(source, "audio", message + "; page built, left out of the feed")
    return None, (), None


def _spoken(root: Path, folder: Path | None, sections: tuple[Path, ...], problems: Problems
            ) -> tuple[timing.Cues, ...]:
    """The sentence timings of a folder ``speak`` made (with its sidecar), else ()."""
    sidecar = folder / timing.NAME if folder is not None else None
    found = filekind.not_file(sidecar) if sidecar is not None else None
    if sidecar is not None and found:
        problems.add_named(sidecar, None, described("the timing file speak wrote", found))
        return ()
    if not sections or folder is None or sidecar is None or not sidecar.is_file():
        return ()
    if inside_show(root, sidecar) is None:
        problems.add_named(sidecar, None, _outside(sidecar))
        return ()
    read = timing.read(folder, sections)
    if isinstance(read, str):
        problems.add(folder / timing.NAME, None, read)
        return ()
    return read


def _cover(root: Path, source: Path, meta: dict[str, Any], images: list[Image],
           problems: Problems) -> str | None:
    """cover_image: a remote http(s) URL as it is, or a local image placed like the
    body's images (its path in the episode's folder)."""
    value = _text(meta.get("cover_image"), Reading("cover_image", problems, source))
    if value is None:
        return None
    if _is_remote(value):
        if not _is_http_url(value):
            problems.add(source, "cover_image", expected("an http:// or https:// URL", value))
            return None
        if unencoded(value):
            problems.add(source, "cover_image", expected(URL_ENCODED, value))
            return None
        return value
    target, _ = local_image(root, source, value)
    info = inspect(target) if target is not None else None
    if info is not None and info.format not in ("PNG", "JPEG"):
        # Podcast apps show only these as an episode's image.
        problems.add(source, "cover_image", described(
            "a PNG or JPEG image", f"a {info.format} image ({value})"))
        return None
    return _place_image(root, source, value, images, problems, "cover_image")
