"""jinja2 -> show-notes pages, chapters JSON and transcripts.

Templates receive the dataclasses themselves (Show, EpisodePage). A show can
override any default template by putting a file of the same name in its own
``templates/`` folder (or the folder named by ``templates`` in podcast.toml).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2

from . import filekind, urls
from .errors import InputError, Problem, Problems, described
from .model import EpisodePage, Show
from .text import clock, hms

PAGE_TEMPLATES = ("index.html", "episode.html", "transcript.html")
STATIC_FILES = ("style.css",)


def default_templates() -> Path:
    """The templates shipped with audio-feed.

    In the wheel they are the package ``audio_feed/templates``; in a source
    checkout (editable install) they are the repository's ``templates/``.
    """
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


def environment(show: Show) -> jinja2.Environment:
    search: list[str] = []
    own = show.templates or (show.root / "templates")
    if own.is_dir():
        search.append(str(own))
    search.append(str(default_templates()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["urlpath"] = urls.path
    env.filters["hms"] = hms
    env.filters["isodate"] = lambda d: d.strftime("%Y-%m-%d")
    env.filters["longdate"] = lambda d: f"{d.day} {d.strftime('%B %Y')}"
    return env


def check_templates(show: Show, problems: Problems) -> None:
    """Compile every template, so a broken override is reported before any work."""
    _check_overrides(show, problems)
    env = environment(show)
    for name in (*PAGE_TEMPLATES, "base.html"):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as e:
            problems.add(Path(e.filename or name), f"line {e.lineno}",
                         described("a valid jinja2 template", e.message or "a syntax error"))
        except UnicodeDecodeError:
            problems.add(show.templates or show.root / "templates", None,
                         described(f"a UTF-8 text template {name}", "bytes that are not UTF-8"))
        except jinja2.TemplateNotFound as e:
            problems.add(show.root / "templates", None,
                         described("the default templates", f"no {e.name} (reinstall)"))


def _check_overrides(show: Show, problems: Problems) -> None:
    """Every entry of the show's templates folder is a file or a folder of its own.

    jinja2 takes only regular files and passes over anything else in silence: a named
    pipe, a device or a folder named like a shipped template would leave the user's
    override out and publish the shipped one instead.
    """
    if show.templates is None:
        return
    shipped = default_templates()
    try:
        found = sorted(show.templates.rglob("*"))
        names = {p.relative_to(shipped).as_posix() for p in shipped.rglob("*")}
    except (OSError, RuntimeError):
        return  # config checked the folder; what cannot be walked cannot be loaded either
    for path in found:
        rel = path.relative_to(show.templates).as_posix()
        if filekind.is_file(path) or (filekind.is_folder(path) and rel not in names):
            continue
        if any(part.startswith(".") for part in Path(rel).parts):
            continue  # an editor's lock or swap file (.#x.html), never a template
        problems.add_named(path, None, described("a template file", filekind.kind(path)))


def _render(env: jinja2.Environment, name: str, **context: object) -> bytes:
    """One page; a template that fails names itself, in the user's words."""
    try:
        return env.get_template(name).render(**context).encode()
    except jinja2.TemplateError as e:
        template = getattr(e, "filename", None) or name
        raise InputError([Problem(str(template), None,
                                  f"the template failed while rendering: {e}")]) from e


def chapters_json(page: EpisodePage) -> bytes:
    """Podcasting 2.0 JSON chapters (version 1.2.0) against the output file."""
    assert page.audio is not None
    data = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": round(c.start, 3), "title": c.title} for c in page.audio.chapters
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _vtt_time(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    return f"{h:02d}:{m:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+\S)")


def sentences(text: str) -> list[str]:
    """A section's text as cues: its paragraphs, split after each sentence."""
    out: list[str] = []
    for paragraph in text.splitlines():
        at = 0
        for end in _SENTENCE_END.finditer(paragraph):
            out.append(paragraph[at:end.end()])
            at = end.end()
        out.append(paragraph[at:])
    return [s.strip() for s in out if s.strip()]


def spread(start: float, end: float, pieces: list[str]) -> list[tuple[float, float, str]]:
    """Time ``pieces`` read one after another from ``start`` to ``end``.

    An estimate: each gets a share of the time proportional to its length in
    characters (the voice's own timings, when a recording comes with them, are
    exact).
    """
    total = sum(len(p) for p in pieces)
    if not total:
        return []
    cues, at, done = [], start, 0
    for piece in pieces:
        done += len(piece)
        until = start + (end - start) * done / total
        cues.append((at, until, piece))
        at = until
    return cues


def webvtt(page: EpisodePage) -> bytes:
    """A WebVTT transcript: one cue per timed part of the text."""
    lines = ["WEBVTT", ""]
    for n, (start, end, text) in enumerate(page.cues, 1):
        # A blank line would end the cue, and '-->' would be read as timing.
        safe = "\n".join(ln for ln in text.replace("-->", "->").splitlines() if ln.strip())
        safe = safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines += [str(n), f"{_vtt_time(start)} --> {_vtt_time(end)}", safe, ""]
    return "\n".join(lines).encode("utf-8")


def render_pages(show: Show, pages: list[EpisodePage]) -> dict[str, bytes]:
    """Every page and page-side file of the site, keyed by site-relative path.

    ``pages`` come newest first, as the read stage ordered the episodes.
    """
    env = environment(show)
    newest_first = pages
    out: dict[str, bytes] = {}
    out["index.html"] = _render(env, "index.html", show=show, episodes=newest_first, root="")
    for page in newest_first:
        ctx = {"show": show, "page": page, "episode": page.episode, "root": "../../"}
        out[page.path + "index.html"] = _render(env, "episode.html", **ctx)
        out[page.path + "transcript.html"] = _render(env, "transcript.html", **ctx)
        if page.audio and page.audio.chapters:
            out[page.path + "chapters.json"] = chapters_json(page)
        if page.cues:
            out[page.path + "transcript.vtt"] = webvtt(page)
    for name in STATIC_FILES:
        source = env.loader.get_source(env, name)[0] if env.loader else ""
        out[name] = source.encode()
    return out
