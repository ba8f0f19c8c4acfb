"""Writes the site into a fresh folder beside the old one, then swaps it in.

- A failed or interrupted build leaves the previous site untouched.
- A file whose bytes did not change is carried over as a hard link (or a copy
  that keeps its mtime), so static hosts and sync tools upload nothing new.
- Writing one path twice is refused, as pelican's writer does.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .errors import AudioFeedError


class DuplicateOutput(AudioFeedError):
    """Two outputs want one path: a bug or an input ``check`` should have refused."""


class SiteWriter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.previous = out if out.is_dir() else None
        out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = out.with_name(f".{out.name}.building-{os.getpid()}")
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        self.written: dict[str, str] = {}
        """path -> 'kept' or 'written'"""
        self.folded: set[str] = set()

    def _target(self, rel: str) -> Path:
        # Compared as a case-insensitive file system (macOS, Windows) would see them.
        if rel in self.written or rel.casefold() in self.folded:
            raise DuplicateOutput(f"two outputs want the same path: {rel}")
        self.folded.add(rel.casefold())
        target = self.tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _old(self, rel: str) -> Path | None:
        if self.previous is None:
            return None
        old = self.previous / rel
        return old if old.is_file() and not old.is_symlink() else None

    def _keep(self, old: Path, target: Path, rel: str) -> None:
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)
        self.written[rel] = "kept"

    def write_bytes(self, rel: str, data: bytes) -> None:
        target = self._target(rel)
        old = self._old(rel)
        if old is not None and old.stat().st_size == len(data) and old.read_bytes() == data:
            self._keep(old, target, rel)
            return
        target.write_bytes(data)
        self.written[rel] = "written"

    def copy_file(self, rel: str, source: Path) -> None:
        """Copy a file in chunks: an image or a page asset is never read whole."""
        target = self._target(rel)
        old = self._old(rel)
        if old is not None and filecmp.cmp(old, source, shallow=False):
            self._keep(old, target, rel)
            return
        shutil.copyfile(source, target)
        self.written[rel] = "written"

    def produce(self, rel: str, unchanged: Callable[[Path], bool],
                make: Callable[[Path], None]) -> None:
        """Keep the old file when ``unchanged(old)`` says so, else ``make(target)``."""
        target = self._target(rel)
        old = self._old(rel)
        if old is not None and unchanged(old):
            self._keep(old, target, rel)
            return
        make(target)
        self.written[rel] = "written"

    def changed(self) -> list[str]:
        return sorted(p for p, how in self.written.items() if how == "written")

    def removed(self) -> list[str]:
        if self.previous is None:
            return []
        old = {p.relative_to(self.previous).as_posix()
               for p in self.previous.rglob("*") if p.is_file()}
        return sorted(old - set(self.written))

    def commit(self) -> None:
        """Swap the new site in place of the old one."""
        if self.previous is not None:
            trash = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
            os.replace(self.out, trash)
            os.replace(self.tmp, self.out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(self.tmp, self.out)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
