"""Small text helpers shared by the readers and the writers."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

# What no output can carry: XML 1.0 forbids the C0 controls but tab, newline and
# carriage return, and the non-characters U+FFFE and U+FFFF (feedgen raises a bare
# ValueError on them); UTF-16 and UTF-8 cannot encode a lone surrogate (ID3 tags and
# every written file fail on it). DEL (U+007F) is legal XML but invisible and never
# meant, so it is refused too. U+0085 and the other C1 controls are legal XML 1.0 and
# encode fine: they are let through.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def control_characters(text: str) -> str:
    """The characters of ``text`` no output can carry, as a readable list such as
    'U+000C, U+D800' ('' when there are none). The one test every input string meets."""
    found = sorted(set(_ILLEGAL.findall(text)))
    return ", ".join(f"U+{ord(c):04X}" for c in found)


def first_illegal_line(text: str) -> tuple[int, str] | None:
    """(line number, characters) of the first line holding a character no output can
    carry, or None when the text is clean."""
    if not _ILLEGAL.search(text):
        return None
    for n, line in enumerate(text.split("\n"), 1):
        bad = control_characters(line)
        if bad:
            return n, bad
    return None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint naming the known name closest to a misspelt ``name``, such as
    " (did you mean 'title'?)", or '' when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def clock(seconds: float) -> str:
    """Seconds as H:MM:SS (or M:SS under an hour), cut to the whole second as
    players show them (a 67.6 s episode is 1:07 in the page and its player)."""
    h, m, s = _whole_hms(seconds)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def hms(seconds: float) -> str:
    """Seconds as HH:MM:SS, the form chapter lines use."""
    h, m, s = _whole_hms(seconds)
    return f"{h:02d}:{m:02d}:{s:02d}"


def _whole_hms(seconds: float) -> tuple[int, int, int]:
    """Hours, minutes and whole seconds, the fraction cut off."""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return h, m, s


def parse_hms(value: str) -> float | None:
    """'01:02:03', '02:03' or '02:03.5' -> seconds; None when it is not a time."""
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)", value.strip())
    if not m:
        return None
    h, mi, s = int(m.group(1) or 0), int(m.group(2)), float(m.group(3))
    if mi >= 60 or s >= 60:
        return None
    return h * 3600 + mi * 60 + s


def slugify(text: str) -> str:
    """ASCII slug for file names and anchors."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", norm.lower()).strip("-") or "section"


def summary(text: str, limit: int = 300) -> str:
    """The first sentences of ``text`` up to ``limit`` characters, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def one_line(text: str) -> str:
    """``text`` with every line break and invisible character escaped as Python
    writes it (\\n, \\u2028, \\x85), so that a message stays one line whatever the
    user's input put into it; the plain space is kept."""
    return "".join(c if c == " " or c.isprintable() else ascii(c)[1:-1] for c in text)
