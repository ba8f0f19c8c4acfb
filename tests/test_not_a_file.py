"""Paths that are no regular file (a named pipe, a socket, a device, a folder) wherever
audio-feed reads one the user gave: each is one error line naming the file, what was
expected and what was found, and none is ever opened (a named pipe would never answer).

The show-folder cases are in the table (tests/broken/109-*.yaml and on); these are the
ones a table of edits cannot express. Every command that meets a named pipe runs in a
child process (``run_guarded``): a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_import_substack import ROWS, export_files, write_folder

from conftest import HANG_GUARD, Ran, run_guarded


def error_lines(result: Ran) -> list[str]:
    return [ln.removeprefix("error: ") for ln in result.stderr.splitlines()
            if ln.startswith("error: ")]


def one_error(result: Ran) -> str:
    """The single error line of a run that exited 2 without a traceback."""
    report = f"exit {result.exit_code}\n{result.stderr}"
    assert result.exit_code == 2 and "Traceback" not in result.stderr, report
    lines = error_lines(result)
    assert len(lines) == 1, report
    return lines[0]


# --- the one helper -------------------------------------------------------------------

def test_kind_names_each_thing_without_opening_it(tmp_path: Path) -> None:
    from audio_feed import filekind  # here: the other tests run against any version

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "to-pipe").symlink_to(tmp_path / "pipe")
    (tmp_path / "to-null").symlink_to("/dev/null")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "sock"))
        assert filekind.kind(tmp_path / "sock") == "a socket"
    assert filekind.kind(tmp_path / "pipe") == "a named pipe"
    assert filekind.kind(tmp_path / "file") == "a file"
    assert filekind.kind(tmp_path / "folder") == "a folder"
    assert filekind.kind(tmp_path / "missing") == "no such file"
    assert filekind.kind(tmp_path / "file" / "under") == "no such file"
    assert filekind.kind(tmp_path / "dangling") == "a link to nothing"
    assert filekind.kind(tmp_path / "to-pipe") == "a link to a named pipe"
    assert filekind.kind(tmp_path / "to-null") == "a link to a character device"
    assert filekind.kind(tmp_path / "loop") == "a loop of links"
    assert filekind.kind("/dev/null") == "a character device"
    assert filekind.kind("a\x00b") == "a name with a NUL character"
    assert filekind.is_file(tmp_path / "file") and not filekind.is_file(tmp_path / "to-pipe")
    assert filekind.special(tmp_path / "pipe") == "a named pipe"
    assert filekind.special(tmp_path / "folder") is None
    assert filekind.exists(tmp_path / "dangling") and not filekind.exists(tmp_path / "missing")


# --- devices and links to them in the show --------------------------------------------

def test_a_post_linked_to_dev_null_says_so(tiny_show: Path) -> None:
    (tiny_show / "episodes" / "four.md").symlink_to("/dev/null")
    assert one_error(run_guarded("check", tiny_show)) == (
        "episodes/four.md: expected a file inside the show folder, got a link to a "
        "character device outside it")


def test_a_template_linked_to_dev_zero_says_so(tiny_show: Path) -> None:
    (tiny_show / "templates").mkdir()
    (tiny_show / "templates" / "episode.html").symlink_to("/dev/zero")
    assert one_error(run_guarded("check", tiny_show)) == (
        "podcast.toml: templates: expected templates inside the show folder, got "
        "'episode.html', a link to a character device outside it")


def _device(path: Path, major: int, minor: int) -> None:
    """A character device node in the show (the system's /dev/null or /dev/zero again)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")


@pytest.mark.parametrize(("where", "expected"), [
    ("episodes/four.md", "episodes/four.md: expected a post file, got a character device"),
    ("episodes/two.chapters.json",
     "episodes/two.chapters.json: expected a chapters file, got a character device"),
    ("templates/index.html", "templates/index.html: expected a template file, "
                             "got a character device"),
])
def test_a_device_in_the_show_is_never_read(tiny_show: Path, where: str, expected: str) -> None:
    (tiny_show / where).parent.mkdir(exist_ok=True)
    _device(tiny_show / where, 1, 5)  # /dev/zero: a reader would never reach its end
    for command in ("check", "build"):
        assert one_error(run_guarded(command, tiny_show, "--out", tiny_show.parent / "site")
                         if command == "build" else run_guarded(command, tiny_show)) == expected


def test_the_intro_as_a_device(tiny_show: Path) -> None:
    (tiny_show / "episodes" / "intro.mp3").unlink()
    _device(tiny_show / "episodes" / "intro.mp3", 1, 3)
    assert one_error(run_guarded("check", tiny_show)) == (
        "podcast.toml: intro: expected a file, got 'episodes/intro.mp3', a character device")


# --- import sources -------------------------------------------------------------------

def test_import_feed_reads_a_pipe_as_cat_would(tmp_path: Path) -> None:
    # `curl ... | audio-feed import feed /dev/stdin`: the pipe has a writer.
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Piped</title>'
            b"<link>https://example.org/</link><description>d</description></channel></rss>")
    done = subprocess.run([sys.executable, "-m", "audio_feed.cli", "import", "feed",
                           "/dev/stdin", "--into", str(tmp_path / "show")],
                          input=feed, capture_output=True, timeout=HANG_GUARD, check=False)
    assert done.returncode == 0, done.stderr
    assert 'title = "Piped"' in (tmp_path / "show" / "podcast.toml").read_text()


def test_import_feed_from_a_device_or_a_folder(tmp_path: Path) -> None:
    # /dev/null reads as empty, /dev/zero would never end: the size limit ends it.
    assert "not" in one_error(run_guarded("import", "feed", "/dev/null", "--into",
                                          tmp_path / "a"))
    assert one_error(run_guarded("import", "feed", "/dev/zero", "--into", tmp_path / "b")) == (
        "/dev/zero: expected a feed of at most 64 MB, got a character device with more")
    line = one_error(run_guarded("import", "feed", tmp_path, "--into", tmp_path / "c"))
    assert line.startswith(f"{tmp_path}: expected a feed file or URL, got '")
    assert line.endswith(", a folder")  # the path quoted in between is shortened
    assert not any((tmp_path / d).exists() for d in "abc")


def test_import_substack_from_a_named_pipe(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "export.zip")
    result = run_guarded("import", "substack", tmp_path / "export.zip",
                         "--into", tmp_path / "show")
    assert one_error(result) == (f"{tmp_path / 'export.zip'}: expected a Substack export "
                                 f"(.zip or folder), got a named pipe")


def test_import_substack_folder_with_posts_csv_a_named_pipe(tmp_path: Path) -> None:
    export = write_folder(tmp_path / "export", export_files(ROWS[:1]))
    (export / "posts.csv").unlink()
    os.mkfifo(export / "posts.csv")
    result = run_guarded("import", "substack", export, "--into", tmp_path / "show")
    assert one_error(result) == f"{export / 'posts.csv'}: expected a file, got a named pipe"


def test_an_import_record_that_is_a_named_pipe(tmp_path: Path) -> None:
    export = write_folder(tmp_path / "export", export_files(ROWS[:1]))
    show = tmp_path / "show"
    assert run_guarded("import", "substack", export, "--into", show).exit_code == 0
    (show / "audio-feed-import.json").unlink()
    os.mkfifo(show / "audio-feed-import.json")
    result = run_guarded("import", "substack", export, "--into", show)
    assert one_error(result) == ("audio-feed-import.json: expected an import record written "
                                 "by audio-feed, got a named pipe")


# --- the other readers ----------------------------------------------------------------

def test_lint_a_site_whose_feed_is_a_named_pipe(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    os.mkfifo(site / "feed.xml")
    result = run_guarded("lint", site)
    assert result.exit_code != 0 and "Traceback" not in result.stderr, result.stderr
    assert (f"expected a built site with feed.xml in {site}, got a named pipe"
            in result.output + result.stderr)


def test_a_piper_voice_that_is_a_named_pipe(tiny_show: Path) -> None:
    os.mkfifo(tiny_show / "voice.onnx")
    with (tiny_show / "podcast.toml").open("a") as f:
        f.write('\n[speak]\nengine = "piper"\nvoice = "voice.onnx"\n')
    (tiny_show / "episodes" / "four.md").write_text(
        "---\ntitle: Four\ndate: 2026-02-01\npost_id: '9.four'\naudience: everyone\n"
        "visibility: public\n---\nWords to read aloud.\n")
    result = run_guarded("speak", tiny_show, "four")
    assert one_error(result) == ("podcast.toml: speak.voice: expected a piper .onnx voice "
                                 "file, got 'voice.onnx', a named pipe")


# --- the site folder (--out) ----------------------------------------------------------

def test_a_named_pipe_as_the_old_feed_is_not_read(tiny_show: Path, tmp_path: Path) -> None:
    # Without a published record, the GUIDs come from the feed a build left in --out.
    out = tmp_path / "site"
    out.mkdir()
    os.mkfifo(out / "feed.xml")
    result = run_guarded("check", tiny_show, "--out", out)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("where", ["site", "site/.audio-feed-site"])
def test_a_named_pipe_in_place_of_the_site(tiny_show: Path, tmp_path: Path, where: str) -> None:
    out = tmp_path / "site"
    if where != "site":
        out.mkdir()
    os.mkfifo(tmp_path / where)
    line = one_error(run_guarded("build", tiny_show, "--out", out))
    assert line == (f"{out}: expected a folder audio-feed can replace (--out), got a named pipe"
                    if where == "site" else f"{out / '.audio-feed-site'}: expected the file "
                    f"audio-feed keeps in a site it built, got a named pipe")
    assert (tmp_path / where).exists() and stat.S_ISFIFO(os.lstat(tmp_path / where).st_mode)


def test_a_named_pipe_as_the_show_folder(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "show")
    line = one_error(run_guarded("check", tmp_path / "show"))
    assert ": expected a show folder, got '/" in line
    assert line.endswith(", a named pipe")


@pytest.mark.parametrize("what", ["show", "show/episodes"])
def test_init_and_import_into_a_named_pipe(tmp_path: Path, what: str) -> None:
    if what != "show":
        (tmp_path / "show").mkdir()
    os.mkfifo(tmp_path / what)
    if what == "show":
        line = one_error(run_guarded("init", tmp_path / what))
        assert line == f"{tmp_path / what}: expected a folder for the show, got a named pipe"
    else:
        export = write_folder(tmp_path / "export", export_files(ROWS[:1]))
        line = one_error(run_guarded("import", "substack", export, "--into", tmp_path / "show"))
        assert line == (f"{tmp_path / what}: expected a folder of posts inside the show, "
                        f"got a named pipe")


@pytest.mark.parametrize(("make", "found"), [(os.mkfifo, "a named pipe"),
                                           (os.mkdir, "a folder")])
def test_a_speak_timing_file_that_is_no_file(make: Callable[[Path], None], found: str,
                                             sample_show: Path, tmp_path: Path) -> None:
    show = tmp_path / "show"
    shutil.copytree(sample_show, show, ignore=shutil.ignore_patterns(".audio-feed*"))
    timing = show / "episodes" / "2026-11-26-first-snow" / "timing.json"
    timing.unlink()
    make(timing)
    assert one_error(run_guarded("check", show)) == (
        "episodes/2026-11-26-first-snow/timing.json: expected the timing file speak wrote, "
        f"got {found}")


def test_an_editors_lock_in_templates_is_not_a_template(tiny_show: Path) -> None:
    # Emacs marks a file being edited with a link to nothing, .#<name>.
    (tiny_show / "templates").mkdir()
    (tiny_show / "templates" / ".#episode.html").symlink_to("me@host.1:1700000000")
    (tiny_show / "templates" / ".episode.html.swp").write_bytes(b"\0vim swap")
    assert run_guarded("check", tiny_show).exit_code == 0


def test_a_template_linked_to_a_pipe_is_named_as_written(tiny_show: Path) -> None:
    os.mkfifo(tiny_show / "pipe")
    (tiny_show / "templates").mkdir()
    (tiny_show / "templates" / "episode.html").symlink_to("../pipe")
    assert one_error(run_guarded("check", tiny_show)) == (
        "templates/episode.html: expected a template file, got a link to a named pipe")


def test_podcast_toml_linked_to_nothing_is_named_as_written(tiny_show: Path) -> None:
    (tiny_show / "podcast.toml").unlink()
    (tiny_show / "podcast.toml").symlink_to("gone.toml")
    assert one_error(run_guarded("check", tiny_show)) == (
        "podcast.toml: expected a podcast.toml in the show folder, got a link to nothing")


def test_an_out_folder_whose_feed_is_a_named_pipe_is_refused(tiny_show: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    os.mkfifo(out / "feed.xml")
    line = one_error(run_guarded("build", tiny_show, "--out", out))
    assert line.startswith(f"{out}")


def test_a_file_named_templates_is_named_not_a_key_never_written(tiny_show: Path) -> None:
    (tiny_show / "templates").write_text("not a folder\n")
    assert one_error(run_guarded("check", tiny_show)) == (
        "templates: expected a folder of templates (or nothing by that name), got a file")


def test_links_out_of_the_show_say_where_they_lead(tiny_show: Path) -> None:
    (tiny_show / "episodes" / "two.chapters.txt").symlink_to("/dev/null")
    assert one_error(run_guarded("check", tiny_show)) == (
        "episodes/two.chapters.txt: expected a chapters file inside the show folder, got a "
        "link to a character device outside it")
    (tiny_show / "episodes" / "two.chapters.txt").unlink()
    (tiny_show / "episodes" / "two.chapters.txt").symlink_to("/nonexistent/one.txt")
    assert one_error(run_guarded("check", tiny_show)).endswith(
        "got a link to nothing outside it")
