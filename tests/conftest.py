"""Shared fixtures: a tiny real show made with the real ffmpeg, and the sample show."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from audio_feed import build, ffmpeg, serve
from audio_feed.cli import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLE_FILES = ("podcast.toml", "artwork.png", "episodes", "templates")


def make_tone(path: Path, seconds: float, freq: int = 440, *, speechy: bool = False,
              rate: int = 22050) -> Path:
    """A short real audio file made by ffmpeg (a tone, or noise bursts that behave like
    speech for loudness purposes)."""
    if speechy:
        src = (f"anoisesrc=d={seconds}:c=pink:r={rate}:a=0.3:seed=7,"
               f"volume='0.2+0.8*gt(sin(2*PI*t*1.7),0)':eval=frame")
    else:
        src = f"sine=f={freq}:d={seconds}:r={rate},volume=0.4"
    codec = {".mp3": ["-c:a", "libmp3lame", "-b:a", "48k"], ".m4a": ["-c:a", "aac", "-b:a", "48k"],
             ".wav": ["-c:a", "pcm_s16le"]}[path.suffix]
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", src,
                    "-ac", "1", *codec, "-map_metadata", "-1", str(path)], check=True)
    return path


def write_artwork(path: Path, size: tuple[int, int] = (1400, 1400), mode: str = "RGB") -> Path:
    Image.new(mode, size, "teal" if mode == "RGB" else 0).save(path)
    return path


TINY_TOML = """\
title = "Tiny Show"
description = "A show made by the tests."
author = "Test Author"
email = "test@example.org"
language = "en"
base_url = "https://example.org/tiny/"
artwork = "artwork.png"
category = "Technology"
explicit = false
intro = "episodes/intro.mp3"
outro = "episodes/outro.mp3"
"""


def post(title: str, post_id: str, date: str = "2026-01-05", extra: str = "",
         body: str = "Hello listeners.\n") -> str:
    return textwrap.dedent(f"""\
        ---
        title: "{title}"
        date: {date}
        post_id: "{post_id}"
        audience: everyone
        visibility: public
        """) + extra + "---\n" + body


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Audio made once per test session, copied into each show."""
    d = tmp_path_factory.mktemp("media")
    make_tone(d / "intro.mp3", 3.0, 330)
    make_tone(d / "outro.mp3", 2.5, 523)
    make_tone(d / "body1.mp3", 4.0, speechy=True)
    make_tone(d / "body2.wav", 4.5, speechy=True)
    make_tone(d / "body3.m4a", 4.2, speechy=True)
    return d


def one_post_show(root: Path, media: Path, stem: str, title: str, post_id: str) -> Path:
    """A show of tiny_show's parts with one public post and its recording."""
    (root / "episodes").mkdir(parents=True)
    (root / "podcast.toml").write_text(TINY_TOML)
    write_artwork(root / "artwork.png")
    for name in ("intro.mp3", "outro.mp3"):
        shutil.copy(media / name, root / "episodes" / name)
    (root / "episodes" / f"{stem}.md").write_text(post(title, post_id))
    shutil.copy(media / "body1.mp3", root / "episodes" / f"{stem}.mp3")
    return root


@pytest.fixture
def tiny_show(tmp_path: Path, media: Path) -> Path:
    """A small valid show: three public posts with audio, one paid."""
    root = tmp_path / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "podcast.toml").write_text(TINY_TOML)
    write_artwork(root / "artwork.png")
    shutil.copy(media / "intro.mp3", root / "episodes/intro.mp3")
    shutil.copy(media / "outro.mp3", root / "episodes/outro.mp3")
    eps = root / "episodes"
    (eps / "one.md").write_text(post("One", "1001.one", "2026-01-05",
                                     'chapters:\n  - "00:00:00 Start"\n  - "00:00:02 Later"\n'))
    shutil.copy(media / "body1.mp3", eps / "one.mp3")
    (eps / "two.md").write_text(post("Two", "1002.two", "2026-01-12"))
    shutil.copy(media / "body2.wav", eps / "two.wav")
    (eps / "three.md").write_text(post("Three", "1003.three", "2026-01-19"))
    shutil.copy(media / "body3.m4a", eps / "three.m4a")
    (eps / "paid.md").write_text(post("Secret Paid Thing", "1004.paid", "2026-01-20",
                                      "", "Members only.\n").replace(
        "audience: everyone", "audience: only_paid"))
    shutil.copy(media / "body1.mp3", eps / "paid.mp3")
    return root


@pytest.fixture(scope="session")
def sample_show(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's sample show (so tests never touch the repo's cache)."""
    root = tmp_path_factory.mktemp("sample") / "show"
    root.mkdir()
    for name in SAMPLE_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy(src, root / name)
    return root


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Run the CLI in-process, like a user would from a shell."""
    def _run(*args: str | Path) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return _run


@contextmanager
def served_build(show: Path, out: Path) -> Iterator[str]:
    """Build ``show`` for a loopback preview server and serve it; yields the base URL."""
    server = serve.make_server(out, must_exist=False)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    build.run(show, out, build.BuildOptions(base_url=base, jobs=2, skip_if_unchanged=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()



def command_voice(show: Path, frames: str) -> str:
    """A stand-in voice for the ``command`` engine: a script in ``show`` that reads
    text on stdin and writes 8 kHz mono 16-bit WAV, whose frames are the Python
    expression ``frames`` (of ``text``); returns its ``[speak]`` settings."""
    (show / "voice.py").write_text(
        "import math, struct, sys, wave\ntext = sys.stdin.read()\n"
        "with wave.open(sys.stdout.buffer, 'wb') as w:\n"
        "    w.setnchannels(1)\n    w.setsampwidth(2)\n    w.setframerate(8000)\n"
        f"    w.writeframes({frames})\n")
    return f'engine = "command"\nvoice = "{sys.executable} voice.py"'

def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/ from this build (review the diff, then commit).")


@dataclass(frozen=True)
class Ran:
    """What a CLI run in a child process left (the fields tests read of a click Result)."""

    exit_code: int
    output: str
    stderr: str


HANG_GUARD = 120
"""Seconds after which a child CLI counts as hung: many times what any command takes
on a tiny show, so only a process waiting forever (on a named pipe) reaches it. A
guard against hanging the suite, not a measure of speed."""


def run_guarded(*args: str | Path, timeout: float = HANG_GUARD) -> Ran:
    """Run the CLI in a child process: one that hangs fails its test instead of
    blocking the suite."""
    try:
        done = subprocess.run([sys.executable, "-m", "audio_feed.cli", *map(str, args)],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"audio-feed {' '.join(map(str, args))}: hung ({timeout} s)")
    return Ran(done.returncode, done.stdout, done.stderr)
