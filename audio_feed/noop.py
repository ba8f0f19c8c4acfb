"""The no-op fast path: a record of what a build read and wrote, by file identity.

When nothing in it moved since, ``up_to_date`` says so after a stat of every
input and output file, without parsing or rendering anything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import __version__, audio, config, site
from .cache import CACHE_NAME, MapOf, digest, read_shaped, write_atomic
from .read import PUBLISHED_NAME, ShowPlan

BUILD_RECORD = {"fingerprint": dict, "extra": [str], "site": MapOf((int, int, int)),
                "warnings": [str]}


def _stats(paths: list[Path]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        out[str(p)] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return out


def files_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        found += [Path(dirpath, f) for f in sorted(filenames)]
    return found


def _folders(folder: Path) -> list[Path]:
    """A folder and every folder in it: an entry made or removed moves its folder's
    mtime, so a new empty folder where a post or template belongs is seen too."""
    found = [folder]
    for dirpath, dirnames, _ in os.walk(folder):
        dirnames.sort()
        found += [Path(dirpath, d) for d in dirnames]
    return found


def _fingerprint(root: Path, extra: list[Path], base_url: str | None, strict: bool
                 ) -> dict[str, object]:
    """What a build read, by file identity: if none of it moved, nothing needs doing."""
    root = root.resolve()
    files = [root / config.CONFIG_NAME, root / PUBLISHED_NAME, *files_under(root / "episodes"),
             *files_under(root / "templates"), *files_under(site.default_templates()), *extra,
             *_folders(root / "episodes"), *_folders(root / "templates")]
    return {"inputs": _stats(sorted(set(files))), "base_url": base_url, "strict": strict,
            "version": __version__, "renderer": audio.RENDERER_VERSION}


def record_path(root: Path, out: Path) -> Path:
    return root.resolve() / CACHE_NAME / "builds" / (digest({"out": str(out.resolve())}) + ".json")


def up_to_date(root: Path, out: Path, base_url: str | None, strict: bool) -> list[str] | None:
    """The warnings of the last build when nothing it read or wrote has changed since.

    This is the no-op rebuild: a stat of every input and output file, no parsing,
    no rendering. None means a real build is needed.
    """
    record = read_shaped(record_path(root, out), BUILD_RECORD)
    if record is None:
        return None
    extra = [Path(p) for p in record["extra"]]
    if record["fingerprint"] != _fingerprint(root, extra, base_url, strict):
        return None
    if _stats(files_under(out.resolve())) != record["site"]:
        return None
    return list(record["warnings"])


def remember(plan: ShowPlan, out: Path, base_url: str | None, strict: bool) -> None:
    """Record what this build read and wrote, for ``up_to_date``."""
    show = plan.show
    extra = [show.artwork, *(p for p in (show.intro, show.outro) if p)]
    for ep in plan.episodes:
        extra += [p for p in (ep.audio, *ep.sections, *(i.source for i in ep.images)) if p]
    if show.templates:
        # Its folders too: a template added where none was changes no file yet read.
        extra += files_under(show.templates) + _folders(show.templates)
    extra = sorted(set(extra))
    record = {"fingerprint": _fingerprint(show.root, extra, base_url, strict),
              "extra": [str(p) for p in extra],
              "site": _stats(files_under(out.resolve())),
              "warnings": [str(w) for w in plan.warnings]}
    write_atomic(record_path(show.root, out), json.dumps(record).encode())
