"""Paid posts leave no byte in public output, whatever links the show holds (issue 7).

A file is compared by where it really is (symlinks resolved) and by its inode (a
hard link is the same file under another name), never by the name it is reached by.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, post

PAID_AUDIO = ("error: episodes/one.md: audio: expected a recording no paid post or draft "
              "owns, got '{}'")


def _default_symlink(show: Path) -> str:
    (show / "episodes/one.mp3").unlink()
    os.symlink("paid.mp3", show / "episodes/one.mp3")
    return "episodes/paid.mp3"


def _no_chapters(show: Path) -> None:
    """Sections are the chapters of a recording in sections."""
    (show / "episodes/one.md").write_text(post("One", "1001.one"))


def _folder_symlink(show: Path) -> str:
    eps = show / "episodes"
    _no_chapters(show)
    (eps / "paid").mkdir()
    shutil.move(eps / "paid.mp3", eps / "paid/01-a.mp3")
    (eps / "one.mp3").unlink()
    os.symlink("paid", eps / "one")
    return "episodes/paid"


def _section_symlink(show: Path) -> str:
    eps = show / "episodes"
    _no_chapters(show)
    (eps / "one.mp3").unlink()
    (eps / "one").mkdir()
    os.symlink("../paid.mp3", eps / "one/01-a.mp3")
    return "episodes/paid.mp3"


def _default_hard_link(show: Path) -> str:
    (show / "episodes/one.mp3").unlink()
    os.link(show / "episodes/paid.mp3", show / "episodes/one.mp3")
    return "episodes/one.mp3"


@pytest.mark.parametrize("link", [_default_symlink, _folder_symlink, _section_symlink,
                                  _default_hard_link])
def test_a_default_recording_linked_to_a_paid_one_is_refused(
        tiny_show: Path, run: Run, tmp_path: Path, link: Callable[[Path], str]) -> None:
    shown = link(tiny_show)
    for cmd in (("check", tiny_show), ("build", tiny_show, "--out", tmp_path / "site")):
        result = run(*cmd)
        assert result.exit_code == 2, result.output
        assert PAID_AUDIO.format(shown) in result.output.splitlines()
    assert not (tmp_path / "site").exists()


def test_an_intro_hard_linked_to_a_paid_recording_is_refused(tiny_show: Path, run: Run) -> None:
    intro = tiny_show / "episodes/intro.mp3"
    intro.unlink()
    os.link(tiny_show / "episodes/paid.mp3", intro)
    result = run("check", tiny_show)
    assert result.exit_code == 2, result.output
    assert ("error: podcast.toml: intro: expected a file no paid post or draft owns, "
            "got 'episodes/intro.mp3'") in result.output.splitlines()


def test_a_public_posts_own_recording_named_by_a_paid_post_stays_public(
        tiny_show: Path, run: Run) -> None:
    paid = tiny_show / "episodes/paid.md"
    paid.write_text(paid.read_text().replace("---\nMembers",
                                             'audio: "episodes/one.mp3"\n---\nMembers'))
    result = run("check", tiny_show)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("key", [False, True])
@pytest.mark.parametrize(("name", "target", "error"), [
    ("style.css", "/etc/passwd", "expected templates inside the show folder, got 'style.css', "
     "a link to a file outside it"),
    ("style.css", "../episodes/paid.md", "expected a file no paid post or draft owns, "
     "got 'episodes/paid.md'"),
    ("base.html", "../episodes/paid.mp3", "expected a file no paid post or draft owns, "
     "got 'episodes/paid.mp3'"),
])
def test_a_template_linked_out_of_the_show_or_to_a_paid_file_is_refused(
        tiny_show: Path, run: Run, tmp_path: Path, key: bool, name: str, target: str,
        error: str) -> None:
    """The default templates/ folder (no key) follows the same rule as a named one."""
    (tiny_show / "templates").mkdir()
    os.symlink(target, tiny_show / "templates" / name)
    if key:
        toml = tiny_show / "podcast.toml"
        toml.write_text(toml.read_text() + 'templates = "templates"\n')
    for cmd in (("check", tiny_show), ("build", tiny_show, "--out", tmp_path / "site")):
        result = run(*cmd)
        assert result.exit_code == 2, result.output
        assert f"error: podcast.toml: templates: {error}" in result.output.splitlines()
    assert not (tmp_path / "site").exists()


def test_a_default_templates_folder_linked_out_of_the_show_is_refused(
        tiny_show: Path, run: Run, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "style.css").write_text("body {}\n")
    os.symlink(outside, tiny_show / "templates")
    result = run("check", tiny_show)
    assert result.exit_code == 2, result.output
    assert ("error: templates: expected a folder of templates inside the show folder, got "
            "a link to a folder outside it") in result.output.splitlines()
