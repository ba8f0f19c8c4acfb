"""URLs audio-feed writes: paths percent-encoded, feed HTML made absolute.

File names on disk stay as they are (a stem may hold spaces, quotes, '<' or
non-ASCII letters); only the URLs that point at them are encoded. A podcast app
resolves a relative URL in an item's HTML against the feed, not the episode's
page, so every URL in feed HTML is made absolute against the page.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urljoin

# Characters that may stay as they are in a URL (RFC 3986 reserved and
# unreserved ones, and '%' of escapes already made).
_KEEP = "!#$%&'()*+,/:;=?@[]~"
_URL_ATTRS = frozenset({"href", "src", "poster", "cite", "longdesc", "action", "formaction",
                        "background", "data", "usemap", "manifest", "ping"})
# sanitised HTML (and ours) always double-quotes attribute values, and text never
# holds a raw '<', so a tag is '<name' then name="value" pairs.
_TAG = re.compile(r'<[A-Za-z][\w:-]*(?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*\s*/?>')
_ATTR = re.compile(r'(\s)([^\s"\'>/=]+)="([^"]*)"')


def path(site_path: str) -> str:
    """A site-relative path as it goes into a URL: every segment percent-encoded."""
    return quote(site_path, safe="/")


def encoded(url: str) -> str:
    """``url`` with whatever a URL may not hold raw percent-encoded; escapes kept."""
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url.strip())
    return quote(url, safe=_KEEP)


def absolute(url: str, base: str) -> str:
    """``url`` (as written in a page at ``base``) made absolute and encoded."""
    return urljoin(base, encoded(url))


def _srcset(value: str, base: str) -> str:
    parts = []
    for candidate in value.split(","):
        words = candidate.split()
        if words:
            parts.append(" ".join([absolute(words[0], base), *words[1:]]))
    return ", ".join(parts)


def _attr(match: re.Match[str], base: str) -> str:
    space, name, raw = match.groups()
    lower = name.lower()
    if lower not in _URL_ATTRS and lower != "srcset":
        return match.group(0)
    value = html.unescape(raw)
    value = _srcset(value, base) if lower == "srcset" else absolute(value, base)
    return f'{space}{name}="{html.escape(value, quote=True)}"'


def absolute_html(fragment: str, base: str) -> str:
    """Every URL in an HTML fragment (src, href, srcset, poster, ...) made absolute."""
    return _TAG.sub(lambda tag: _ATTR.sub(lambda m: _attr(m, base), tag.group(0)), fragment)
