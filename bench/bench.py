"""audio-feed's performance figures, measured side by side in one run (issue 4).

    make bench            # or: .venv/bin/python bench/bench.py [--quick]

It makes its own material in bench/_work/ (a 60- and a 180-minute spoken-word
body looped from the sample show's real speech, and a 500-episode show whose
posts share ten small recordings) and prints ratios against baselines measured
in the same run, so a slow or busy machine moves both sides together.
Targets (issue 4): render ratio <= 1.15; peak RSS at 180 min < 300 MB and within
10 % of 60 min; no-op rebuild <= 5x feedgen alone; add-one <= 1.2x that episode's
render alone; 4 episodes on 2 jobs <= 0.6x one job.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from audio_feed import build, ffmpeg

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
BITRATE = "64k"


def sh(*args: str) -> None:
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def speech_body(path: Path, minutes: float, offset: float = 0.0) -> Path:
    """A long spoken-word WAV: the sample show's speech looped, mastered the way a
    produced recording is (about -16 LUFS, peaks under -1.5 dBFS)."""
    if path.exists():
        return path
    sources = sorted((REPO / "episodes").glob("2026-*.mp3"))
    concat = WORK / "speech.wav"
    if not concat.exists():
        inputs: list[str] = []
        for s in sources:
            inputs += ["-i", str(s)]
        sh(*inputs, "-filter_complex",
           "".join(f"[{i}:a]" for i in range(len(sources))) + f"concat=n={len(sources)}:v=0:a=1,"
           "loudnorm=I=-16:TP=-4:LRA=11,aresample=44100", "-ac", "1", str(concat))
    sh("-stream_loop", "-1", "-ss", str(offset), "-i", str(concat), "-t", str(minutes * 60),
       "-af", "alimiter=limit=0.6:level=false", "-c:a", "pcm_s16le", "-ac", "1",
       str(path))
    return path


def write_show(root: Path, bodies: list[tuple[str, Path]], extra_posts: int = 0,
               shared: list[Path] | None = None) -> Path:
    if root.exists():
        shutil.rmtree(root)
    (root / "episodes").mkdir(parents=True)
    text = (REPO / "podcast.toml").read_text().replace(
        'intro = "episodes/intro.mp3"', 'intro = "intro.mp3"').replace(
        'outro = "episodes/outro.mp3"', 'outro = "outro.mp3"')
    (root / "podcast.toml").write_text(text)
    for name in ("artwork.png",):
        shutil.copy(REPO / name, root / name)
    shutil.copy(REPO / "episodes/intro.mp3", root / "intro.mp3")
    shutil.copy(REPO / "episodes/outro.mp3", root / "outro.mp3")
    start = dt.date(2015, 1, 1)
    for n in range(extra_posts):
        assert shared
        media = shared[n % len(shared)]
        dest = root / "media" / media.name
        if not dest.exists():
            dest.parent.mkdir(exist_ok=True)
            shutil.copy(media, dest)
        day = start + dt.timedelta(days=n)
        (root / f"episodes/ep{n:04d}.md").write_text(
            f'---\ntitle: "Episode {n}"\ndate: {day.isoformat()}\npost_id: "{n}.ep"\n'
            f'audio: "media/{media.name}"\n---\nPost number {n}, with a few words of text.\n')
    for stem, body in bodies:
        add_post(root, stem, body)
    return root


def add_post(root: Path, stem: str, body: Path) -> None:
    link = root / "episodes" / (stem + body.suffix)
    if not link.exists():
        os.link(body, link)
    (root / f"episodes/{stem}.md").write_text(
        f'---\ntitle: "{stem}"\ndate: 2026-11-20\npost_id: "9{len(stem)}.{stem}"\n---\nBody.\n')


def timed_build(show: Path, out: Path, jobs: int = 2) -> tuple[float, build.BuildResult | None]:
    """What `audio-feed build` does, timed: the no-op check, else load, build, remember."""
    t0 = time.perf_counter()
    result = build.run(show, out, build.BuildOptions(jobs=jobs))
    return time.perf_counter() - t0, None if result.up_to_date else result


def timed_build_full(show: Path, out: Path) -> tuple[float, build.BuildResult]:
    t0 = time.perf_counter()
    result = build.run(show, out, build.BuildOptions(jobs=2, skip_if_unchanged=False))
    return time.perf_counter() - t0, result


def clean_cache(show: Path) -> None:
    shutil.rmtree(show / ".audio-feed-cache", ignore_errors=True)


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def peak_rss_of(cmd: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (whole process tree, sampled every 20 ms) of a command."""
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    th = threading.Thread(target=sample)
    th.start()
    code = proc.wait()
    done.set()
    th.join()
    if code:
        raise SystemExit(f"{cmd} failed with {code}")
    return time.perf_counter() - t0, peak


def pydub_naive(body: Path, intro: Path, outro: Path, out: Path) -> float:
    from pydub import AudioSegment

    AudioSegment.converter = ffmpeg.exe()
    t0 = time.perf_counter()
    b = AudioSegment.from_file(body, codec="pcm_s16le")
    i = AudioSegment.from_file(intro, codec="mp3")
    o = AudioSegment.from_file(outro, codec="mp3")
    whole = i.append(b, crossfade=2000).append(o, crossfade=1000)
    whole.export(out, format="mp3", bitrate=BITRATE, parameters=["-ac", "1"])
    return time.perf_counter() - t0


def feedgen_floor(n: int) -> float:
    from feedgen.feed import FeedGenerator

    t0 = time.perf_counter()
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title("t")
    fg.link(href="https://example.org/")
    fg.description("d")
    for k in range(n):
        fe = fg.add_entry()
        fe.title(f"Episode {k}")
        fe.guid(f"{k}.ep", permalink=False)
        fe.enclosure(f"https://example.org/audio/{k}.mp3", "123456", "audio/mpeg")
        fe.description(f"Post number {k}")
        fe.pubDate(dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=k))
        fe.podcast.itunes_duration(600)
    fg.rss_str(pretty=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10/30-minute bodies (a smoke run)")
    ap.add_argument("--only", default="1,2,3,4,5", help="which figures, e.g. --only 1,5")
    args = ap.parse_args()
    only = {int(x) for x in args.only.split(",")}
    minutes = (10, 30) if args.quick else (60, 180)
    WORK.mkdir(exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {ffmpeg.version()}")
    body = speech_body(WORK / f"body{minutes[0]}.wav", minutes[0])
    intro, outro = REPO / "episodes/intro.mp3", REPO / "episodes/outro.mp3"
    if 1 in only:
        figure_render(body, intro, outro, minutes)
    if 2 in only:
        figure_rss(body, speech_body(WORK / f"body{minutes[1]}.wav", minutes[1]), minutes)
    if 3 in only or 4 in only:
        figure_big_show(speech_body(WORK / f"body{minutes[0]}b.wav", minutes[0], offset=7.3),
                        minutes)
    if 5 in only:
        figure_parallel(minutes)


def figure_render(body: Path, intro: Path, outro: Path, minutes: tuple[int, int]) -> None:

    t0 = time.perf_counter()
    sh("-i", str(body), "-c:a", "libmp3lame", "-b:a", BITRATE, "-ac", "1",
       str(WORK / "plain.mp3"))
    plain = time.perf_counter() - t0
    one = write_show(WORK / "one", [("long", body)])
    clean_cache(one)
    render_t, rendered = timed_build(one, WORK / "one_site")
    assert rendered is not None and rendered.rendered == ["long"]
    meta = json.loads(next((one / ".audio-feed-cache/audio").glob("*.json")).read_text())
    naive = pydub_naive(body, intro, outro, WORK / "naive.mp3")
    print(f"\n1. render of a {minutes[0]}-minute episode: {render_t:.1f} s; plain ffmpeg encode "
          f"{plain:.1f} s; render ratio {render_t / plain:.2f} (target <= 1.15); "
          f"pydub load-append-export {naive / plain:.2f}; limiter "
          f"{'engaged' if meta['limiter'] else 'not needed'}; level from the "
          f"{meta['level_from']}, {meta['encodes']} encode(s)")



def figure_rss(body: Path, long_body: Path, minutes: tuple[int, int]) -> None:
    rss = {}
    for m, b in zip(minutes, (body, long_body), strict=True):
        show = write_show(WORK / f"rss{m}", [("long", b)])
        _, rss[m] = peak_rss_of([sys.executable, "-m", "audio_feed.cli", "build", str(show),
                                 "--out", str(WORK / f"rss{m}_site"), "--quiet"])
    a, b2 = rss[minutes[0]], rss[minutes[1]]
    print(f"2. peak RSS (process tree): {minutes[0]} min {a / 2**20:.0f} MB, {minutes[1]} min "
          f"{b2 / 2**20:.0f} MB ({(b2 / a - 1) * 100:+.1f} %; targets < 300 MB, within 10 %)")



def figure_big_show(other: Path, minutes: tuple[int, int]) -> None:
    shared = []
    for k in range(10):
        p = WORK / f"short{k}.mp3"
        if not p.exists():
            sh("-f", "lavfi", "-i", f"sine=f={200 + 20 * k}:d=8", "-ac", "1", "-b:a", "32k",
               str(p))
        shared.append(p)
    big = write_show(WORK / "big", [], extra_posts=500, shared=shared)
    full_t, _ = timed_build(big, WORK / "big_site")
    noop_t, noop = timed_build(big, WORK / "big_site")
    floor = min(feedgen_floor(500) for _ in range(3))
    assert noop is None, "a no-op rebuild rendered or wrote files"
    slow_t, slow = timed_build_full(big, WORK / "big_site")
    assert slow is not None and not slow.rendered and not slow.changed
    print(f"3. 500 episodes: first build {full_t:.1f} s; no-op rebuild {noop_t:.2f} s; "
          f"feedgen alone {floor:.3f} s; ratio {noop_t / floor:.2f} (target <= 5); the full "
          f"incremental path with nothing to do (as after editing one post) {slow_t:.2f} s")

    alone_show = write_show(WORK / "alone", [("new", other)])
    alone_t, _ = timed_build(alone_show, WORK / "alone_site")
    add_post(big, "new", other)
    add_t, added = timed_build(big, WORK / "big_site")
    assert added is not None and added.rendered == ["new"]
    print(f"4. add one {minutes[0]}-minute episode to the 500: {add_t:.1f} s; its render alone "
          f"{alone_t:.1f} s; ratio {add_t / alone_t:.2f} (target <= 1.2)")



def figure_parallel(minutes: tuple[int, int]) -> None:
    quarter = speech_body(WORK / "quarter.wav", minutes[0] / 6)
    copies = []
    for k in range(4):
        c = WORK / f"quarter{k}.wav"
        if not c.exists():
            sh("-i", str(quarter), "-af", f"volume={0.9 + k / 100}", "-c:a", "pcm_s16le", str(c))
        copies.append((f"q{k}", c))
    par = write_show(WORK / "par", copies)
    serial_t, _ = timed_build(par, WORK / "par_site", jobs=1)
    clean_cache(par)
    parallel_t, _ = timed_build(par, WORK / "par_site", jobs=2)
    print(f"5. four {minutes[0] / 6:.0f}-minute episodes: 1 job {serial_t:.1f} s, 2 jobs "
          f"{parallel_t:.1f} s; ratio {parallel_t / serial_t:.2f} (target <= 0.6)")


if __name__ == "__main__":
    main()
