"""The command line as a person uses it: help, --debug, build --serve, serve's warning."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import podcastparser
import pytest

from conftest import Run, post


def cli(*args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "audio_feed.cli", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"subscribe to: (\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError(proc.stderr.read() if proc.stderr else "no output")


def stop(proc: subprocess.Popen[str]) -> str:
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return err


def test_help_lists_every_command_in_full(run: Run) -> None:
    out = run("--help").output
    for command in ("build", "check", "lint", "serve"):
        assert re.search(rf"^  {command}\s+\S.*[^.]\.$", out, re.M), out


def test_debug_works_after_the_command(tiny_show: Path) -> None:
    (tiny_show / "podcast.toml").write_text("title = [")
    proc = cli("check", tiny_show, "--debug", cwd=tiny_show)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "Traceback" in err and "expected valid TOML" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_build_through_the_runner(tiny_show: Path, tmp_path: Path,
                                                        run: Run, where: str) -> None:
    # --debug is click's own option on the group and on every command: no argv rewriting.
    (tiny_show / "podcast.toml").write_text("title = [")
    args = ["build", tiny_show, "--out", tmp_path / "site"]
    result = run(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "expected valid TOML" in result.stderr
    assert "Traceback" not in run(*args).stderr


def test_build_serve_previews_without_touching_the_site(tiny_show: Path, tmp_path: Path,
                                                        run: Run) -> None:
    site = tmp_path / "_site"
    assert run("build", tiny_show, "--out", site, "-q").exit_code == 0
    feed = (site / "feed.xml").read_bytes()
    # A post previewed and then made a draft must leave no trace in the committed record.
    (tiny_show / "episodes/four.md").write_text(post("Unannounced", "1005.four", "2026-01-21"))
    shutil.copy(tiny_show / "episodes/one.mp3", tiny_show / "episodes/four.mp3")
    record = (tiny_show / "audio-feed-published.json").read_bytes()
    proc = cli("build", tiny_show, "--serve", "--port", "0", cwd=tmp_path)
    try:
        url = wait_for_url(proc)
        with urllib.request.urlopen(url) as r:
            items = podcastparser.parse(url, r)["episodes"]
        enclosure = items[0]["enclosures"][0]["url"]
        assert enclosure.startswith(url.removesuffix("feed.xml"))
        with urllib.request.urlopen(enclosure) as r:
            assert r.read() == next((tmp_path / "_preview/audio").glob(
                Path(enclosure).name)).read_bytes()
    finally:
        stop(proc)
    assert (site / "feed.xml").read_bytes() == feed  # the site to upload is untouched
    assert (tiny_show / "audio-feed-published.json").read_bytes() == record
    assert list((tmp_path / "_preview/episodes").glob("four"))  # it was previewed


def test_serve_warns_when_the_site_was_built_for_elsewhere(tiny_show: Path, tmp_path: Path,
                                                           run: Run) -> None:
    site = tmp_path / "_site"
    assert run("build", tiny_show, "--out", site, "-q").exit_code == 0
    proc = cli("serve", site, "--port", "0", "-q", cwd=tmp_path)
    wait_for_url(proc)
    err = stop(proc)
    assert "warning: this site was built for https://example.org/tiny/feed.xml" in err
