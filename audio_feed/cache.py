"""The build cache: content hashes remembered by file identity, analyses, renders.

A file's SHA-256 is remembered against its (size, mtime_ns, inode), as git's
index does, so an unchanged multi-gigabyte back catalogue is not re-read. Keys
are always content hashes, never mtimes: a touched but unchanged file keeps its
hash, and a changed file gets a new one.

Everything read back from the cache goes through :func:`fits`: an entry that
cannot be read, or whose shape is not the one written, is a miss and never an
error. The cache is ours to rebuild; a user (or a crash) may leave anything there.
The whole design, file by file, is in docs/cache.md.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from .errors import EnvironmentProblem

CACHE_NAME = ".audio-feed-cache"
LOCK_NAME = "build.lock"


class MapOf:
    """A shape: a JSON object with string keys, every value of one shape."""

    def __init__(self, value: object) -> None:
        self.value = value


Shape = Any
"""A type (``int``, ``float``, ``str``, ``bool``, ``object``), a one-item list
(a list of that shape), a dict (an object with at least those keys), a tuple
(a list of exactly those shapes) or a :class:`MapOf`."""


def fits(value: object, shape: Shape) -> bool:
    """Whether JSON-decoded ``value`` has ``shape`` (see :data:`Shape`)."""
    if isinstance(shape, MapOf):
        return isinstance(value, dict) and all(
            isinstance(k, str) and fits(v, shape.value) for k, v in value.items())
    if isinstance(shape, dict):
        return isinstance(value, dict) and all(
            k in value and fits(value[k], s) for k, s in shape.items())
    if isinstance(shape, list):
        return isinstance(value, list) and all(fits(v, shape[0]) for v in value)
    if isinstance(shape, tuple):
        return isinstance(value, list) and len(value) == len(shape) and all(
            fits(v, s) for v, s in zip(value, shape, strict=True))
    if shape is float:
        return isinstance(value, int | float) and not isinstance(value, bool) \
            and value == value and abs(value) != float("inf")
    if shape is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, shape)


def read_shaped(path: Path, shape: Shape) -> Any | None:
    """The JSON in ``path`` if it reads and has ``shape``; otherwise None (a miss)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return data if fits(data, shape) else None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(data: Any) -> str:
    """Stable hash of JSON-able data (the cache keys)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


_serial = itertools.count()


def temporary_name(path: Path, suffix: str = ".tmp") -> Path:
    """A name beside ``path`` no other writer uses: process, thread and a counter."""
    return path.with_name(
        f".{path.name}.{os.getpid()}.{threading.get_ident()}.{next(_serial)}{suffix}")


_TEMPORARY = re.compile(r"\..+\.(\d+)\.\d+\.\d+\.(?:tmp|part)")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (this one counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under another user
    return True


def sweep_temporary(folder: Path) -> None:
    """Remove temporary files (``temporary_name``) whose writer's process is gone."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        m = _TEMPORARY.fullmatch(entry.name)
        if m and not pid_alive(int(m.group(1))) and entry.is_file():
            entry.unlink(missing_ok=True)


def sweep_killed(parent: Path, pattern: re.Pattern[str]) -> None:
    """Remove the temporary folders a killed process left in ``parent``: only names
    ``pattern`` matches in full (groups ``home``, ``pid`` and ``kind``), whose process
    is gone. A folder moved aside (kind ``old``) is put back at ``home`` first, if the
    kill came before anything took its place."""
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m or entry.is_symlink() or not entry.is_dir() or pid_alive(int(m["pid"])):
            continue
        home = parent / m["home"]
        if m["kind"] == "old" and not home.exists() and not home.is_symlink():
            os.replace(entry, home)
        else:
            shutil.rmtree(entry)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        # Name the file the user knows, not the temporary one.
        raise OSError(e.errno, e.strerror, str(path)) from e
    finally:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)


KINDS = ("audio", "analysis", "levels", "site", "builds", "speak")
"""The folders of the cache, one per kind of entry (docs/cache.md)."""
INDEX_ENTRY: Shape = (int, int, int, str)
"""hashes.json: path -> [size, mtime_ns, inode, sha256]."""


class Cache:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._lock = threading.Lock()
        self._index_path = directory / "hashes.json"
        found = read_shaped(self._index_path, dict)
        self._index: dict[str, list[Any]] = {
            k: v for k, v in (found or {}).items() if fits(v, INDEX_ENTRY)}
        self._dirty = False
        for sub in ("", *KINDS):
            sweep_temporary(directory / sub)

    def file_hash(self, path: Path) -> str:
        st = path.stat()
        ident = [st.st_size, st.st_mtime_ns, st.st_ino]
        key = str(path.resolve())
        with self._lock:
            known = self._index.get(key)
            if known and known[:3] == ident:
                return str(known[3])
        value = sha256_file(path)
        with self._lock:
            self._index[key] = ident + [value]
            self._dirty = True
        return value

    def path(self, *parts: str) -> Path:
        return self.dir.joinpath(*parts)

    def read_json(self, shape: Shape, *parts: str) -> Any | None:
        """A cache entry if it reads and has ``shape``; None is a miss."""
        return read_shaped(self.path(*parts), shape)

    def write_json(self, data: Any, *parts: str) -> None:
        write_atomic(self.path(*parts), json.dumps(data, sort_keys=True, indent=1).encode())

    def save(self) -> None:
        with self._lock:
            if self._dirty:
                write_atomic(self._index_path, json.dumps(self._index, sort_keys=True).encode())
                self._dirty = False

    def clear(self) -> None:
        """Forget every entry audio-feed writes; the lock file (which a running build
        holds) and anything else someone put in the folder are left alone."""
        for name in (*KINDS, self._index_path.name):
            entry = self.dir / name
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            elif entry.exists() or entry.is_symlink():
                entry.unlink()
        with self._lock:
            self._index, self._dirty = {}, False


@contextmanager
def show_lock(cache_dir: Path) -> Iterator[None]:
    """Hold the per-show build lock; fail fast, naming the build that holds it.

    Two builds of one show would share the cache and the output folder, so the
    second one stops at once rather than waiting an unknown time.
    """
    path = cache_dir / LOCK_NAME
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise EnvironmentProblem(
                f"{path}: another build of this show is running (pid {holder}); "
                f"wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
