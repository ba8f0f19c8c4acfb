"""The speak step: posts without a recording -> a section folder read by a voice.

Runs before render: what it writes (``episodes/<stem>/01-opening.wav``, ...,
``script.txt``, ``timing.json``) is a recording in sections like any other, plus the
sidecar the build turns into sentence-exact chapters and transcript cues.

Each section is cached in ``.audio-feed-cache/speak/`` under a hash of its spoken
sentences, the engine's settings and the pause: an edit to one paragraph speaks one
section again. A section is written to disk sentence by sentence as it is spoken.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import posts
from ..cache import (
    CACHE_NAME,
    digest,
    read_shaped,
    sweep_killed,
    sweep_temporary,
    temporary_name,
    write_atomic,
)
from ..errors import InputError, Problem, Problems, described
from ..model import Episode, Show
from ..read import ShowPlan, load
from . import script, timing
from .engines import Engine, engine

VERSION = 1
"""Changes whenever what a section's samples are made of changes."""
_SECTION_META = {"rate": int, "samples": int, "sentences": [[int]]}


@dataclass(frozen=True)
class SpeakOptions:
    stems: tuple[str, ...] = ()
    """Only these posts (all public posts without a recording when empty)."""
    force: bool = False
    jobs: int = 1
    dry_run: bool = False
    cache_dir: Path | None = None


@dataclass
class SpeakReport:
    spoken: list[str] = field(default_factory=list)
    """The posts whose folder was written."""
    synthesized: list[str] = field(default_factory=list)
    """'<stem>/<section file>' of each section the voice spoke (cache misses)."""
    reused: list[str] = field(default_factory=list)
    dry: dict[str, str] = field(default_factory=dict)
    """With dry_run: each post's script, replacements marked."""


@dataclass(frozen=True)
class _Job:
    stem: str
    name: str
    section: script.Section
    said: tuple[str, ...]
    key: str


def run(show_dir: Path, options: SpeakOptions) -> SpeakReport:
    """Speak the chosen posts of the show in ``show_dir``."""
    plan = load(show_dir)
    chosen = choose(plan, options)
    report = SpeakReport()
    scripts = {ep.stem: scripted(plan.show, ep) for ep in chosen}
    if options.dry_run:
        for ep in chosen:
            marked = script.spoken(scripts[ep.stem], _table(plan.show, ep), mark=True)
            report.dry[ep.stem] = script.text_of(marked)
        return report
    cache = (options.cache_dir or plan.show.root / CACHE_NAME) / "speak"
    sweep_temporary(cache)
    for parent in sorted({plan.show.root / "episodes", *(_folder(ep).parent for ep in chosen)}):
        sweep_leftovers(parent)
    if not chosen:
        return report
    voice = engine(plan.show)
    for ep in chosen:
        jobs = _jobs(plan.show, ep, scripts[ep.stem])
        _speak_all(voice, plan.show, jobs, cache, options, report)
        _write_folder(ep, jobs, cache)
        report.spoken.append(ep.stem)
    return report


def choose(plan: ShowPlan, options: SpeakOptions) -> list[Episode]:
    """The posts to speak. A named post must be public, and have no recording of the
    writer's own: speak never writes over one."""
    by_stem = {ep.stem: ep for ep in plan.episodes}
    problems = Problems(plan.show.root)
    for stem in options.stems:
        ep = by_stem.get(stem)
        if ep is None:
            problems.add(plan.show.root / "episodes", None, described(
                "the stem of a post (episodes/<stem>.md)", repr(stem)))
        elif not ep.is_public:
            problems.add(ep.source, None, described("a public post to speak",
                                                    "a paid post or a draft"))
        elif ep.audio is not None and not ep.synthetic:
            problems.add(ep.source, "audio", described(
                "no recording of your own (speak never writes over one)",
                problems.rel(ep.audio)))
    problems.raise_if_any()
    if options.stems:
        return [by_stem[s] for s in options.stems]
    # Without names: every public post with no recording, and those speak read before
    # (cheap when unchanged: each section comes from the cache).
    return [ep for ep in plan.public if ep.audio is None or ep.synthetic]


def _table(show: Show, ep: Episode) -> tuple[tuple[str, str], ...]:
    return script.merged(show.speak.pronounce, ep.pronounce)


def scripted(show: Show, ep: Episode) -> tuple[script.Section, ...]:
    """The post's script as written (no pronunciation applied yet)."""
    problems = Problems(show.root)
    body = posts.read_body(ep.source, problems)
    problems.raise_if_any()
    s = show.speak
    settings = script.ScriptSettings(read_date=s.read_date, images=s.images, skip=s.skip)
    return script.build(ep.title, ep.subtitle, ep.date, body or "", settings)


def _jobs(show: Show, ep: Episode, sections: tuple[script.Section, ...]) -> list[_Job]:
    said = script.spoken(sections, _table(show, ep))
    out = []
    for n, (written, spoken) in enumerate(zip(sections, said, strict=True), 1):
        key = digest({"version": VERSION, "sentences": spoken.sentences,
                      "voice": show.speak.key(), "pause": show.speak.sentence_pause})
        out.append(_Job(ep.stem, f"{n:02d}-{written.slug}.wav", written, spoken.sentences,
                        key))
    return out


def _speak_all(voice: Engine, show: Show, jobs: list[_Job], cache: Path,
               options: SpeakOptions, report: SpeakReport) -> None:
    missing = [j for j in jobs if options.force or _cached(cache, j) is None]
    report.reused += [f"{j.stem}/{j.name}" for j in jobs if j not in missing]
    cache.mkdir(parents=True, exist_ok=True)

    def one(job: _Job) -> None:
        _synthesize(voice, job, show.speak.sentence_pause, cache)

    # Longest first: the jobs then finish together instead of one long section
    # running on alone at the end.
    longest_first = sorted(missing, key=lambda j: -sum(map(len, j.said)))
    with ThreadPoolExecutor(max(1, options.jobs)) as pool:
        list(pool.map(one, longest_first))
    report.synthesized += [f"{j.stem}/{j.name}" for j in missing]


def _cached(cache: Path, job: _Job) -> dict[str, object] | None:
    """A section spoken before; anything else in the cache is a miss (it is ours to redo)."""
    meta = read_shaped(cache / f"{job.key}.json", _SECTION_META)
    if (meta is None or not (cache / f"{job.key}.wav").is_file()
            or len(meta["sentences"]) != len(job.said)):
        return None
    return dict(meta)


def _synthesize(voice: Engine, job: _Job, pause: float, cache: Path) -> None:
    """Speak one section sentence by sentence straight into its WAV: a pause between
    sentences, twice as long after the first (the title or the heading)."""
    wav = cache / f"{job.key}.wav"
    tmp = temporary_name(wav)
    spans: list[list[int]] = []
    at = 0
    rate = 0
    speaker = voice.speaker()
    try:
        with wave.open(str(tmp), "wb") as out:
            for n, sentence in enumerate(job.said):
                audio = speaker.synthesize(sentence)
                if n == 0:
                    rate = audio.rate
                    out.setnchannels(1)
                    out.setsampwidth(2)
                    out.setframerate(rate)
                elif audio.rate != rate:
                    raise InputError([Problem("podcast.toml", "speak.voice", described(
                        "a voice with one sample rate", f"{rate} and {audio.rate} Hz"))])
                if n:
                    gap = round(pause * rate * (2 if n == 1 else 1))
                    out.writeframes(b"\0\0" * gap)
                    at += gap
                out.writeframes(audio.pcm)
                spans.append([at, at + audio.samples])
                at += audio.samples
        os.replace(tmp, wav)
    finally:
        tmp.unlink(missing_ok=True)
    write_atomic(cache / f"{job.key}.json", json.dumps(
        {"rate": rate, "samples": at, "sentences": spans}).encode())


def _folder(ep: Episode) -> Path:
    """Where the post's sections go: a folder speak made before is spoken into again
    wherever the post's audio: key puts it; otherwise the folder the build looks for
    beside the post."""
    return ep.audio if ep.synthetic and ep.audio is not None else ep.source.with_suffix("")


_LEFTOVER = re.compile(r"\.(?P<home>.+)\.(?P<pid>\d+)\.\d+\.\d+\.(?P<kind>part|old)")
"""The temporary folders of ``_write_folder`` and ``_swap`` (``temporary_name``)."""


def sweep_leftovers(parent: Path) -> None:
    """Remove what a killed speak left in ``parent``: only folders named as speak
    names them, whose process is gone. A folder it had moved aside (``.old``) is put
    back if the kill came before the new one took its place."""
    sweep_killed(parent, _LEFTOVER)


def _write_folder(ep: Episode, jobs: list[_Job], cache: Path) -> None:
    """Write the post's folder beside it and swap it in; the old one goes only if
    speak made it (its sidecar says so)."""
    folder = _folder(ep)
    if folder.exists() and not (folder / timing.NAME).is_file():
        raise InputError([Problem(str(folder), None, described(
            "a folder speak made (with its timing.json)", "a folder of yours; left as it is"))])
    new = temporary_name(folder, ".part")
    new.mkdir()
    try:
        sections = []
        for job in jobs:
            shutil.copyfile(cache / f"{job.key}.wav", new / job.name)
            sections.append(_entry(job, _cached(cache, job) or {}, new / job.name))
        (new / timing.SCRIPT).write_text(
            script.text_of(tuple(script.Section(j.section.title, j.section.slug, j.said)
                                 for j in jobs)), encoding="utf-8")
        data = {"format": timing.FORMAT, "made_by": "audio-feed speak", "sections": sections}
        (new / timing.NAME).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        _swap(new, folder)
    finally:
        if new.exists():
            shutil.rmtree(new)


def _entry(job: _Job, meta: dict[str, object], path: Path) -> dict[str, object]:
    rate = meta["rate"]
    spans = meta["sentences"]
    assert isinstance(rate, int) and isinstance(spans, list)
    return {
        "file": job.name, "title": job.section.title, "sample_rate": rate,
        "samples": meta["samples"], "sha256": timing.sha256_file(path),
        "sentences": [{"start": a, "end": b, "start_seconds": round(a / rate, 6),
                       "end_seconds": round(b / rate, 6), "text": text, "spoken": said}
                      for (a, b), text, said in zip(spans, job.section.sentences, job.said,
                                                    strict=True)],
    }


def _swap(new: Path, folder: Path) -> None:
    old = temporary_name(folder, ".old")
    if folder.exists():
        os.replace(folder, old)
    os.replace(new, folder)
    if old.exists():
        shutil.rmtree(old)

