"""The sample show at the repository root, built for real (issue 2's acceptance)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, cast

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3

from audio_feed import tags

from conftest import Run, tree
from measure import duration, integrated_loudness, true_peak

PAID_MARKS = ("Members' Deep Dive", "members-deep-dive", "only_paid")


@pytest.fixture(scope="module")
def built(sample_show: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from click.testing import CliRunner

    from audio_feed.cli import cli

    out = tmp_path_factory.mktemp("site") / "_site"
    result = CliRunner().invoke(cli, ["build", str(sample_show), "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, result.stderr


def feed_items(out: Path) -> list[dict[str, Any]]:
    parsed = podcastparser.parse("https://example.org/field-notes/feed.xml",
                                 (out / "feed.xml").open("rb"))
    return cast(list[dict[str, Any]], parsed["episodes"])


def local(out: Path, url: str) -> Path:
    return out / url.removeprefix("https://example.org/field-notes/")


def test_post_without_audio_gets_page_and_warning_but_no_item(built: tuple[Path, str]) -> None:
    out, stderr = built
    assert (out / "episodes/2026-11-05-winter-schedule/index.html").is_file()
    warnings = [ln for ln in stderr.splitlines() if "winter-schedule" in ln]
    assert len(warnings) == 1 and warnings[0].startswith("warning: ")
    assert "winter-schedule" not in (out / "feed.xml").read_text()


def test_feed_parses_with_both_parsers(built: tuple[Path, str], sample_show: Path) -> None:
    out, _ = built
    items = feed_items(out)
    fp = feedparser.parse(str(out / "feed.xml"))
    assert not fp.bozo, fp.bozo_exception
    public_with_audio = {"Why We Listen", "Interview: The River Keeper",
                         "Café Notes from Zürich ☕", "Three Small Tools", "First Snow"}
    assert {e["title"] for e in items} == public_with_audio
    assert {e.title for e in fp.entries} == public_with_audio
    assert len({e["guid"] for e in items}) == 5
    dates = [e["published"] for e in items]
    assert dates == sorted(dates, reverse=True)


def test_enclosure_lengths_and_durations(built: tuple[Path, str], sample_show: Path) -> None:
    out, _ = built
    intro = duration(sample_show / "episodes/intro.mp3")
    outro = duration(sample_show / "episodes/outro.mp3")
    for item in feed_items(out):
        enclosure = item["enclosures"][0]
        path = local(out, enclosure["url"])
        assert enclosure["file_size"] == path.stat().st_size > 0
        real = duration(path)
        assert abs(item["total_time"] - real) <= 1.0
        stem = path.name.rsplit("-", 1)[0]
        folder = sample_show / "episodes" / stem
        parts = sorted(p for p in folder.iterdir() if p.suffix in (".mp3", ".wav")
                       ) if folder.is_dir() else [
            next(p for p in (sample_show / "episodes").glob(stem + ".*") if p.suffix != ".md")]
        body = sum(duration(p) for p in parts)
        expected = body + intro + outro - 2.0 - 1.0  # default overlaps
        assert abs(real - expected) <= 0.2, (path.name, real, expected)
        assert abs(tags.read_duration(path) - real) <= 0.1


def test_loudness_and_true_peak(built: tuple[Path, str]) -> None:
    out, _ = built
    for mp3 in sorted((out / "audio").glob("*.mp3")):
        lufs = integrated_loudness(mp3)
        assert -17.0 <= lufs <= -15.0, (mp3.name, lufs)
        assert true_peak(mp3) <= -1.0, mp3.name


def test_interview_chapters_are_shifted_by_the_intro(built: tuple[Path, str],
                                                     sample_show: Path) -> None:
    out, _ = built
    offset = duration(sample_show / "episodes/intro.mp3") - 2.0
    given = [(0, "Meeting the river keeper"), (14, "What the water says"),
             (23, "Tools of the trade"), (34, "Listening in winter")]
    folder = out / "episodes/2026-09-17-interview-river-keeper"
    data = json.loads((folder / "chapters.json").read_text())
    assert data["version"] == "1.2.0"
    json_chapters = [(c["startTime"], c["title"]) for c in data["chapters"]]
    assert json_chapters[0] == (0.0, "Intro")
    for (start, title), (got, got_title) in zip(given, json_chapters[1:], strict=True):
        assert got_title == title and abs(got - (start + offset)) < 0.01
    mp3 = next((out / "audio").glob("2026-09-17-interview-river-keeper-*.mp3"))
    id3 = tags.read_mp3_chapters(mp3)
    assert [t for _, _, t in id3] == [t for _, t in json_chapters]
    for (id3_start, _end, _), (js, _) in zip(id3, json_chapters, strict=True):
        assert abs(id3_start - js) < 0.002
    assert id3[-1][1] == pytest.approx(duration(mp3), abs=0.1)


def test_tags(built: tuple[Path, str]) -> None:
    out, _ = built
    mp3 = next((out / "audio").glob("2026-09-03-why-we-listen-*.mp3"))
    id3 = ID3(mp3)
    assert str(id3["TIT2"]) == "Why We Listen"
    assert str(id3["TPE1"]) == "Mara Lindqvist"
    assert str(id3["TALB"]) == "Field Notes, Aloud"
    assert str(id3["TRCK"]) == "1"
    assert id3.getall("APIC")[0].data == (out / "artwork.png").read_bytes()
    assert id3.getall("WXXX")[0].url.endswith("/episodes/2026-09-03-why-we-listen/")
    assert str(id3["TGID"]) == "140092967.why-we-listen"


def test_paid_post_appears_nowhere(built: tuple[Path, str]) -> None:
    out, _ = built
    for rel, data in tree(out).items():
        for mark in PAID_MARKS:
            assert mark.encode() not in data, (rel, mark)
            assert mark not in rel


def test_pages(built: tuple[Path, str]) -> None:
    out, _ = built
    page = (out / "episodes/2026-09-03-why-we-listen/index.html").read_text()
    assert "<audio" in page and "images/river-map.png" in page
    assert (out / "episodes/2026-09-03-why-we-listen/images/river-map.png").is_file()
    assert "<blockquote>" in page and "<hr" in page
    assert "the [draft] notes" in page and "a=1&amp;b=2" in page
    index = (out / "index.html").read_text()
    assert "https://example.org/field-notes/feed.xml" in index
    assert index.index("Café Notes") < index.index("Why We Listen")


def test_rebuild_is_byte_identical(built: tuple[Path, str], sample_show: Path, run: Run,
                                   tmp_path: Path) -> None:
    out, _ = built
    again = tmp_path / "again"
    result = run("build", sample_show, "--out", again, "--clean", "--quiet")
    assert result.exit_code == 0, result.output
    assert tree(again) == tree(out)
    shutil.rmtree(again)


def test_sample_show_lints_clean_with_strict(built: tuple[Path, str]) -> None:
    from audio_feed import lint

    out, _ = built
    findings = lint.lint_site(out, "https://example.org/field-notes/feed.xml", decode=True)
    assert findings == []


def test_sectioned_post_chapters_are_cumulative_section_lengths(
        built: tuple[Path, str], sample_show: Path) -> None:
    out, _ = built
    offset = duration(sample_show / "episodes/intro.mp3") - 2.0
    sections = sorted((sample_show / "episodes/2026-11-19-three-small-tools").glob("*.mp3"))
    assert len(sections) == 3
    starts, at = [], offset
    for section in sections:
        starts.append(at)
        at += duration(section)
    data = json.loads((out / "episodes/2026-11-19-three-small-tools/chapters.json").read_text())
    json_starts = [c["startTime"] for c in data["chapters"][1:]]
    assert [c["title"] for c in data["chapters"][1:]] == [
        "A pencil that never leaves the pocket", "The cheapest hydrophone",
        "A stopwatch with one button"]
    mp3 = next((out / "audio").glob("2026-11-19-three-small-tools-*.mp3"))
    id3_starts = [start for start, _, _ in tags.read_mp3_chapters(mp3)[1:]]
    for want, from_json, from_id3 in zip(starts, json_starts, id3_starts, strict=True):
        assert abs(from_json - want) < 0.05 and abs(from_id3 - want) < 0.05
    assert (out / "episodes/2026-11-19-three-small-tools/transcript.vtt").read_text().startswith(
        "WEBVTT")
