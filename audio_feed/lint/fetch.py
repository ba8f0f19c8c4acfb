"""Where a feed's files come from: a built site folder, or HTTP as an app fetches them."""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.message import Message
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from .. import __version__, filekind
from ..errors import expected

USER_AGENT = f"audio-feed-lint/{__version__}"
SERVER_HEAD = "server-head"
SERVER_RANGE = "server-range"
"""The rules about the server, which only a fetch over HTTP can check."""

@dataclass(frozen=True)
class Got:
    """What fetching one URL gave."""

    name: str
    """How messages call it: a path inside the site, or the URL."""
    path: Path | None = None
    """The bytes on disk; None when they could not be, or were not, fetched."""
    size: int | None = None
    problem: str | None = None
    """Why it could not be fetched, as 'expected ..., got ...'."""
    skipped: str | None = None
    """Why the bytes were not downloaded although the URL works (too large)."""


class Resources(Protocol):
    def fetch(self, url: str, limit: int) -> Got:
        """The file behind ``url`` on disk, when at most ``limit`` bytes."""

    def probe(self, url: str) -> Got:
        """Whether ``url`` works, and its size; no bytes."""

    def serving(self, url: str) -> list[tuple[str, str]]:
        """(rule, message) for what the server does wrong with a media URL."""


class SiteFiles:
    """URLs under the feed URL's folder, read from a built site folder."""

    def __init__(self, site: Path, feed_url: str) -> None:
        self.site = site.resolve()
        self.base = feed_url.rsplit("/", 1)[0] + "/"

    def fetch(self, url: str, limit: int) -> Got:
        if not url.startswith(self.base):
            return Got(url, problem=expected(f"a URL under {self.base} (this site)", url))
        rel = unquote(urlsplit(url[len(self.base):]).path)
        path = (self.site / rel).resolve()
        if not path.is_relative_to(self.site):
            return Got(url, problem=expected(f"a URL under {self.base} (this site)", url))
        if path.is_dir():  # a page URL ending in / is served as its index.html
            path = path / "index.html"
            rel = (rel.rstrip("/") + "/index.html").lstrip("/")
        if not filekind.is_file(path):
            found = filekind.kind(path)
            return Got(rel, problem="expected this file in the site, got " + (
                "none" if found == filekind.MISSING else found))
        return Got(rel, path=path, size=path.stat().st_size)

    def probe(self, url: str) -> Got:
        return self.fetch(url, 0)

    def serving(self, url: str) -> list[tuple[str, str]]:
        return []  # no server to judge


@dataclass(frozen=True)
class _Reply:
    status: int | None
    """None when the server did not answer at all."""
    reason: str
    headers: Message | None
    body: Any
    """The open response, to read from (None on errors)."""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def length(self) -> int | None:
        value = self.headers.get("Content-Length") if self.headers is not None else None
        return int(value) if value is not None and value.strip().isdigit() else None


class Http:
    """URLs fetched with urllib; answers are cached, downloads live in ``tmp``."""

    def __init__(self, timeout: float, tmp: Path) -> None:
        self.timeout = timeout
        self.tmp = tmp
        self._probes: dict[str, tuple[Got, str | None]] = {}
        self._files: dict[str, Got] = {}

    @contextmanager
    def _request(self, url: str, method: str = "GET",
                 headers: dict[str, str] | None = None) -> Iterator[_Reply]:
        request = urllib.request.Request(
            url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = None
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            e.close()
            reply = _Reply(e.code, f"HTTP {e.code} {e.reason}", e.headers, None)
        except (OSError, http.client.HTTPException, ValueError) as e:
            # URLError is an OSError; ValueError is urllib's "unknown url type".
            reply = _Reply(None, f"no answer ({getattr(e, 'reason', e)})", None, None)
        else:
            reply = _Reply(response.status, f"HTTP {response.status} {response.reason}",
                           response.headers, response)
        try:
            yield reply
        finally:
            if response is not None:
                response.close()

    def _probe(self, url: str) -> tuple[Got, str | None]:
        """(what the URL gave, why HEAD was not good enough or None)."""
        if url in self._probes:
            return self._probes[url]
        with self._request(url, "HEAD") as head:
            pass
        size = head.length()
        if head.ok and size is not None:
            result: tuple[Got, str | None] = (Got(url, size=size), None)
        else:
            why = ("expected HEAD to answer 200 with a Content-Length, got " + head.reason
                   + (" without Content-Length" if head.ok else ""))
            # Whether the URL works at all is GET's to say; read no body.
            with self._request(url) as get:
                pass
            if get.ok:
                result = (Got(url, size=get.length()), why)
            else:
                result = (Got(url, problem=f"expected HTTP 200, got {get.reason}"), None)
        self._probes[url] = result
        return result

    def probe(self, url: str) -> Got:
        return self._probe(url)[0]

    def fetch(self, url: str, limit: int) -> Got:
        if url in self._files:
            return self._files[url]
        got = self.probe(url)
        if got.problem is not None:
            return got
        if got.size is not None and got.size > limit:
            return replace(got, skipped=f"{got.size} bytes, over the {limit}-byte limit")
        # Keep the URL's extension: audio and image checks look at it.
        target = self.tmp / f"{len(self._files)}{Path(urlsplit(url).path).suffix}"
        with self._request(url) as reply:
            if not reply.ok or reply.body is None:
                return replace(got, problem=f"expected HTTP 200, got {reply.reason}")
            size = 0
            with target.open("wb") as out:
                # Content-Length may be missing or wrong: stop one chunk past the limit.
                while size <= limit and (chunk := reply.body.read(1 << 16)):
                    out.write(chunk)
                    size += len(chunk)
        # Past the limit only when Content-Length was missing: the size read is partial.
        result = Got(url, path=target, size=size) if size <= limit else replace(
            got, skipped=f"over the {limit}-byte limit")
        self._files[url] = result
        return result

    def serving(self, url: str) -> list[tuple[str, str]]:
        got, head_problem = self._probe(url)
        if got.problem is not None:
            return []  # the *-resolves rule says it
        found = [(SERVER_HEAD, head_problem)] if head_problem else []
        total = "N" if got.size is None else str(got.size)
        with self._request(url, headers={"Range": "bytes=0-1"}) as reply:
            # A server that ignores Range sends the whole file: close without reading it.
            span = reply.headers.get("Content-Range") if reply.headers is not None else None
        wanted = f"206 with 'Content-Range: bytes 0-1/{total}' for 'Range: bytes=0-1'"
        match = re.fullmatch(r"bytes 0-1/(\d+|\*)", (span or "").strip())
        if reply.status != 206 or match is None:
            detail = f" with Content-Range {span!r}" if span else " without Content-Range"
            found.append((SERVER_RANGE, f"expected {wanted}, got {reply.reason}{detail}"))
        elif got.size is not None and match.group(1) not in (str(got.size), "*"):
            found.append((SERVER_RANGE, expected(wanted, span)))
        return found
