"""What a killed speak leaves behind is cleaned up by the next one, and the speak cache
is a cache like the others (--clean forgets it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from audio_feed.cache import CACHE_NAME, KINDS, Cache
from audio_feed.speak.run import SpeakOptions
from audio_feed.speak.run import run as speak

from conftest import Run, command_voice, post


def dead_pid() -> int:
    """The pid of a real process that was killed and reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.pid


def spoken_show(show: Path) -> Path:
    voice = command_voice(show, '(b"\\x00\\x20" * 4 + b"\\x00\\xe0" * 4) * 100 * len(text)')
    with (show / "podcast.toml").open("a") as f:
        f.write(f"\n[speak]\n{voice}\n")
    (show / "episodes/hydro.md").write_text(post("Hydrophones", "1009.hydro", "2026-02-01",
                                                 body="Cheap now.\n\n## Wiring\n\nShort.\n"))
    speak(show, SpeakOptions())
    return show / "episodes/hydro"


def test_a_killed_speaks_folders_are_removed_by_the_next(tiny_show: Path) -> None:
    folder = spoken_show(tiny_show)
    eps = tiny_show / "episodes"
    gone = dead_pid()
    half = eps / f".hydro.{gone}.140.3.part"  # a new folder, half written
    half.mkdir()
    (half / "01-opening.wav").write_bytes(b"RIFF")
    other = eps / f".one.{gone}.140.4.part"  # another post's, by the same dead speak
    other.mkdir()
    alive = eps / f".hydro.{os.getppid()}.140.5.part"  # a speak that is still running
    alive.mkdir()
    mine = eps / ".hydro.notes.1.2.part"  # not a name speak gives
    mine.mkdir()
    stale = tiny_show / CACHE_NAME / "speak" / f".abc.wav.{gone}.140.6.tmp"
    stale.write_bytes(b"RIFF")
    speak(tiny_show, SpeakOptions())
    assert not half.exists() and not other.exists() and not stale.exists()
    assert alive.is_dir() and mine.is_dir()
    assert (folder / "timing.json").is_file()


def test_a_folder_moved_aside_by_a_killed_speak_is_put_back(tiny_show: Path) -> None:
    """Killed between moving the old folder aside and moving the new one in: the old
    one comes back, even when the next speak has nothing to speak."""
    folder = spoken_show(tiny_show)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    aside = folder.with_name(f".hydro.{dead_pid()}.140.7.old")
    folder.rename(aside)
    speak(tiny_show, SpeakOptions())
    assert not aside.exists()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_clean_forgets_the_spoken_sections(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    assert "speak" in KINDS
    spoken_show(tiny_show)
    cache = tiny_show / CACHE_NAME / "speak"
    assert list(cache.glob("*.wav"))
    Cache(tiny_show / CACHE_NAME).clear()
    assert not cache.exists()
    result = run("build", tiny_show, "--out", tmp_path / "site", "--speak", "--clean", "-q")
    assert result.exit_code == 0, result.output
    assert not cache.exists()  # spoken again first, then forgotten with the rest
    assert (tiny_show / "episodes/hydro/timing.json").is_file()
