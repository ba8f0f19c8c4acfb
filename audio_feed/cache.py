"""The build cache: content hashes remembered by file identity, analyses, renders.

A file's SHA-256 is remembered against its (size, mtime_ns, inode), as git's
index does, so an unchanged multi-gigabyte back catalogue is not re-read. Keys
are always content hashes, never mtimes: a touched but unchanged file keeps its
hash, and a changed file gets a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

CACHE_NAME = ".audio-feed-cache"


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


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Cache:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._lock = threading.Lock()
        self._index_path = directory / "hashes.json"
        try:
            self._index: dict[str, list[Any]] = json.loads(self._index_path.read_text())
        except (OSError, ValueError):
            self._index = {}
        self._dirty = False

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

    def read_json(self, *parts: str) -> Any | None:
        try:
            return json.loads(self.path(*parts).read_text())
        except (OSError, ValueError):
            return None

    def write_json(self, data: Any, *parts: str) -> None:
        write_atomic(self.path(*parts), json.dumps(data, sort_keys=True, indent=1).encode())

    def save(self) -> None:
        with self._lock:
            if self._dirty:
                write_atomic(self._index_path, json.dumps(self._index, sort_keys=True).encode())
                self._dirty = False
