"""The feed linter: a correct site passes; each rule has a broken copy that trips it.

``tiny_show`` is built once for the module, with its base URL pointing at a
local HTTP server, so the same site serves the local (``lint_site``) and the
HTTP (``lint_url``) cases. The cases live in tests/lint/cases.yaml, one
mapping each: adding a case needs a few lines there, not code::

    - rule: enclosure-length     # the rule the case is about
      id: truncated              # optional: tells apart several cases of one rule
      why: the audio file was cut short after the feed was written
      via: http                  # optional: lint_url instead of lint_site
      server: plain              # optional (http): range (default), plain, nohead
      options: {decode: true}    # optional: keyword arguments for lint_site/lint_url
      edits:                     # applied in order to a copy of the built site
        - path: audio/{one}      # default feed.xml
          truncate: 30000        # or replace: [old, new], delete: true, text: "...",
                                 # copy: other/file, image: [w, h, mode(, format)],
                                 # lavfi: "ffmpeg lavfi source" (write an MP3)
      findings:                  # every finding, in order, as its one-line str()
        - "feed.xml: enclosure-length: item 'One': expected length {one.size} ..."

Strings may use ``{base}`` (the site's URL), ``{site}`` (the copy's folder),
``{one}``/``{two}``/``{three}`` (the episodes' audio file names) with
``.size`` (bytes) and ``.seconds`` (as mutagen reads it, 2 decimals),
``{artwork.size}`` and ``{podcast_guid}`` (of the feed URL, whose port changes);
in findings ``{any}`` matches any text (for measured values such as loudness).
"""

from __future__ import annotations

import inspect
import io
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from audio_feed import ffmpeg, tags
from audio_feed.cli import cli
from audio_feed.feed import podcast_guid
from audio_feed.lint import Finding, errors_in, lint_site, lint_url
from audio_feed.lint.rules import (
    APPLE_RECOMMENDED,
    BY_ID,
    HOUSE,
    NOTE,
    RULES,
    SOURCES,
    Rule,
)

import conftest

CASES_FILE = Path(__file__).parent / "lint" / "cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text("utf-8"))
CASE_KEYS = {"rule", "id", "why", "via", "server", "options", "edits", "findings"}
OPS = ("replace", "delete", "truncate", "text", "copy", "image", "lavfi")
EPISODES = ("one", "two", "three")


# -- a local HTTP server whose folder and manners each test chooses ------------------


# What socketserver hands a handler: a stream socket, or a datagram and its socket.
_Request = socket.socket | tuple[bytes, socket.socket]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    mode: str
    """range: HEAD and Range work; plain: http.server as it is (no Range); nohead."""

    def handle_error(self, request: _Request, client_address: tuple[str, int]) -> None:
        pass  # a client closing a 200 it asked a Range of is expected, not news


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def __init__(self, request: _Request, client_address: Any, server: _Server) -> None:
        super().__init__(request, client_address, server, directory=str(server.root))

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        if self.server.mode == "nohead":
            self.send_error(501, "HEAD not supported")
            return
        super().do_HEAD()

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if self.server.mode == "plain" or ranged is None or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        start = int(ranged[1])
        end = min(int(ranged[2]) if ranged[2] else len(data) - 1, len(data) - 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return io.BytesIO(data[start:end + 1])


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.mode = "range"
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


# -- the site, built once -------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    site: Path
    base: str
    names: dict[str, str]
    """Placeholders ({one}, {one.size}, ...) and their values."""


@pytest.fixture(scope="module")
def built(server: _Server, media: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("lint")
    # conftest's tiny_show is function-scoped; the function beneath it makes the same show
    # once for the whole module.
    show = inspect.unwrap(conftest.tiny_show)(tmp, media)
    base = f"http://127.0.0.1:{server.server_port}/tiny/"
    site = tmp / "served" / "tiny"
    result = CliRunner().invoke(cli, ["build", str(show), "--out", str(site), "--base-url", base,
                                      "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    names = {"base": base, "podcast_guid": podcast_guid(base + "feed.xml"),
             "artwork.size": str((site / "artwork.png").stat().st_size)}
    for stem in EPISODES:
        (audio,) = (site / "audio").glob(f"{stem}-*.mp3")
        names[stem] = audio.name
        names[f"{stem}.size"] = str(audio.stat().st_size)
        names[f"{stem}.seconds"] = f"{tags.read_duration(audio):.2f}"
    return Built(site, base, names)


def fill(text: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        text = text.replace("{" + key + "}", value)
    return text


# -- the correct site ----------------------------------------------------------------


def test_correct_site_has_no_findings(built: Built) -> None:
    assert [str(f) for f in lint_site(built.site)] == []
    assert [str(f) for f in lint_site(built.site, built.base + "feed.xml")] == []


def test_correct_site_decoded_has_no_findings(built: Built) -> None:
    """Exact durations, loudness and true peak, from a full decode of every episode."""
    assert [str(f) for f in lint_site(built.site, decode=True)] == []


def test_correct_site_over_http_has_no_findings(built: Built, server: _Server) -> None:
    server.root, server.mode = built.site.parent, "range"
    assert [str(f) for f in lint_url(built.base + "feed.xml", decode=True)] == []


HOSTED_FEED = """\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
  <channel>
    <title>Somebody Else's Show</title>
    <link>{base}</link>
    <description>A show a hosting service publishes, with iTunes tags only.</description>
    <language>en-us</language>
    <itunes:author>Someone</itunes:author>
    <itunes:image href="{base}cover.jpg"/>
    <itunes:category text="Technology"/>
    <itunes:explicit>false</itunes:explicit>
    <itunes:owner><itunes:name>Someone</itunes:name><itunes:email>someone@example.org</itunes:email></itunes:owner>
    <item>
      <title>The First One</title>
      <guid isPermaLink="false">hosted-0001</guid>
      <pubDate>Tue, 03 Feb 2026 07:00:00 GMT</pubDate>
      <enclosure url="{base}media/first%20one.mp3" length="{size}" type="audio/mpeg"/>
      <itunes:duration>{seconds}</itunes:duration>
    </item>
  </channel>
</rss>
"""


def test_a_typical_hosted_feed_has_no_errors(server: _Server, tmp_path: Path) -> None:
    """Another host's valid iTunes-only feed, served with byte ranges and a correct duration:
    our house rules (atom:link, podcast:guid, lastBuildDate, ...) and Apple's
    recommendations warn, nothing fails."""
    site = tmp_path / "hosted"
    (site / "media").mkdir(parents=True)
    audio = conftest.make_tone(site / "media" / "first one.mp3", 3.0, speechy=True)
    Image.new("RGB", (1400, 1400), "teal").save(site / "cover.jpg", format="JPEG")
    base = f"http://127.0.0.1:{server.server_port}/hosted/"
    (site / "feed.xml").write_text(HOSTED_FEED.format(
        base=base, size=audio.stat().st_size, seconds=round(tags.read_duration(audio))), "utf-8")
    server.root, server.mode = tmp_path, "range"

    findings = lint_url(base + "feed.xml")
    assert [str(f) for f in errors_in(findings, strict=False)] == []
    assert {f.rule for f in findings} == {"atom-self", "podcast-guid", "last-build-date",
                                          "item-link", "item-description"}
    result = CliRunner().invoke(cli, ["lint", base + "feed.xml"])
    assert result.exit_code == 0, result.output
    strict = CliRunner().invoke(cli, ["lint", base + "feed.xml", "--strict"])
    assert strict.exit_code == 2 and "error: " + base + "feed.xml: atom-self" in strict.output


def test_list_rules_prints_the_table() -> None:
    result = CliRunner().invoke(cli, ["lint", "--list-rules"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{r.id}\t{r.severity}\t{r.source}\t{r.summary}" for r in RULES]


def test_one_table_for_limits_and_types() -> None:
    """The values config, posts, serve and the model use are lint's: one definition each."""
    from audio_feed import config, constants, posts, serve
    from audio_feed.model import AudioSettings

    m4a = AudioSettings(format="m4a").mime
    assert m4a == constants.ENCLOSURE_TYPES[".m4a"][0] == serve.CONTENT_TYPES[".m4a"]
    assert m4a == "audio/x-m4a"  # what Apple documents for .m4a
    # posts imports the table without re-exporting it, so look in its namespace.
    assert vars(posts)["EPISODE_TYPES"] is constants.EPISODE_TYPES
    assert config._LANG is constants.LANGUAGE
    for tag in ("en", "en-GB", "pt-BR", "zh-Hant-TW", "EN", "es-419"):
        assert constants.LANGUAGE.match(tag), tag
    for tag in ("English", "e", "en_GB", "en-", "en\n", "-en", "en-toolongsubtag"):
        assert not constants.LANGUAGE.match(tag), tag


def test_show_loudness_target_is_used(built: Built) -> None:
    """lint judges loudness against the show's own target, not a fixed -16."""
    from audio_feed.model import AudioSettings

    quiet_show = AudioSettings(loudness=-23.0)
    findings = lint_site(built.site, decode=True, audio=quiet_show)
    assert {f.rule for f in findings} == {"loudness"}
    assert all("expected -23 LUFS" in f.message for f in findings)
    result = CliRunner().invoke(cli, ["lint", str(built.site), "--decode", "--loudness", "-23"])
    assert result.exit_code == 0 and "expected -23 LUFS" in result.output


def test_podcast_guid_test_vector() -> None:
    # The Podcasting 2.0 spec's own example.
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("http://podnews.net/rss/") == podcast_guid("https://podnews.net/rss")


# -- one broken copy per rule --------------------------------------------------------


def apply_edit(site: Path, edit: dict[str, Any], names: dict[str, str]) -> None:
    ops = [op for op in OPS if op in edit]
    assert set(edit) <= {"path", *ops} and len(ops) == 1, f"bad edit {edit!r}"
    op = ops[0]
    target = (site / fill(edit.get("path", "feed.xml"), names)).resolve()
    assert target.is_relative_to(site.resolve()), f"edit escapes the site: {edit!r}"
    value = edit[op]
    if op == "replace":
        old, new = (fill(v, names) for v in value)
        text = target.read_text("utf-8")
        assert old in text, f"replace: {old!r} is not in {target.name}:\n{text}"
        target.write_text(text.replace(old, new, 1), "utf-8")
    elif op == "delete":
        assert value is True
        target.unlink()
    elif op == "truncate":
        with target.open("r+b") as f:
            f.truncate(int(value))
    elif op == "text":
        target.write_text(fill(value, names), "utf-8")
    elif op == "copy":
        shutil.copyfile(site / fill(value, names), target)
    elif op == "image":
        width, height, mode, *fmt = value
        Image.new(mode, (width, height), "teal" if mode == "RGB" else 0).save(
            target, format=fmt[0] if fmt else "PNG")
    elif op == "lavfi":
        subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                        "-i", value, "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k",
                        "-f", "mp3", str(target)], check=True)


def _case_id(case: dict[str, Any]) -> str:
    return str(case["rule"]) + (f"-{case['id']}" if "id" in case else "")


def _matches(pattern: str, line: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("{any}"))
    return re.fullmatch(regex, line) is not None


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_broken_copy(case: dict[str, Any], built: Built, server: _Server,
                     tmp_path: Path) -> None:
    assert set(case) <= CASE_KEYS and {"rule", "why", "findings"} <= set(case), case
    site = tmp_path / "tiny"
    shutil.copytree(built.site, site)
    names = built.names | {"site": str(site)}
    for edit in case.get("edits") or []:
        apply_edit(site, edit, names)
    options: dict[str, Any] = {k: fill(v, names) if isinstance(v, str) else v
                               for k, v in (case.get("options") or {}).items()}
    if case.get("via", "site") == "http":
        server.root, server.mode = tmp_path, case.get("server", "range")
        findings = lint_url(built.base + "feed.xml", **options)
    else:
        assert "server" not in case, "server: only for via: http"
        findings = lint_site(site, **options)

    got = [str(f) for f in findings]
    want = [fill(line, names) for line in case["findings"]]
    report = "got:\n" + "\n".join(f"  - {line!r}" for line in got)
    assert len(got) == len(want) and all(
        _matches(w, g) for w, g in zip(want, got, strict=True)), report
    assert case["rule"] in {f.rule for f in findings}, report
    house = options.get("house", case.get("via", "site") == "site")
    assert all(f.severity == BY_ID[f.rule].severity_for(house) for f in findings)


def test_every_rule_has_a_case() -> None:
    covered = {case["rule"] for case in CASES}
    assert sorted(set(BY_ID) - covered) == []
    assert sorted(covered - set(BY_ID)) == []
    ids = [_case_id(c) for c in CASES]
    assert len(ids) == len(set(ids)), "give cases of the same rule an id"


# -- the rule table and the findings' API --------------------------------------------


LOWERED_FOR_NOW: set[str] = set()
"""Rules whose severity is below what their source asks, until the builder obeys them."""


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_table(rule: Rule) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
    assert rule.summary.endswith(".") and "\n" not in rule.summary
    assert rule.source in SOURCES
    # Severity follows the source: a recommendation warns; what a directory or player
    # rejects or mishandles is an error; a house rule may be either.
    if rule.severity != NOTE and rule.source != HOUSE and rule.id not in LOWERED_FOR_NOW:
        assert rule.severity == ("warning" if rule.source == APPLE_RECOMMENDED else "error")


def test_rule_ids_are_unique() -> None:
    assert len(BY_ID) == len(RULES)


FINDINGS = [Finding("enclosure-length", "error", "feed.xml", "item 'A': expected 1, got 2"),
            Finding("title-number", "warning", "feed.xml", "item 'B': ..."),
            Finding("duration-unchecked", "note", "feed.xml", "item 'C': ...")]


@pytest.mark.parametrize(("strict", "failing"), [
    (False, ["enclosure-length"]),
    (True, ["enclosure-length", "title-number"]),  # a note never fails, even when strict
])
def test_errors_in(strict: bool, failing: list[str]) -> None:
    assert [f.rule for f in errors_in(FINDINGS, strict)] == failing


def test_finding_is_one_line() -> None:
    assert str(FINDINGS[0]) == "feed.xml: enclosure-length: item 'A': expected 1, got 2"


def test_embedded_chapters_names_the_container(tiny_show: Path, tmp_path: Path) -> None:
    """An M4A's chapters are MP4 chapter atoms, not 'the MP3's ID3 chapters'."""
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + '\n[audio]\nformat = "m4a"\n')
    site = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", str(tiny_show), "--out", str(site),
                                      "--base-url", "https://example.org/tiny/", "--quiet"])
    assert result.exit_code == 0, result.output
    chapters = site / "episodes/one/chapters.json"
    chapters.write_text(chapters.read_text("utf-8").replace('"Later"', '"Afterwards"'), "utf-8")
    assert [str(f) for f in lint_site(site)] == [
        "feed.xml: chapters-embedded: item 'One': chapter 3: expected the M4A's chapter atom "
        "to match episodes/one/chapters.json (3 s 'Afterwards'), got 3 s 'Later'"]


@pytest.mark.parametrize("declaration", [
    'xmlns:podcast="https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"',
    "",  # no podcast: element left, so no namespace needed
])
def test_namespaces_needs_only_what_the_feed_uses(declaration: str, built: Built,
                                                  tmp_path: Path) -> None:
    """The namespace's first URI is still valid; a feed without podcast: elements may leave
    the namespace out (our house rule podcast-guid then says the guid is missing)."""
    site = tmp_path / "tiny"
    shutil.copytree(built.site, site)
    feed = site / "feed.xml"
    text = re.sub(r"\s*<podcast:[^>]*?(/>|>.*?</podcast:\w+>)", "", feed.read_text("utf-8"))
    text = text.replace('xmlns:podcast="https://podcastindex.org/namespace/1.0"', declaration)
    feed.write_text(text, "utf-8")
    findings = lint_site(site)
    assert [f.rule for f in findings] == ["podcast-guid"]
