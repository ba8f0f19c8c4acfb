"""Input validation that the data-driven table cannot express (issue 7: points 2, 6, 8, 9,
11, 18, 22, 23, 24): symlinks, byte-order marks, drafts, truncated recordings, huge
images, warnings shown with errors, and what a successful build then writes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from audio_feed import build, config, ffmpeg, posts, published, text
from audio_feed.errors import InputError, Problems
from audio_feed.writer import DuplicateOutput, SiteWriter

from conftest import Run, make_tone, post, tree, write_artwork

BOM = "\ufeff"


def errors(result_stderr: str) -> list[str]:
    return [ln.removeprefix("error: ") for ln in result_stderr.splitlines()
            if ln.startswith("error: ")]


def site_bytes(out: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file())


# --- the one character predicate ------------------------------------------------------

@pytest.mark.parametrize("ch", ["\x00", "\x01", "\x0b", "\x0c", "\x1f", "\x7f", "\ud800",
                                "\udfff", "\ufffe", "\uffff"])
def test_characters_no_output_can_carry(ch: str) -> None:
    assert text.control_characters(f"a{ch}b") == f"U+{ord(ch):04X}"


@pytest.mark.parametrize("ch", ["\t", "\n", "\r", "\x85", "\u2028", "é", "\U0001f600",
                                "\ufffd"])
def test_characters_every_output_carries(ch: str) -> None:
    assert text.control_characters(f"a{ch}b") == ""


def test_first_illegal_line_names_the_line() -> None:
    assert text.first_illegal_line("a\nb\nc\x0cd\n") == (3, "U+000C")
    assert text.first_illegal_line("fine\n") is None


# --- point 2: post stems --------------------------------------------------------------

@pytest.mark.parametrize("stem", ["", ".", "..", ".x", "a/b", "a\\b", "a?b", "a#b", "a%b",
                                  "a\x01b", "a\udcffb"])
def test_stems_that_cannot_name_a_page(stem: str) -> None:
    assert posts.stem_problem(stem) is not None


@pytest.mark.parametrize("stem", ["why-we-listen", "2026-01-05 with space", "é", "a_b.c"])
def test_stems_that_can(stem: str) -> None:
    assert posts.stem_problem(stem) is None


def test_find_posts_sees_dot_names_so_check_refuses_them(tiny_show: Path) -> None:
    eps = tiny_show / "episodes"
    for name in ("...md", ".x.md", ".md"):
        (eps / name).write_text(post("Dot", "9.dot"))
    found = {p.name for p in posts.find_posts(tiny_show)}
    assert {"...md", ".x.md", ".md"} <= found
    problems = Problems(tiny_show)
    kept = posts.check_stems(posts.find_posts(tiny_show), problems)
    assert {p.name for p in kept} == {"one.md", "two.md", "three.md", "paid.md"}
    assert len(problems.items) == 3


def test_undecodable_post_name_is_one_printable_line(tiny_show: Path, run: Run) -> None:
    name = os.fsdecode(b"bad\xff.md")
    (tiny_show / "episodes" / name).write_text(post("Bad", "9.bad"))
    result = run("check", tiny_show)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert errors(result.stderr) == [
        "episodes: expected a post file name that can name a page: not starting with a dot, "
        "without / \\ ? # % or control characters, got 'bad\\udcff.md'"]


def test_writer_refuses_one_path_twice_even_in_another_case(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path / "site")
    writer.write_bytes("episodes/a/index.html", b"1")
    with pytest.raises(DuplicateOutput):
        writer.write_bytes("episodes/a/index.html", b"2")
    with pytest.raises(DuplicateOutput) as caught:
        writer.write_bytes("episodes/A/index.html", b"3")
    assert caught.value.exit_code == 1  # a clean one-line error, never a traceback
    writer.abort()


# --- point 6: images ------------------------------------------------------------------

def test_huge_image_is_refused_without_reading_it(tiny_show: Path, run: Run) -> None:
    big = tiny_show / "episodes" / "big.png"
    with big.open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: costs no disk and is never read
    one = tiny_show / "episodes/one.md"
    one.write_text(one.read_text().replace("Hello listeners.", "![big](big.png)"))
    result = run("check", tiny_show)
    assert errors(result.stderr) == [
        "episodes/one.md: body: expected a PNG, JPEG, GIF or WebP image of at most 20 MB, "
        "got 21.0 MB (big.png)"]


def test_images_from_markdown_and_raw_html_are_placed_once(tiny_show: Path,
                                                           tmp_path: Path) -> None:
    eps = tiny_show / "episodes"
    write_artwork(eps / "map.png", (40, 30))
    write_artwork(eps / "my pic.gif", (20, 20))
    one = eps / "one.md"
    one.write_text(one.read_text().replace(
        "Hello listeners.", 'A ![m](map.png) and <img src="map.png" alt="again"> and '
                            '![p](<my pic.gif>) and ![r](https://example.org/x.png).'))
    out = tmp_path / "site"
    build.Builder(build.load(tiny_show), out, 2, build.Reporter()).build()
    page = (out / "episodes/one/index.html").read_text()
    assert page.count('src="images/map.png"') == 2
    assert 'src="images/my%20pic.gif"' in page and "https://example.org/x.png" in page
    assert sorted(p.name for p in (out / "episodes/one/images").iterdir()) == [
        "map.png", "my pic.gif"]


# --- point 22: one symlink rule --------------------------------------------------------

def _outside(tiny_show: Path, name: str, source: Path) -> Path:
    target = tiny_show.parent / name
    shutil.copy(source, target)
    return target


@pytest.mark.parametrize("kind", ["post", "recording", "section", "chapters", "image",
                                  "artwork", "intro"])
def test_symlinks_out_of_the_show_are_refused_everywhere(tiny_show: Path, run: Run,
                                                         kind: str) -> None:
    eps = tiny_show / "episodes"
    if kind == "post":
        (eps / "four.md").symlink_to(_outside(tiny_show, "four.md", eps / "two.md"))
        want = "episodes/four.md: expected a file inside the show folder, got a link to a file " \
               "outside it"
    elif kind == "recording":
        (eps / "one.mp3").unlink()
        (eps / "one.mp3").symlink_to(_outside(tiny_show, "x.mp3", eps / "intro.mp3"))
        want = "episodes/one.mp3: expected a file inside the show folder, got a link to a file " \
               "outside it"
    elif kind == "section":
        (eps / "two.wav").unlink()
        (eps / "two").mkdir()
        (eps / "two/01-a.mp3").symlink_to(_outside(tiny_show, "s.mp3", eps / "intro.mp3"))
        want = ("episodes/two/01-a.mp3: expected a file inside the show folder, "
                "got a link to a file outside it")
    elif kind == "chapters":
        chapters = tiny_show.parent / "c.txt"
        chapters.write_text("00:00:00 A\n")
        (eps / "two.chapters.txt").symlink_to(chapters)
        want = ("episodes/two.chapters.txt: expected a chapters file inside the show "
                "folder, got a link to a file outside it")
    elif kind == "image":
        write_artwork(tiny_show.parent / "i.png", (10, 10))
        (eps / "i.png").symlink_to(tiny_show.parent / "i.png")
        one = eps / "one.md"
        one.write_text(one.read_text().replace("Hello listeners.", "![i](i.png)"))
        want = "episodes/one.md: body: expected an image inside the show folder, got 'i.png'"
    elif kind == "artwork":
        (tiny_show / "artwork.png").rename(tiny_show.parent / "art.png")
        (tiny_show / "artwork.png").symlink_to(tiny_show.parent / "art.png")
        want = "podcast.toml: artwork: expected a path inside the show folder, got 'artwork.png'"
    else:
        (eps / "intro.mp3").rename(tiny_show.parent / "intro.mp3")
        (eps / "intro.mp3").symlink_to(tiny_show.parent / "intro.mp3")
        want = "podcast.toml: intro: expected a path inside the show folder, got " \
               "'episodes/intro.mp3'"
    result = run("check", tiny_show)
    assert "Traceback" not in result.output and result.exit_code == 2, result.stderr
    assert errors(result.stderr) == [want]


def test_symlinks_inside_the_show_are_followed(tiny_show: Path, run: Run) -> None:
    eps = tiny_show / "episodes"
    (eps / "one.mp3").rename(tiny_show / "kept-one.mp3")
    (eps / "one.mp3").symlink_to(tiny_show / "kept-one.mp3")
    assert run("check", tiny_show).exit_code == 0


def test_inside_show_never_raises(tiny_show: Path) -> None:
    loop = tiny_show / "loop"
    loop.symlink_to(loop)
    for value in ("\x00x", "loop", "a" * 5000, "", "  ", "../x", "/etc/passwd"):
        assert config.inside_show(tiny_show, value) is None
    assert config.inside_show(tiny_show, "episodes/one.md") == (
        tiny_show / "episodes/one.md").resolve()


# --- point 11: byte-order marks ---------------------------------------------------------

def test_byte_order_marks_are_accepted(tiny_show: Path, run: Run) -> None:
    for name in ("podcast.toml", "episodes/one.md"):
        path = tiny_show / name
        path.write_text(BOM + path.read_text(), "utf-8")
    one = tiny_show / "episodes/one.md"
    one.write_text(one.read_text().replace('chapters:\n  - "00:00:00 Start"\n'
                                           '  - "00:00:02 Later"\n', ""))
    (tiny_show / "episodes/one.chapters.txt").write_text(BOM + "00:00:00 A\n00:00:02 B\n")
    (tiny_show / "episodes/two.chapters.json").write_text(
        BOM + '{"chapters": [{"startTime": 0, "title": "X"}]}')
    result = run("check", tiny_show)
    assert result.exit_code == 0, result.stderr
    plan = build.load(tiny_show)
    one_ep = next(e for e in plan.episodes if e.stem == "one")
    assert one_ep.title == "One" and [c.title for c in one_ep.chapters] == ["A", "B"]


# --- point 18 and 24: drafts, paid recordings, Substack fields ----------------------------

@pytest.mark.parametrize("flag", ["draft: true\n", "is_published: false\n"])
def test_a_draft_leaves_no_byte_in_the_site(tiny_show: Path, tmp_path: Path, run: Run,
                                            flag: str) -> None:
    eps = tiny_show / "episodes"
    (eps / "unfinished.md").write_text(post("Half Written Secret", "2001.unfinished",
                                            "2026-01-21", flag, "Not ready yet, Zanzibar.\n"))
    (eps / "unfinished.mp3").write_bytes(b"not audio at all")  # never read
    result = run("check", tiny_show)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("1 paid, 1 draft (kept out of it)")
    assert "unknown front-matter key" not in result.stderr
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out).exit_code == 0
    blob = site_bytes(out)
    for secret in (b"Half Written", b"unfinished", b"2001.unfinished", b"Zanzibar"):
        assert secret not in blob
    plan = build.load(tiny_show)
    assert "unfinished" not in {e.stem for e in plan.public}


def test_a_paid_recording_is_not_read(tiny_show: Path, run: Run) -> None:
    eps = tiny_show / "episodes"
    (eps / "paid.mp3").write_bytes(b"a half-uploaded file")
    make_tone(eps / "paid.wav", 0.2)  # too short for the overlaps, and a second recording
    result = run("check", tiny_show, "--strict")
    assert result.exit_code == 0, result.stderr


def test_post_date_is_a_date_and_substack_fields_are_used(tiny_show: Path, tmp_path: Path,
                                                          run: Run) -> None:
    eps = tiny_show / "episodes"
    write_artwork(eps / "cover.png", (300, 300))
    one = eps / "one.md"
    one.write_text(one.read_text().replace("date: 2026-01-05", (
        "post_date: 2026-01-06T08:00:00Z\ncanonical_url: https://example.org/p/one\n"
        "cover_image: cover.png")))
    two = eps / "two.md"
    two.write_text(two.read_text().replace(
        "visibility: public\n", "visibility: public\ncover_image: https://cdn.example.org/t.jpg\n"))
    out = tmp_path / "site"
    result = run("build", tiny_show, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "unknown front-matter key" not in result.stderr
    page = (out / "episodes/one/index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/p/one">' in page
    assert (out / "episodes/one/images/cover.png").is_file()
    feed = etree.fromstring((out / "feed.xml").read_bytes())
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    items = {i.findtext("title"): i for i in feed.iter("item")}
    assert "Tue, 06 Jan 2026 08:00:00" in (items["One"].findtext("pubDate") or "")
    covers = {t: i.find("itunes:image", ns) for t, i in items.items()}
    assert covers["One"].get("href") == "https://example.org/tiny/episodes/one/images/cover.png"
    assert covers["Two"].get("href") == "https://cdn.example.org/t.jpg"
    assert covers["Three"] is None


def test_warnings_are_shown_with_errors(tiny_show: Path, run: Run) -> None:
    eps = tiny_show / "episodes"
    (eps / "four.md").write_text(post("Four", "2001.four", "2026-01-22", "colour: red\n",
                                      "Text ![x](missing.png)\n"))
    result = run("check", tiny_show)
    assert result.exit_code == 2
    assert "warning: episodes/four.md: colour: unknown front-matter key" in result.stderr
    assert "warning: episodes/four.md: audio: expected a recording" in result.stderr
    assert errors(result.stderr)[0].startswith("episodes/four.md: body: expected an image file")


# --- point 23: truncated recordings ----------------------------------------------------

@pytest.fixture
def truncated_show(tiny_show: Path) -> Path:
    """one.mp3 replaced by a 20 s MP3 cut to 62.5 % of its bytes, mid-frame."""
    whole = tiny_show.parent / "whole.mp3"
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=f=440:d=20", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k", str(whole)],
                   check=True)
    data = whole.read_bytes()
    (tiny_show / "episodes/one.mp3").write_bytes(data[: int(len(data) * 0.625) + 17])
    return tiny_show


def test_a_truncated_recording_is_a_warning(truncated_show: Path, run: Run) -> None:
    result = run("check", truncated_show)
    assert result.exit_code == 0, result.stderr
    assert ("warning: episodes/one.mp3: recording is truncated or damaged: the header says "
            "20.0 s, the file holds about 12.5 s") in result.stderr


def test_a_truncated_recording_is_an_error_when_strict(truncated_show: Path, run: Run) -> None:
    result = run("check", truncated_show, "--strict")
    assert result.exit_code == 2
    assert errors(result.stderr) == [
        "episodes/one.mp3: recording is truncated or damaged: the header says 20.0 s, "
        "the file holds about 12.5 s (an error with --strict)"]


def test_whole_recordings_are_not_called_truncated(tiny_show: Path, run: Run) -> None:
    result = run("check", tiny_show)
    assert result.exit_code == 0 and "truncated" not in result.stderr


# --- points 8 and 9: whatever check accepts, build writes --------------------------------

ODD_BUT_LEGAL = "Tab\there, NEL\x85, LS\u2028, emoji \U0001f600, RTL \u202e, BOM-like \ufeff"


def test_odd_but_legal_text_builds(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    eps = tiny_show / "episodes"
    quoted = ODD_BUT_LEGAL.replace("\t", "\\t").replace("\x85", "\\x85").replace(
        "\u2028", "\\u2028")
    (eps / "two.md").write_text(post(quoted, "1002.two", "2026-01-12",
                                     f'guests: ["{quoted}"]\n', ODD_BUT_LEGAL + "\n"))
    out = tmp_path / "site"
    result = run("build", tiny_show, "--out", out)
    assert result.exit_code == 0, result.stderr
    etree.fromstring((out / "feed.xml").read_bytes())
    assert tree(out)


def test_input_error_carries_warnings(tiny_show: Path) -> None:
    (tiny_show / "episodes/one.md").write_text(post("", "1001.one", extra="colour: red\n"))
    with pytest.raises(InputError) as caught:
        build.load(tiny_show)
    assert any(w.field == "colour" for w in caught.value.warnings)


def test_recursive_and_aliased_yaml_is_walked_once(tiny_show: Path, run: Run) -> None:
    laughs = "".join(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]\n"
                     for n in range(1, 10))
    extra = 'l0: &l0 ["ha"]\n' + laughs + "loop: &loop [*loop]\n"
    one = tiny_show / "episodes/one.md"
    one.write_text(one.read_text().replace("visibility: public\n",
                                           "visibility: public\n" + extra))
    result = run("check", tiny_show)
    assert result.exit_code == 0, result.stderr


def test_image_names_never_collide_in_the_site(tiny_show: Path, tmp_path: Path) -> None:
    eps = tiny_show / "episodes"
    for folder in ("a", "b", "c"):
        (eps / folder).mkdir()
    write_artwork(eps / "a/x.png", (10, 10))
    write_artwork(eps / "b/x.png", (11, 11))
    write_artwork(eps / "c/1-x.png", (12, 12))
    write_artwork(eps / "c/X.png", (13, 13))
    write_artwork(eps / "c/a#b?.png", (14, 14))
    one = eps / "one.md"
    one.write_text(one.read_text().replace(
        "Hello listeners.", "![1](a/x.png) ![2](b/x.png) ![3](c/1-x.png) ![4](c/X.png) "
                            "![5](c/a%23b%3F.png)"))
    out = tmp_path / "site"
    build.Builder(build.load(tiny_show), out, 2, build.Reporter()).build()
    names = sorted(p.name.casefold() for p in (out / "episodes/one/images").iterdir())
    assert len(names) == len(set(names)) == 5
    page = (out / "episodes/one/index.html").read_text()
    assert 'src="images/a%23b%3F.png"' in page


def test_a_template_linking_out_of_the_show_is_refused(tiny_show: Path, run: Run) -> None:
    (tiny_show / "templates").mkdir()
    secret = tiny_show.parent / "secret.html"
    secret.write_text("{% extends 'base.html' %}")
    (tiny_show / "templates/episode.html").symlink_to(secret)
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + 'templates = "templates"\n')
    result = run("check", tiny_show)
    assert errors(result.stderr) == [
        "podcast.toml: templates: expected templates inside the show folder, got "
        "'episode.html', a link to a file outside it"]


def test_odd_post_files_are_input_errors(tiny_show: Path, run: Run) -> None:
    eps = tiny_show / "episodes"
    (eps / "folder.md").mkdir()  # named like a post: reported, never skipped in silence
    (eps / "gone.md").symlink_to(eps / "nowhere.md")
    result = run("check", tiny_show)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert errors(result.stderr) == [
        "episodes/folder.md: expected a post file, got a folder",
        "episodes/gone.md: expected a post file, got a link to nothing"]


def test_a_truncated_intro_is_a_warning_too(truncated_show: Path, run: Run) -> None:
    eps = truncated_show / "episodes"
    shutil.copy(eps / "one.mp3", eps / "intro.mp3")
    result = run("check", truncated_show)
    assert "warning: episodes/intro.mp3: recording is truncated or damaged" in result.stderr


@pytest.mark.parametrize("other", ["ONE", "one.", "one ", "o\u0301ne"])
def test_stems_one_file_system_would_merge_are_refused(tiny_show: Path, other: str) -> None:
    eps = tiny_show / "episodes"
    if other == "o\u0301ne":  # NFD against NFC: the same name on macOS
        (eps / "\u00f3ne.md").write_text(post("Composed", "9.c"))
    (eps / f"{other}.md").write_text(post("Other", "9.o"))
    problems = Problems(tiny_show)
    posts.check_stems(posts.find_posts(tiny_show), problems)
    assert len(problems.items) == 1
    assert "no other post has when case is ignored" in problems.items[0].message


def test_a_stem_too_long_for_its_audio_name_is_refused(tiny_show: Path, run: Run) -> None:
    name = "é" * 120 + ".md"  # 243 bytes: a file system takes it, its audio name would not
    (tiny_show / "episodes" / name).write_text(post("Long", "9.long"))
    result = run("check", tiny_show)
    [line] = errors(result.stderr)
    assert line.startswith(
        f"episodes/{name}: expected a post file name of at most 200 bytes (its audio file "
        f"adds a version to it, and file names stop at 255), got 'ééé")


# --- every parser of user input refuses bad data in one line -------------------------

def test_empty_base_url_option_is_refused(tiny_show: Path, run: Run) -> None:
    result = run("check", tiny_show, "--base-url", "")
    assert result.exit_code == 2
    assert errors(result.stderr) == [
        "podcast.toml: --base-url: expected an http:// or https:// URL, got ''"]


def test_out_below_a_file_names_out(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    (tmp_path / "afile").write_text("x\n")
    result = run("build", tiny_show, "--out", tmp_path / "afile" / "site")
    assert result.exit_code == 2
    assert errors(result.stderr)[0].startswith("--out: expected a folder path whose parents")


@pytest.mark.parametrize("number", ["\u00b2", "\u0663", "1" * 5000])
def test_feed_fallback_reads_only_ascii_episode_numbers(tmp_path: Path, number: str) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
        "<generator>audio-feed</generator><item><guid>g</guid>"
        f"<itunes:episode>{number}</itunes:episode></item></channel></rss>", "utf-8")
    assert published.from_feed(feed)["g"].number is None


# --- names that break lines --------------------------------------------------------

@pytest.mark.parametrize("ch", ["\n", "\r", "\t", "\u2028", "\u2029", "\x85", "\x0b",
                                "\u200b", "\xa0"])
def test_stems_with_line_breaks_or_invisible_characters(ch: str) -> None:
    assert posts.stem_problem(f"a{ch}b") is not None


@pytest.mark.parametrize("ch", ["\n", "\r", "\u2028", "\u2029", "\x85", "\x1e", "\x0c"])
def test_no_message_spans_two_lines(ch: str) -> None:
    from audio_feed.errors import Problem
    line = str(Problem(f"episodes/a{ch}b.md", f"k{ch}ey", f"expected x, got y{ch}z"))
    assert len(line.splitlines()) == 1 and ch not in line


def test_a_key_cannot_forge_an_error_line(tiny_show: Path, run: Run) -> None:
    one = tiny_show / "episodes/one.md"
    one.write_text(one.read_text().replace(
        "date: 2026-01-05", 'date: 2026-01-05\n"a\\nerror: fake": 1\nx: {"b\\u2028c": "\\x01"}'))
    result = run("check", tiny_show)
    assert not any(ln.startswith("error: fake") for ln in result.stderr.splitlines())
    assert result.stderr.splitlines() == result.stderr.split("\n")[:-1]
    assert "warning: episodes/one.md: a\\nerror: fake: unknown" in result.stderr


def test_marker_splits_only_at_the_newlines_it_wrote(tmp_path: Path) -> None:
    from audio_feed.writer import MARKER, MARKER_LINE, marked_files
    (tmp_path / MARKER).write_text(MARKER_LINE + "a\u2028b.html\nc\x85d.mp3\n", "utf-8")
    assert marked_files(tmp_path) == {"a\u2028b.html", "c\x85d.mp3"}


def _laughs(levels: int) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, levels)]
    return "\n".join(lines) + f"\ntitle: *l{levels - 1}\n"


def test_billion_laughs_in_front_matter_costs_no_more_than_its_text(
        tiny_show: Path, run: Run) -> None:
    import tracemalloc
    one = tiny_show / "episodes/one.md"
    one.write_text(one.read_text().replace('title: "One"\n', _laughs(9)))
    tracemalloc.start()
    try:
        result = run("check", tiny_show)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2
    assert errors(result.stderr)[0].startswith("episodes/one.md: title: expected text, got [[")
    assert peak < 20 * 1024 * 1024


def test_long_image_names_are_refused_at_check(tiny_show: Path, run: Run) -> None:
    name = "a" * 197 + ".png"  # 201 bytes: a clash would prefix "1-" up to the limit
    write_artwork(tiny_show / "episodes" / name)
    one = tiny_show / "episodes/one.md"
    one.write_text(one.read_text().replace("Hello listeners.", f"![x]({name})"))
    assert errors(run("check", tiny_show).stderr) == [
        "episodes/one.md: body: expected an image file name of at most 200 bytes, "
        "got a name of 201 bytes"]


def test_an_m4a_holding_only_video_is_not_audio(tiny_show: Path, run: Run) -> None:
    eps = tiny_show / "episodes"
    (eps / "three.m4a").unlink()
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "color=c=black:s=16x16:d=1", "-c:v", "mpeg4", "-an",
                    "-f", "mp4", str(eps / "three.m4a")], check=True)
    assert errors(run("check", tiny_show).stderr) == [
        "episodes/three.m4a: expected audio, got a file without an audio stream"]


def test_more_section_files_than_chapters_a_table_holds(tiny_show: Path, run: Run) -> None:
    eps = tiny_show / "episodes"
    folder = eps / "parts"
    folder.mkdir()
    for n in range(256):  # refused by count, before any file is read
        (folder / f"{n:03d}-part.mp3").write_bytes(b"")
    two = eps / "two.md"
    two.write_text(two.read_text().replace("date: 2026-01-12",
                                           "date: 2026-01-12\naudio: episodes/parts"))
    assert errors(run("check", tiny_show).stderr) == [
        "episodes/parts: expected at most 255 section files (each is a chapter), got 256"]
