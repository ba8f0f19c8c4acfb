"""The build's stages hand each other typed values: ``build.run`` from the show folder
to a report, and a render's metadata read back from the cache only in its own shape."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from audio_feed import build
from audio_feed.render import Render


def test_run_builds_then_reports_a_noop(tiny_show: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = build.run(tiny_show, out, build.BuildOptions(jobs=2))
    assert not first.up_to_date and sorted(first.rendered) == ["one", "three", "two"]
    assert first.plan is not None and [p.episode.stem for p in first.pages] == [
        "three", "two", "one"]  # newest first, as read
    assert all(p.audio and p.audio.length == (out / p.audio.path).stat().st_size
               for p in first.pages)
    again = build.run(tiny_show, out, build.BuildOptions(jobs=2))
    assert again.up_to_date and again.rendered == [] and again.plan is None


def test_cached_render_metadata_round_trips_through_json(tiny_show: Path,
                                                         tmp_path: Path) -> None:
    build.run(tiny_show, tmp_path / "site", build.BuildOptions(jobs=2))
    for meta in (tiny_show / ".audio-feed-cache/audio").glob("*.json"):
        render = Render.from_json(json.loads(meta.read_text()))
        assert render.duration > render.body_offset > 0 and render.section_starts == ()
        again = Render.from_json(json.loads(json.dumps(dataclasses.asdict(render))))
        assert again == render


@pytest.mark.parametrize("edit", [{"samples": "12"}, {"limiter": 1}, {"section_starts": [None]},
                                  {"encodes": 1.5}, {"landed": None}])
def test_a_render_of_another_shape_is_refused(tiny_show: Path, tmp_path: Path,
                                              edit: dict[str, object]) -> None:
    build.run(tiny_show, tmp_path / "site", build.BuildOptions(jobs=2))
    meta = json.loads(next((tiny_show / ".audio-feed-cache/audio").glob("*.json")).read_text())
    with pytest.raises(ValueError):
        Render.from_json(meta | edit)
    # A cache entry of another shape is a miss: the build renders that episode again.
    for path in (tiny_show / ".audio-feed-cache/audio").glob("*.json"):
        path.write_text(json.dumps(json.loads(path.read_text()) | edit))
    again = build.run(tiny_show, tmp_path / "again", build.BuildOptions(jobs=2))
    assert sorted(again.rendered) == ["one", "three", "two"]
