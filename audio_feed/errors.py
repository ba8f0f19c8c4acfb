"""Errors that reach the user.

Every problem with the user's input is an :class:`InputError` that names the
file, the field, what was expected and what was found, so the command line can
print it on one line::

    episodes/x.md: date: expected an ISO 8601 date, got 'tomorrow'

Problems with the machine (ffmpeg missing, disk full) are :class:`EnvironmentProblem`
and exit with status 1 instead of 2. Third-party exceptions are translated into
these at the boundary of the module that wraps the library.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import filekind
from .text import control_characters, first_illegal_line, one_line

ILLEGAL_TEXT = "text without control characters"
"""What every string read from the show must be (see ``text.control_characters``)."""
URL_ENCODED = "a URL with its special characters percent-encoded"
"""What a URL written into the feed must be: apps (and lint) refuse any other."""


class AudioFeedError(Exception):
    """Base class of the errors audio-feed reports to the user."""

    exit_code = 1

    def lines(self) -> list[str]:
        """The messages, one line each."""
        return [str(self)]


def _bounded_repr() -> reprlib.Repr:
    r = reprlib.Repr()
    r.maxlevel, r.maxdict, r.maxlist, r.maxtuple, r.maxset = 3, 4, 4, 4, 4
    r.maxstring, r.maxother, r.maxlong = 80, 80, 80
    return r


_REPR = _bounded_repr()
"""Shows a container to a bounded depth and width: YAML aliases can expand a short
post into millions of values ("billion laughs"), and str() would walk them all."""


def _short(value: object, limit: int = 60) -> str:
    if isinstance(value, str):
        text = repr(value[: limit * 4])
    elif isinstance(value, list | tuple | dict | set | frozenset):
        text = _REPR.repr(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem in the input: where, which field, what was wanted, what was found."""

    path: str
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}: " if self.field else f"{self.path}: "
        # Paths, fields and values come from the user: escaped, no input can start a
        # line of its own (such as a forged "error:" line).
        return one_line(where + self.message)


def expected(what: str, found: object) -> str:
    """The usual message body: ``expected X, got 'y'`` (the user's value, quoted)."""
    return f"expected {what}, got {_short(found)}"


def described(what: str, found: str) -> str:
    """``expected X, got <a description>``, for what we measured rather than a value."""
    return f"expected {what}, got {found}"


def illegal_characters(value: str, what: str = ILLEGAL_TEXT) -> str | None:
    """The message for a value holding characters no output can carry, such as
    "expected text without control characters, got U+000C in 'a\\x0cb'"; else None."""
    bad = control_characters(value)
    return described(what, f"{bad} in {value!r}") if bad else None


def illegal_line(text: str) -> str | None:
    """The same for a whole file or body, naming the first line that holds one."""
    found = first_illegal_line(text)
    return None if found is None else described(ILLEGAL_TEXT,
                                                f"{found[1]} on line {found[0]}")


def library_error(error: BaseException) -> str:
    """What a parsing library's own exception says, for data it could not take: the
    first line of its message, or the exception's kind when it says nothing useful."""
    if isinstance(error, RecursionError):
        return "values nested too deeply"
    first = (str(error).splitlines() or [""])[0].strip()
    if "integer string conversion" in first:
        return "a number with too many digits"
    if isinstance(error, KeyError) or not first:
        return f"a value it cannot read ({type(error).__name__})"
    return first if len(first) <= 120 else first[:117] + "..."


class InputError(AudioFeedError):
    """One or more problems with the show's files; exit status 2."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings)
        """Warnings found alongside, shown too so that every problem is seen at once."""
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class EnvironmentProblem(AudioFeedError):
    """Something about the machine, not the input, went wrong; exit status 1."""

    exit_code = 1


@dataclass
class Problems:
    """Collects problems so that every one is reported at once (mkdocs-style)."""

    root: Path
    items: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def rel(self, path: Path | str) -> str:
        """A path as the user knows it: relative to the show folder when inside it."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(p)

    def add(self, path: Path | str, field_name: str | None, message: str) -> None:
        self.items.append(Problem(self.rel(path), field_name, message))

    def add_named(self, path: Path, field_name: str | None, message: str) -> None:
        """A problem about the entry itself (what it is, where it leads), named as the
        user sees it in the show: ``add`` would name where a link points."""
        folder = self.rel(path.parent)
        named = path.name if folder == "." else f"{folder}/{path.name}"
        self.items.append(Problem(named, field_name, message))

    def warn(self, path: Path | str, field_name: str | None, message: str,
             once_per_field: bool = False) -> None:
        """A warning; with ``once_per_field``, only the first for that field and message
        (an unknown key is worth one line, not one per post)."""
        if once_per_field and any(w.field == field_name and w.message == message
                                  for w in self.warnings):
            return
        self.warnings.append(Problem(self.rel(path), field_name, message))

    def read_text(self, path: Path, field_name: str | None = None) -> str | None:
        """A file as UTF-8 text, a byte-order mark dropped (Windows editors write one);
        None (with a problem recorded) when it is not UTF-8, or not a file at all (a
        named pipe is never opened: reading one would wait forever)."""
        if not filekind.is_file(path):
            self.add_named(path, field_name, described("a file", filekind.kind(path)))
            return None
        raw = path.read_bytes()
        try:
            return raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as e:
            self.add(path, field_name, described(
                "UTF-8 text", f"byte 0x{raw[e.start]:02x} at offset {e.start}"))
            return None

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items, self.warnings)
