"""Ctrl-C during a build stops it cleanly and leaves the previous site as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import Run, make_tone, tree


def test_ctrl_c_leaves_the_previous_site(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    before = tree(out)
    make_tone(tiny_show / "episodes/one.mp3", 360, speechy=True)  # six minutes to render

    proc = subprocess.Popen([sys.executable, "-m", "audio_feed.cli", "build", str(tiny_show),
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    rendering = tiny_show / ".audio-feed-cache/audio"
    deadline = time.monotonic() + 60
    while not any(rendering.glob("*.part")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 130, stderr
    assert "interrupted: the previous site was left as it was" in stderr
    assert "Traceback" not in stderr
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show", "site"]
