"""The README documents every podcast.toml key and front-matter field, in the code's words."""

from __future__ import annotations

from audio_feed.config import AUDIO_KEYS, KEYS
from audio_feed.posts import FIELDS

from conftest import REPO


def test_readme_tables_match_the_code() -> None:
    readme = (REPO / "README.md").read_text()
    for key in KEYS:
        assert f"| `{key.name}` | {'yes' if key.required else 'no'} | {key.doc} |" in readme
    for key in AUDIO_KEYS:
        assert f"| `{key.name}` | {key.doc} |" in readme
    for field in FIELDS:
        assert f"| `{field.name}` | {field.doc} |" in readme


def test_readme_starts_with_the_two_commands() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert block[0].startswith("make demo") and block[1].startswith("make test")
