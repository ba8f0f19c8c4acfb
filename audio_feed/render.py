"""The render stage: each planned job -> a frozen ``Render``, cached by content.

A render is keyed on everything that shapes its bytes (see ``render_key``):
the body's content, the intro and outro, the audio settings, the ffmpeg build
and the renderer's version. Its metadata is cached as JSON next to the encoded
file and read back into a ``Render`` through one door, ``Render.from_json``,
which checks its shape: anything else is a miss and is rendered again.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import audio, ffmpeg
from .cache import Cache, digest, fits, sha256_bytes, sha256_file, write_atomic
from .errors import EnvironmentProblem, InputError, Problem, Problems
from .model import Episode, Show
from .plan import RenderJob
from .read import ShowPlan, audio_identity
from .text import clock

KEEP_WHOLE = 10**12
"""A head length (samples) that keeps a whole intro or outro in its analysis."""

# The shapes of what the cache holds (see cache.fits): anything else is a miss.
ANALYSIS_META = {"samples": int, "loudness": float, "true_peak": float, "sha256": str}
RENDER_META = {"samples": int, "sample_rate": int, "body_offset": float, "limiter": bool,
               "gain": float, "size": int, "sha256": str, "section_starts": [float],
               "body_samples": int, "loudness_target": float, "true_peak_target": float,
               "encodes": int, "loudness": float, "true_peak": float, "landed": bool}


@dataclass(frozen=True)
class Render:
    """One rendered episode in the cache: what assembling its page needs to know."""

    samples: int
    """Length of the output, in samples."""
    sample_rate: int
    body_offset: float
    """Seconds before the body starts (the intro minus its overlap)."""
    limiter: bool
    """Whether loud peaks had to be limited."""
    gain: float
    size: int
    """Bytes of the untagged file in the cache."""
    sha256: str
    section_starts: tuple[float, ...]
    """Where each section starts within the body, in seconds (sectioned recordings)."""
    body_samples: int
    loudness_target: float
    true_peak_target: float
    encodes: int
    """How many encodes it took: 1 unless the first one measurably missed."""
    loudness: float
    """The integrated loudness the encode measured of itself (LUFS)."""
    true_peak: float
    """The peak the encode measured of itself (dBFS)."""
    landed: bool
    """Whether the measured loudness and peak were within tolerance."""

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate

    @property
    def body_seconds(self) -> float:
        return self.body_samples / self.sample_rate

    @staticmethod
    def from_json(meta: Mapping[str, object]) -> Render:
        """The render a JSON object describes; ValueError if it has another shape."""
        if not fits(dict(meta), RENDER_META):
            raise ValueError(f"not a render: {sorted(meta)}")
        m: dict[str, object] = dict(meta)
        starts = m["section_starts"]
        assert isinstance(starts, list)
        return Render(_int(m["samples"]), _int(m["sample_rate"]), _float(m["body_offset"]),
                      bool(m["limiter"]), _float(m["gain"]), _int(m["size"]), str(m["sha256"]),
                      tuple(_float(x) for x in starts), _int(m["body_samples"]),
                      _float(m["loudness_target"]), _float(m["true_peak_target"]),
                      _int(m["encodes"]), _float(m["loudness"]), _float(m["true_peak"]),
                      bool(m["landed"]))


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _float(value: object) -> float:
    assert isinstance(value, int | float)
    return float(value)


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

    def loaded(self, plan: ShowPlan) -> None:
        """Everything was read and checked: ``plan.warnings`` are known."""


class Tally(Protocol):
    """Where ``render_all`` notes which episodes it rendered and which it reused."""

    rendered: list[str]
    reused: list[str]


class RenderCache:
    """Render keys, the analysis cache (loudness, peak and head of each input) and
    the verified lookup of finished renders."""

    def __init__(self, show: Show, cache: Cache) -> None:
        self.show = show
        self.cache = cache
        self._lock = threading.Lock()
        self._verified: dict[str, tuple[int, int, int]] = {}
        """Render key -> the identity of the cached file whose bytes were read and matched."""

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

    def cached_render(self, key: str) -> tuple[Path, Render] | None:
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
        return rendered, Render.from_json(meta)


class Renderer(RenderCache):
    """Renders the planned jobs that are not cached, several at once."""

    def __init__(self, show: Show, cache: Cache, jobs: int, reporter: Reporter,
                 predict_windows: tuple[int, float] = (audio.PREDICT_WINDOWS,
                                                       audio.PREDICT_SECONDS)) -> None:
        super().__init__(show, cache)
        self.jobs = max(1, jobs)
        self.reporter = reporter
        self.predict_windows = predict_windows
        """How many windows of how many seconds the level prediction listens to."""
        self._intro: audio.Analysis | None = None
        self._outro: audio.Analysis | None = None

    def levels(self, body: audio.Body, seconds: float | None) -> audio.Levels:
        """The body's predicted level (``audio.predict_levels``): cached per content.

        The prediction is a pure function of the body and the settings, so a
        cached one is the one a fresh pass would give: same bytes either way.
        """
        windows, length = self.predict_windows
        key = digest({"file": self.body_hash(body), "windows": [windows, length],
                      **self._settings_key()})
        found = self.cache.read_json(dict, "levels", key + ".json")
        if found is not None:
            try:
                return audio.Levels(**found)
            except TypeError:
                pass  # written by another version: predict again
        duration = seconds if isinstance(body, Path) else None
        levels = audio.predict_levels(body, self.show.audio, duration, windows, length)
        self.cache.write_json(dataclasses.asdict(levels), "levels", key + ".json")
        return levels

    def render(self, ep: Episode, key: str, progress: audio.Progress, seconds: float) -> Render:
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
        levels = self.levels(ep.body, seconds)
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
        return Render.from_json(meta)

    def _prepare_music(self) -> None:
        show = self.show
        if show.intro:
            self._intro = self.analysis(show.intro, KEEP_WHOLE)
        if show.outro:
            self._outro = self.analysis(show.outro, KEEP_WHOLE)

    def render_all(self, jobs: tuple[RenderJob, ...], result: Tally) -> dict[str, Render]:
        """Render what is not cached, in parallel; returns the renders by stem."""
        metas: dict[str, Render] = {}
        todo: list[RenderJob] = []
        same: dict[str, list[RenderJob]] = {}
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
        total = sum(j.seconds for j in todo)
        self.reporter.start(total, len(todo))
        try:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                futures = {pool.submit(self.render, j.episode, j.key, self.reporter.advance,
                                       j.seconds): j
                           for j in todo}
                try:
                    for fut in as_completed(futures):
                        job = futures[fut]
                        meta = self._outcome(fut.result, job)
                        for twin in same[job.key]:
                            metas[twin.episode.stem] = meta
                            result.rendered.append(twin.episode.stem)
                        self.reporter.status(
                            f"rendered {job.episode.stem} ({clock(meta.duration)})"
                            + (", loud peaks limited" if meta.limiter else ""))
                except BaseException:
                    # Stop what has not started; what runs finishes or fails on its own.
                    for other in futures:
                        other.cancel()
                    raise
            result.rendered.sort()
        finally:
            self.reporter.finish()
        return metas

    def _outcome(self, get: Callable[[], Render], job: RenderJob) -> Render:
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

