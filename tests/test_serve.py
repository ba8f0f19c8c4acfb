"""The preview server, over real sockets on 127.0.0.1.

Requests go through http.client, which sends the request target exactly as
given (no normalisation of ``..`` or ``//``), so traversal attempts reach the
server as an attacker would send them.
"""

from __future__ import annotations

import email.utils
import http.client
import os
import random
import socket
import struct
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from audio_feed import serve
from audio_feed.errors import EnvironmentProblem, InputError
from audio_feed.serve import PreviewServer, feed_url, make_server, parse_range
from audio_feed.writer import MARKER, MARKER_LINE

AUDIO = random.Random(20240611).randbytes(5000)
BIG = random.Random(7).randbytes(300_000)  # several CHUNK_SIZE chunks
SECRET = b"outside the site: must never be served\n"
FEED = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel/></rss>\n'
HOME = b"<!doctype html><title>home</title>\n"
EPISODE = b"<!doctype html><title>episode a</title>\n"
OTHER_TYPES = {
    "audio/x.m4a": "audio/x-m4a",  # what Apple documents, as the feed says
    "audio/LOUD.MP3": "audio/mpeg",
    "chapters.json": "application/json",
    "transcript.vtt": "text/vtt; charset=utf-8",
    "transcript.srt": "application/x-subrip; charset=utf-8",
    "transcript.html": "text/html; charset=utf-8",
    "sitemap.xml": "application/xml; charset=utf-8",
    "artwork.png": "image/png",
    "cover.jpg": "image/jpeg",
    "photo.jpeg": "image/jpeg",
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "data.bin": "application/octet-stream",
    "README": "application/octet-stream",
}


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def ask(server: PreviewServer, target: str, method: str = "GET",
        headers: dict[str, str] | None = None, body: bytes | None = None) -> Reply:
    """One request on a fresh connection, the target sent byte for byte."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def raw(server: PreviewServer, request: bytes) -> bytes:
    """Send bytes as they are and read until the server closes."""
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def running(site: Path, log: list[str] | None = None) -> Iterator[PreviewServer]:
    server = make_server(site, log=None if log is None else log.append)
    # A short poll interval so that shutdown() returns quickly.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              name="preview-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def build_site(root: Path) -> Path:
    """A small built site, plus files and folders beside it that must stay private."""
    site = root / "site"
    (site / "audio").mkdir(parents=True)
    (site / "episodes" / "a").mkdir(parents=True)
    (site / "episodes" / "empty").mkdir()
    (site / "feed.xml").write_bytes(FEED)
    (site / MARKER).write_text(MARKER_LINE)
    (site / "index.html").write_bytes(HOME)
    (site / "episodes" / "a" / "index.html").write_bytes(EPISODE)
    (site / "episodes" / "empty" / "notes.txt").write_text("a folder without an index\n")
    (site / "audio" / "x.mp3").write_bytes(AUDIO)
    (site / "audio" / "big.mp3").write_bytes(BIG)
    (site / "audio" / "with space.mp3").write_bytes(AUDIO[:10])
    (site / "empty.mp3").write_bytes(b"")
    for rel in OTHER_TYPES:
        (site / rel).write_bytes(rel.encode())
    (root / "secret.txt").write_bytes(SECRET)
    (root / "outside").mkdir()
    (root / "outside" / "index.html").write_bytes(SECRET)
    (root / "outside" / "secret.txt").write_bytes(SECRET)
    try:
        (site / "leak.txt").symlink_to(root / "secret.txt")
        (site / "leakdir").symlink_to(root / "outside", target_is_directory=True)
        (site / "episodes" / "b").mkdir()
        (site / "episodes" / "b" / "index.html").symlink_to(root / "outside" / "index.html")
        (site / "inside.mp3").symlink_to(Path("audio") / "x.mp3")
    except OSError:  # pragma: no cover - Windows without symlink rights
        pass
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[PreviewServer]:
    with running(site) as s:
        yield s


# -- whole files ---------------------------------------------------------------------

def test_get_whole_file(server: PreviewServer, site: Path) -> None:
    r = ask(server, "/audio/x.mp3")
    assert r.status == 200
    assert r.body == AUDIO
    assert r.headers["Content-Type"] == "audio/mpeg"
    assert r.headers["Content-Length"] == str(len(AUDIO))
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["Content-Range"] is None
    mtime = int((site / "audio" / "x.mp3").stat().st_mtime)
    assert email.utils.parsedate_to_datetime(r.headers["Last-Modified"]).timestamp() == mtime
    assert r.headers["ETag"].startswith('"') and r.headers["ETag"].endswith('"')
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["Server"] == "audio-feed-preview"


def test_large_file_streams_in_chunks(server: PreviewServer) -> None:
    r = ask(server, "/audio/big.mp3")
    assert (r.status, r.body) == (200, BIG)
    span = ask(server, "/audio/big.mp3", headers={"Range": "bytes=65000-200000"})
    assert (span.status, span.body) == (206, BIG[65000:200001])


def test_empty_file(server: PreviewServer) -> None:
    r = ask(server, "/empty.mp3")
    assert (r.status, r.body, r.headers["Content-Length"]) == (200, b"", "0")
    r = ask(server, "/empty.mp3", headers={"Range": "bytes=0-"})
    assert (r.status, r.headers["Content-Range"]) == (416, "bytes */0")


@pytest.mark.parametrize("target", ["/audio/x.mp3", "/feed.xml", "/", "/episodes/a/"])
def test_head_sends_get_headers_without_body(server: PreviewServer, target: str) -> None:
    get = ask(server, target)
    head = ask(server, target, method="HEAD")
    assert head.status == get.status == 200
    assert head.body == b""
    without_date = [(k, v) for k, v in get.headers.items() if k != "Date"]
    assert [(k, v) for k, v in head.headers.items() if k != "Date"] == without_date


def test_head_ignores_range(server: PreviewServer) -> None:
    # RFC 9110 14.2: range handling is defined for GET only.
    r = ask(server, "/audio/x.mp3", method="HEAD", headers={"Range": "bytes=0-99"})
    assert (r.status, r.body) == (200, b"")
    assert r.headers["Content-Length"] == str(len(AUDIO))
    assert r.headers["Content-Range"] is None


def test_keep_alive_across_answers(server: PreviewServer) -> None:
    """Every answer's Content-Length is right, so one connection carries them all."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        seen = []
        first_socket = None
        for method, target, headers in [
            ("GET", "/audio/x.mp3", {"Range": "bytes=0-9"}),
            ("HEAD", "/audio/x.mp3", {}),
            ("GET", "/missing", {}),
            ("GET", "/audio/x.mp3", {"Range": "bytes=999999-"}),
            ("GET", "/episodes/a", {}),
            ("GET", "/feed.xml", {}),
        ]:
            conn.request(method, target, headers=headers)
            first_socket = first_socket or conn.sock
            assert conn.sock is first_socket
            resp = conn.getresponse()
            body = resp.read()
            assert int(resp.headers["Content-Length"]) == len(body) or method == "HEAD"
            assert not resp.will_close
            seen.append(resp.status)
        assert seen == [206, 200, 404, 416, 301, 200]
        assert body == FEED
    finally:
        conn.close()


# -- ranges --------------------------------------------------------------------------

SIZE = len(AUDIO)


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, SIZE - 1),
    ("bytes=-500", SIZE - 500, SIZE - 1),
    ("bytes=0-0", 0, 0),
    (f"bytes={SIZE - 1}-", SIZE - 1, SIZE - 1),
    ("bytes=4000-999999", 4000, SIZE - 1),  # end past the size: clamped
    ("bytes=-999999", 0, SIZE - 1),  # suffix longer than the file: all of it
    ("Bytes=10-19", 10, 19),  # the unit is case-insensitive
    ("bytes=10-19,", 10, 19),  # an empty list element is not a second range
])
def test_range(server: PreviewServer, header: str, first: int, last: int) -> None:
    r = ask(server, "/audio/x.mp3", headers={"Range": header})
    assert r.status == 206
    assert r.body == AUDIO[first:last + 1]
    assert r.headers["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert r.headers["Content-Length"] == str(last - first + 1)
    assert r.headers["Content-Type"] == "audio/mpeg"
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["ETag"] and r.headers["Last-Modified"]


def test_range_works_on_every_file(server: PreviewServer) -> None:
    r = ask(server, "/feed.xml", headers={"Range": "bytes=0-4"})
    assert (r.status, r.body) == (206, FEED[:5])
    assert r.headers["Content-Range"] == f"bytes 0-4/{len(FEED)}"
    r = ask(server, "/episodes/a/", headers={"Range": "bytes=-6"})
    assert (r.status, r.body) == (206, EPISODE[-6:])


@pytest.mark.parametrize("header", [
    "bytes=999999-",
    f"bytes={SIZE}-",
    f"bytes={SIZE}-{SIZE + 10}",
    "bytes=500-100",
    "bytes=-0",
    "bytes=" + "9" * 5000 + "-",  # longer than Python will parse as an int
])
def test_unsatisfiable_range(server: PreviewServer, header: str) -> None:
    r = ask(server, "/audio/x.mp3", headers={"Range": header})
    assert r.status == 416
    assert r.headers["Content-Range"] == f"bytes */{SIZE}"
    assert r.headers["Content-Length"] == str(len(r.body))
    assert AUDIO[:16] not in r.body


@pytest.mark.parametrize("header", [
    "bytes=0-1,5-6",  # several ranges: documented as answered with the whole file
    "bytes=0-1, 5-6, 10-",
    "items=0-5",  # another unit
    "bytes=abc",
    "bytes=-",
    "bytes=1-2-3",
    "bytes 0-5",
])
def test_range_answered_with_whole_file(server: PreviewServer, header: str) -> None:
    r = ask(server, "/audio/x.mp3", headers={"Range": header})
    assert (r.status, r.body) == (200, AUDIO)
    assert r.headers["Content-Range"] is None
    assert r.headers["Content-Length"] == str(SIZE)


def test_if_range(server: PreviewServer) -> None:
    etag = ask(server, "/audio/x.mp3", method="HEAD").headers["ETag"]
    modified = ask(server, "/audio/x.mp3", method="HEAD").headers["Last-Modified"]
    for validator in (etag, modified):
        r = ask(server, "/audio/x.mp3", headers={"Range": "bytes=0-9", "If-Range": validator})
        assert (r.status, r.body) == (206, AUDIO[:10])
    for stale in ('"0-0"', "W/" + etag, "Thu, 01 Jan 1970 00:00:00 GMT"):
        r = ask(server, "/audio/x.mp3", headers={"Range": "bytes=0-9", "If-Range": stale})
        assert (r.status, r.body) == (200, AUDIO)


def test_if_none_match(server: PreviewServer) -> None:
    etag = ask(server, "/audio/x.mp3", method="HEAD").headers["ETag"]
    for header in (etag, f'"other", W/{etag}', "*"):
        r = ask(server, "/audio/x.mp3", headers={"If-None-Match": header})
        assert (r.status, r.body, r.headers["ETag"]) == (304, b"", etag)
    r = ask(server, "/audio/x.mp3", headers={"If-None-Match": '"other"'})
    assert (r.status, r.body) == (200, AUDIO)


@pytest.mark.parametrize(("header", "size", "expected"), [
    ("bytes=0-99", 1000, (0, 99)),
    ("bytes=990-", 1000, (990, 999)),
    ("bytes=-10", 1000, (990, 999)),
    ("bytes=-10", 5, (0, 4)),
    ("bytes=0-5000", 1000, (0, 999)),
    (" bytes =0-1", 1000, (0, 1)),
    ("bytes=0-1,2-3", 1000, None),
    ("pages=1-2", 1000, None),
    ("bytes=x-1", 1000, None),
    ("bytes=", 1000, None),
    ("bytes", 1000, None),
])
def test_parse_range(header: str, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [
    ("bytes=1000-", 1000), ("bytes=5-4", 1000), ("bytes=-0", 1000), ("bytes=-5", 0),
    ("bytes=0-0", 0), ("bytes=" + "1" * 5000 + "-", 10),
])
def test_parse_range_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(serve.Unsatisfiable):
        parse_range(header, size)


# -- content types -------------------------------------------------------------------

@pytest.mark.parametrize(("target", "expected"), [
    ("/feed.xml", "application/rss+xml; charset=utf-8"),
    ("/audio/x.mp3", "audio/mpeg"),
    ("/", "text/html; charset=utf-8"),
    *((f"/{rel}", ctype) for rel, ctype in OTHER_TYPES.items()),
])
def test_content_type(server: PreviewServer, target: str, expected: str) -> None:
    r = ask(server, target)
    assert r.status == 200
    assert r.headers["Content-Type"] == expected


# -- folders and paths ---------------------------------------------------------------

def test_folder_serves_its_index(server: PreviewServer) -> None:
    assert ask(server, "/").body == HOME
    r = ask(server, "/episodes/a/")
    assert (r.status, r.body) == (200, EPISODE)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(("target", "location"), [
    ("/episodes/a", "/episodes/a/"),
    ("/episodes/a?utm=x", "/episodes/a/"),  # the query string is ignored
    ("/episodes/%61", "/episodes/a/"),
])
def test_folder_without_slash_redirects(server: PreviewServer, target: str, location: str) -> None:
    r = ask(server, target)
    assert r.status == 301
    assert r.headers["Location"] == location


@pytest.mark.parametrize("target", [
    "/episodes/", "/episodes", "/episodes/empty/", "/episodes/empty", "/audio/",
])
def test_folder_without_index_is_not_listed(server: PreviewServer, target: str) -> None:
    r = ask(server, target)
    assert r.status == 404
    for name in (b"notes.txt", b"x.mp3", b"a/", b"empty", b"<a"):
        assert name not in r.body


@pytest.mark.parametrize(("target", "expected"), [
    ("/feed.xml?v=2", FEED),
    ("/feed.xml?", FEED),
    ("/audio/%78.mp3", AUDIO),
    ("/audio/with%20space.mp3", AUDIO[:10]),
    ("/inside.mp3", AUDIO),  # a symlink that stays inside the site is fine
])
def test_paths_that_are_served(server: PreviewServer, target: str, expected: bytes) -> None:
    r = ask(server, target)
    assert (r.status, r.body) == (200, expected)


@pytest.mark.parametrize("target", ["/missing.mp3", "/feed.xml/", "/audio/x.mp3/", "/.."])
def test_not_found(server: PreviewServer, target: str) -> None:
    assert ask(server, target).status == 404


def _passwd() -> bytes:
    try:
        return Path("/etc/passwd").read_bytes()[:64]
    except OSError:  # pragma: no cover - no such file on this system
        return b"root:"


@pytest.mark.parametrize("target", [
    "/../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/audio/..%2f..%2fetc/passwd",
    "//etc/passwd",
    "/../secret.txt",
    "/audio/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/audio/..%2f..%2fsecret.txt",
    "/audio/..%5c..%5csecret.txt",
    "/./../secret.txt",
    "/audio//../../secret.txt",
    "/leak.txt",  # symlink to a file outside
    "/leakdir/secret.txt",  # symlink to a folder outside
    "/leakdir/",
    "/episodes/b/",  # an index.html that links outside
    "/%00/etc/passwd",
])
def test_traversal_is_refused(server: PreviewServer, site: Path, target: str) -> None:
    needs_symlinks = "leak" in target or "/b/" in target
    if needs_symlinks and not (site / "leak.txt").is_symlink():  # pragma: no cover
        pytest.skip("symlinks are not available")
    r = ask(server, target)
    assert r.status in (400, 404)
    assert SECRET not in r.body
    assert _passwd() not in r.body


def test_absolute_path_is_refused(server: PreviewServer, site: Path) -> None:
    outside = (site.parent / "secret.txt").resolve()
    for target in ("/" + outside.as_posix(), "/" + outside.as_posix().replace("/", "%2f")):
        r = ask(server, target)
        assert r.status in (400, 404)
        assert SECRET not in r.body


@pytest.mark.parametrize("target", ["*", "http://127.0.0.1/feed.xml", "feed.xml", "/%ff"])
def test_targets_that_are_not_site_paths(server: PreviewServer, target: str) -> None:
    r = ask(server, target)
    assert r.status == 400
    assert FEED not in r.body


# -- methods -------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_other_methods_are_not_allowed(server: PreviewServer, method: str) -> None:
    r = ask(server, "/feed.xml", method=method, body=b"x=1")
    assert r.status == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert FEED not in r.body


# -- logging, errors, addresses ------------------------------------------------------

def test_one_log_line_per_request(site: Path) -> None:
    lines: list[str] = []
    with running(site, lines) as server:
        ask(server, "/feed.xml")
        ask(server, "/audio/x.mp3", headers={"Range": "bytes=0-9"})
        ask(server, "/nope")
        ask(server, "/", method="POST")
        raw(server, b"GET /\x1b[31m HTTP/1.1\r\nConnection: close\r\n\r\n")
        raw(server, b"NONSENSE\r\n\r\n")
    assert lines == [
        '127.0.0.1 "GET /feed.xml HTTP/1.1" 200',
        '127.0.0.1 "GET /audio/x.mp3 HTTP/1.1" 206',
        '127.0.0.1 "GET /nope HTTP/1.1" 404',
        '127.0.0.1 "POST / HTTP/1.1" 405',
        '127.0.0.1 "GET /\\x1b[31m HTTP/1.1" 404',
        '127.0.0.1 "NONSENSE" 400',
    ]


def test_silent_by_default(server: PreviewServer, capfd: pytest.CaptureFixture[str]) -> None:
    ask(server, "/feed.xml")
    ask(server, "/nope")
    raw(server, b"NONSENSE\r\n\r\n")
    assert capfd.readouterr() == ("", "")


def _handler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def test_client_hanging_up_mid_file(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    site = build_site(tmp_path)
    with (site / "audio" / "long.mp3").open("wb") as f:
        f.truncate(256 * 1024 * 1024)  # sparse: costs no disk, far more than socket buffers
    lines: list[str] = []
    with running(site, lines) as server:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as s:
            s.sendall(b"GET /audio/long.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 200")
            # Reset rather than close politely, as a player seeking away does.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        deadline = time.monotonic() + 10
        while _handler_threads() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not _handler_threads()
        assert ask(server, "/feed.xml").body == FEED  # still serving
    assert capfd.readouterr() == ("", "")
    assert lines == ['127.0.0.1 "GET /audio/long.mp3 HTTP/1.1" 200',
                     '127.0.0.1 "GET /feed.xml HTTP/1.1" 200']


def test_unexpected_error_is_logged_not_printed(site: Path, monkeypatch: pytest.MonkeyPatch,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    def broken(self: serve.PreviewHandler, send_body: bool) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(serve.PreviewHandler, "_serve", broken)
    lines: list[str] = []
    with running(site, lines) as server, pytest.raises(http.client.RemoteDisconnected):
        ask(server, "/feed.xml")
    assert capfd.readouterr() == ("", "")
    assert len(lines) == 1 and "ValueError('boom')" in lines[0]


def test_missing_site_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        make_server(tmp_path / "_site")
    assert e.value.exit_code == 2
    assert e.value.lines() == [
        f"{tmp_path / '_site'}: expected a built site folder (run audio-feed build), "
        f"got no such folder"]
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="got a file"):
        make_server(tmp_path / "file")


def test_port_in_use(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EnvironmentProblem, match=f"cannot listen on 127.0.0.1:{port}"):
            make_server(site, port=port)


def test_binds_loopback_and_picks_a_port(server: PreviewServer) -> None:
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and port > 0
    assert feed_url(server) == f"http://127.0.0.1:{port}/feed.xml"
    with urllib.request.urlopen(feed_url(server), timeout=10) as resp:
        assert resp.read() == FEED
        assert resp.headers["Content-Type"] == "application/rss+xml; charset=utf-8"


@pytest.mark.parametrize(("host", "expected"), [
    ("0.0.0.0", "http://127.0.0.1:8000/feed.xml"),
    ("::", "http://[::1]:8000/feed.xml"),
    ("::1", "http://[::1]:8000/feed.xml"),
    ("192.168.1.5", "http://192.168.1.5:8000/feed.xml"),
])
def test_feed_url_for_other_hosts(host: str, expected: str) -> None:
    # Only the address is read, so no socket is opened on anything but loopback.
    fake = SimpleNamespace(server_address=(host, 8000, 0, 0) if ":" in host else (host, 8000))
    assert feed_url(fake) == expected  # type: ignore[arg-type]


def test_site_swapped_by_a_rebuild(tmp_path: Path) -> None:
    """The writer replaces the whole folder; the server follows the new one."""
    site = build_site(tmp_path)
    with running(site) as server:
        assert ask(server, "/feed.xml").body == FEED
        os.replace(site, tmp_path / "old")
        assert ask(server, "/feed.xml").status == 404
        site.mkdir()
        (site / "feed.xml").write_bytes(b"<rss/>")
        assert ask(server, "/feed.xml").body == b"<rss/>"


def test_build_serve_points_the_feed_at_the_preview(tiny_show: Path, tmp_path: Path) -> None:
    """`audio-feed serve` end to end: build for a loopback base URL, serve, subscribe."""
    import urllib.request

    import podcastparser

    from conftest import served_build

    out = tmp_path / "site"
    with served_build(tiny_show, out) as base:
        url = base + "feed.xml"
        with urllib.request.urlopen(url) as r:
            parsed = podcastparser.parse(url, r)
        assert len(parsed["episodes"]) == 3
        for episode in parsed["episodes"]:
            enclosure = episode["enclosures"][0]
            with urllib.request.urlopen(enclosure["url"]) as r:
                data = r.read()
            local = out / enclosure["url"].removeprefix(base)
            assert data == local.read_bytes() and len(data) == enclosure["file_size"]
