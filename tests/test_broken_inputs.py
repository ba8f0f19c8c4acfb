"""Broken shows, one YAML file each in tests/broken/: adding a case needs a file, not code.

Each case starts from a fresh ``tiny_show``, builds it once to leave a previous site,
applies its ``edits`` and checks that ``build`` and ``check`` both exit 2 with exactly
the expected ``error:`` line(s), no traceback, and the previous site untouched.

A case file::

    # one-line description of the case
    edits:                       # applied in order; paths are relative to the show root
      - path: episodes/one.md
        text: |                  # write this text (UTF-8)
          ...
      - path: artwork.png
        image: [1400, 1200, RGB] # write a PNG of this size and mode
      - path: episodes/two.md
        hex: "2d2d2d0a"          # write these raw bytes
      - path: episodes/three.m4a
        delete: true
      - path: podcast.toml
        replace: ["old", "new"]  # str.replace once; the old text must be there
      - path: ../outside.mp3     # may reach just outside the show (still in tmp_path)
        copy: episodes/one.mp3   # copy another file of the show
      - path: templates/episode.html
        folder: true             # make a folder here
      - path: episodes/four.md
        fifo: true               # make a named pipe here (the CLI then runs in a child
                                 # process, so that a hang fails the case)
    error: "episodes/one.md: title: expected a value, got nothing (required)"
    # or, when a case has several problems:
    errors:
      - "..."
      - "..."
    # optional: the code does not give the message above yet (strict xfail; delete this
    # line once it does)
    xfail: "why the current message is wrong"

``error``/``errors`` are the exact stderr lines without the ``error: `` prefix.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from audio_feed.cache import CACHE_NAME

from conftest import Ran, Run, run_guarded, tree, write_artwork

CASES_DIR = Path(__file__).parent / "broken"
CASES = sorted(CASES_DIR.glob("*.yaml"))
OPS = ("text", "image", "hex", "delete", "replace", "copy", "folder", "fifo")


def _param(case: Path) -> Any:
    reason = yaml.safe_load(case.read_text("utf-8")).get("xfail")
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.stem, marks=marks)


def load_case(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict), f"{path.name}: expected a mapping"
    assert set(data) <= {"edits", "error", "errors", "xfail"}, f"{path.name}: keys {set(data)}"
    assert ("error" in data) != ("errors" in data), f"{path.name}: give error or errors"
    errors = [data["error"]] if "error" in data else list(data["errors"])
    assert errors and all(isinstance(e, str) and e for e in errors), path.name
    edits = data.get("edits") or []
    assert isinstance(edits, list) and edits, f"{path.name}: expected a list of edits"
    return edits, errors


def apply_edit(show: Path, edit: dict[str, Any]) -> None:
    ops = [op for op in OPS if op in edit]
    assert set(edit) == {"path", *ops} and len(ops) == 1, f"bad edit {edit!r}"
    target = (show / edit["path"]).resolve()
    # Edits may reach the test's own tmp_path (for "outside the show" files), no further.
    assert target.is_relative_to(show.parent.resolve()), f"edit escapes tmp_path: {edit!r}"
    target.parent.mkdir(parents=True, exist_ok=True)
    op = ops[0]
    if op == "text":
        target.write_bytes(edit["text"].encode("utf-8"))
    elif op == "image":
        width, height, mode = edit["image"]
        write_artwork(target, (width, height), mode)
    elif op == "hex":
        target.write_bytes(bytes.fromhex(edit["hex"]))
    elif op == "delete":
        assert edit["delete"] is True
        target.unlink()
    elif op == "replace":
        old, new = edit["replace"]
        text = target.read_text("utf-8")
        if old not in text:
            pytest.fail(f"replace: {old!r} is not in {edit['path']}:\n{text}")
        target.write_text(text.replace(old, new, 1), "utf-8")
    elif op == "copy":
        source = (show / edit["copy"]).resolve()
        assert source.is_relative_to(show.resolve()), f"copy from outside the show: {edit!r}"
        shutil.copyfile(source, target)
    elif op in ("folder", "fifo"):
        assert edit[op] is True
        if op == "folder":
            target.mkdir()
        else:
            os.mkfifo(target)


@pytest.fixture(scope="session")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the first test leaves its render cache for the others to start from.

    Renders are keyed by the audio's content, so every fresh ``tiny_show`` reuses them
    and the "previous build" of each case only tags and writes, without rendering again.
    """
    return tmp_path_factory.mktemp("broken-cache") / CACHE_NAME


def error_lines(result: Result | Ran) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def assert_fails_with(result: Result | Ran, expected: list[str], what: str) -> None:
    report = f"{what}: exit {result.exit_code}\n--- stderr ---\n{result.stderr}"
    assert "Traceback" not in result.output and "Traceback" not in result.stderr, report
    assert result.exit_code == 2, report
    got = error_lines(result)
    for line in expected:
        assert f"error: {line}" in got, f"missing line: error: {line}\n{report}"
    unexpected = [line for line in got if line.removeprefix("error: ") not in expected]
    assert not unexpected, f"unexpected error lines: {unexpected}\n{report}"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_broken_input(case: Path, tiny_show: Path, run: Run, render_cache: Path) -> None:
    edits, expected = load_case(case)
    show = tiny_show
    out = show.parent / "site"
    if render_cache.is_dir():
        shutil.copytree(render_cache, show / CACHE_NAME)

    first = run("build", show, "--out", out)
    assert first.exit_code == 0, first.output
    if not render_cache.is_dir():
        shutil.copytree(show / CACHE_NAME, render_cache)
    before = tree(out)
    assert "feed.xml" in before
    for edit in edits:
        apply_edit(show, edit)
    siblings = sorted(p.name for p in out.parent.iterdir())
    # A named pipe could make a wrong reader wait forever: then the child process is
    # stopped and the case fails, where an in-process run would block the suite.
    cli: Callable[..., Result | Ran] = run_guarded if any("fifo" in e for e in edits) else run

    assert_fails_with(cli("build", show, "--out", out), expected, "build")
    assert tree(out) == before, "the failed build changed the previous site"
    assert sorted(p.name for p in out.parent.iterdir()) == siblings, "a failed build left files"
    assert_fails_with(cli("check", show), expected, "check")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 14
    for case in CASES:
        first = case.read_text("utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 8, f"{case.name}: describe the case"
