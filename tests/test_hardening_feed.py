"""The feed leaks nothing and links right (issue 7: numbering, feed HTML URLs, encoding)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree, html
from mutagen.id3 import ID3

from audio_feed import build, urls

from conftest import REPO, Run, post

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
BASE = "https://example.org/tiny/"
# What a URL may hold raw (RFC 3986): anything else must be percent-encoded.
URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


def _items(out: Path) -> list[etree._Element]:
    root = etree.parse(str(out / "feed.xml"), etree.XMLParser(resolve_entities=False))
    return list(root.iter("item"))


def _numbers(out: Path) -> dict[str, tuple[str | None, str | None]]:
    return {str(i.findtext("title")): (i.findtext(ITUNES + "episode"),
                                       i.findtext(PODCAST + "episode")) for i in _items(out)}


def test_paid_posts_leave_no_gap_in_the_numbers(tiny_show: Path, tmp_path: Path,
                                                run: Run) -> None:
    eps = tiny_show / "episodes"
    # The paid post falls between One and Two; a public post without audio yet too.
    paid = eps / "paid.md"
    paid.write_text(paid.read_text().replace("2026-01-20", "2026-01-06"))
    (eps / "later.md").write_text(post("Later", "1009.later", "2026-01-07"))
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    assert _numbers(out) == {"One": ("1", "1"), "Two": ("2", "2"), "Three": ("3", "3")}
    for stem, number in (("one", "1"), ("two", "2"), ("three", "3")):
        audio = next((out / "audio").glob(f"{stem}-*.mp3"))
        assert str(ID3(audio)["TRCK"]) == number
    plan = build.load(tiny_show)
    assert {e.stem: e.number for e in plan.episodes if e.number is None} == {
        "paid": None, "later": None}
    # An explicit number still wins; the others keep theirs.
    two = eps / "two.md"
    two.write_text(two.read_text().replace("visibility: public\n",
                                           "visibility: public\nepisode: 7\n"))
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    assert _numbers(out) == {"One": ("1", "1"), "Two": ("7", "7"), "Three": ("3", "3")}


def test_the_sample_show_numbers_its_feed_without_gaps(sample_show: Path,
                                                       tmp_path: Path) -> None:
    plan = build.load(sample_show)
    numbers = sorted(e.number for e in plan.to_render if e.number is not None)
    assert numbers == list(range(1, len(plan.to_render) + 1))
    assert all(e.number is None for e in plan.episodes if e.is_paid or e.audio is None)


def test_the_sample_shows_committed_record_is_what_a_build_writes(tmp_path: Path) -> None:
    show = tmp_path / "show"
    show.mkdir()
    for name in ("podcast.toml", "artwork.png", "episodes", "templates",
                 build.PUBLISHED_NAME):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, show / name)
    committed = json.loads((show / build.PUBLISHED_NAME).read_text())
    (show / build.PUBLISHED_NAME).unlink()
    build.Builder(build.load(show), tmp_path / "site", 2, build.Reporter()).build()
    built = json.loads((show / build.PUBLISHED_NAME).read_text())

    def machine_free(record: dict[str, Any]) -> str:
        # The render key in an enclosure name changes with the ffmpeg build.
        text = json.dumps(record, sort_keys=True)
        return re.sub(r"-[0-9a-f]{10}\.(mp3|m4a)", "-KEY.\\1", text)

    assert machine_free(committed) == machine_free(built)


def test_every_url_in_feed_html_is_absolute(tiny_show: Path, tmp_path: Path,
                                            run: Run) -> None:
    eps = tiny_show / "episodes"
    (eps / "images").mkdir()
    shutil.copy(tiny_show / "artwork.png", eps / "images/map.png")
    shutil.copy(tiny_show / "artwork.png", eps / "images/mäp 2.png")
    one = eps / "one.md"
    one.write_text(one.read_text().replace("Hello listeners.", (
        "## Part\n\n![A map](images/map.png) ![B](<images/mäp 2.png>) [the part](#part), "
        "[notes](notes/x.html?a=1&b=2), "
        "[mail](mailto:a@example.org) and <a href=\"other page.html\">spaced</a>.")))
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    item = next(i for i in _items(out) if i.findtext("title") == "One")
    page = BASE + "episodes/one/"
    found: list[str] = []
    for field in ("description", CONTENT + "encoded"):
        fragment = html.fragment_fromstring(item.findtext(field) or "", create_parent="div")
        for el in fragment.iter():
            found += [str(el.get(a)) for a in ("src", "href", "srcset") if el.get(a)]
    assert page + "images/map.png" in found
    assert page + "#part" in found
    assert page + "images/m%C3%A4p%202.png" in found
    assert (out / "episodes/one/images/mäp 2.png").is_file()
    assert page + "notes/x.html?a=1&b=2" in found
    assert page + "other%20page.html" in found
    assert "mailto:a@example.org" in found
    assert all(u.startswith(("https://", "mailto:")) for u in found), found
    # The page itself keeps its relative links (they resolve against the page).
    assert 'src="images/map.png"' in (out / "episodes/one/index.html").read_text()


def test_the_sample_feed_has_its_image_absolute(sample_show: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build.Builder(build.load(sample_show), out, 2, build.Reporter()).build()
    feed = (out / "feed.xml").read_text()
    assert 'src="images/' not in feed
    assert "/images/river-map.png" in feed


def test_urls_of_odd_stems_are_percent_encoded(tiny_show: Path, tmp_path: Path,
                                               run: Run) -> None:
    eps = tiny_show / "episodes"
    stem = 'a b"<é>'
    (eps / "two.md").rename(eps / f"{stem}.md")
    (eps / "two.wav").rename(eps / f"{stem}.wav")
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    item = next(i for i in _items(out) if i.findtext("title") == "Two")
    enclosure = item.find("enclosure")
    assert enclosure is not None
    links = [enclosure.get("url", ""), item.findtext("link") or ""]
    links += [el.get("url", "") for el in item if el.tag in (PODCAST + "transcript",
                                                             PODCAST + "chapters")]
    assert len(links) >= 3
    for url in links:
        assert URL_CHARS.match(url), url
        rel = unquote(urlsplit(url).path)[len(urlsplit(BASE).path):]
        target = out / rel
        assert target.exists() or (target / "index.html").exists(), url
    assert f"/episodes/{urls.path(stem)}/" in links[1]
    index = (out / "index.html").read_text()
    assert 'href="episodes/a%20b%22%3C%C3%A9%3E/index.html"' in index
    page = (out / "episodes" / stem / "index.html").read_text()
    assert "../../audio/a%20b%22%3C%C3%A9%3E-" in page


def test_url_helpers() -> None:
    assert urls.path('audio/a b"<>\\é.mp3') == "audio/a%20b%22%3C%3E%5C%C3%A9.mp3"
    assert urls.encoded("a%20b c%zz") == "a%20b%20c%25zz"
    assert urls.absolute("#x", "https://e.org/p/") == "https://e.org/p/#x"
    assert urls.absolute_html('<img srcset="a.png 1x, bé.png 2x" alt="x>y">',
                              "https://e.org/p/") == \
        '<img srcset="https://e.org/p/a.png 1x, https://e.org/p/b%C3%A9.png 2x" alt="x>y">'
