"""``audio-feed init``: a new show that check accepts once it has a post."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from PIL import Image

from audio_feed import images
from audio_feed.config import AUDIO_KEYS, KEYS

from conftest import Run, make_tone, post, tree, write_artwork

PLACEHOLDER = "warning: podcast.toml: artwork: artwork.png is audio-feed's placeholder: replace it"


def test_init_makes_a_show_that_needs_only_posts(tmp_path: Path, run: Run) -> None:
    show = tmp_path / "new"
    result = run("init", show)
    assert result.exit_code == 0, result.output
    assert sorted(tree(show)) == [".gitignore", "artwork.png", "podcast.toml"]
    assert (show / "episodes").is_dir()
    check = run("check", show)
    assert check.exit_code == 2
    assert check.output.splitlines() == [
        PLACEHOLDER, "error: episodes: expected posts (episodes/*.md), got none"]


def test_one_post_and_its_recording_make_it_build(tmp_path: Path, run: Run) -> None:
    show = tmp_path / "new"
    assert run("init", show).exit_code == 0
    (show / "episodes/first.md").write_text(post("First", "1.first"))
    make_tone(show / "episodes/first.mp3", 2.0, speechy=True)
    result = run("build", show, "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert PLACEHOLDER in result.output
    assert (tmp_path / "site/feed.xml").is_file()
    write_artwork(show / "artwork.png")
    assert PLACEHOLDER not in run("check", show).output, "a real artwork is not warned about"


def test_every_key_is_in_the_file_with_its_documentation(tmp_path: Path, run: Run) -> None:
    assert run("init", tmp_path).exit_code == 0
    text = (tmp_path / "podcast.toml").read_text("utf-8")
    for key in KEYS + AUDIO_KEYS:
        if key.name != "audio":
            assert f"# {key.doc}" in text and f"{key.name} = " in text, key.name
    values = tomllib.loads(text)
    assert set(values) == {k.name for k in KEYS if k.required}
    uncommented = tomllib.loads(re.sub(r"(?m)^# (?=\w+ = |\[audio\])", "", text))
    assert set(uncommented["audio"]) == {k.name for k in AUDIO_KEYS}


def test_the_placeholder_artwork_passes_and_is_marked(tmp_path: Path, run: Run) -> None:
    assert run("init", tmp_path).exit_code == 0
    art = tmp_path / "artwork.png"
    assert images.artwork_problems(art) == []
    assert images.is_placeholder(art)
    with Image.open(art) as im:
        assert (im.size, im.mode) == ((1400, 1400), "RGB")
        colours = im.getcolors(maxcolors=1 << 16)
        assert colours is not None and len(colours) > 1, "the word placeholder is drawn on it"
    again = tmp_path / "again"
    assert run("init", again).exit_code == 0
    assert (again / "artwork.png").read_bytes() == art.read_bytes(), "deterministic"


def test_init_refuses_a_show_and_keeps_what_is_there(tmp_path: Path, run: Run) -> None:
    (tmp_path / ".gitignore").write_text("mine\n")
    write_artwork(tmp_path / "artwork.png", (1500, 1500))
    result = run("init", tmp_path)
    assert result.exit_code == 0
    assert (tmp_path / ".gitignore").read_text() == "mine\n"
    assert not images.is_placeholder(tmp_path / "artwork.png")
    assert f"kept {tmp_path / '.gitignore'} (already there)" in result.output
    toml = (tmp_path / "podcast.toml").read_bytes()
    again = run("init", tmp_path)
    assert again.exit_code == 2
    assert again.output.strip() == (f"error: {tmp_path / 'podcast.toml'}: expected a folder "
                                    f"without a show, got an existing podcast.toml (init never "
                                    f"overwrites it)")
    assert (tmp_path / "podcast.toml").read_bytes() == toml
    (tmp_path / "file").write_text("x")
    assert run("init", tmp_path / "file").exit_code == 2
