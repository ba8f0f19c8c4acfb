"""Incremental builds: nothing unchanged is redone or rewritten (issue 4, acceptance 1)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from audio_feed import build

from conftest import Run, make_tone


def stats(site: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(site.rglob("*")) if p.is_file()}


def do_build(show: Path, out: Path) -> build.BuildReport:
    # Past the no-op check, which the command-line tests below cover: these look at
    # what the incremental path itself renders and rewrites.
    return build.run(show, out, build.BuildOptions(jobs=2, skip_if_unchanged=False))


def audio_of(site: Path, stem: str) -> Path:
    return next((site / "audio").glob(stem + "-*.mp3"))


def test_noop_rebuild_renders_nothing_and_touches_nothing(tiny_show: Path, tmp_path: Path
                                                          ) -> None:
    out = tmp_path / "site"
    first = do_build(tiny_show, out)
    assert sorted(first.rendered) == ["one", "three", "two"]
    before = stats(out)
    second = do_build(tiny_show, out)
    assert second.rendered == [] and second.changed == [] and second.removed == []
    assert stats(out) == before


def test_post_text_change_rewrites_page_and_feed_but_renders_no_audio(
        tiny_show: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    do_build(tiny_show, out)
    before = stats(out)
    post = tiny_show / "episodes/two.md"
    post.write_text(post.read_text().replace("Hello listeners.", "Hello again, listeners."))
    result = do_build(tiny_show, out)
    assert result.rendered == []
    assert "episodes/two/index.html" in result.changed and "feed.xml" in result.changed
    after = stats(out)
    assert after["episodes/one/index.html"] == before["episodes/one/index.html"]
    one = audio_of(out, "one").relative_to(out).as_posix()
    assert after[one] == before[one]


def test_replacing_audio_renders_only_that_episode(tiny_show: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    do_build(tiny_show, out)
    old_one = audio_of(out, "one").name
    make_tone(tiny_show / "episodes/two.wav", 3.7, speechy=True)
    result = do_build(tiny_show, out)
    assert result.rendered == ["two"]
    assert audio_of(out, "one").name == old_one


def test_touching_audio_without_changing_it_renders_nothing(tiny_show: Path, tmp_path: Path
                                                            ) -> None:
    out = tmp_path / "site"
    do_build(tiny_show, out)
    os.utime(tiny_show / "episodes/one.mp3", (1, 1))
    assert do_build(tiny_show, out).rendered == []


def test_changing_the_intro_renders_everything(tiny_show: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    do_build(tiny_show, out)
    make_tone(tiny_show / "episodes/intro.mp3", 3.2, 300)
    assert sorted(do_build(tiny_show, out).rendered) == ["one", "three", "two"]


def test_corrupted_cache_entry_is_rendered_again_never_published(tiny_show: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "site"
    do_build(tiny_show, out)
    good = audio_of(out, "one").read_bytes()
    cached = sorted((tiny_show / ".audio-feed-cache/audio").glob("*.mp3"))
    for mp3 in cached:  # flip bytes in the middle of every cached render
        data = bytearray(mp3.read_bytes())
        data[len(data) // 2] ^= 0xFF
        mp3.write_bytes(bytes(data))
    shutil.rmtree(out)
    result = do_build(tiny_show, out)
    assert sorted(result.rendered) == ["one", "three", "two"]
    assert audio_of(out, "one").read_bytes() == good


def test_clean_renders_everything(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    result = run("build", tiny_show, "--out", out, "--clean")
    assert result.exit_code == 0
    assert "3 rendered, 0 reused" in result.output


def test_failed_build_leaves_previous_site(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    before = stats(out)
    (tiny_show / "episodes/one.mp3").write_bytes(b"not audio at all")
    result = run("build", tiny_show, "--out", out)
    assert result.exit_code == 2
    assert stats(out) == before
    assert not list(tmp_path.glob(".site.*"))  # no half-built folder left behind


def test_noop_rebuild_from_the_command_line_is_a_stat_walk(tiny_show: Path, tmp_path: Path,
                                                           run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out).exit_code == 0
    before = stats(out)
    again = run("build", tiny_show, "--out", out)
    assert again.exit_code == 0 and "up to date" in again.output
    assert stats(out) == before
    # Any input that moves sends the build down the real (still incremental) path.
    post = tiny_show / "episodes/three.md"
    post.write_text(post.read_text().replace("Hello", "Hi"))
    changed = run("build", tiny_show, "--out", out)
    assert "up to date" not in changed.output and "0 rendered, 3 reused" in changed.output
    # So does a damaged site: a deleted page is written again.
    (out / "episodes/one/index.html").unlink()
    repaired = run("build", tiny_show, "--out", out)
    assert "up to date" not in repaired.output
    assert (out / "episodes/one/index.html").read_bytes() == before["episodes/one/index.html"][0]


def test_a_template_added_to_a_templates_folder_of_another_name_is_built(
        tiny_show: Path, tmp_path: Path, run: Run) -> None:
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + 'templates = "tpl"\n')
    (tiny_show / "tpl").mkdir()
    (tiny_show / "tpl" / "notes.txt").write_text("overrides go here\n")
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out).exit_code == 0
    assert "up to date" in run("build", tiny_show, "--out", out).output
    shipped = (out / "index.html").read_text()
    # The first override in a folder the build already read: no file it read moved.
    (tiny_show / "tpl" / "style.css").write_text("body { color: #123456 }\n")
    again = run("build", tiny_show, "--out", out)
    assert again.exit_code == 0 and "up to date" not in again.output
    assert (out / "index.html").read_text() == shipped
    assert "#123456" in (out / "style.css").read_text()
