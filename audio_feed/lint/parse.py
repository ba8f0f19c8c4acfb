"""Small parsers the rules share: element text, URLs, dates, durations, wording."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import expected


def text_of(el: Any) -> str:
    return "" if el is None else (el.text or "").strip()


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def got(what: str, found: str) -> str:
    """``expected``, but 'got nothing' for an empty value."""
    return expected(what, found) if found else f"expected {what}, got nothing"


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def rfc2822(value: str) -> tuple[dt.datetime | None, str]:
    """(the date, '') or (None, what was expected instead): RFC 2822, a time zone, and
    the weekday, when given, of that date."""
    wanted = "as an RFC 2822 date such as 'Mon, 19 Jan 2026 00:00:00 +0000'"
    parts = email.utils.parsedate_tz(value)
    if parts is None:
        return None, wanted
    if parts[9] is None:
        return None, "with a time zone such as +0000"
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # e.g. 31 Feb
        return None, wanted
    if when.tzinfo is None:  # "-0000" (zone unknown) parses naive; it is still UTC
        when = when.replace(tzinfo=dt.UTC)
    day = value.strip()[:3]
    if day in _WEEKDAYS and _WEEKDAYS.index(day) != when.weekday():
        return None, f"with the weekday of {when:%d %b %Y} ({_WEEKDAYS[when.weekday()]})"
    return when, ""


SECONDS = re.compile(r"\d+")
_CLOCK = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)")
TITLE_NUMBER = re.compile(
    r"\s*(?:(?:episode|ep\.?|no\.?)\s*\d+|#\s*\d+|s\d+\s*e\d+\b|\d+\s*[.:)|\-–—])", re.I)


def duration(value: str) -> tuple[float | None, bool]:
    """(seconds, whether written as whole seconds) of an itunes:duration."""
    if SECONDS.fullmatch(value):
        return float(value), True
    clock = _CLOCK.fullmatch(value)
    if clock:
        h, m, s = (int(g or 0) for g in clock.groups())
        return float(h * 3600 + m * 60 + s), False
    try:
        return float(value), False
    except ValueError:
        return None, False


def either(options: tuple[str, ...]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]


def number(value: float) -> str:
    return f"{value:g}"



# RFC 3986 allows these characters in a URL; anything else (a space, '"', '<',
# '>', '\\', a control character, any non-ASCII) must be percent-encoded.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def unencoded(url: str) -> str | None:
    """Why ``url`` is not percent-encoded (the first offending character), or None."""
    for ch in url:
        if not _URL_CHARS.fullmatch(ch):
            return f"{quoted(ch)} (U+{ord(ch):04X}) must be written {quote(ch, safe='')}"
    if _BAD_PERCENT.search(url):
        return "'%' must start a %XX escape (a literal '%' is %25)"
    return None


def quoted(value: str) -> str:
    """``value`` in single quotes as it is, or as a Python literal when it holds a line
    break or another character that would not print (a finding is one line)."""
    return f"'{value}'" if value.isprintable() else repr(value)


def relative(url: str) -> bool:
    """Whether an app resolving ``url`` needs a base: no scheme and no host, and not
    a bare '#fragment' (a link within the same text)."""
    parts = urlsplit(url.strip())
    return not parts.scheme and not parts.netloc and not url.strip().startswith("#") \
        and url.strip() != ""
