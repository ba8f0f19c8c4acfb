"""A Substack export, as a .zip or its unpacked folder: posts.csv and the post bodies.

Nothing is extracted: files are read by name from the archive or the folder, so a
hostile archive cannot write anywhere (docs/substack-export.md).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import filekind
from ..errors import InputError, Problem, described

REQUIRED_COLUMNS = ("post_id", "post_date", "is_published", "email_sent_at", "type",
                    "audience", "title")
"""Columns an import cannot do without; others (subtitle, podcast_url, ...) are optional,
and extra ones are ignored."""


@dataclass(frozen=True)
class Row:
    """One row of posts.csv: its line number (the header is line 1) and its values."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


class Export:
    """The files of an export by their path inside it ('posts.csv', 'posts/1.a.html')."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.files: dict[str, bytes] = (_read_zip(source) if filekind.is_file(source)
                                        else _read_dir(source))
        prefix = _common_folder(self.files)
        if prefix:
            self.files = {k.removeprefix(prefix): v for k, v in self.files.items()}

    def where(self, name: str) -> str:
        """How the user finds ``name``: inside the archive or the folder."""
        return f"{self.source.name}/{name}" if self.source.is_file() else str(
            self.source / name)

    def rows(self) -> list[Row]:
        """posts.csv, checked for its columns; an InputError when it cannot be used."""
        raw = self.files.get("posts.csv")
        if raw is None:
            raise InputError([Problem(str(self.source), None, "expected a Substack export "
                                      "with a posts.csv, got none")])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError([Problem(self.where("posts.csv"), None, f"expected UTF-8 text, "
                                      f"got byte 0x{raw[e.start]:02x} at offset {e.start}")]
                             ) from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise InputError([Problem(self.where("posts.csv"), "columns", (
                f"expected {', '.join(REQUIRED_COLUMNS)}, got no {', '.join(missing)}"))])
        return [Row(reader.line_num, {k: v for k, v in row.items() if isinstance(k, str)
                                      and isinstance(v, str)}) for row in reader]

    def post_html(self, post_id: str) -> tuple[str, bytes] | None:
        """(name, bytes) of a post's body: the file named after the whole post_id first,
        else any file of the same numeric id (its slug changed)."""
        exact = f"posts/{post_id}.html"
        if exact in self.files:
            return exact, self.files[exact]
        number = post_id.split(".", 1)[0]
        others = sorted(k for k in self.files if re.fullmatch(
            rf"posts/{re.escape(number)}(\.[^/]*)?\.html", k))
        return (others[0], self.files[others[0]]) if others else None

    def subdomain(self) -> str | None:
        """The publication's substack.com subdomain, from email_list.<subdomain>.csv."""
        for name in sorted(self.files):
            match = re.fullmatch(r"email_list\.([a-z0-9-]+)\.csv", name)
            if match:
                return match.group(1)
        return None


MAX_MEMBER_BYTES = 64 * 2**20
"""No post body or posts.csv is this big: a bigger member is a damaged or hostile archive."""


def _read_zip(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as z:
            big = [i.filename for i in z.infolist() if i.file_size > MAX_MEMBER_BYTES
                   and _wanted(i.filename)]
            if big:
                raise InputError([Problem(f"{path.name}/{big[0]}", None, described(
                    f"at most {MAX_MEMBER_BYTES // 2**20} MB", "a bigger file"))])
            return {i.filename: _content(i.filename, functools.partial(z.read, i))
                    for i in z.infolist() if not i.is_dir() and _wanted(i.filename)}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise InputError([Problem(str(path), None, f"expected a .zip export or its folder, "
                                  f"got a file that is not a readable zip ({e})")]) from None


def _read_dir(path: Path) -> dict[str, bytes]:
    if not filekind.is_folder(path):
        # Never opened: a named pipe would wait forever, /dev/zero would never end.
        found = filekind.kind(path)
        raise InputError([Problem(str(path), None, described(
            "a Substack export (.zip or folder)",
            "no such file or folder" if found == filekind.MISSING else found))])
    wanted = [p for p in sorted(path.rglob("*"))
              if not filekind.is_folder(p) and _wanted(p.relative_to(path).as_posix())]
    odd = next((p for p in wanted if not filekind.is_file(p)), None)
    if odd is not None:
        raise InputError([Problem(str(odd), None, described("a file",
                                                            filekind.kind(odd)))])
    return {p.relative_to(path).as_posix(): _content(p.name, p.read_bytes) for p in wanted}


def _content(name: str, read: Callable[[], bytes]) -> bytes:
    """A file's bytes; the subscriber list is only looked at by name, never read."""
    return b"" if name.rsplit("/", 1)[-1].startswith("email_list") else read()


def _wanted(name: str) -> bool:
    """Only what the import reads: posts.csv, post bodies, the subscriber list's name."""
    base = name.rsplit("/", 1)[-1]
    return base == "posts.csv" or base.endswith(".html") or base.startswith("email_list")


def _common_folder(files: dict[str, bytes]) -> str:
    """'folder/' when everything sits in one top-level folder, else ''."""
    if "posts.csv" in files:
        return ""
    tops = {k.split("/", 1)[0] for k in files}
    top = tops.pop() if len(tops) == 1 else ""
    return top + "/" if top and f"{top}/posts.csv" in files else ""
