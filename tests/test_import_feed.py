"""``audio-feed import feed`` and ``audio:`` URL sources, against a loopback host.

The old host is a tiny HTTP server on 127.0.0.1 that the tests start, serving a
feed written here in the shape common hosts produce and real audio made with
ffmpeg. Nothing leaves the machine.
"""

from __future__ import annotations

import io
import re
import shlex
import shutil
import socket
import sqlite3
import threading
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import podcastparser
import pytest
import yaml
from lxml import etree

from audio_feed import build, download, images
from audio_feed import init as show_init
from audio_feed.errors import EnvironmentProblem, InputError

from conftest import REPO, TINY_TOML, Run, make_tone, served_build


@dataclass
class Host:
    """The old podcast host: path -> (bytes, content type); counts every GET."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)
    """path -> URL it answers 301 with, as an old host does once a show moved."""
    gets: dict[str, int] = field(default_factory=dict)
    base: str = ""


@pytest.fixture
def host() -> Iterator[Host]:
    state = Host()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            state.gets[self.path] = state.gets.get(self.path, 0) + 1
            if self.path in state.moved:
                self.send_response(301)
                self.send_header("Location", state.moved[self.path])
                self.end_headers()
                return
            found = state.files.get(self.path)
            if found is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", found[1])
            self.send_header("Content-Length", str(len(found[0])))
            self.end_headers()
            self.wfile.write(found[0])

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


OLD_GUID = "8f1e2d3c-aaaa-4bbb-8ccc-123456789abc"

GUIDS = ("Buzzsprout-12345678", "{base}/episodes/second-episode",
         "tag:oldhost.example,2025:ep/3 ")
"""A host's opaque id, a URL that is a permalink, and one with a trailing space."""


def old_feed(base: str, new_feed_url: str | None = None) -> bytes:
    """A feed in the shape hosts publish: iTunes tags, CDATA, podcast: tags."""
    moved = f"<itunes:new-feed-url>{new_feed_url}</itunes:new-feed-url>" if new_feed_url else ""
    items = f"""
    <item>
      <title>Pilot &amp; Intro</title>
      <guid isPermaLink="false">{GUIDS[0]}</guid>
      <pubDate>Mon, 05 Jan 2026 08:00:00 +0000</pubDate>
      <description><![CDATA[<p>Our <b>first</b> show. See <a href="https://example.org/x">x</a>.</p>
      <ul><li>one point</li><li>another</li></ul><script>alert(1)</script>]]></description>
      <enclosure url="{base}/audio/one.mp3" length="1234" type="audio/mpeg"/>
      <itunes:season>1</itunes:season>
      <itunes:episode>1</itunes:episode>
      <itunes:episodeType>full</itunes:episodeType>
      <itunes:explicit>false</itunes:explicit>
      <podcast:chapters url="{base}/chapters/1.json" type="application/json+chapters"/>
      <podcast:transcript url="{base}/transcripts/1.vtt" type="text/vtt"/>
    </item>
    <item>
      <title>Second Episode</title>
      <guid>{GUIDS[1].format(base=base)}</guid>
      <pubDate>Mon, 12 Jan 2026 08:00:00 GMT</pubDate>
      <description>Plain text notes, no markup.</description>
      <enclosure url="{base}/audio/two.m4a?src=feed" length="1" type="audio/x-m4a"/>
      <itunes:season>1</itunes:season>
      <itunes:episode>2</itunes:episode>
    </item>
    <item>
      <title>Third</title>
      <guid isPermaLink="false">{GUIDS[2]}</guid>
      <pubDate>Mon, 19 Jan 2026 08:00:00 -0500</pubDate>
      <content:encoded><![CDATA[<h2>Notes</h2><p>Longer notes.</p>]]></content:encoded>
      <description>Short.</description>
      <enclosure url="{base}/audio/three.mp3" length="1" type="audio/mpeg"/>
    </item>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Old Show</title>
    <link>https://oldhost.example/show</link>
    <description><![CDATA[<p>A show that <em>moved</em>.</p>]]></description>
    <language>en-us</language>
    <copyright>2026 Old Show</copyright>
    <itunes:author>Ada Host</itunes:author>
    <itunes:owner><itunes:name>Ada Host</itunes:name>
      <itunes:email>ada@example.org</itunes:email></itunes:owner>
    <itunes:image href="{base}/art.png"/>
    <itunes:category text="Technology"/>
    <itunes:explicit>no</itunes:explicit>
    <podcast:guid>{OLD_GUID}</podcast:guid>
    {moved}{items}
  </channel>
</rss>""".encode()


def png(size: int = 1400) -> bytes:
    out = io.BytesIO()
    from PIL import Image
    Image.new("RGB", (size, size), "teal").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def old_host(host: Host, media: Path, tmp_path: Path) -> Host:
    """The host serving the old feed, its artwork and its three recordings."""
    audio = tmp_path / "old-audio"
    audio.mkdir()
    make_tone(audio / "one.mp3", 4.0, speechy=True)
    make_tone(audio / "three.mp3", 4.4, speechy=True)
    host.files.update({
        "/feed.xml": (old_feed(host.base), "application/rss+xml"),
        "/art.png": (png(), "image/png"),
        "/audio/one.mp3": ((audio / "one.mp3").read_bytes(), "audio/mpeg"),
        "/audio/two.m4a?src=feed": ((media / "body3.m4a").read_bytes(), "audio/mp4"),
        "/audio/three.mp3": ((audio / "three.mp3").read_bytes(), "audio/mpeg"),
    })
    return host


def front(path: Path) -> dict[str, object]:
    text = path.read_text()
    loaded: dict[str, object] = yaml.safe_load(text.split("---\n")[1])
    return loaded


def old_guids(host: Host) -> list[str]:
    parsed = podcastparser.parse(host.base + "/feed.xml",
                                 io.BytesIO(host.files["/feed.xml"][0]))
    return sorted(e["guid"] for e in parsed["episodes"])


def test_import_build_serve_keeps_every_guid(old_host: Host, run: Run, tmp_path: Path) -> None:
    show = tmp_path / "show"
    result = run("import", "feed", old_host.base + "/feed.xml", "--into", show)
    assert result.exit_code == 0, result.output
    posts = sorted((show / "episodes").glob("*.md"))
    assert [p.name for p in posts] == ["2026-01-05-pilot-intro.md",
                                       "2026-01-12-second-episode.md", "2026-01-19-third.md"]
    first = front(posts[0])
    assert first["post_id"] == GUIDS[0] and first["title"] == "Pilot & Intro"
    assert (first["season"], first["episode"]) == (1, 1)
    assert first["chapters_url"] == old_host.base + "/chapters/1.json"
    assert first["transcript_url"] == old_host.base + "/transcripts/1.vtt"
    assert first["audio"] == old_host.base + "/audio/one.mp3"
    body = posts[0].read_text()
    assert "**first**" in body and "[x](https://example.org/x)" in body
    assert "<script" not in body and "alert" not in body
    assert "## Notes" in posts[2].read_text()
    toml = (show / "podcast.toml").read_text()
    for line in ('title = "Old Show"', 'author = "Ada Host"', 'email = "ada@example.org"',
                 'language = "en-us"', 'category = "Technology"', "explicit = false",
                 'artwork = "artwork.png"', f'podcast_guid = "{OLD_GUID}"'):
        assert line in toml

    with served_build(show, tmp_path / "site") as base:
        xml = (tmp_path / "site" / "feed.xml").read_bytes()
        new = podcastparser.parse(base + "feed.xml", io.BytesIO(xml))
        assert sorted(e["guid"] for e in new["episodes"]) == old_guids(old_host)
        for episode in new["episodes"]:
            url = episode["enclosures"][0]["url"]
            with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback
                assert answer.status == 200 and len(answer.read()) > 1000
    channel = etree.fromstring(xml).find("channel")
    assert channel is not None
    assert channel.findtext("{https://podcastindex.org/namespace/1.0}guid") == OLD_GUID


def test_build_downloads_each_url_once(old_host: Host, run: Run, tmp_path: Path) -> None:
    show = tmp_path / "show"
    run("import", "feed", old_host.base + "/feed.xml", "--into", show)
    checked = run("check", show, "--base-url", "https://example.org/new/")
    assert checked.exit_code == 0, checked.output
    assert checked.output.count("not downloaded yet") == 3
    assert not (show / ".audio-feed-cache" / "downloads").exists()
    options = build.BuildOptions(base_url="https://example.org/new/", jobs=2,
                                 skip_if_unchanged=False)
    build.run(show, tmp_path / "site", options)
    build.run(show, tmp_path / "site", options)
    assert old_host.gets["/audio/one.mp3"] == 1
    assert old_host.gets["/audio/two.m4a?src=feed"] == 1
    assert run("check", show, "--base-url", "https://example.org/new/").output.count(
        "not downloaded yet") == 0


def test_download_audio_at_import(old_host: Host, run: Run, tmp_path: Path) -> None:
    show = tmp_path / "show"
    result = run("import", "feed", old_host.base + "/feed.xml", "--into", show,
                 "--download-audio")
    assert result.exit_code == 0, result.output
    assert len(list((show / ".audio-feed-cache/downloads").glob("*.url"))) == 3
    build.run(show, tmp_path / "site", build.BuildOptions(base_url="https://example.org/n/"))
    assert old_host.gets["/audio/three.mp3"] == 1


def test_reimport_adds_only_new_items_and_keeps_edits(old_host: Host, run: Run,
                                                      tmp_path: Path) -> None:
    show = tmp_path / "show"
    run("import", "feed", old_host.base + "/feed.xml", "--into", show)
    edited = show / "episodes" / "2026-01-05-pilot-intro.md"
    edited.write_text(edited.read_text() + "\nMy own note.\n")
    # A post renamed by hand is recognised by its GUID, not its name.
    renamed = show / "episodes" / "2026-01-12-second-episode.md"
    renamed.rename(show / "episodes" / "second.md")
    toml = (show / "podcast.toml").read_text()
    before = {p.name: p.read_bytes() for p in (show / "episodes").glob("*.md")}
    again = run("import", "feed", old_host.base + "/feed.xml", "--into", show)
    assert again.exit_code == 0, again.output
    assert "imported 0 files" in again.output
    assert {p.name: p.read_bytes() for p in (show / "episodes").glob("*.md")} == before
    assert (show / "podcast.toml").read_text() == toml


@pytest.mark.parametrize(("text", "message"), [
    (b"<html><body>not a feed</body></html>",
     "expected an RSS feed (<rss><channel>), got <html>"),
    (b"{\"json\": true}", "expected an RSS feed, got XML that does not parse (Start tag "
     "expected, '<' not found, line 1, column 1)"),
])
def test_not_rss_is_one_line(text: bytes, message: str, run: Run, tmp_path: Path) -> None:
    feed = tmp_path / "old.xml"
    feed.write_bytes(text)
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 2
    assert result.output == f"error: {feed}: {message}\n"
    assert not (tmp_path / "show").exists()


def test_external_entities_are_never_read(run: Run, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    feed = tmp_path / "old.xml"
    feed.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "'
                     + secret.as_uri().encode() + b'">]><rss><channel><title>T&e;</title>'
                     b"</channel></rss>")
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 0, result.output
    assert "SECRET" not in (tmp_path / "show" / "podcast.toml").read_text()


def test_duplicate_guid_names_the_item(run: Run, tmp_path: Path) -> None:
    xml = old_feed("http://127.0.0.1:9").replace(
        GUIDS[2].encode(), GUIDS[0].encode())
    feed = tmp_path / "old.xml"
    feed.write_bytes(xml)
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 2
    assert result.output == (f"error: {feed}: item 3: guid: expected a GUID no other item "
                             f"has (also item 1), got '{GUIDS[0]}'\n")
    assert not (tmp_path / "show").exists()


def url_show(tiny_show: Path, url: str) -> Path:
    (tiny_show / "episodes" / "one.mp3").unlink()
    one = tiny_show / "episodes" / "one.md"
    one.write_text(one.read_text().replace("audience: everyone",
                                           f"audio: {url}\naudience: everyone"))
    return tiny_show


def test_missing_recording_is_bad_input(host: Host, run: Run, tiny_show: Path,
                                        tmp_path: Path) -> None:
    url = host.base + "/gone.mp3"
    show = url_show(tiny_show, url)
    result = run("build", show, "-o", tmp_path / "site")
    assert result.exit_code == 2
    assert f"error: episodes/one.md: audio: expected a URL that serves the file, got HTTP " \
           f"404 from {url}\n" in result.output
    assert not (tmp_path / "site").exists()


def test_unreachable_host_is_a_machine_fault(run: Run, tiny_show: Path, tmp_path: Path) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]
    url = f"http://127.0.0.1:{port}/one.mp3"  # nothing listens there any more
    show = url_show(tiny_show, url)
    result = run("build", show, "-o", tmp_path / "site")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"downloading {url} for episodes/one.md",
        f"error: episodes/one.md: audio: could not download {url}: Connection refused"]


def test_too_big_and_not_audio_are_bad_input(host: Host, tiny_show: Path) -> None:
    host.files["/big.mp3"] = (b"x" * 5000, "audio/mpeg")
    host.files["/page"] = (b"<html></html>", "text/html")
    for path, message in (("/big.mp3", "expected a file of at most 100 bytes"),
                          ("/page", "expected an MP3, M4A or WAV recording")):
        show = url_show(tiny_show, host.base + path) if path == "/big.mp3" else tiny_show
        if path == "/page":
            one = show / "episodes" / "one.md"
            one.write_text(one.read_text().replace(host.base + "/big.mp3", host.base + path))
        with pytest.raises(InputError) as e:
            from audio_feed import read
            read.download_all(show, lambda _line: None, limit=100)
        assert str(e.value).startswith(f"episodes/one.md: audio: {message}")
    assert not download.folder(tiny_show).exists()


def test_paid_posts_urls_are_never_downloaded(host: Host, tiny_show: Path) -> None:
    paid = tiny_show / "episodes" / "paid.md"
    paid.write_text(paid.read_text().replace("audience: only_paid",
                                             f"audio: {host.base}/paid.mp3\naudience: only_paid"))
    from audio_feed import read
    read.download_all(tiny_show, lambda _line: None)
    assert host.gets == {}


def test_new_feed_url_and_kept_podcast_guid(tiny_show: Path, run: Run, tmp_path: Path) -> None:
    toml = tiny_show / "podcast.toml"
    toml.write_text(TINY_TOML + 'new_feed_url = "https://elsewhere.example/feed.xml"\n'
                    f'podcast_guid = "{OLD_GUID.upper()}"\n')
    result = run("build", tiny_show, "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    xml = (tmp_path / "site" / "feed.xml").read_bytes()
    parsed = podcastparser.parse("https://example.org/tiny/feed.xml", io.BytesIO(xml))
    assert parsed["new_url"] == "https://elsewhere.example/feed.xml"
    import feedparser
    assert feedparser.parse(xml).feed["itunes_new-feed-url"] == \
        "https://elsewhere.example/feed.xml"
    assert f"<podcast:guid>{OLD_GUID}</podcast:guid>".encode() in xml
    linted = run("lint", tmp_path / "site")
    assert linted.exit_code == 0, linted.output


def test_url_errors_are_environment_problems_or_input_errors() -> None:
    with pytest.raises(EnvironmentProblem):
        download.get("http://127.0.0.1:9/x.mp3")




def readme_commands(section: str) -> list[list[str]]:
    readme = (REPO / "README.md").read_text()
    text = readme[readme.index(f"## {section}"):]
    block = text[text.index("```sh\n") + 6:text.index("```", text.index("```sh\n") + 6)]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.strip()]


def test_readme_moving_commands_run_as_written(old_host: Host, run: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's commands, with its example host replaced by the loopback one."""
    monkeypatch.chdir(tmp_path)
    commands = readme_commands("Moving an existing podcast")
    assert [c[:2] for c in commands] == [["import", "feed"], ["check", "my-show"],
                                         ["build", "my-show"]]
    for args in commands:
        args = [a.replace("https://old-host.example", old_host.base) for a in args]
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    feed = podcastparser.parse("https://example.org/my-show/feed.xml",
                               io.BytesIO((tmp_path / "_site" / "feed.xml").read_bytes()))
    assert sorted(e["guid"] for e in feed["episodes"]) == old_guids(old_host)


def gpo_rows(home: Path) -> tuple[list[str], dict[int, str]]:
    db = sqlite3.connect(home / "gpodder/Database")
    urls = [r[0] for r in db.execute("SELECT url FROM podcast")]
    rows = dict(db.execute("SELECT id, guid FROM episode"))
    db.close()
    return urls, rows


@pytest.mark.skipif(shutil.which("gpo") is None,
                    reason="gPodder's `gpo` client is not installed (apt-get install gpodder)")
def test_gpodder_follows_the_move_and_sees_no_new_episode(old_host: Host, run: Run,
                                                          tmp_path: Path) -> None:
    from test_e2e_gpodder import gpo
    home = tmp_path / "home"
    home.mkdir()
    old_url = old_host.base + "/feed.xml"
    log = gpo(home, "subscribe", old_url)
    urls, before = gpo_rows(home)
    assert urls == [old_url] and sorted(before.values()) == old_guids(old_host), log

    show = tmp_path / "show"
    assert run("import", "feed", old_url, "--into", show).exit_code == 0
    with served_build(show, tmp_path / "site") as base:
        # The old host now sends apps to the new feed, as hosts do for a show that moved.
        old_host.moved["/feed.xml"] = base + "feed.xml"
        log += gpo(home, "update")
        urls, after = gpo_rows(home)
        assert urls == [base + "feed.xml"], log
        assert after == before, log  # the same episodes, not one of them new
        for url in [e["enclosures"][0]["url"] for e in podcastparser.parse(
                base + "feed.xml", io.BytesIO((tmp_path / "site/feed.xml").read_bytes())
        )["episodes"]]:
            with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback
                assert answer.status == 200


def test_public_post_cannot_publish_a_paid_posts_url(host: Host, tiny_show: Path,
                                                     run: Run) -> None:
    """The sibling of a public post naming a paid post's recording file."""
    url = host.base + "/paid.mp3"
    host.files["/paid.mp3"] = ((tiny_show / "episodes/paid.mp3").read_bytes(), "audio/mpeg")
    paid = tiny_show / "episodes" / "paid.md"
    paid.write_text(paid.read_text().replace("audience: only_paid",
                                             f"audio: {url}\naudience: only_paid"))
    url_show(tiny_show, url)
    result = run("build", tiny_show, "-o", tiny_show.parent / "site")
    assert result.exit_code == 2
    assert "error: episodes/one.md: audio: expected a recording no paid post or draft owns" \
        in result.output


def test_guid_with_control_characters_is_refused(run: Run, tmp_path: Path) -> None:
    feed = tmp_path / "old.xml"
    feed.write_bytes(old_feed("http://127.0.0.1:9").replace(b"Buzzsprout-", b"Buzz&#127;"))
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {feed}: item 1: guid: expected text without "
                                    "control characters, got U+007F")


def test_other_input_is_checked_before_any_download(old_host: Host, run: Run,
                                                    tmp_path: Path) -> None:
    show = tmp_path / "show"
    run("import", "feed", old_host.base + "/feed.xml", "--into", show)
    toml = show / "podcast.toml"
    toml.write_text(toml.read_text().replace('language = "en-us"', 'language = "english!"'))
    result = run("build", show, "-o", tmp_path / "site", "--base-url", "https://e.org/n/")
    assert result.exit_code == 2
    assert "error: podcast.toml: language: expected an ISO 639 code" in result.output
    assert not any(path.startswith("/audio/") for path in old_host.gets)


def test_guids_differing_only_in_spaces_are_duplicates(run: Run, tmp_path: Path) -> None:
    feed = tmp_path / "old.xml"
    feed.write_bytes(old_feed("http://127.0.0.1:9").replace(
        GUIDS[0].encode() + b"</guid>", b"tag:oldhost.example,2025:ep/3</guid>"))
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 2
    assert result.output == (f"error: {feed}: item 3: guid: expected a GUID no other item "
                             f"has (also item 1), got '{GUIDS[2]}'\n")


def test_a_host_that_never_answers_is_a_machine_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    monkeypatch.setattr(download, "TIMEOUT", 0.2)
    try:
        with pytest.raises(EnvironmentProblem, match="could not download .*: timed out"):
            download.get(f"http://127.0.0.1:{silent.getsockname()[1]}/x.mp3")
    finally:
        silent.close()


@pytest.mark.parametrize("guid", ["00123", "1e3", "null", "yes", "2026-01-05", "a: b", "#x",
                                  "'q'", "\"dq\"", "☃ snow", "- dash", "https://h/e?id=1&x=2"])
def test_a_guid_comes_back_from_the_post_byte_for_byte(guid: str, tmp_path: Path) -> None:
    """Whatever YAML would read as a number, date, null or boolean stays the same text."""
    import datetime as dt

    from audio_feed import posts
    from audio_feed.errors import Problems
    from audio_feed.importer.feed import Item, post_text
    item = Item(1, guid, "T", dt.datetime(2026, 1, 5, tzinfo=dt.UTC), "Body.\n", {})
    source = tmp_path / "p.md"
    meta = posts.parse_front_matter(source, post_text(item), Problems(tmp_path))
    assert meta is not None and meta["post_id"] == guid


def test_artwork_that_fails_the_checks_is_a_warning(old_host: Host, run: Run,
                                                    tmp_path: Path) -> None:
    old_host.files["/art.png"] = (png(300), "image/png")
    result = run("import", "feed", old_host.base + "/feed.xml", "--into", tmp_path / "show")
    assert result.exit_code == 0, result.output
    assert "warning: artwork.png: expected 1400 to 3000 px square, got 300x300 px" \
        in result.output


def test_an_item_without_guid_keeps_its_enclosure_url_as_apps_do(run: Run,
                                                                 tmp_path: Path) -> None:
    base = "http://127.0.0.1:9"
    feed = tmp_path / "old.xml"
    feed.write_bytes(old_feed(base).replace(
        f'<guid isPermaLink="false">{GUIDS[0]}</guid>'.encode(), b""))
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 0, result.output
    first = front(tmp_path / "show" / "episodes" / "2026-01-05-pilot-intro.md")
    assert first["post_id"] == base + "/audio/one.mp3"
    parsed = podcastparser.parse(str(feed), io.BytesIO(feed.read_bytes()))
    assert base + "/audio/one.mp3" in [e["guid"] for e in parsed["episodes"]]


def test_import_into_an_empty_folder_makes_the_show_as_init_does(old_host: Host, run: Run,
                                                                 tmp_path: Path) -> None:
    show = tmp_path / "show"
    show.mkdir()
    result = run("import", "feed", old_host.base + "/feed.xml", "--into", show)
    assert result.exit_code == 0, result.output
    assert (show / ".gitignore").read_text() == show_init.GITIGNORE
    toml = (show / "podcast.toml").read_text()
    assert 'title = "Old Show"' in toml and 'email = "ada@example.org"' in toml
    assert '# intro = "episodes/intro.mp3"' in toml, "every other key, commented, as init"
    assert "My Show" not in toml and "you@example.org" not in toml, "no stand-in values"
    assert (show / "artwork.png").read_bytes() == png(), "the feed's artwork, not init's"
    checked = run("check", show)
    assert checked.exit_code == 0, checked.output
    assert "placeholder" not in checked.output


def test_import_fills_in_an_untouched_init_but_keeps_a_written_podcast_toml(
        old_host: Host, run: Run, tmp_path: Path) -> None:
    fresh, written = tmp_path / "fresh", tmp_path / "written"
    for show in (fresh, written):
        assert run("init", show).exit_code == 0
    mine = (written / "podcast.toml").read_text().replace("My Show", "My Own Show")
    (written / "podcast.toml").write_text(mine)
    for show in (fresh, written):
        result = run("import", "feed", old_host.base + "/feed.xml", "--into", show)
        assert result.exit_code == 0, result.output
    assert 'title = "Old Show"' in (fresh / "podcast.toml").read_text()
    assert (fresh / "artwork.png").read_bytes() == png(), "init's placeholder replaced"
    assert (written / "podcast.toml").read_text() == mine, "never a file the user wrote"
    assert (written / "artwork.png").read_bytes() == show_init.placeholder_artwork(), \
        "the artwork goes with podcast.toml: kept together"
    assert len(list((written / "episodes").glob("*.md"))) == 3


def test_a_feed_without_artwork_keeps_the_placeholder(run: Run, tmp_path: Path) -> None:
    feed = tmp_path / "old.xml"
    feed.write_bytes(re.sub(rb"<itunes:image[^>]*/>", b"", old_feed("http://127.0.0.1:9")))
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 0, result.output
    assert 'artwork = "artwork.png"' in (tmp_path / "show/podcast.toml").read_text()
    assert images.is_placeholder(tmp_path / "show/artwork.png")


def test_what_the_feed_says_cannot_break_podcast_toml(run: Run, tmp_path: Path) -> None:
    feed = tmp_path / "old\nfeed\u2028.xml"
    feed.write_bytes(old_feed("http://127.0.0.1:9").replace(
        b"<itunes:author>Ada Host</itunes:author>",
        b"<itunes:author>Ada\x7f Host\n\"]\ntitle = 'x'</itunes:author>"))
    result = run("import", "feed", feed, "--into", tmp_path / "show")
    assert result.exit_code == 0, result.output
    config = tomllib.loads((tmp_path / "show/podcast.toml").read_text())
    assert config["title"] == "Old Show"
    assert config["author"] == "Ada\x7f Host\n\"]\ntitle = 'x'"


def test_a_link_to_nothing_in_the_show_is_never_replaced(old_host: Host, run: Run,
                                                         tmp_path: Path) -> None:
    show = tmp_path / "show"
    (show / "episodes").mkdir(parents=True)
    (show / "episodes/2026-01-05-pilot-intro.md").symlink_to(tmp_path / "gone.md")
    (show / "artwork.png").symlink_to(tmp_path / "gone.png")
    result = run("import", "feed", old_host.base + "/feed.xml", "--into", show)
    assert result.exit_code == 0, result.output
    assert (show / "episodes/2026-01-05-pilot-intro.md").is_symlink()
    assert (show / "artwork.png").is_symlink()
    assert (show / "episodes/2026-01-05-pilot-intro-2.md").is_file(), "a free name instead"
