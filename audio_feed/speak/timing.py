"""The timing sidecar ``speak`` writes beside its sections, and how the build reads it.

``timing.json`` says where each sentence starts and ends inside its section file, in
samples and in seconds. Its presence also marks the folder as made by ``speak``: the
only folder ``speak`` will ever write into again. Each section is listed with the
SHA-256 of its file, so a section the writer replaced by a recording of their own is
noticed instead of being given the wrong times.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..text import control_characters

NAME = "timing.json"
SCRIPT = "script.txt"
FORMAT = 1

Cues = tuple[tuple[float, float, str], ...]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read(folder: Path, files: tuple[Path, ...]) -> tuple[Cues, ...] | str:
    """Each section's sentences (start, end, written text) in seconds within it, or
    what is wrong with the sidecar, as 'expected ..., got ...' words."""
    try:
        data = json.loads((folder / NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return f"expected the timing speak wrote (JSON), got an unreadable file ({e})"
    sections = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(sections, list) or not all(isinstance(s, dict) for s in sections):
        return "expected a 'sections' list, got something else"
    names = [s.get("file") for s in sections]
    if names != [f.name for f in files]:
        return (f"expected one entry per section file ({', '.join(f.name for f in files)}), "
                f"got {', '.join(map(str, names)) or 'none'}")
    out: list[Cues] = []
    for entry, f in zip(sections, files, strict=True):
        if entry.get("sha256") != sha256_file(f):
            return (f"expected the sections speak wrote, got {f.name} changed since "
                    f"(delete {NAME} to use the folder as your own recording)")
        cues = _cues(entry)
        if cues is None:
            return f"expected start, end and text for each sentence of {f.name}, got other"
        out.append(cues)
    return tuple(out)


def _cues(entry: dict[str, Any]) -> Cues | None:
    rate = entry.get("sample_rate")
    sentences = entry.get("sentences")
    total = entry.get("samples")
    if not (isinstance(rate, int) and isinstance(total, int) and rate > 0
            and isinstance(sentences, list)):
        return None
    out = []
    at = 0
    for s in sentences:
        # In order, inside the section: a cue out of its section would be a lie.
        if not (isinstance(s, dict) and isinstance(s.get("start"), int)
                and isinstance(s.get("end"), int) and isinstance(s.get("text"), str)
                and not control_characters(s["text"]) and at <= s["start"] <= s["end"] <= total):
            return None
        at = s["end"]
        out.append((s["start"] / rate, s["end"] / rate, s["text"]))
    return tuple(out)
