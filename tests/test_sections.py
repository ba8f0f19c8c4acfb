"""Chapters from a recording that comes in sections (issue 3, acceptance 5), and M4A output."""

from __future__ import annotations

import json
from pathlib import Path

import podcastparser
import pytest

from audio_feed import build, tags
from audio_feed.errors import InputError

from conftest import make_tone, post
from measure import duration

BODY = """\
Before any heading. A second sentence!

## Alpha heading

The first part.

## Beta heading

The second part, where 1 < 2 & 3 > 2.
"""


def add_sectioned_post(show: Path) -> list[Path]:
    eps = show / "episodes"
    (eps / "four.md").write_text(post("Four", "1005.four", "2026-01-25", body=BODY))
    folder = eps / "four"
    folder.mkdir()
    return [make_tone(folder / "01-alpha.mp3", 2.3, speechy=True),
            make_tone(folder / "02-beta.wav", 1.7, speechy=True),
            make_tone(folder / "03-the_gamma-part.m4a", 2.1, speechy=True)]


@pytest.mark.parametrize("fmt", ["mp3", "m4a"])
def test_section_chapters_everywhere(tiny_show: Path, tmp_path: Path, fmt: str) -> None:
    sections = add_sectioned_post(tiny_show)
    if fmt == "m4a":
        toml = tiny_show / "podcast.toml"
        toml.write_text(toml.read_text() + '\n[audio]\nformat = "m4a"\n')
    out = tmp_path / "site"
    build.Builder(build.load(tiny_show), out, 2, build.Reporter()).build()

    offset = duration(tiny_show / "episodes/intro.mp3") - 2.0
    expected, at = [], offset
    for s in sections:
        expected.append(at)
        at += duration(s)
    # Three files for two headings: the first is the opening, named after the episode.
    titles = ["Intro", "Four", "Alpha heading", "Beta heading"]

    folder = out / "episodes/four"
    data = json.loads((folder / "chapters.json").read_text())["chapters"]
    assert [c["title"] for c in data] == titles
    for got, want in zip([c["startTime"] for c in data[1:]], expected, strict=True):
        assert abs(got - want) < 0.05
    audio_file = next((out / "audio").glob(f"four-*.{fmt}"))
    embedded = tags.read_chapters(audio_file)
    assert [t for _, _, t in embedded] == titles
    for (got, _, _), want in zip(embedded[1:], expected, strict=True):
        assert abs(got - want) < 0.05

    with (out / "feed.xml").open("rb") as f:
        items = podcastparser.parse("https://example.org/tiny/feed.xml", f)["episodes"]
    four = next(i for i in items if i["title"] == "Four")
    assert four["enclosures"][0]["mime_type"] == ("audio/mpeg" if fmt == "mp3" else "audio/x-m4a")
    assert four["enclosures"][0]["file_size"] == audio_file.stat().st_size
    assert abs(four["total_time"] - duration(audio_file)) <= 1

    vtt = (folder / "transcript.vtt").read_text()
    assert vtt.startswith("WEBVTT\n")
    cues = _cues(vtt)
    assert [text for _, _, text in cues] == [
        "Before any heading.", "A second sentence!", "Alpha heading", "The first part.",
        "Beta heading", "The second part, where 1 &lt; 2 &amp; 3 &gt; 2."]
    # Each sentence is timed within its own section, in order, without gaps.
    bounds = [*expected, offset + sum(duration(s) for s in sections)]
    for (a, b, _), (c, _, _) in zip(cues, cues[1:], strict=False):
        assert a < b and abs(b - c) < 0.002
    assert abs(cues[0][0] - bounds[0]) < 0.05 and abs(cues[2][0] - bounds[1]) < 0.05
    assert abs(cues[4][0] - bounds[2]) < 0.05 and abs(cues[-1][1] - bounds[3]) < 0.05
    assert 'type="text/vtt"' in (out / "feed.xml").read_text()


def test_m4a_tags_lint_and_determinism(tiny_show: Path, tmp_path: Path) -> None:
    from mutagen.mp4 import MP4

    from audio_feed import lint

    from conftest import tree

    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + '\n[audio]\nformat = "m4a"\n')
    out = tmp_path / "site"
    build.Builder(build.load(tiny_show), out, 2, build.Reporter()).build()
    m4a = MP4(next((out / "audio").glob("one-*.m4a")))
    assert m4a.tags is not None
    assert m4a.tags["©nam"] == ["One"] and m4a.tags["©alb"] == ["Tiny Show"]
    assert m4a.tags["covr"][0] == (out / "artwork.png").read_bytes()
    assert [c.title for c in m4a.chapters] == ["Intro", "Start", "Later"]
    assert lint.lint_site(out, "https://example.org/tiny/feed.xml", decode=True) == []
    again = tmp_path / "again"
    build.Builder(build.load(tiny_show), again, 2, build.Reporter(), clean=True).build()
    assert tree(again) == tree(out)


def test_chapters_list_and_sections_conflict(tiny_show: Path) -> None:
    add_sectioned_post(tiny_show)
    md = tiny_show / "episodes/four.md"
    md.write_text(md.read_text().replace(
        "---\nBefore", 'chapters:\n  - "00:00:00 X"\n---\nBefore'))
    with pytest.raises(InputError) as e:
        build.load(tiny_show)
    assert e.value.lines() == [
        "episodes/four.md: chapters: expected no chapters list for a recording in sections "
        "(each section is a chapter), got 1 chapters"]


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _cues(vtt: str) -> list[tuple[float, float, str]]:
    out = []
    for block in vtt.split("\n\n")[1:]:
        lines = block.strip().splitlines()
        if len(lines) >= 3:
            a, b = lines[1].split(" --> ")
            out.append((_seconds(a), _seconds(b), "\n".join(lines[2:])))
    return out


def test_one_section_file_per_heading_has_no_opening(tiny_show: Path, tmp_path: Path) -> None:
    sections = add_sectioned_post(tiny_show)
    sections[2].unlink()
    md = tiny_show / "episodes/four.md"
    md.write_text(md.read_text().replace("Before any heading. A second sentence!\n", ""))
    out = tmp_path / "site"
    build.Builder(build.load(tiny_show), out, 2, build.Reporter()).build()
    data = json.loads((out / "episodes/four/chapters.json").read_text())["chapters"]
    assert [c["title"] for c in data] == ["Intro", "Alpha heading", "Beta heading"]
    vtt = _cues((out / "episodes/four/transcript.vtt").read_text())
    assert [t for _, _, t in vtt][:2] == ["Alpha heading", "The first part."]
    assert abs(vtt[2][0] - data[2]["startTime"]) < 0.002


def test_sentences_and_their_estimated_times() -> None:
    from audio_feed import site

    assert site.sentences('He said "Stop." Then left. Really?! Yes\nA new paragraph') == [
        'He said "Stop."', "Then left.", "Really?!", "Yes", "A new paragraph"]
    assert site.spread(10.0, 20.0, ["aaaa", "a"]) == [(10.0, 18.0, "aaaa"), (18.0, 20.0, "a")]
    assert site.spread(1.0, 2.0, []) == []
