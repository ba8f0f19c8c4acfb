"""The import record: which file each imported post went to, and the hash of what was
written, so a later import can tell an untouched post from one edited by hand.

``audio-feed-import.json`` in the show folder (commit it with the show)::

    {"version": 1, "posts": {"<post_id>": {"file": "episodes/x.md", "sha256": "..."}}}
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import filekind
from ..cache import write_atomic
from ..errors import InputError, Problem

RECORD_NAME = "audio-feed-import.json"
VERSION = 1


@dataclass(frozen=True)
class Imported:
    """One post as the last import wrote it."""

    file: str
    """The post's path relative to the show, with forward slashes."""
    sha256: str


Record = dict[str, Imported]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bad(path: Path, found: str) -> InputError:
    return InputError([Problem(path.name, None, f"expected an import record written by "
                                                f"audio-feed, got {found}")])


def read(root: Path) -> Record:
    """The record of ``root``; empty when there is none. A damaged one is an error: without
    it, local edits could not be told from imported text."""
    path = root / RECORD_NAME
    if not filekind.exists(path):
        return {}
    if not filekind.is_file(path):
        raise _bad(path, filekind.kind(path))
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _bad(path, "a file that is not JSON") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(
            data.get("posts"), dict):
        raise _bad(path, "JSON of another shape")
    record: Record = {}
    for post_id, entry in data["posts"].items():
        if not (isinstance(entry, dict) and isinstance(entry.get("file"), str)
                and isinstance(entry.get("sha256"), str)
                and re.fullmatch(r"episodes/[^/\\]+\.md", entry["file"])
                and not entry["file"].startswith("episodes/.")):
            raise _bad(path, f"an entry of another shape for {post_id!r}")
        record[post_id] = Imported(entry["file"], entry["sha256"])
    return record


def write(root: Path, record: Record) -> None:
    """Save the record atomically, sorted so that it diffs well."""
    posts = {k: {"file": v.file, "sha256": v.sha256} for k, v in sorted(record.items())}
    text = json.dumps({"version": VERSION, "posts": posts}, indent=2, ensure_ascii=False)
    write_atomic(root / RECORD_NAME, (text + "\n").encode("utf-8"))
