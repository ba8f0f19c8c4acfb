"""Orchestration: read and validate everything, render audio, write the site.

Everything is read and validated before any slow work (``load``); ``build``
then renders the audio that changed (in parallel), tags it, writes the feed and
pages, and swaps the new site in only when all of that succeeded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, audio, config, ffmpeg, lint, posts, published, site, tags, urls
from .cache import (
    CACHE_NAME,
    Cache,
    MapOf,
    digest,
    read_shaped,
    sha256_bytes,
    sha256_file,
    write_atomic,
)
from .errors import (
    AudioFeedError,
    EnvironmentProblem,
    InputError,
    Problem,
    Problems,
    described,
    expected,
)
from .feed import build_feed
from .model import Chapter, Episode, EpisodePage, RenderedAudio, Show
from .text import clock
from .writer import MARKER, SiteWriter, foreign_files, marked_files, refuse_foreign

KEEP_WHOLE = 10**12
"""A head length (samples) that keeps a whole intro or outro in its analysis."""

# The shapes of what the cache holds (see cache.fits): anything else is a miss.
ANALYSIS_META = {"samples": int, "loudness": float, "true_peak": float, "sha256": str}
RENDER_META = {"samples": int, "sample_rate": int, "body_offset": float, "limiter": bool,
               "gain": float, "size": int, "sha256": str, "section_starts": [float],
               "body_samples": int}
SITE_META = {"identity": str, "stat": (int, int, int), "sha256": str}
BUILD_RECORD = {"fingerprint": dict, "extra": [str], "site": MapOf((int, int, int)),
                "warnings": [str]}


@dataclass(frozen=True)
class ShowPlan:
    """Everything read and validated; nothing rendered yet."""

    show: Show
    episodes: tuple[Episode, ...]
    """All posts, newest first, paid ones and drafts included."""
    warnings: tuple[Problem, ...]
    published: published.Record = field(default_factory=dict)
    """The published record, read once while loading."""

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
        problems.add(root, None, expected("a show folder", str(root)))
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
    return ShowPlan(show, tuple(episodes), tuple(problems.warnings), record)


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


class Reporter:
    """How a build tells the user what it does; the CLI supplies a real one."""

    def status(self, line: str) -> None:
        pass

    def start(self, total_seconds: float, episodes: int) -> None:
        pass

    def advance(self, seconds: float) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class BuildResult:
    out: Path
    rendered: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pages: list[EpisodePage] = field(default_factory=list)
    findings: list[lint.Finding] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    episode: Episode
    key: str
    audio_path: str


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


def guard_published(show: Show, record: published.Record, jobs: list[_Job],
                    identities: dict[str, str], allow_change: bool) -> bytes:
    """Refuse to hand an enclosure URL published for one episode to another.

    Returns the record to save after a successful build. (GUID changes were
    already refused while loading.)
    """
    problems = Problems(show.root)
    # A GUID change the user accepted leaves the old GUID on the same URL too.
    owners: dict[str, list[str]] = {}
    for p in record.values():
        if p.enclosure:
            owners.setdefault(p.enclosure, []).append(p.guid)
    for job in jobs:
        owner = owners.get(job.audio_path, [])
        if owner and job.episode.post_id not in owner and not allow_change:
            problems.add(job.episode.source, "audio", described(
                f"a new enclosure URL ({job.audio_path} was published for "
                f"{owner[0]!r})", "the same URL"))
    problems.raise_if_any()
    # A GUID given up for a new one (--allow-guid-change) no longer names a post
    # file, but stays in the record: it may not come back for other audio.
    stems = {j.episode.stem for j in jobs}
    after = {g: dataclasses.replace(p, stem=None) if p.stem in stems else p
             for g, p in record.items()}
    for job in jobs:
        ep = job.episode
        after[ep.post_id] = published.Published(ep.post_id, ep.stem, identities[ep.stem],
                                                job.audio_path, ep.number, ep.title)
    return published.dump(after)


class Builder:
    def __init__(self, plan: ShowPlan, out: Path, jobs: int, reporter: Reporter,
                 clean: bool = False, cache_dir: Path | None = None,
                 allow_guid_change: bool = False, strict: bool = False) -> None:
        self.allow_guid_change = allow_guid_change
        self.predict_windows = (audio.PREDICT_WINDOWS, audio.PREDICT_SECONDS)
        """How many windows of how many seconds the level prediction listens to."""
        self.strict = strict
        self.plan = plan
        self.show = plan.show
        self.out = out.resolve()
        self.jobs = max(1, jobs)
        self.reporter = reporter
        self.cache = Cache(cache_dir or self.show.root / CACHE_NAME)
        if clean:
            self.cache.clear()
        self.clean = clean
        self._intro: audio.Analysis | None = None
        self._outro: audio.Analysis | None = None
        self._lock = threading.Lock()
        self._verified: dict[str, tuple[int, int, int]] = {}
        """Render key -> the identity of the cached file whose bytes were read and matched."""

    # -- keys ---------------------------------------------------------------
    def _settings_key(self) -> dict[str, object]:
        return {"settings": self.show.audio.key(), "ffmpeg": ffmpeg.version(),
                "renderer": audio.RENDERER_VERSION}

    def render_key(self, ep: Episode) -> str:
        assert ep.audio is not None
        show = self.show
        return digest({
            "body": self.body_hash(ep.body),
            "intro": self.cache.file_hash(show.intro) if show.intro else None,
            "outro": self.cache.file_hash(show.outro) if show.outro else None,
            **self._settings_key(),
        })

    # -- analysis -----------------------------------------------------------
    def body_hash(self, body: audio.Body) -> str:
        return audio_identity(self.cache, body)

    def _analysis_key(self, body: audio.Body, head: int) -> str:
        return digest({"file": self.body_hash(body), "head": head, **self._settings_key()})

    def cached_analysis(self, body: audio.Body, head: int) -> audio.Analysis | None:
        key = self._analysis_key(body, head)
        meta = self.cache.read_json(ANALYSIS_META, "analysis", key + ".json")
        blob = self.cache.path("analysis", key + ".pcm")
        if meta is not None and meta["samples"] >= 0 and blob.is_file():
            data = blob.read_bytes()
            if sha256_bytes(data) == meta.get("sha256"):
                return audio.Analysis(int(meta["samples"]), float(meta["loudness"]),
                                      float(meta["true_peak"]), data)
        return None

    def analysis(self, body: audio.Body, head: int,
                 progress: audio.Progress | None = None) -> audio.Analysis:
        """Loudness, true peak, length and first samples of a body: cached per content."""
        found = self.cached_analysis(body, head)
        if found is not None:
            return found
        result = audio.analyse(body, self.show.audio, head, progress)
        key = self._analysis_key(body, head)
        write_atomic(self.cache.path("analysis", key + ".pcm"), result.head)
        self.cache.write_json({"samples": result.samples, "loudness": result.loudness,
                               "true_peak": result.true_peak,
                               "sha256": sha256_bytes(result.head)}, "analysis", key + ".json")
        return result

    # -- rendering ----------------------------------------------------------
    def cached_render(self, key: str) -> tuple[Path, dict[str, object]] | None:
        """The cached render for ``key`` if it is there and intact."""
        rendered = self.cache.path("audio", key + self.show.audio.extension)
        meta = self.cache.read_json(RENDER_META, "audio", key + ".json")
        if meta is None or not rendered.is_file() or rendered.is_symlink() \
                or meta["sample_rate"] <= 0 or meta["samples"] < 0 or meta["body_samples"] < 0:
            return None
        # The bytes themselves are read and hashed, once per build: bit rot keeps
        # size and mtime, and a render is published as it is.
        st = rendered.stat()
        ident = (st.st_size, st.st_mtime_ns, st.st_ino)
        with self._lock:
            verified = self._verified.get(key) == ident
        if not verified:
            if st.st_size != meta["size"] or sha256_file(rendered) != meta["sha256"]:
                return None  # corrupted: render again, never publish it
            with self._lock:
                self._verified[key] = ident
        return rendered, meta

    def levels(self, body: audio.Body) -> audio.Levels:
        """The body's predicted level (``audio.predict_levels``): cached per content.

        The prediction is a pure function of the body and the settings, so a
        cached one is the one a fresh pass would give: same bytes either way.
        """
        s = self.show.audio
        windows, seconds = self.predict_windows
        key = digest({"file": self.body_hash(body), "windows": [windows, seconds],
                      **self._settings_key()})
        found = self.cache.read_json("levels", key + ".json")
        if found is not None:
            try:
                return audio.Levels(**found)
            except TypeError:
                pass  # written by another version: measure again
        duration = tags.read_duration(body) if isinstance(body, Path) else None
        levels = audio.predict_levels(body, s, duration, windows, seconds)
        self.cache.write_json(dataclasses.asdict(levels), "levels", key + ".json")
        return levels

    def render(self, ep: Episode, key: str, progress: audio.Progress) -> dict[str, object]:
        """Predict the body's level, then encode once while measuring the encode
        (again only when it missed): the cost of one encode, whatever the input."""
        s = self.show.audio
        h = audio.overlap_samples(s, s.intro_overlap) if self.show.intro else 0
        # Sections: each one's exact length at the output rate gives its chapter start.
        starts, at = [], 0
        for section in ep.sections:
            starts.append(at / s.sample_rate)
            at += self.analysis(section, 0).samples
        out = self.cache.path("audio", key + s.extension)
        out.parent.mkdir(parents=True, exist_ok=True)
        levels = self.levels(ep.body)
        head = audio.head_of(ep.body, s, h)
        result = audio.render(ep.body, head, levels, self._intro, self._outro, s, out,
                              progress, codec=s.format)
        meta: dict[str, object] = {
            "samples": result.total_samples, "sample_rate": result.sample_rate,
            "body_offset": result.body_offset, "limiter": result.limiter, "gain": result.gain,
            "size": out.stat().st_size, "sha256": sha256_file(out),
            "loudness_target": s.loudness, "true_peak_target": s.true_peak,
            "section_starts": starts, "body_samples": result.body_samples,
            "encodes": result.encodes, "loudness": result.loudness,
            "true_peak": result.true_peak, "landed": result.landed,
        }
        self.cache.write_json(meta, "audio", key + ".json")
        return meta

    def _prepare_music(self) -> None:
        show = self.show
        if show.intro:
            self._intro = self.analysis(show.intro, KEEP_WHOLE)
        if show.outro:
            self._outro = self.analysis(show.outro, KEEP_WHOLE)

    def render_all(self, jobs: list[_Job], result: BuildResult) -> dict[str, dict[str, object]]:
        """Render what is not cached, in parallel; returns render metadata by stem."""
        metas: dict[str, dict[str, object]] = {}
        todo: list[_Job] = []
        same: dict[str, list[_Job]] = {}
        """Render key -> the jobs that need it: posts sharing a recording render once."""
        for job in jobs:
            cached = self.cached_render(job.key)
            if cached is not None:
                metas[job.episode.stem] = cached[1]
                result.reused.append(job.episode.stem)
            elif job.key in same:
                same[job.key].append(job)
            else:
                same[job.key] = [job]
                todo.append(job)
        if not todo:
            return metas
        try:
            self._prepare_music()
        except audio.AudioProblem as e:
            raise InputError([Problem("podcast.toml", "intro/outro", str(e))]) from e
        total = sum(tags.read_duration(p) for j in todo
                    for p in (j.episode.sections or (j.episode.audio,)) if p)
        self.reporter.start(total, len(todo))
        try:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                futures = {pool.submit(self.render, j.episode, j.key, self.reporter.advance): j
                           for j in todo}
                try:
                    for fut in as_completed(futures):
                        job = futures[fut]
                        meta = self._outcome(fut.result, job)
                        for twin in same[job.key]:
                            metas[twin.episode.stem] = meta
                            result.rendered.append(twin.episode.stem)
                        seconds = int(meta["samples"]) / int(meta["sample_rate"])  # type: ignore[call-overload]
                        self.reporter.status(
                            f"rendered {job.episode.stem} ({clock(seconds)})"
                            + (", loud peaks limited" if meta["limiter"] else ""))
                except BaseException:
                    # Stop what has not started; what runs finishes or fails on its own.
                    for other in futures:
                        other.cancel()
                    raise
            result.rendered.sort()
        finally:
            self.reporter.finish()
        return metas

    def _outcome(self, get: Callable[[], dict[str, object]], job: _Job) -> dict[str, object]:
        try:
            return get()
        except audio.AudioProblem as e:
            rel = Problems(self.show.root).rel(job.episode.audio or job.episode.source)
            raise InputError([Problem(rel, None, str(e))]) from e
        except ffmpeg.FFmpegError as e:
            if e.fault is not None:
                where = Path(e.output).parent if e.output else self.cache.dir
                raise EnvironmentProblem(f"{where}: {e.fault}") from e
            rel = Problems(self.show.root).rel(job.episode.audio or job.episode.source)
            raise InputError([Problem(rel, None, f"expected audio ffmpeg can decode, got an "
                                                 f"error: {e.last}")]) from e

    # -- the whole build ----------------------------------------------------
    def build(self) -> BuildResult:
        show = self.show
        _check_out(show.root, self.out)
        result = BuildResult(self.out)
        jobs: list[_Job] = []
        for ep in self.plan.to_render:
            key = self.render_key(ep)
            jobs.append(_Job(ep, key, f"audio/{ep.slug}-{key[:10]}{show.audio.extension}"))
        record = guard_published(show, self.plan.published, jobs,
                                 {j.episode.stem: self.body_hash(j.episode.body) for j in jobs},
                                 self.allow_guid_change)
        metas = self.render_all(jobs, result)

        by_stem = {j.episode.stem: j for j in jobs}
        pages = [self._page(ep, by_stem.get(ep.stem), metas) for ep in self.plan.public]

        writer = SiteWriter(self.out)
        try:
            artwork = show.artwork.read_bytes()
            final_pages = []
            for page in pages:
                if page.audio is not None:
                    job = by_stem[page.episode.stem]
                    size = self._write_audio(writer, page, job, artwork)
                    page = dataclasses.replace(
                        page, audio=dataclasses.replace(page.audio, length=size))
                final_pages.append(page)
                for image in page.episode.images:
                    writer.copy_file(page.path + image.target, image.source)
            writer.write_bytes(show.artwork_name, artwork)
            for rel, data in site.render_pages(show, final_pages).items():
                writer.write_bytes(rel, data)
            feed_pages = [p for p in final_pages if p.audio is not None]
            writer.write_bytes("feed.xml", build_feed(show, feed_pages))
            result.changed = writer.changed()
            result.removed = writer.removed()
            result.pages = final_pages
            # Lint the new site before it replaces the old one: a feed that
            # directories would reject is never swapped in.
            result.findings = lint.lint_site(writer.tmp, show.feed_url, audio=show.audio)
            failed = lint.errors_in(result.findings, self.strict)
            if failed:
                raise InputError([Problem(f"{self.out.name}/feed.xml", None, str(f))
                                  for f in failed])
            # The record goes first: a site published without its GUID guard
            # would let the next build hand a published URL to another episode.
            writer.prepare()
            _save_published(show.root, record)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        finally:
            self.cache.save()
        return result

    def _page(self, ep: Episode, job: _Job | None, metas: dict[str, dict[str, object]]
              ) -> EpisodePage:
        """What the feed and the templates know of one public episode (length filled later)."""
        show = self.show
        path = f"episodes/{ep.slug}/"
        rendered = None
        cues: tuple[tuple[float, float, str], ...] = ()
        if job is not None:
            meta = metas[ep.stem]
            offset = float(meta["body_offset"])  # type: ignore[arg-type]
            rate = int(meta["sample_rate"])  # type: ignore[call-overload]
            duration = int(meta["samples"]) / rate  # type: ignore[call-overload]
            given = ep.chapters
            if ep.sections:
                starts = [float(x) for x in meta["section_starts"]]  # type: ignore[attr-defined]
                given = tuple(Chapter(at, title)
                              for at, title in zip(starts, ep.section_titles, strict=True))
                ends = starts[1:] + [int(meta["body_samples"]) / rate]  # type: ignore[call-overload]
                cues = _section_cues(ep, [offset + x for x in starts],
                                     [offset + x for x in ends])
            chapters = tuple(c.shifted(offset) for c in given)
            if chapters and offset > 0:
                chapters = (Chapter(0.0, "Intro"),) + chapters
            rendered = RenderedAudio(job.audio_path, show.audio.mime, 0, duration, offset,
                                     chapters, show.audio.loudness, show.audio.true_peak)
        url = show.base_url + urls.path(path)
        return EpisodePage(
            episode=ep, url=url, path=path, audio=rendered, cues=cues,
            audio_url=show.base_url + urls.path(job.audio_path) if job else None,
            chapters_url=url + "chapters.json" if rendered and rendered.chapters else None,
            transcript_url=url + "transcript.html")

    def _write_audio(self, writer: SiteWriter, page: EpisodePage, job: _Job,
                     artwork: bytes) -> int:
        assert page.audio is not None
        show, ep = self.show, page.episode
        t = tags.EpisodeTags(
            title=ep.title, artist=show.author, album=show.title,
            date=ep.date.strftime("%Y-%m-%d"), track=ep.number, comment=ep.summary,
            language=show.language, guid=ep.post_id, feed_url=show.feed_url, page_url=page.url,
            cover=artwork, cover_mime="image/jpeg" if show.artwork_name.endswith("jpg")
            else "image/png", chapters=page.audio.chapters, duration=page.audio.duration)
        identity = digest({"render": job.key, "tags": dataclasses.asdict(t) | {
            "cover": sha256_bytes(artwork)}, "version": __version__})
        manifest_key = digest({"out": str(self.out), "path": job.audio_path})
        cached = self.cache.read_json(SITE_META, "site", manifest_key + ".json")

        def unchanged(old: Path) -> bool:
            # The published file is read and hashed too, so that bit rot in it is
            # not carried into the new site by a hard link.
            st = old.stat()
            return bool(cached and cached["identity"] == identity
                        and cached["stat"] == [st.st_size, st.st_mtime_ns, st.st_ino]
                        and sha256_file(old) == cached["sha256"])

        def make(target: Path) -> None:
            found = self.cached_render(job.key)
            if found is None:
                raise EnvironmentProblem(f"{job.audio_path}: the rendered audio vanished from "
                                         f"the cache during the build; run the build again")
            if target.suffix == ".m4a" and t.chapters:
                ends = [c.start for c in t.chapters[1:]] + [t.duration]
                audio.copy_with_chapters(found[0], target, [
                    (c.start, end, c.title) for c, end in zip(t.chapters, ends, strict=True)])
            else:
                shutil.copyfile(found[0], target)
            tags.write_tags(target, t)

        writer.produce(job.audio_path, unchanged, make)
        written = writer.tmp / job.audio_path
        st = written.stat()
        ident = [st.st_size, st.st_mtime_ns, st.st_ino]
        # A kept file was hashed by ``unchanged``; only a new one is read here.
        known = cached["sha256"] if cached and cached["stat"] == ident else None
        self.cache.write_json({"identity": identity, "stat": ident,
                               "sha256": known or sha256_file(written)},
                              "site", manifest_key + ".json")
        return st.st_size


def _section_cues(ep: Episode, starts: list[float], ends: list[float]
                  ) -> tuple[tuple[float, float, str], ...]:
    """WebVTT cues of a recording in sections: a sentence each, timed within its section.

    A section under a heading reads the heading first; the opening (text before
    the first heading) has no heading of its own.
    """
    cues: list[tuple[float, float, str]] = []
    for n, (a, b, title, text) in enumerate(zip(starts, ends, ep.section_titles,
                                                ep.section_texts, strict=True)):
        heading = [] if n == 0 and ep.section_opening else [title]
        cues += site.spread(a, b, heading + site.sentences(text))
    return tuple(cues)


def _stats(paths: list[Path]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        out[str(p)] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return out


def _files_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        found += [Path(dirpath, f) for f in sorted(filenames)]
    return found


def _fingerprint(root: Path, extra: list[Path], base_url: str | None, strict: bool
                 ) -> dict[str, object]:
    """What a build read, by file identity: if none of it moved, nothing needs doing."""
    root = root.resolve()
    files = [root / config.CONFIG_NAME, root / PUBLISHED_NAME, *_files_under(root / "episodes"),
             *_files_under(root / "templates"), *_files_under(site.default_templates()), *extra]
    return {"inputs": _stats(sorted(set(files))), "base_url": base_url, "strict": strict,
            "version": __version__, "renderer": audio.RENDERER_VERSION}


def _record_path(root: Path, out: Path) -> Path:
    return root.resolve() / CACHE_NAME / "builds" / (digest({"out": str(out.resolve())}) + ".json")


def up_to_date(root: Path, out: Path, base_url: str | None, strict: bool) -> list[str] | None:
    """The warnings of the last build when nothing it read or wrote has changed since.

    This is the no-op rebuild: a stat of every input and output file, no parsing,
    no rendering. None means a real build is needed.
    """
    record = read_shaped(_record_path(root, out), BUILD_RECORD)
    if record is None:
        return None
    extra = [Path(p) for p in record["extra"]]
    if record["fingerprint"] != _fingerprint(root, extra, base_url, strict):
        return None
    if _stats(_files_under(out.resolve())) != record["site"]:
        return None
    return list(record["warnings"])


def remember(plan: ShowPlan, out: Path, base_url: str | None, strict: bool) -> None:
    """Record what this build read and wrote, for ``up_to_date``."""
    show = plan.show
    extra = [show.artwork, *(p for p in (show.intro, show.outro) if p)]
    for ep in plan.episodes:
        extra += [p for p in (ep.audio, *ep.sections, *(i.source for i in ep.images)) if p]
    if show.templates:
        extra += _files_under(show.templates)
    extra = sorted(set(extra))
    record = {"fingerprint": _fingerprint(show.root, extra, base_url, strict),
              "extra": [str(p) for p in extra],
              "site": _stats(_files_under(out.resolve())),
              "warnings": [str(w) for w in plan.warnings]}
    write_atomic(_record_path(show.root, out), json.dumps(record).encode())


def _save_published(root: Path, record: bytes) -> None:
    """Write the published record, or fail before the new site is swapped in.

    A folder in its place is the user's to move (exit 2); a record that cannot
    be written (read-only, full disk) is a fault of the machine (exit 1).
    """
    target = root / PUBLISHED_NAME
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise InputError([Problem(PUBLISHED_NAME, None, described(
            "a file audio-feed can write the published GUIDs to", "a folder or other non-file "
            "(move it away)"))])
    try:
        if target.is_file():
            if target.read_bytes() == record:
                return
            # Opening for append changes nothing, and fails as writing would on a
            # read-only or immutable file, which a rename over it would not notice.
            with target.open("ab"):
                pass
        write_atomic(target, record)
    except OSError as e:
        raise EnvironmentProblem(f"{target}: cannot write the published record: "
                                 f"{e.strerror or e}; the previous site was left as it was") from e


SITE_LAYOUT = ("feed.xml", "index.html", "style.css", "artwork.png", "artwork.jpg", "audio/",
               "episodes/")
"""What an older audio-feed, which wrote no marker, put in a site."""


def _migrated(root: Path, out: Path) -> set[str] | None:
    """The files of a site an older audio-feed built without a marker, if it is one.

    Either this show's build record lists the files, or the folder holds a
    feed.xml that audio-feed generated, and then only files of its layout are ours.
    """
    record = read_shaped(_record_path(root, out), BUILD_RECORD)
    if record is not None:
        base = out.resolve()
        return {Path(p).relative_to(base).as_posix() for p in record["site"]
                if Path(p).is_relative_to(base)}
    try:
        head = (out / "feed.xml").read_bytes()[:4096].decode("utf-8", "replace")
    except OSError:
        return None
    if not re.search(r"<generator>\s*audio-feed\b", head):
        return None
    return {f.relative_to(out).as_posix() for f in _files_under(out)
            if f.relative_to(out).as_posix().startswith(SITE_LAYOUT)}


def _check_out(root: Path, out: Path) -> None:
    """Refuse an output folder that would swallow the show or someone's files."""
    if out == root or root.is_relative_to(out):
        raise InputError([Problem("--out", None, expected(
            "a folder outside the show's own files", str(out)))])
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError([Problem(str(out), None, described(
            "a folder audio-feed can replace (--out)",
            "a symlink" if out.is_symlink() else "a file"))])
    if not out.exists() or not any(out.iterdir()):
        return
    ours = marked_files(out)
    if ours is None:
        ours = _migrated(root, out)
    if ours is None:
        first = sorted(p.name for p in out.iterdir())
        raise InputError([Problem(str(out), None, described(
            f"an empty folder or a site audio-feed built (it holds {MARKER})",
            f"a folder without it, holding {first[0]!r}"
            + (f" and {len(first) - 1} more" if len(first) > 1 else "")))])
    refuse_foreign(out, foreign_files(out, ours))


def check(root: Path, base_url: str | None = None, strict: bool = False,
          allow_guid_change: bool = False, out: Path | None = None) -> ShowPlan:
    """Validate everything, render nothing (the ``check`` command)."""
    return load(root, base_url, strict, allow_guid_change, out)


__all__ = ["AudioFeedError", "Builder", "BuildResult", "Reporter", "ShowPlan", "check", "load"]
