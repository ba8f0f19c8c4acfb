"""episodes/*.md -> Episode: front matter, Markdown, images, chapters.

Every field is declared in ``FIELDS`` with a one-line docstring (the README's
table of front-matter fields uses the same words). Unknown keys are kept on the
episode and reported once per key as a warning: real exports carry many.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler

from . import markdown, tags
from .constants import EPISODE_TYPES
from .errors import Problems, described, expected
from .model import Chapter, Episode, Image
from .text import control_characters, hms, parse_hms, summary

AUDIENCES = ("everyone", "only_free", "only_paid", "founding")
VISIBILITIES = ("public", "paid", "founding")


@dataclass(frozen=True)
class Field:
    name: str
    doc: str


FIELDS: tuple[Field, ...] = (
    Field("title", "Episode title (required; no episode number in it)."),
    Field("subtitle", "One-line summary shown under the title and in players."),
    Field("description", "Alternative to subtitle, as some exports name it."),
    Field("date", "Publication date, ISO 8601 (required unless email_sent_at is given)."),
    Field("email_sent_at", "When the newsletter went out (ISO 8601); preferred over date."),
    Field("post_id", "Permanent id, the episode GUID (required; never change it)."),
    Field("type", "newsletter, podcast, thread, ... (kept for templates)."),
    Field("audience", "everyone (default), only_free, only_paid or founding."),
    Field("visibility", "public (default), paid or founding."),
    Field("audio", "The recording, a path inside the show (default episodes/<stem>.mp3, "
          ".m4a or .wav), or a folder of sections."),
    Field("chapters", "List of 'HH:MM:SS Title' lines, times against the recording."),
    Field("episode",
          "Episode number (default: its place in the public feed; see Episode numbers)."),
    Field("season", "Season number."),
    Field("episode_type", "full (default), trailer or bonus."),
    Field("explicit", "true or false; defaults to the show's setting."),
    Field("guests", "List of guest names (podcast:person role guest)."),
)
_KNOWN = {f.name for f in FIELDS}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class _FrontMatter(YAMLHandler):
    """YAML front matter with dates left as text: we parse them ourselves, so an
    impossible date such as 2026-02-30 gets our message instead of a traceback,
    and the raw value is kept to tell a list from key: value pairs."""

    raw: Any = None

    def load(self, fm: str, **kwargs: object) -> Any:
        self.raw = yaml.load(fm, Loader=_TextDates)  # noqa: S506 - a SafeLoader subclass
        return self.raw if isinstance(self.raw, dict) else {}


class _TextDates(yaml.SafeLoader):
    pass


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Draft:
    """An episode plus what validation needs to know about its audio."""

    episode: Episode
    audio_seconds: float | None


def find_posts(root: Path) -> list[Path]:
    return sorted(p for p in (root / "episodes").glob("*.md") if not p.name.startswith("_"))


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


def _text_field(meta: dict[str, Any], name: str, problems: Problems, path: Path,
                required: bool = False) -> str | None:
    value = meta.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(path, name, "expected a value, got nothing (required)")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and name == "post_id":
        value = str(value)
    if not isinstance(value, str):
        problems.add(path, name, expected("text", value))
        return None
    bad = control_characters(value)
    if bad:
        problems.add(path, name, described("text without control characters",
                                           f"{bad} in {value!r}"))
        return None
    return value.strip()


def _choice(meta: dict[str, Any], name: str, choices: tuple[str, ...], problems: Problems,
            path: Path) -> str:
    value = meta.get(name, choices[0])
    if value not in choices:
        problems.add(path, name, expected(" or ".join(repr(c) for c in choices), value))
        return choices[0]
    return str(value)


def _number(meta: dict[str, Any], name: str, problems: Problems, path: Path,
            lowest: int) -> int | None:
    value = meta.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        problems.add(path, name, expected(f"a whole number from {lowest}", value))
        return None
    return value


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
        chapters.append(Chapter(start, m.group(2)))
    return _ascending(chapters, problems, path, field, quote=lines)


def _ascending(chapters: list[Chapter], problems: Problems, path: Path, field: str,
               quote: list[Any] | None = None) -> tuple[Chapter, ...]:
    for n in range(1, len(chapters)):
        if chapters[n].start <= chapters[n - 1].start:
            what = f"a time after {hms(chapters[n - 1].start)}"
            if quote is not None:
                problems.add(path, f"{field}[{n + 1}]", expected(what, quote[n]))
            else:
                problems.add(path, f"{field}[{n + 1}]", described(what, hms(chapters[n].start)))
            return ()
    return tuple(chapters)


def _sidecar_chapters(source: Path, problems: Problems) -> tuple[Chapter, ...] | None:
    txt = source.with_suffix(".chapters.txt")
    js = source.with_suffix(".chapters.json")
    if txt.is_file():
        text = problems.read_text(txt)
        if text is None:
            return ()
        lines = [ln for ln in text.splitlines() if ln.strip()]
        return parse_chapter_lines(lines, problems, txt, "chapters")
    if js.is_file():
        text = problems.read_text(js)
        if text is None:
            return ()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            problems.add(js, None, described(
                "valid JSON", f"a syntax error at line {e.lineno}, column {e.colno}: {e.msg}"))
            return ()
        try:
            chapters = [Chapter(float(c["startTime"]), str(c["title"]))
                        for c in data["chapters"]]
        except (ValueError, KeyError, TypeError):
            problems.add(js, "chapters", described(
                'a list of {"startTime": seconds, "title": text}', "something else"))
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
    if value is not None:
        if not isinstance(value, str) or not value.strip():
            problems.add(source, "audio", expected("a path inside the show folder", value))
            return None, ()
        candidate = (root / value).resolve()
        if not candidate.is_relative_to(root.resolve()):
            problems.add(source, "audio", expected("a path inside the show folder", value))
            return None, ()
        if candidate.is_dir():
            return _sections(candidate, source, problems, required=True)
        if not candidate.is_file():
            problems.add(source, "audio", expected("an existing audio file", value))
            return None, ()
        problem = tags.audio_problem(candidate)
        if problem:
            problems.add(source, "audio", problem + f" ({value})")
            return None, ()
        return candidate, ()
    found = [source.with_suffix(ext) for ext in tags.AUDIO_EXTENSIONS
             if source.with_suffix(ext).is_file()]
    folder = source.with_suffix("")
    if folder.is_dir() and _section_files(folder):
        found.append(folder)
    if len(found) > 1:
        problems.add(source, "audio", described(
            "one recording next to the post", ", ".join(problems.rel(f) for f in found)))
        return None, ()
    if found and found[0].is_dir():
        return _sections(found[0], source, problems, required=False)
    if found:
        problem = tags.audio_problem(found[0])
        if problem:
            problems.add(found[0], None, problem)
            return None, ()
        return found[0], ()
    return None, ()


def _section_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in tags.AUDIO_EXTENSIONS
                  and not p.name.startswith("."))


def _sections(folder: Path, source: Path, problems: Problems, required: bool
              ) -> tuple[Path | None, tuple[Path, ...]]:
    """A folder of numbered section files (01-intro.mp3, 02-...), played in name order."""
    files = _section_files(folder)
    if not files:
        if required:
            problems.add(source, "audio", described(
                "a folder with numbered audio files (01-*.mp3, 02-*.mp3, ...)",
                f"no audio files in {problems.rel(folder)}"))
        return None, ()
    bad = False
    for f in files:
        problem = tags.audio_problem(f)
        if problem:
            problems.add(f, None, problem)
            bad = True
    return (None, ()) if bad else (folder, tuple(files))


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


def _place_image(root: Path, source: Path, src: str, images: list[Image],
                 problems: Problems) -> str | None:
    """Where a post's local image goes in the site (None: a remote image, left as is)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) or src.startswith("//"):
        return None
    target = (source.parent / src).resolve()
    if not target.is_relative_to(root.resolve()):
        problems.add(source, "body", expected("an image inside the show folder", src))
        return None
    if not target.is_file():
        problems.add(source, "body", described(
            "an image file", f"{src!r}, and there is no {problems.rel(target)} "
                             f"(images are found relative to the post)"))
        return None
    name = f"images/{target.name}"
    if any(i.target == name for i in images):
        name = f"images/{len(images)}-{target.name}"
    images.append(Image(target, name))
    return name


def read_post(root: Path, source: Path, problems: Problems) -> Draft | None:
    """Read and validate one post; problems go to ``problems``; None when it failed."""
    before = len(problems.items)
    text = problems.read_text(source)
    if text is None:
        return None
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
    if handler.raw is not None and not isinstance(handler.raw, dict):
        problems.add(source, "front matter", described(
            "key: value pairs", "a list" if isinstance(handler.raw, list)
            else type(handler.raw).__name__))
        return None
    meta: dict[str, Any] = dict(post.metadata)

    title = _text_field(meta, "title", problems, source, required=True)
    subtitle = _text_field(meta, "subtitle", problems, source) or _text_field(
        meta, "description", problems, source)
    post_id = _text_field(meta, "post_id", problems, source, required=True)
    ptype = _text_field(meta, "type", problems, source) or "newsletter"
    audience = _choice(meta, "audience", AUDIENCES, problems, source)
    visibility = _choice(meta, "visibility", VISIBILITIES, problems, source)
    episode_type = _choice(meta, "episode_type", EPISODE_TYPES, problems, source)
    number = _number(meta, "episode", problems, source, 0)
    season = _number(meta, "season", problems, source, 1)
    guests: tuple[str, ...] = ()
    if "guests" in meta:
        raw_guests = meta["guests"]
        if isinstance(raw_guests, str):
            raw_guests = [raw_guests]
        if not isinstance(raw_guests, list) or not all(
                isinstance(g, str) and g.strip() and not control_characters(g)
                for g in raw_guests):
            problems.add(source, "guests", expected("a list of names", meta["guests"]))
        else:
            guests = tuple(g.strip() for g in raw_guests)
    explicit = meta.get("explicit")
    if explicit is not None and not isinstance(explicit, bool):
        problems.add(source, "explicit", expected("true or false", explicit))
        explicit = None

    when = None
    for key in ("email_sent_at", "date"):
        if key in meta and meta[key] is not None:
            parsed = _as_datetime(meta[key])
            if parsed is None:
                problems.add(source, key, expected("an ISO 8601 date", meta[key]))
            elif when is None:
                when = parsed
    if when is None and not any(k in meta for k in ("email_sent_at", "date")):
        problems.add(source, "date", "expected an ISO 8601 date (date or email_sent_at), "
                                     "got nothing (required)")

    chapters: tuple[Chapter, ...] = ()
    if "chapters" in meta:
        if not isinstance(meta["chapters"], list):
            problems.add(source, "chapters", expected("a list of 'HH:MM:SS Title' lines",
                                                      meta["chapters"]))
        else:
            chapters = parse_chapter_lines(meta["chapters"], problems, source, "chapters")
    else:
        chapters = _sidecar_chapters(source, problems) or ()

    # Images: relative sources must exist inside the show; they are copied beside the page.
    images: list[Image] = []
    placed: dict[str, str | None] = {}

    def place(src: str) -> str | None:
        if src not in placed:
            placed[src] = _place_image(root, source, src, images, problems)
        return placed[src]

    rendered = markdown.render(post.content, place)

    audio, sections = _find_audio(root, source, meta, problems)
    if sections:
        seconds: float | None = sum(tags.read_duration(f) for f in sections)
        if chapters:
            problems.add(source, "chapters", described(
                "no chapters list for a recording in sections (each section is a chapter)",
                f"{len(chapters)} chapters"))
    else:
        seconds = tags.read_duration(audio) if audio else None
    section_titles, section_texts = _section_parts(rendered, title, sections, source, problems)
    if seconds is not None and chapters and chapters[-1].start >= seconds:
        problems.add(source, "chapters", expected(
            f"chapter times within the recording ({hms(seconds)})", hms(chapters[-1].start)))

    for key in meta:
        if key not in _KNOWN:
            close = difflib.get_close_matches(key, _KNOWN, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.warn(source, key, "unknown front-matter key, kept but not used" + hint,
                          once_per_field=True)

    if len(problems.items) > before:
        return None
    assert title is not None and post_id is not None and when is not None
    episode = Episode(
        stem=source.stem,
        source=source,
        title=title,
        subtitle=subtitle,
        summary=subtitle or summary(rendered.text),
        date=when.astimezone(dt.UTC),
        post_id=post_id,
        type=ptype,
        audience=audience,
        visibility=visibility,
        audio=audio,
        chapters=chapters,
        number=number,
        season=season,
        episode_type=episode_type,
        explicit=explicit,
        html=rendered.html,
        text=rendered.text,
        images=tuple(images),
        sections=sections,
        section_titles=section_titles,
        section_texts=section_texts,
        section_opening=len(sections) == len(rendered.sections) + 1,
        guests=guests,
        extra=tuple(sorted((k, v) for k, v in meta.items() if k not in _KNOWN)),
    )
    return Draft(episode, seconds)
