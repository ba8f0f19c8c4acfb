"""Subscribe to the sample show with gPodder's real client, over the preview server.

Needs the Debian package `gpodder` (for `gpo`); `.ci/run` installs it. `gpo`
exits 0 even when it fails, so the test reads gPodder's own database and the
files it downloaded.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import podcastparser
import pytest

from conftest import served_build
from measure import duration

GPO = shutil.which("gpo")
pytestmark = pytest.mark.skipif(
    GPO is None, reason="gPodder's `gpo` client is not installed (apt-get install gpodder)")


@pytest.fixture
def served(sample_show: Path, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    out = tmp_path / "site"
    with served_build(sample_show, out) as base:
        yield out, base


def gpo(home: Path, *args: str) -> str:
    assert GPO is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), GPODDER_HOME=str(home / "gpodder"),
               GPODDER_DOWNLOAD_DIR=str(home / "downloads"), LANG="C.UTF-8")
    proc = subprocess.run([GPO, *args], env=env, capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
    return proc.stdout + proc.stderr


def test_gpodder_subscribes_and_downloads_every_episode(served: tuple[Path, str],
                                                        tmp_path: Path) -> None:
    out, base = served
    home = tmp_path / "home"
    home.mkdir()
    feed_url = base + "feed.xml"
    log = gpo(home, "subscribe", feed_url)
    log += gpo(home, "download")
    with (out / "feed.xml").open("rb") as f:
        feed = podcastparser.parse(feed_url, f)["episodes"]

    db = sqlite3.connect(home / "gpodder/Database")
    db.row_factory = sqlite3.Row
    rows = {r["guid"]: r for r in db.execute("SELECT * FROM episode")}
    assert len(rows) == len(feed) == 5, log
    for item in feed:
        row = rows[item["guid"]]
        assert row["title"] == item["title"]
        assert row["total_time"] == item["total_time"]
        enclosure = item["enclosures"][0]
        served_file = out / enclosure["url"].removeprefix(base)
        assert row["file_size"] == served_file.stat().st_size
        assert row["state"] == 1, log  # gPodder's "downloaded"
        downloaded = next((home / "downloads").rglob(row["download_filename"]))
        assert downloaded.read_bytes() == served_file.read_bytes()
        assert abs(duration(downloaded) - row["total_time"]) <= 1.0
