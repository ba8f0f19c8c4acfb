"""A preview server for a built site: ``audio-feed serve`` without a web server.

Standard library only. It serves the files of one folder and nothing else:

- GET and HEAD; any other method is answered 405 with ``Allow: GET, HEAD``.
- Byte ranges on every file, because podcast apps and the browser's ``<audio>``
  element seek with them: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` give 206
  with ``Content-Range``; a range that cannot be satisfied (it starts at or past
  the end, ends before it starts, or asks for the last 0 bytes) gives 416 with
  ``Content-Range: bytes */size``.
- **Several ranges** in one header (``bytes=0-1,5-6``) are answered 200 with the
  whole file, which RFC 9110 (section 14.2) allows; nothing here needs
  ``multipart/byteranges`` and players never ask for it. A Range header that is
  not a byte range at all (another unit, ``bytes=abc``) is ignored the same way.
- A Range header on HEAD is ignored (RFC 9110 defines ranges for GET only), so
  HEAD always describes the whole file with the same headers a plain GET gets.
- ``If-Range`` is honoured (a stale validator gets the whole file, so a resumed
  download never splices two builds together) and ``If-None-Match`` gets 304.
  Every answer says ``Cache-Control: no-cache``: the point of a preview is to
  show the latest build, so the browser must revalidate each time.
- A folder is served through its ``index.html``; ``/episodes/x`` redirects (301)
  to ``/episodes/x/``. A folder without ``index.html`` is 404, never a listing.
- Only a folder audio-feed built (it holds the ``.audio-feed-site`` marker) is
  served, and no name starting with a dot ever is (the marker, ``.git``, a
  cache): 404, whether asked for directly or reached through a symlink.
- A path that would leave the site folder (``..`` in any encoding, an encoded
  slash, an absolute path, a symlink pointing outside) is 404; a request target
  that is not a path at all is 400. The query string is ignored.
- Files are streamed in chunks, so a long episode is never held in memory.
- Each request is reported as one line through the ``log`` callable (default:
  silent), because only the command line prints.

Usage::

    server = make_server(Path("_site"), port=8000, log=click.echo)
    click.echo(f"serving {feed_url(server)}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

Note that feed.xml links its enclosures to the show's ``base_url``: a podcast
app that subscribes to the preview feed fetches audio from there unless the site
was built with ``--base-url`` pointing at this server.
"""

from __future__ import annotations

import email.utils
import io
import os
import re
import socket
import socketserver
import stat
import sys
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

from audio_feed.constants import MIME_TYPES, TEXT_TYPES
from audio_feed.errors import EnvironmentProblem, InputError, Problem
from audio_feed.writer import MARKER

ALLOWED_METHODS = ("GET", "HEAD")
CHUNK_SIZE = 64 * 1024
"""Bytes read and sent at a time; big enough to keep the socket busy, small
enough that a many-hour episode costs no memory."""

_UTF8 = "; charset=utf-8"
CONTENT_TYPES: dict[str, str] = {
    suffix: mime + (_UTF8 if mime in TEXT_TYPES else "") for suffix, mime in MIME_TYPES.items()}
"""Content-Type by lower-cased suffix. A fixed table rather than :mod:`mimetypes`,
which reads the machine's ``/etc/mime.types`` and so answers differently on
different machines (``.m4a`` and ``.vtt`` especially)."""
FEED_TYPE = "application/rss+xml" + _UTF8
DEFAULT_TYPE = "application/octet-stream"

_BYTE_RANGE = re.compile(r"(\d*)-(\d*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def content_type(path: Path) -> str:
    """The Content-Type header for a file of the site."""
    if path.name == "feed.xml":
        return FEED_TYPE
    return CONTENT_TYPES.get(path.suffix.lower(), DEFAULT_TYPE)


class Unsatisfiable(Exception):
    """The Range header is a byte range, but not one this file can satisfy."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions one Range header asks for.

    ``None`` means "send the whole file": the header is not a byte range this
    server honours (another unit, not a range at all, or several ranges).
    Raises :class:`Unsatisfiable` for a well-formed byte range that selects
    nothing in a file of ``size`` bytes.
    """
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    ranges = [r.strip() for r in spec.split(",") if r.strip()]
    if len(ranges) != 1:
        return None
    match = _BYTE_RANGE.fullmatch(ranges[0])
    if match is None or match.group(0) == "-":
        return None
    try:
        first = int(match.group(1)) if match.group(1) else None
        last = int(match.group(2)) if match.group(2) else None
    except ValueError:
        # Python refuses to parse integers of thousands of digits; a number that
        # long is far past the end of any file.
        raise Unsatisfiable(header) from None
    if first is None:
        assert last is not None  # the regex and the "-" check guarantee one of them
        if last == 0 or size == 0:
            raise Unsatisfiable(header)
        return max(0, size - last), size - 1
    if first >= size or (last is not None and last < first):
        raise Unsatisfiable(header)
    return first, size - 1 if last is None else min(last, size - 1)


def _etag(st: os.stat_result) -> str:
    # Size and mtime in nanoseconds: the writer carries unchanged files over with
    # their mtime, so an unchanged episode keeps its ETag across rebuilds.
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}"'


def _tags(header: str) -> Iterable[str]:
    for tag in header.split(","):
        tag = tag.strip()
        yield tag[2:] if tag.startswith("W/") else tag


class PreviewServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that knows the site folder and where to log."""

    request_queue_size = 256
    """The listen backlog: a player or a page opens many connections at once,
    and socketserver's default of 5 drops some of them."""

    def __init__(self, site: Path, address: tuple[str, int], log: Callable[[str], None]) -> None:
        self.site = site
        self.log = log
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host up with socket.getfqdn, which can
        # hang for seconds on a machine with slow reverse DNS; nothing here
        # needs the name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        # The default prints a traceback to stderr; only the command line prints.
        # A client that hangs up mid-file (a player seeking) is not an error.
        exc = sys.exc_info()[1]
        if exc is None or isinstance(exc, ConnectionError | TimeoutError):
            return
        who = client_address[0] if isinstance(client_address, tuple) else client_address
        self.log(f"{who} error while answering: {exc!r}")


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD for the files of ``server.site``."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"  # keep-alive: players send many small range requests
    server_version = "audio-feed-preview"
    # Headers and body leave in separate writes; with Nagle's algorithm the body
    # of a small answer on a kept-alive connection waits for the client's
    # delayed ACK (about 40 ms each time).
    disable_nagle_algorithm = True
    timeout = 60
    """Seconds an idle keep-alive connection may hold a thread."""

    # -- methods -----------------------------------------------------------

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.command not in ALLOWED_METHODS:
            # Answered here rather than by do_POST and friends so that every
            # method, even an invented one, gets 405 and not the stdlib's 501.
            self.close_connection = True  # its body, if any, is left unread
            self._send_plain(HTTPStatus.METHOD_NOT_ALLOWED,
                             {"Allow": ", ".join(ALLOWED_METHODS)})
            return False
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or \
                "Transfer-Encoding" in self.headers:
            # A GET with a body: it is never read, so the connection cannot be reused.
            self.close_connection = True
        return True

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def version_string(self) -> str:
        """The Server header, without the Python version the stdlib appends."""
        return self.server_version

    # -- logging -----------------------------------------------------------

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request, through the caller's ``log``."""
        code = code.value if isinstance(code, HTTPStatus) else code
        # The request line comes off the network: keep control characters out
        # of the terminal the command line prints to.
        line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", self.requestline)
        self.server.log(f'{self.client_address[0]} "{line}" {code}')

    def log_message(self, format: str, *args: object) -> None:
        # The stdlib writes errors and timeouts to stderr; log_request already
        # reports every answer, so anything else is dropped.
        pass

    # -- answers -----------------------------------------------------------

    def _send_plain(self, status: HTTPStatus, headers: dict[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" + _UTF8)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, send_body: bool) -> None:
        target = self._locate()
        if isinstance(target, HTTPStatus):
            self._send_plain(target)
            return
        if isinstance(target, str):
            self._send_plain(HTTPStatus.MOVED_PERMANENTLY, {"Location": target})
            return
        try:
            f = target.open("rb")
        except OSError:
            self._send_plain(HTTPStatus.NOT_FOUND)
            return
        with f:
            # Size and dates from the open file, not the path: a rebuild may swap
            # the folder between the lookup and now.
            st = os.fstat(f.fileno())
            self._send_file(f, st, content_type(target), send_body)

    def _send_file(self, f: io.BufferedReader, st: os.stat_result, ctype: str,
                   send_body: bool) -> None:
        size = st.st_size
        etag = _etag(st)
        validators = {
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True),
            "Cache-Control": "no-cache",
            "Accept-Ranges": "bytes",
        }
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None and any(
                t in ("*", etag) for t in _tags(if_none_match)):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return

        span: tuple[int, int] | None = None
        range_header = self.headers.get("Range")
        if range_header is not None and self.command == "GET" and self._if_range_holds(validators):
            try:
                span = parse_range(range_header, size)
            except Unsatisfiable:
                self._send_plain(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                                 {**validators, "Content-Range": f"bytes */{size}"})
                return

        first, last = span if span is not None else (0, size - 1)
        self.send_response(HTTPStatus.OK if span is None else HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(last - first + 1))
        if span is not None:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        for name, value in validators.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self._copy(f, first, last - first + 1)

    def _if_range_holds(self, validators: dict[str, str]) -> bool:
        """Whether a Range header may be honoured given ``If-Range`` (RFC 9110 13.1.5)."""
        if_range = self.headers.get("If-Range")
        if if_range is None:
            return True
        if_range = if_range.strip()
        if if_range.startswith(('"', "W/")):
            # A strong comparison: a weak tag never matches.
            return if_range == validators["ETag"]
        return if_range == validators["Last-Modified"]

    def _copy(self, f: io.BufferedReader, offset: int, length: int) -> None:
        f.seek(offset)
        buffer = bytearray(min(CHUNK_SIZE, max(length, 1)))
        view = memoryview(buffer)
        while length > 0:
            n = f.readinto(view[: min(length, len(buffer))])
            if not n:
                # The file shrank under us; the promised Content-Length can no
                # longer be met, so the client must not reuse the connection.
                self.close_connection = True
                return
            try:
                self.wfile.write(view[:n])
            except ConnectionError:
                # The player seeked or gave up: normal for audio.
                self.close_connection = True
                return
            length -= n

    def _locate(self) -> Path | str | HTTPStatus:
        return locate(self.server.site, self.path)


def locate(site: Path, path: str) -> Path | str | HTTPStatus:
    """The file of ``site`` a request ``path`` names, a redirect location (str), or an
    error status.

    The path is split on ``/`` *before* percent-decoding, so an encoded
    slash stays inside its segment and is refused there. Every decoded
    segment must be a plain name, and the resolved file (after symlinks)
    must still lie inside the resolved site folder.
    """
    raw = path.split("?", 1)[0].split("#", 1)[0]
    if not raw.startswith("/"):
        # "*", or an absolute URL: not a path of this site.
        return HTTPStatus.BAD_REQUEST
    pieces = raw[1:].split("/")
    wants_folder = pieces[-1] == ""
    if wants_folder:
        pieces.pop()
    names: list[str] = []
    for piece in pieces:
        try:
            name = unquote(piece, errors="strict")
        except UnicodeDecodeError:
            return HTTPStatus.BAD_REQUEST
        # An empty segment is how "//etc/passwd" would become an absolute path;
        # "\\" is a separator on Windows; NUL ends a path in C.
        if name.startswith(".") or name == "" or any(c in name for c in "/\\\0"):
            return HTTPStatus.NOT_FOUND
        names.append(name)

    try:
        # Resolved on each request: a rebuild swaps the whole folder.
        root = site.resolve(strict=True)
        found = root.joinpath(*names).resolve(strict=True)
        if not found.is_relative_to(root) or _hidden(found.relative_to(root)):
            return HTTPStatus.NOT_FOUND
        mode = found.stat().st_mode
        if stat.S_ISDIR(mode):
            index = (found / "index.html").resolve(strict=True)
            if not index.is_relative_to(root) or not index.is_file() \
                    or _hidden(index.relative_to(root)):
                return HTTPStatus.NOT_FOUND
            if not wants_folder:
                return "/" + "".join(quote(n, safe="") + "/" for n in names)
            return index
    except (OSError, RuntimeError):
        # RuntimeError: a symlink loop, on Python before 3.13.
        return HTTPStatus.NOT_FOUND
    if wants_folder or not stat.S_ISREG(mode):
        return HTTPStatus.NOT_FOUND
    return found


def make_server(site: Path, host: str = "127.0.0.1", port: int = 0,
                log: Callable[[str], None] | None = None,
                must_exist: bool = True) -> PreviewServer:
    """A server for the built site in ``site``, listening but not yet serving.

    ``host`` is loopback by default so the preview is not shared with the
    network; ``port`` 0 lets the system pick a free port (read it back from
    ``server.server_address[1]`` or :func:`feed_url`). ``log`` receives one
    line per request, from the server's worker threads.

    Call ``server.serve_forever()`` to serve, ``server.shutdown()`` from another
    thread to stop, and ``server.server_close()`` to release the port.

    ``must_exist=False`` lets ``build --serve`` listen (and so learn its port)
    before the site it builds exists.

    Raises :class:`InputError` when ``site`` is not a folder audio-feed built and
    :class:`EnvironmentProblem` when the address cannot be listened on.
    """
    if must_exist and not (site / MARKER).is_file():
        found = ("a folder audio-feed did not build (no .audio-feed-site in it)"
                 if site.is_dir() else "a file" if site.exists() else "no such folder")
        raise InputError([Problem(str(site), None,
                                  f"expected a built site folder (run audio-feed build), "
                                  f"got {found}")])
    try:
        return PreviewServer(site, (host, port), log or _silent)
    except OSError as e:
        raise EnvironmentProblem(
            f"cannot listen on {host}:{port}: {e.strerror or e}") from e


def feed_url(server: ThreadingHTTPServer) -> str:
    """The address of the feed, e.g. ``http://127.0.0.1:8000/feed.xml``.

    A server listening on every interface is reached through loopback.
    """
    host, port = str(server.server_address[0]), int(server.server_address[1])
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/feed.xml"


def _hidden(rel: Path) -> bool:
    """Whether a site-relative path goes through a dotfile or dot-folder."""
    return any(part.startswith(".") for part in rel.parts)


def _silent(line: str) -> None:
    pass
