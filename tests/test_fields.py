"""The front-matter table: ``FIELDS`` declares how each key becomes an Episode value."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from audio_feed.errors import Problems
from audio_feed.model import Episode
from audio_feed.posts import FIELDS, read_fields


def _read(tmp_path: Path, meta: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    problems = Problems(tmp_path)
    values = read_fields(meta, set(), problems, tmp_path / "episodes/a.md")
    return values, [str(p) for p in problems.items]


def test_every_field_sets_an_episode_attribute() -> None:
    attributes = {f.name for f in dataclasses.fields(Episode)}
    assert {f.attribute for f in FIELDS if f.parse is not None} <= attributes


def test_a_fallback_field_is_read_only_when_the_first_gave_nothing(tmp_path: Path) -> None:
    base = {"title": "T", "post_id": "p", "date": "2026-01-05"}
    values, problems = _read(tmp_path, {**base, "subtitle": "S", "description": 5})
    assert values["subtitle"] == "S" and problems == []
    values, problems = _read(tmp_path, {**base, "description": "D"})
    assert values["subtitle"] == "D" and problems == []


def test_the_first_date_given_wins_and_each_is_checked(tmp_path: Path) -> None:
    values, problems = _read(tmp_path, {"title": "T", "post_id": "p", "date": "tomorrow",
                                        "post_date": "2026-01-06T08:00:00+02:00"})
    assert values["date"] == dt.datetime(2026, 1, 6, 6, tzinfo=dt.UTC)
    assert problems == ["episodes/a.md: date: expected an ISO 8601 date, got 'tomorrow'"]


def test_a_required_field_given_empty_is_missing(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, {"title": " ", "post_id": None, "date": None})
    assert problems == [
        "episodes/a.md: title: expected a value, got nothing (required)",
        "episodes/a.md: post_id: expected a value, got nothing (required)",
        "episodes/a.md: date: expected an ISO 8601 date (date, post_date or email_sent_at), "
        "got nothing (required)"]


def test_defaults_fill_what_no_field_gave(tmp_path: Path) -> None:
    values, _ = _read(tmp_path, {})
    assert (values["type"], values["audience"], values["visibility"], values["episode_type"],
            values["guests"], values["draft"]) == ("newsletter", "everyone", "public", "full",
                                                   (), False)
