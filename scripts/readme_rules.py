"""Write the table of lint rules into README.md, from audio_feed/lint/rules.py.

``make docs`` runs this, so a new rule's row appears in the README with one command;
tests/test_docs.py checks that the README holds the table this makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from audio_feed.lint import rules_table

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "<!-- rules table: generated from audio_feed/lint/rules.py by make docs -->\n"


def table() -> str:
    """The table, one row per rule, in the order lint checks them."""
    lines = ["| rule | severity | source | what it checks |", "|---|---|---|---|"]
    for rule_id, severity, source, summary in rules_table():
        cell = summary.replace("<", "&lt;").replace("|", "\\|")
        lines.append(f"| `{rule_id}` | {severity} | {source} | {cell} |")
    return "\n".join(lines) + "\n"


def with_table(readme: str) -> str:
    """``readme`` with the table after the marker replaced by the current one."""
    start = readme.index(MARKER) + len(MARKER)
    end = readme.find("\n\n", start)
    return readme[:start] + table() + readme[end + 1 if end >= 0 else len(readme):]


def main() -> int:
    text = README.read_text("utf-8")
    new = with_table(text)
    if new != text:
        README.write_text(new, "utf-8")
        print("README.md: lint rules table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
