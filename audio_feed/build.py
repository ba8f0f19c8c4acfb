"""Orchestration: read and validate everything, render audio, write the site.

Everything is read and validated before any slow work (``load``); ``build``
then renders the audio that changed (in parallel), tags it, writes the feed and
pages, and swaps the new site in only when all of that succeeded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, audio, config, ffmpeg, lint, posts, site, tags
from .cache import CACHE_NAME, Cache, digest, sha256_bytes, sha256_file, write_atomic
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
from .writer import SiteWriter

KEEP_WHOLE = 10**12
"""A head length (samples) that keeps a whole intro or outro in its analysis."""


@dataclass(frozen=True)
class ShowPlan:
    """Everything read and validated; nothing rendered yet."""

    show: Show
    episodes: tuple[Episode, ...]
    """All posts, newest first, paid ones included."""
    warnings: tuple[Problem, ...]

    @property
    def public(self) -> list[Episode]:
        return [e for e in self.episodes if not e.is_paid]

    @property
    def to_render(self) -> list[Episode]:
        return [e for e in self.public if e.audio is not None]


def load(root: Path, base_url: str | None = None, strict: bool = False,
         allow_guid_change: bool = False) -> ShowPlan:
    """Read podcast.toml and every post; raise InputError listing every problem."""
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
    for source in sources:
        draft = posts.read_post(root, source, problems)
        if draft:
            drafts.append(draft)

    seen: dict[str, Path] = {}
    for d in drafts:
        other = seen.get(d.episode.post_id)
        if other is not None:
            problems.add(d.episode.source, "post_id", expected(
                f"an id no other post uses (also in {problems.rel(other)})", d.episode.post_id))
        seen.setdefault(d.episode.post_id, d.episode.source)

    if show is not None:
        _check_lengths(show, drafts, problems)
        site.check_templates(show, problems)
    _check_guids(read_published(root, problems), drafts, problems, allow_guid_change)
    for d in drafts:
        ep = d.episode
        if ep.audio is None and not ep.is_paid:
            message = ("expected a recording (episodes/<stem>.mp3, .m4a or .wav, a folder of "
                       "sections, or an audio: key), got none")
            if strict:
                problems.add(ep.source, "audio", message + " (an error with --strict)")
            else:
                problems.warn(ep.source, "audio", message + ": page built, left out of the feed")
    problems.raise_if_any()
    assert show is not None

    # Numbers: explicit ones win; otherwise the post's place in date order (oldest is 1).
    oldest_first = sorted(drafts, key=lambda d: (d.episode.date, d.episode.post_id))
    episodes = []
    for n, d in enumerate(oldest_first, 1):
        ep = d.episode
        episodes.append(ep if ep.number is not None else dataclasses.replace(ep, number=n))
    episodes.reverse()
    return ShowPlan(show, tuple(episodes), tuple(problems.warnings))


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


PUBLISHED_NAME = "audio-feed-published.json"
"""What the show has published: commit it with the show, so GUIDs stay fixed."""


def read_published(root: Path, problems: Problems) -> dict[str, dict[str, str]]:
    """The published record: post stem -> {"guid", "enclosure"}."""
    path = root / PUBLISHED_NAME
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text("utf-8"))
        return {str(k): dict(v) for k, v in record.get("episodes", {}).items()}
    except (ValueError, AttributeError, TypeError):
        problems.add(path, None, "expected the JSON audio-feed wrote, got something else "
                     "(restore it from version control)")
        return {}


def _check_guids(published: dict[str, dict[str, str]], drafts: list[posts.Draft],
                 problems: Problems, allow_change: bool) -> None:
    """A post already published keeps its GUID, unless the user says otherwise."""
    for d in drafts:
        before = published.get(d.episode.stem)
        if before and before.get("guid") != d.episode.post_id and not allow_change:
            problems.add(d.episode.source, "post_id", described(
                f"{before.get('guid')!r}, the GUID this episode was published with (a new one "
                f"makes players treat it as a new episode; --allow-guid-change accepts that)",
                repr(d.episode.post_id)))


def guard_published(show: Show, jobs: list[_Job], allow_change: bool) -> dict[str, object]:
    """Refuse to hand an enclosure URL published for one episode to another.

    Returns the record to save after a successful build. (GUID changes were
    already refused while loading.)
    """
    problems = Problems(show.root)
    episodes = read_published(show.root, problems)
    urls = {v.get("enclosure"): (stem, v) for stem, v in episodes.items()}
    for job in jobs:
        owner = urls.get(job.audio_path)
        if owner and owner[0] != job.episode.stem and not allow_change:
            problems.add(job.episode.source, "audio", described(
                f"a new enclosure URL ({job.audio_path} was published for "
                f"{owner[1].get('guid')!r})", "the same URL"))
    problems.raise_if_any()
    for job in jobs:
        episodes[job.episode.stem] = {"guid": job.episode.post_id, "enclosure": job.audio_path}
    return {"episodes": dict(sorted(episodes.items()))}


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
            shutil.rmtree(self.cache.dir, ignore_errors=True)
            self.cache = Cache(self.cache.dir)
        self.clean = clean
        self._intro: audio.Analysis | None = None
        self._outro: audio.Analysis | None = None
        self._lock = threading.Lock()

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
        if isinstance(body, Path):
            return self.cache.file_hash(body)
        return digest([self.cache.file_hash(p) for p in body])

    def _analysis_key(self, body: audio.Body, head: int) -> str:
        return digest({"file": self.body_hash(body), "head": head, **self._settings_key()})

    def cached_analysis(self, body: audio.Body, head: int) -> audio.Analysis | None:
        key = self._analysis_key(body, head)
        meta = self.cache.read_json("analysis", key + ".json")
        blob = self.cache.path("analysis", key + ".pcm")
        if meta is not None and blob.is_file():
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
        meta = self.cache.read_json("audio", key + ".json")
        if meta is None or not rendered.is_file():
            return None
        if rendered.stat().st_size != meta.get("size") \
                or self.cache.file_hash(rendered) != meta.get("sha256"):
            return None  # corrupted: render again, never publish it
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
        for job in jobs:
            cached = self.cached_render(job.key)
            if cached is not None:
                metas[job.episode.stem] = cached[1]
                result.reused.append(job.episode.stem)
            else:
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
                        metas[job.episode.stem] = meta
                        result.rendered.append(job.episode.stem)
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
        published = guard_published(show, jobs, self.allow_guid_change)
        metas = self.render_all(jobs, result)

        pages: list[EpisodePage] = []
        by_stem = {j.episode.stem: j for j in jobs}
        for ep in self.plan.public:
            path = f"episodes/{ep.slug}/"
            job = by_stem.get(ep.stem)
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
                    # The text of each section is timed: a WebVTT cue per section.
                    ends = starts[1:] + [int(meta["body_samples"]) / rate]  # type: ignore[call-overload]
                    cues = tuple((offset + a, offset + b, f"{title}\n{text}".strip())
                                 for a, b, title, text in zip(starts, ends, ep.section_titles,
                                                              ep.section_texts, strict=True))
                chapters = tuple(c.shifted(offset) for c in given)
                if chapters and offset > 0:
                    chapters = (Chapter(0.0, "Intro"),) + chapters
                rendered = RenderedAudio(job.audio_path, show.audio.mime, 0, duration, offset,
                                         chapters, show.audio.loudness, show.audio.true_peak)
            pages.append(EpisodePage(
                episode=ep, url=show.base_url + path, path=path, audio=rendered, cues=cues,
                audio_url=show.base_url + job.audio_path if job else None,
                chapters_url=(show.base_url + path + "chapters.json"
                              if rendered and rendered.chapters else None),
                transcript_url=show.base_url + path + "transcript.html"))

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
            result.findings = lint.lint_site(writer.tmp, show.feed_url)
            failed = lint.errors_in(result.findings, self.strict)
            if failed:
                raise InputError([Problem(f"{self.out.name}/feed.xml", None, str(f))
                                  for f in failed])
            writer.commit()
            record = (json.dumps(published, indent=2, ensure_ascii=False) + "\n").encode()
            target = show.root / PUBLISHED_NAME
            if not target.is_file() or target.read_bytes() != record:
                write_atomic(target, record)
        except BaseException:
            writer.abort()
            raise
        finally:
            self.cache.save()
        return result

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
        cached = self.cache.read_json("site", manifest_key + ".json")

        def unchanged(old: Path) -> bool:
            st = old.stat()
            return bool(cached and cached.get("identity") == identity
                        and cached.get("stat") == [st.st_size, st.st_mtime_ns, st.st_ino])

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
        st = (writer.tmp / job.audio_path).stat()
        self.cache.write_json({"identity": identity,
                               "stat": [st.st_size, st.st_mtime_ns, st.st_ino]},
                              "site", manifest_key + ".json")
        return st.st_size


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
    try:
        record = json.loads(_record_path(root, out).read_text())
    except (OSError, ValueError):
        return None
    extra = [Path(p) for p in record.get("extra", [])]
    if record.get("fingerprint") != _fingerprint(root, extra, base_url, strict):
        return None
    if _stats(_files_under(out.resolve())) != record.get("site"):
        return None
    return list(record.get("warnings", []))


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


def _check_out(root: Path, out: Path) -> None:
    """Refuse an output folder that would swallow the show or someone's files."""
    if out == root or root.is_relative_to(out):
        raise InputError([Problem("--out", None, expected(
            "a folder outside the show's own files", str(out)))])
    if out.exists() and any(out.iterdir()) and not (out / "feed.xml").is_file() \
            and not (out / "index.html").is_file():
        raise InputError([Problem("--out", None, expected(
            "an empty folder or one audio-feed built", f"{out} with other files in it"))])


def check(root: Path, base_url: str | None = None, strict: bool = False,
          allow_guid_change: bool = False) -> ShowPlan:
    """Validate everything, render nothing (the ``check`` command)."""
    return load(root, base_url, strict, allow_guid_change)


__all__ = ["AudioFeedError", "Builder", "BuildResult", "Reporter", "ShowPlan", "check", "load"]
