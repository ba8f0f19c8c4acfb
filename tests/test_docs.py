"""The README documents every podcast.toml key, front-matter field and lint rule, in the
code's words; the documents the code points to are in the repository."""

from __future__ import annotations

import importlib.util
import re
import shlex
import zipfile
from pathlib import Path

from pytest import MonkeyPatch

from audio_feed.config import AUDIO_KEYS, KEYS, SPEAK_KEYS
from audio_feed.posts import FIELDS

from conftest import REPO, Run


def test_readme_tables_match_the_code() -> None:
    readme = (REPO / "README.md").read_text()
    for key in KEYS:
        assert f"| `{key.name}` | {'yes' if key.required else 'no'} | {key.doc} |" in readme
    for key in AUDIO_KEYS + SPEAK_KEYS:
        assert f"| `{key.name}` | {key.doc} |" in readme
    for field in FIELDS:
        assert f"| `{field.name}` | {field.doc} |" in readme


def test_readme_starts_with_the_two_commands() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert block[0].startswith("make demo") and block[1].startswith("make test")


def test_readme_lists_every_lint_rule() -> None:
    """``make docs`` writes the table (scripts/readme_rules.py); this catches a stale one."""
    spec = importlib.util.spec_from_file_location("readme_rules",
                                                  REPO / "scripts/readme_rules.py")
    assert spec is not None and spec.loader is not None
    readme_rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme_rules)
    readme = (REPO / "README.md").read_text()
    assert readme_rules.MARKER in readme
    assert readme_rules.with_table(readme) == readme, "run make docs to update the README"
    assert "| `url-encoding` | error | podcast apps |" in readme


SOURCES = sorted((REPO / "audio_feed").rglob("*.py"))
OUTSIDE = ("PODCAST-FEEDS.md", "AUDIO-COSTS.md", "STYLE.md", "SUBSTACK-EXPORT.md")
"""Notes that are not part of the repository: a contributor who clones it cannot read them."""


def test_every_document_the_code_names_exists() -> None:
    named = {(path.relative_to(REPO), doc) for path in SOURCES
             for doc in re.findall(r"(?<![\w/.-])docs/[\w./-]+\.md", path.read_text("utf-8"))}
    assert named, "the code points to its documents in docs/"
    assert [(str(path), doc) for path, doc in sorted(named) if not (REPO / doc).is_file()] == []


def test_no_comment_points_outside_the_repository() -> None:
    found = [(str(path.relative_to(REPO)), name) for path in SOURCES
             for name in OUTSIDE if name in path.read_text("utf-8")]
    assert found == []


def test_docs_link_only_to_documents_that_exist() -> None:
    for doc in sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]:
        for target in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)\)", doc.read_text("utf-8")):
            assert (doc.parent / target).is_file(), f"{doc.name} links to {target}"


def test_contributing_example_is_the_real_code() -> None:
    """The worked example in the README's Contributing section is copied from the code and
    the lint cases, so it cannot drift from them."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Adding a lint rule"):]
    blocks = re.findall(r"```(python|yaml)\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    sources = {"python": "".join((REPO / "audio_feed/lint" / name).read_text("utf-8")
                                 for name in ("checks.py", "rules.py")),
               "yaml": (REPO / "tests/lint/cases.yaml").read_text("utf-8")}
    def words(text: str) -> str:  # indentation differs: the README's blocks start at 0
        return " ".join(text.split())

    for kind, block in blocks:
        assert words(block) in words(sources[kind]), block


def test_the_architecture_section_names_every_module() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Architecture"):readme.index("## Developing")]
    modules = {p.name for p in (REPO / "audio_feed").glob("*.py")} - {"__init__.py"}
    assert sorted(m for m in modules if f"`{m}`" not in section) == []
    assert "`lint/`" in section


def _substack_block() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Coming from Substack"):]
    block = section[section.index("```sh\n") + 6:section.index("\n```", section.index("```sh"))]
    return [line for line in block.splitlines() if line.strip()]


def test_coming_from_substack_runs_as_written(tmp_path: Path, monkeypatch: MonkeyPatch,
                                              run: Run) -> None:
    """Each command of the section, run in a folder holding two synthetic exports."""
    head = "post_id,post_date,is_published,email_sent_at,type,audience,title\n"
    rows = ['1.first,2024-01-02T10:00:00.000Z,true,2024-01-02T10:00:00.070Z,newsletter,'
            'everyone,First\n',
            '2.second,2024-01-09T10:00:00.000Z,true,2024-01-09T10:00:00.070Z,newsletter,'
            'everyone,Second\n']
    for name, count in (("substack-export.zip", 1), ("newer-export.zip", 2)):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr("posts.csv", head + "".join(rows[:count]))
            for row in rows[:count]:
                z.writestr(f"posts/{row.split(',')[0]}.html", "<p>Words.</p>")
    monkeypatch.chdir(tmp_path)
    commands = _substack_block()
    assert commands and all(c.startswith("audio-feed ") for c in commands)
    for command in commands:
        result = run(*shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.output)
    assert len(list((tmp_path / "my-show/episodes").glob("*.md"))) == 2
