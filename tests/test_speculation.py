"""Measuring while encoding: the estimate stands only when the measurement agrees,
and the bytes never depend on whether the measurement was already cached."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from audio_feed import build, ffmpeg

from conftest import tree
from measure import integrated_loudness


def tone(path: Path, seconds: float, level: str) -> None:
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=f=220:d={seconds}:r=22050", "-af", f"volume='{level}':eval=frame",
                    "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", str(path)], check=True)


def do_build(show: Path, out: Path, windows: tuple[int, float] = (4, 45.0)) -> dict[str, object]:
    builder = build.Builder(build.load(show), out, 2, build.Reporter())
    builder.speculate_seconds = 0  # the test bodies are short; speculate on all of them
    builder.estimate_windows = windows
    builder.jobs = 8  # more jobs than episodes: spare cores measure while encoding
    builder.build()
    metas = [json.loads(p.read_text())
             for p in (show / ".audio-feed-cache/audio").glob("*.json")]
    return next(m for m in metas if m["body_samples"] > 300000)  # the 10 s body


def test_estimate_stands_and_bytes_do_not_depend_on_the_cache(tiny_show: Path,
                                                              tmp_path: Path) -> None:
    tone(tiny_show / "episodes/one.mp3", 10, "0.3")
    first = tmp_path / "first"
    meta = do_build(tiny_show, first)
    assert meta["level_from"] == "estimate" and meta["encodes"] == 1
    # The measurement is cached now: rendering again takes the other path.
    shutil.rmtree(tiny_show / ".audio-feed-cache/audio")
    second = tmp_path / "second"
    assert do_build(tiny_show, second)["level_from"] == "estimate"
    assert tree(second) == tree(first)
    # Without spare cores it measures first, then encodes once: the same bytes again.
    shutil.rmtree(tiny_show / ".audio-feed-cache")
    third = tmp_path / "third"
    builder = build.Builder(build.load(tiny_show), third, 1, build.Reporter())
    builder.speculate_seconds = 0
    builder.build()
    assert tree(third) == tree(first)


def test_a_wrong_estimate_is_encoded_again_from_the_measurement(tiny_show: Path,
                                                                tmp_path: Path) -> None:
    # Quiet at both ends, loud in the middle: two one-second windows at the ends miss it.
    tone(tiny_show / "episodes/one.mp3", 10, "if(between(t,1.5,8.5),0.5,0.02)")
    out = tmp_path / "site"
    meta = do_build(tiny_show, out, windows=(2, 1.0))
    assert meta["level_from"] == "measurement" and meta["encodes"] == 2
    mp3 = next((out / "audio").glob("one-*.mp3"))
    assert abs(integrated_loudness(mp3) + 16) <= 1.0
    shutil.rmtree(tiny_show / ".audio-feed-cache/audio")
    again = tmp_path / "again"
    assert do_build(tiny_show, again, windows=(2, 1.0))["encodes"] == 1
    assert tree(again) == tree(out)
