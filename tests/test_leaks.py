"""Paid means private: no byte of a paid post or a draft reaches public output.

The show here is built to tempt a leak. Its paid posts and drafts share an image,
words and a recorded section with public posts, and fall between them in date
order. Every byte of the built site is scanned, the audio tags included (ID3
text may be UTF-8 or UTF-16). So is the published record, which a show commits
next to its posts. It must hold no paid or draft title, stem, post_id, body
text, heading, image or recording, and the public episode numbers must run
1..N without a gap.
"""

from __future__ import annotations

import html
import shutil
import urllib.parse
from pathlib import Path

import pytest
from lxml import etree
from mutagen.id3 import ID3
from PIL import Image

from conftest import Run, make_tone, post, write_artwork

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"

HIDDEN = {
    # stem: (front matter changes, title, post_id, date, secret sentence)
    "members-only-xyzzy": ({"audience: everyone": "audience: only_paid"},
                           "Quarterly Plugh Report", "9001.plugh", "2026-01-08",
                           "Wombat invoices arrive on Thursdays."),
    "founders-frobozz": ({"audience: everyone": "audience: founding"},
                         "Founders Frobozz Hour", "9002.frobozz", "2026-01-15",
                         "Zorkmid ledgers stay in the vault."),
    "paid-visibility-quux": ({"visibility: public": "visibility: paid"},
                             "Quux Behind The Wall", "9003.quux", "2026-01-16",
                             "Grue sightings were up this week."),
    "draft-borogove": ({"audience: everyone": "audience: everyone\ndraft: true"},
                       "Mimsy Borogove Draft", "9004.borogove", "2026-01-17",
                       "Outgrabe the mome raths before lunch."),
    "unpublished-jabber": ({"audience: everyone": "audience: everyone\nis_published: false"},
                           "Jabberwock Unsent", "9005.jabber", "2026-01-18",
                           "Vorpal blades need sharpening twice."),
}
SECRET_HEADING = "Secret Heading Snark"


@pytest.fixture
def leaky_show(tiny_show: Path, tmp_path: Path) -> Path:
    """tiny_show plus paid posts and drafts that share material with the public posts."""
    eps = tiny_show / "episodes"
    images = eps / "images"
    images.mkdir()
    write_artwork(images / "shared.png", (40, 40))
    Image.new("RGB", (41, 43), "orange").save(images / "paid-only.png")
    one = (eps / "one.md").read_text()
    (eps / "one.md").write_text(one + "\n![a map](images/shared.png)\n\nWords we share.\n")
    unique = make_tone(tmp_path / "unique-section.wav", 2.0, 777)
    for stem, (changes, title, post_id, date, secret) in HIDDEN.items():
        text = post(title, post_id, date, body=(
            f"Words we share. {secret}\n\n![shared](images/shared.png)\n\n"
            f"![only](images/paid-only.png)\n\n## {SECRET_HEADING}\n\n{secret}\n"))
        for old, new in changes.items():
            text = text.replace(old, new)
        (eps / f"{stem}.md").write_text(text)
        # A recording in sections: the opening is a public episode's recording.
        folder = eps / stem
        folder.mkdir()
        shutil.copy(eps / "one.mp3", folder / "01-opening.mp3")
        shutil.copy(unique, folder / f"02-{stem}.wav")
    return tiny_show


def needles(text: str) -> set[bytes]:
    """The ways a string can appear in a file: UTF-8, UTF-16, escaped for HTML and URLs."""
    forms = {text, html.escape(text), html.escape(text, quote=False),
             urllib.parse.quote(text), urllib.parse.quote(text, safe="")}
    found = set()
    for form in forms:
        found |= {form.encode("utf-8"), form.encode("utf-16-le"), form.encode("utf-16-be")}
    return found


def test_no_byte_of_a_hidden_post_is_public(leaky_show: Path, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("build", leaky_show, "--out", out)
    assert result.exit_code == 0, result.output
    files = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    record = leaky_show / "audio-feed-published.json"
    if record.is_file():
        files[record] = record.read_bytes()
    eps = leaky_show / "episodes"
    secrets: dict[str, set[bytes]] = {}
    for stem, (_, title, post_id, _, sentence) in HIDDEN.items():
        for what in (stem, title, post_id, sentence):
            secrets[what] = needles(what)
        secrets[f"{stem} recording"] = {(eps / stem / f"02-{stem}.wav").read_bytes()[44:4000]}
    secrets[SECRET_HEADING] = needles(SECRET_HEADING)
    for what in ("Secret Paid Thing", "1004.paid", "Members only."):  # tiny_show's own
        secrets[what] = needles(what)
    secrets["paid-only image"] = {(eps / "images/paid-only.png").read_bytes()}
    secrets["paid-only image name"] = needles("paid-only")
    for path, data in files.items():
        for what, forms in secrets.items():
            assert not any(f in data for f in forms), f"{what!r} leaked into {path}"
    # The shared material is public through the public post, and must still be there.
    assert any(b"Words we share." in d for d in files.values())
    audio = sorted((out / "audio").iterdir())
    assert len(audio) == 3, [p.name for p in audio]
    public_ids = {"1001.one", "1002.two", "1003.three"}
    assert {str(ID3(p)["TGID"]) for p in audio} == public_ids


def test_public_numbers_have_no_gap(leaky_show: Path, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("build", leaky_show, "--out", out)
    assert result.exit_code == 0, result.output
    channel = etree.parse(str(out / "feed.xml")).getroot()[0]
    items = channel.findall("item")
    assert len(items) == 3
    for tag in (ITUNES + "episode", PODCAST + "episode"):
        numbers = sorted(int(i.findtext(tag)) for i in items)
        assert numbers == [1, 2, 3], (tag, numbers)
    tracks = sorted(int(str(ID3(p)["TRCK"])) for p in (out / "audio").iterdir())
    assert tracks == [1, 2, 3]
    pages = sorted(p.name for p in (out / "episodes").iterdir())
    assert pages == ["one", "three", "two"]
