"""Writes the site into a fresh folder beside the old one, then swaps it in.

- A failed or interrupted build leaves the previous site untouched.
- A file whose bytes did not change is carried over as a hard link (or a copy
  that keeps its mtime), so static hosts and sync tools upload nothing new.
- Writing one path twice is refused, as pelican's writer does.
- Every site carries a marker, ``.audio-feed-site``, listing the files the
  build wrote. Only a folder with that marker (or an empty one) is ever
  replaced, and only when it holds nothing but those files: the swap replaces
  the whole folder, so a file someone else put there would be lost.
- Temporary folders left by a build that was killed (``.<out>.building-<pid>``,
  ``.<out>.old-<pid>``, whose process is gone) are removed by the next build.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from . import filekind
from .cache import sweep_killed
from .errors import AudioFeedError, InputError, Problem

MARKER = ".audio-feed-site"
MARKER_LINE = "audio-feed built this folder and replaces it on every build; its files:\n"
"""The marker's first line; the site-relative path of every file it wrote follows."""



class DuplicateOutput(AudioFeedError):
    """Two outputs want one path: a bug or an input ``check`` should have refused."""


def _files(folder: Path) -> list[str]:
    """Every file (and symlink) under ``folder``, site-relative, sorted."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        found += [(here / f).relative_to(folder).as_posix() for f in filenames]
        found += [(here / d).relative_to(folder).as_posix() for d in dirnames
                  if (here / d).is_symlink()]
    return sorted(found)


def marked_files(out: Path) -> set[str] | None:
    """The files the marker in ``out`` lists, or None when there is no marker."""
    if not filekind.is_file(out / MARKER):
        return None  # a named pipe there would never answer: no marker of ours
    try:
        text = (out / MARKER).read_text("utf-8")
    except (OSError, ValueError):
        return None
    if not text.startswith(MARKER_LINE):
        return None
    # Split on "\n" alone, as written: splitlines also breaks at U+2028 and U+0085.
    return set(text[len(MARKER_LINE):].split("\n")) - {""}


def foreign_files(out: Path, ours: set[str]) -> list[str]:
    """Files in ``out`` that are neither the marker nor among ``ours``."""
    return [f for f in _files(out) if f != MARKER and f not in ours]


def refuse_foreign(out: Path, foreign: list[str]) -> None:
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise InputError([Problem(str(out), None,
                                  f"expected only files audio-feed wrote (a build replaces "
                                  f"the whole folder), got {foreign[0]!r}{more}; move them "
                                  f"out or choose another --out")])


def sweep_stale(out: Path) -> None:
    """Remove the temporary folders of killed builds of ``out``.

    Only folders named as this writer names them, whose process is gone. If a
    build was killed between moving the old site aside and moving the new one
    in, the old site is put back first.
    """
    sweep_killed(out.parent, re.compile(
        r"\.(?P<home>" + re.escape(out.name) + r")\.(?P<kind>building|old)-(?P<pid>\d+)"))


class SiteWriter:
    def __init__(self, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(out)
        self.previous = out if out.is_dir() else None
        self.tmp = out.with_name(f".{out.name}.building-{os.getpid()}")
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        self.written: dict[str, str] = {}
        """path -> 'kept' or 'written'"""
        self.folded: set[str] = set()
        self._prepared = False

    def _target(self, rel: str) -> Path:
        # Compared as a case-insensitive file system (macOS, Windows) would see them.
        if rel in self.written or rel == MARKER or rel.casefold() in self.folded:
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
        self._write(self._target(rel), rel, data)

    def _write(self, target: Path, rel: str, data: bytes) -> None:
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
        old = set(_files(self.previous)) - {MARKER}
        return sorted(old - set(self.written))

    def _write_marker(self) -> None:
        text = MARKER_LINE + "".join(f"{rel}\n" for rel in sorted(self.written))
        self._write(self.tmp / MARKER, MARKER, text.encode("utf-8"))
        del self.written[MARKER]  # not one of the site's files

    def prepare(self) -> None:
        """Finish the new site and check, once more, that the old one may be replaced:
        nothing may have been added to it during the build that audio-feed did not write."""
        if not self._prepared:
            self._write_marker()
            self._prepared = True
        if self.previous is not None and self.previous.is_dir():
            ours = marked_files(self.previous)
            if ours is not None:
                refuse_foreign(self.previous, foreign_files(self.previous, ours))

    def commit(self) -> None:
        """Swap the new site in place of the old one (``prepare`` runs first if not yet)."""
        if not self._prepared:
            self.prepare()
        if self.previous is not None and self.previous.is_dir():
            trash = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
            os.replace(self.out, trash)
            os.replace(self.tmp, self.out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(self.tmp, self.out)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
