"""Podcasting 2.0 and iTunes tags the show or post provides (issue 3)."""

from __future__ import annotations

import uuid
from pathlib import Path

from lxml import etree

from audio_feed import build
from audio_feed.feed import GUID_NAMESPACE, podcast_guid

NS = {"podcast": "https://podcastindex.org/namespace/1.0",
      "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}


def test_podcast_guid_matches_the_published_test_vector() -> None:
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("podnews.net/rss/") == podcast_guid("http://podnews.net/rss")
    assert uuid.UUID(podcast_guid("x")).version == 5 and GUID_NAMESPACE.version == 5


def test_channel_and_item_tags(tiny_show: Path, tmp_path: Path) -> None:
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + 'funding_url = "https://example.org/support"\n'
                    'funding_text = "Become a member"\nsynthetic_voice = true\n'
                    'locked = true\n')
    one = tiny_show / "episodes/one.md"
    one.write_text(one.read_text().replace(
        "audience: everyone", "audience: everyone\nseason: 2\nepisode: 7\nguests:\n"
        "  - Ingrid Solberg\nepisode_type: trailer\nexplicit: true"))
    out = tmp_path / "site"
    build.Builder(build.load(tiny_show), out, 2, build.Reporter()).build()
    root = etree.parse(str(out / "feed.xml")).getroot()
    ch = root.find("channel")
    assert ch.findtext("podcast:guid", namespaces=NS) == podcast_guid(
        "https://example.org/tiny/feed.xml")
    assert ch.find("podcast:locked", NS).text == "yes"
    assert ch.find("podcast:locked", NS).get("owner") == "test@example.org"
    funding = ch.find("podcast:funding", NS)
    assert funding.text == "Become a member" and funding.get("url").endswith("/support")
    assert ch.find("podcast:txt", NS).get("purpose") == "ai-content"
    assert ch.findtext("podcast:txt", namespaces=NS) == "true"
    assert ch.findtext("podcast:medium", namespaces=NS) == "podcast"
    assert ch.findtext("itunes:explicit", namespaces=NS) == "false"
    trailer = ch.find("podcast:trailer", NS)
    assert trailer.text == "One" and trailer.get("url").endswith(".mp3")
    item = next(i for i in ch.findall("item") if i.findtext("title") == "One")
    assert item.findtext("podcast:season", namespaces=NS) == "2"
    assert item.findtext("podcast:episode", namespaces=NS) == "7"
    assert item.findtext("itunes:episode", namespaces=NS) == "7"
    assert item.findtext("itunes:episodeType", namespaces=NS) == "trailer"
    assert item.findtext("itunes:explicit", namespaces=NS) == "true"
    person = item.find("podcast:person", NS)
    assert person.text == "Ingrid Solberg" and person.get("role") == "guest"
    assert item.find("guid").get("isPermaLink") == "false"
    chapters = item.find("podcast:chapters", NS)
    assert chapters.get("type") == "application/json+chapters"
    assert "00:00:00 Intro" in item.findtext("description")
