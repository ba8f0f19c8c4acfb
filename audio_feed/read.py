"""The read stage: podcast.toml and every post -> a validated ``ShowPlan``.

Everything is read and checked here, before any slow work: the show
(``config.load_show``), each post (``posts.read_post``), the lengths of the
recordings against the intro and outro, the templates, and the published
record (read once) against the posts' GUIDs. The public episodes are numbered
here too, since their numbers depend on that record. Every problem is
collected and raised at once (``InputError``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import audio, config, download, filekind, posts, published, site, tags
from .cache import CACHE_NAME, Cache, digest
from .errors import Problem, Problems, expected
from .model import PAID_AUDIENCES, PAID_VISIBILITIES, Episode, Show


@dataclass(frozen=True)
class ShowPlan:
    """Everything read and validated; nothing rendered yet."""

    show: Show
    episodes: tuple[Episode, ...]
    """All posts, newest first, paid ones and drafts included."""
    warnings: tuple[Problem, ...]
    published: published.Record = field(default_factory=dict)
    """The published record, read once while loading."""
    durations: Mapping[str, float] = field(default_factory=dict)
    """Seconds of each post's recording by stem, as measured while checking it."""

    @property
    def public(self) -> list[Episode]:
        """What may be published: neither paid nor a draft."""
        return [e for e in self.episodes if e.is_public]

    @property
    def to_render(self) -> list[Episode]:
        return [e for e in self.public if e.audio is not None]


def load(root: Path, base_url: str | None = None, strict: bool = False,
         allow_guid_change: bool = False, out: Path | None = None) -> ShowPlan:
    """Read podcast.toml and every post; raise InputError listing every problem.

    ``out`` is the site folder: without a published record, a feed audio-feed
    built there tells which GUIDs were published.
    """
    root = root.resolve()
    problems = Problems(root)
    if not root.is_dir():
        found = filekind.kind(root)
        problems.add(root, None, expected("a show folder", str(root)) + (
            "" if found == filekind.MISSING else f", {found}"))
        problems.raise_if_any()
    show = config.load_show(root, problems, base_url)
    drafts: list[posts.Draft] = []
    sources = posts.find_posts(root)
    if not sources:
        problems.add(root / "episodes", None, "expected posts (episodes/*.md), got none")
    for source in posts.check_stems(sources, problems):
        draft = posts.read_post(root, source, problems, strict)
        if draft:
            drafts.append(draft)
    if show is not None:
        toml = root / config.CONFIG_NAME
        # Template files are published (style.css verbatim): a paid post's file
        # linked in as one would be published too.
        posts.check_private_files(drafts, problems, (
            (toml, "intro", show.intro), (toml, "outro", show.outro),
            (toml, "artwork", show.artwork),
            *((toml, "templates", f) for f in config.template_files(show.templates))))
    else:
        posts.check_private_files(drafts, problems)

    seen: dict[str, Path] = {}
    for d in drafts:
        other = seen.get(d.episode.post_id)
        if other is not None:
            problems.add(d.episode.source, "post_id", expected(
                f"an id no other post uses (also in {problems.rel(other)})", d.episode.post_id))
        seen.setdefault(d.episode.post_id, d.episode.source)

    if show is not None:
        for music in (show.intro, show.outro):
            if music is not None:
                posts.check_whole(music, problems, strict)
        _check_lengths(show, drafts, problems)
        site.check_templates(show, problems)
    record = read_published(root, problems, out)
    _check_guids(record, drafts, problems, allow_guid_change)
    problems.raise_if_any()
    assert show is not None

    episodes = _numbered([d.episode for d in drafts], record)
    durations = {d.episode.stem: d.audio_seconds for d in drafts if d.audio_seconds is not None}
    return ShowPlan(show, tuple(episodes), tuple(problems.warnings), record, durations)


def _in_feed(ep: Episode) -> bool:
    return ep.is_public and ep.audio is not None


def _numbered(drafts: list[Episode], record: published.Record) -> list[Episode]:
    """Number the episodes of the public feed, and only them; newest first.

    An explicit ``episode:`` wins; an episode published before keeps the number
    it was published with. The others, in date order, continue after the
    highest number published or given, so a post made public later never
    renumbers what listeners already have. Paid posts and posts without audio
    get no number.
    """
    oldest_first = sorted(drafts, key=lambda e: (e.date, e.post_id))
    kept: dict[str, int | None] = {}
    for ep in oldest_first:
        if _in_feed(ep):
            before = record.get(ep.post_id)
            kept[ep.post_id] = ep.number if ep.number is not None else (
                before.number if before is not None else None)
    taken = [n for n in kept.values() if n is not None]
    taken += [p.number for p in record.values() if p.number is not None]
    last = max(taken, default=0)
    episodes = []
    for ep in oldest_first:
        number = kept.get(ep.post_id) if _in_feed(ep) else None
        if _in_feed(ep) and number is None:
            last += 1
            number = last
        episodes.append(dataclasses.replace(ep, number=number))
    episodes.reverse()
    return episodes


def _check_lengths(show: Show, drafts: list[posts.Draft], problems: Problems) -> None:
    a = show.audio
    cfg = show.root / config.CONFIG_NAME
    for name, path, overlap in (("intro", show.intro, a.intro_overlap),
                                ("outro", show.outro, a.outro_overlap)):
        length = tags.read_duration(path) if path is not None else None
        if length is not None and length < overlap + 0.05:
            problems.add(cfg, f"audio.{name}_overlap",
                         f"expected an overlap shorter than the {name} "
                         f"({length:.2f} s), got {overlap} s")
    need = (a.intro_overlap if show.intro else 0) + (a.outro_overlap if show.outro else 0) + 0.5
    for d in drafts:
        if d.audio_seconds is not None and d.audio_seconds < need:
            problems.add(d.episode.audio or d.episode.source, None,
                         f"expected a recording longer than the intro and outro overlaps "
                         f"({need:.1f} s), got {d.audio_seconds:.2f} s")


PUBLISHED_NAME = published.RECORD_NAME
"""What the show has published: commit it with the show, so GUIDs stay fixed."""


def read_published(root: Path, problems: Problems, out: Path | None = None
                   ) -> published.Record:
    """The published record (GUID -> Published); see ``published``."""
    return published.read(root, problems, out)


def audio_identity(cache: Cache, body: audio.Body) -> str:
    """The source recording's content: its SHA-256, or a digest of its sections' in order."""
    if isinstance(body, Path):
        return cache.file_hash(body)
    return digest([cache.file_hash(p) for p in body])


def _check_guids(record: published.Record, drafts: list[posts.Draft],
                 problems: Problems, allow_change: bool) -> None:
    """A published GUID stays with its episode and its recording, unless the user says so."""
    if allow_change or not record:
        return
    # The same hashes the build keys its renders on, so this costs a stat per file.
    cache = Cache(Path(problems.root) / CACHE_NAME)
    published.check(record, [d.episode for d in drafts],
                    lambda ep: audio_identity(cache, ep.body), problems)
    cache.save()


def check(root: Path, base_url: str | None = None, strict: bool = False,
          allow_guid_change: bool = False, out: Path | None = None) -> ShowPlan:
    """Validate everything, render nothing (the ``check`` command)."""
    return load(root, base_url, strict, allow_guid_change, out)




def _public_url(meta: dict[Any, Any]) -> str | None:
    """The URL of a public post's recording; paid posts and drafts are never downloaded.
    Any value may be of any type here: ``load`` checks them after."""
    audience, visibility = str(meta.get("audience")), str(meta.get("visibility"))
    if (meta.get("draft") is True or meta.get("is_published") is False
            or audience in PAID_AUDIENCES or visibility in PAID_VISIBILITIES):
        return None
    value = meta.get("audio")
    return value if download.is_url(value) and posts.is_http_url(value) else None


def pending_downloads(root: Path) -> list[tuple[Path, str]]:
    """(post, URL) of each public post whose ``audio:`` URL is not downloaded yet."""
    root = root.resolve()
    found = []
    for source in posts.find_posts(root):
        if not filekind.is_file(source):
            continue  # load reports it; a named pipe would never answer
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # load reports it
        meta = posts.parse_front_matter(source, text, Problems(root))
        url = _public_url(meta) if meta is not None else None
        if url is not None and download.local(root, url) is None:
            found.append((source, url))
    return found


def download_all(root: Path, progress: Callable[[str], None],
                 limit: int = download.MAX_BYTES) -> None:
    """Download each public post's ``audio:`` URL not downloaded yet, so that ``load``
    checks the copies like any recording (``check`` downloads nothing and warns).
    Raises InputError naming each post whose URL gave bad input, EnvironmentProblem
    on a network fault."""
    root = root.resolve()
    problems = Problems(root)
    for source, url in pending_downloads(root):
        download.fetch(root, source, url, problems, progress, limit)
    problems.raise_if_any()
