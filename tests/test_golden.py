"""The sample show's outputs, compared whole with the files under tests/golden/.

Spot assertions miss what a template change does to the rest of a page; these
files show it in the diff. After an intended change, refresh them with
``pytest tests/test_golden.py --update-golden`` and review the diff in the
commit.

Two things depend on the ffmpeg build rather than on audio-feed, so they are
masked before comparing: the render key in audio file names and the byte length
of each audio file. Byte-identical rebuilds on one machine are tested elsewhere
(tests/test_sample_show.py).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from audio_feed.cli import cli

GOLDEN = Path(__file__).parent / "golden"
EPISODE = "episodes/2026-11-19-three-small-tools/"
COMPARED = ("feed.xml", "index.html", EPISODE + "index.html", EPISODE + "transcript.html",
            EPISODE + "chapters.json", EPISODE + "transcript.vtt")
_KEY = re.compile(rb"(audio/[^\"'<>\s]*?-)[0-9a-f]{10}(\.(?:mp3|m4a))")


def masked(data: bytes) -> bytes:
    data = _KEY.sub(rb"\1KEY\2", data)
    return re.sub(rb'( length=")\d+(")', rb"\1N\2", data)


def manifest(site: Path) -> str:
    """Every file of the site: audio by name only, everything else by content hash."""
    lines = []
    for p in sorted(site.rglob("*")):
        if p.is_file():
            rel = masked(p.relative_to(site).as_posix().encode()).decode()
            digest = ("audio" if p.suffix in (".mp3", ".m4a")
                      else hashlib.sha256(masked(p.read_bytes())).hexdigest()[:16])
            lines.append(f"{rel} {digest}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def site(sample_show: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "_site"
    result = CliRunner().invoke(cli, ["build", str(sample_show), "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("rel", [*COMPARED, "MANIFEST"])
def test_matches_golden(site: Path, rel: str, request: pytest.FixtureRequest) -> None:
    got = manifest(site).encode() if rel == "MANIFEST" else masked((site / rel).read_bytes())
    golden = GOLDEN / (rel.replace("/", "__") if rel != "MANIFEST" else "MANIFEST.txt")
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(got)
    assert golden.is_file(), f"no {golden.name}: run pytest --update-golden and review it"
    assert got.decode() == golden.read_text("utf-8"), \
        f"{rel} differs from {golden.name} (pytest --update-golden refreshes it)"
