"""What kind of thing a path the user gave is, told without opening it.

Every place that reads a file the user named or put in the show asks here first:
opening a named pipe for reading waits for a writer forever, a character device
such as /dev/zero never ends, and ``Path.is_file()`` alone turns both (and a
folder) into a silent skip or a wrong "no such file". ``kind`` names what was
found, in the words an error message shows after "got".
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

FILE = "a file"
FOLDER = "a folder"
MISSING = "no such file"
DANGLING = "a link to nothing"

_WORDS = (
    (stat.S_ISREG, FILE),
    (stat.S_ISDIR, FOLDER),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _word(mode: int) -> str:
    return next((word for test, word in _WORDS if test(mode)), "a special file")


def _failed(error: OSError) -> str:
    """What a path is when the system cannot even look at it."""
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return MISSING
    if error.errno == errno.ELOOP:
        return "a loop of links"
    if error.errno == errno.ENAMETOOLONG:
        return "a name too long for the file system"
    return f"a path that cannot be looked at ({error.strerror or 'an error'})"


def kind(path: Path | str) -> str:
    """'a file', 'a folder', 'a named pipe', 'a socket', 'a character device', 'a link
    to nothing', 'a link to a named pipe', 'no such file', ... (lstat/stat only)."""
    try:
        here = os.lstat(path)
    except OSError as e:
        return _failed(e)
    except ValueError:  # a NUL in the name
        return "a name with a NUL character"
    if not stat.S_ISLNK(here.st_mode):
        return _word(here.st_mode)
    try:
        there = os.stat(path)
    except OSError as e:
        found = _failed(e)
        return DANGLING if found == MISSING else found
    return f"a link to {_word(there.st_mode)}"


def is_file(path: Path | str) -> bool:
    """A regular file (links followed): the only thing audio-feed reads as a file."""
    return kind(path) in (FILE, f"a link to {FILE}")


def is_folder(path: Path | str) -> bool:
    """A folder (links followed)."""
    return kind(path) in (FOLDER, f"a link to {FOLDER}")


def exists(path: Path | str) -> bool:
    """Something is there, even a link to nothing (which ``Path.exists`` calls missing)."""
    return kind(path) != MISSING


def not_file(path: Path | str) -> str | None:
    """What is there when something is but no regular file (a folder, a named pipe, a
    link to nothing...); None when it is a file or nothing is there."""
    found = kind(path)
    return None if found in (MISSING, FILE, f"a link to {FILE}") else found


def special(path: Path | str) -> str | None:
    """What is there when it is neither missing, nor a file, nor a folder (a named
    pipe, a socket, a device, a link to nothing...); else None."""
    found = kind(path)
    return None if found in (MISSING, FILE, FOLDER, f"a link to {FILE}",
                             f"a link to {FOLDER}") else found
