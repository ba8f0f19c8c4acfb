"""Every lint rule, in one table: its id, severity, source, summary and check.

To add a rule, add one ``Rule`` to ``RULES`` (with its check, written next to
the others in ``checks.py``) and one case to tests/lint/cases.yaml. Findings
come out in the table's order. The facts behind the rules are in
docs/podcast-feeds.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..constants import (
    DESCRIPTION_MAX_BYTES,
    ENCLOSURE_TYPES,
    FUNDING_TEXT_MAX_CHARS,
    LOUDNESS_TARGET,
    LOUDNESS_TOLERANCE,
    TRANSCRIPT_TYPES,
    TRUE_PEAK_MAX,
)
from ..images import ARTWORK_MAX, ARTWORK_MIN
from . import checks as c
from .checks import Check, per_item, server
from .fetch import SERVER_HEAD, SERVER_RANGE

ERROR = "error"
WARNING = "warning"
NOTE = "note"
"""A check that was skipped, and why; never counts as a failure, even when strict."""

APPLE_REQUIRED = "Apple required"
APPLE_RECOMMENDED = "Apple recommended"
PODCASTING_2 = "Podcasting 2.0"
RSS_2 = "RSS 2.0"
APPS = "podcast apps"
"""What common players and directories mishandle, though no spec requires it."""
HOUSE = "house"
"""Our own conventions: errors on our builds and under --strict, warnings otherwise."""
SOURCES = (APPLE_REQUIRED, APPLE_RECOMMENDED, PODCASTING_2, RSS_2, APPS, HOUSE)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    """'error', 'warning' or 'note', as our own builds see it."""
    source: str
    """Who requires it: one of ``SOURCES``."""
    summary: str
    """One sentence; what ``lint --list-rules`` and the README's table say."""
    check: Check | None
    """Yields this rule's messages; None for the rules the feed reader itself reports."""

    def severity_for(self, house: bool) -> str:
        """A house rule's errors only warn about someone else's feed."""
        if self.source == HOUSE and self.severity == ERROR and not house:
            return WARNING
        return self.severity


FEED_FETCH = "feed-fetch"
FEED_XML = "feed-xml"

RULES: tuple[Rule, ...] = (
    # The document.
    Rule(FEED_FETCH, ERROR, RSS_2, "The feed can be read: site/feed.xml exists, or the URL "
         "answers 200.", None),
    Rule(FEED_XML, ERROR, RSS_2, "The feed is well-formed XML.", None),
    Rule("feed-encoding", ERROR, APPLE_REQUIRED, "The feed is encoded as UTF-8.", c.encoding),
    Rule("rss-version", ERROR, RSS_2, 'The root element is <rss version="2.0"> holding one '
         "<channel>.", c.rss_version),
    Rule("namespaces", ERROR, RSS_2, "The itunes, podcast, atom and content prefixes, when "
         "declared, have their exact URIs.", c.namespaces),
    # The channel.
    Rule("channel-title", ERROR, APPLE_REQUIRED, "The channel has a non-empty <title>.",
         c.channel_title),
    Rule("channel-link", ERROR, RSS_2, "The channel has a <link> that is an absolute http(s) "
         "URL.", c.channel_link),
    Rule("channel-description", ERROR, APPLE_REQUIRED, "The channel has a non-empty "
         f"<description> of at most {DESCRIPTION_MAX_BYTES} bytes.", c.channel_description),
    Rule("channel-language", ERROR, APPLE_REQUIRED, "The channel has a <language> that is an "
         "ISO 639 code such as 'en' or 'en-GB'.", c.channel_language),
    Rule("itunes-image", ERROR, APPLE_REQUIRED, "The channel has <itunes:image href> with an "
         "absolute URL ending in .jpg, .jpeg or .png.", c.itunes_image),
    Rule("artwork-resolves", ERROR, APPLE_REQUIRED, "The artwork URL points to a file that "
         "exists.", c.artwork_resolves),
    Rule("artwork-type", ERROR, APPLE_REQUIRED, "The artwork is a JPEG or PNG image and its "
         "extension matches its real type.", c.artwork_type),
    Rule("artwork-size", ERROR, APPLE_REQUIRED, f"The artwork is square, {ARTWORK_MIN} to "
         f"{ARTWORK_MAX} px.",
         c.artwork_size),
    Rule("artwork-rgb", ERROR, APPLE_REQUIRED, "The artwork is in RGB colour.", c.artwork_rgb),
    Rule("itunes-category", ERROR, APPLE_REQUIRED, "The channel has <itunes:category> from "
         "Apple's list (subcategories under their own category).", c.itunes_category),
    Rule("itunes-explicit-value", ERROR, APPLE_REQUIRED, "<itunes:explicit> is exactly 'true' "
         "or 'false' (required on the channel, checked on items when present).", c.explicit),
    Rule("itunes-author", WARNING, APPLE_RECOMMENDED, "The channel has a non-empty "
         "<itunes:author>.", c.itunes_author),
    Rule("itunes-owner", WARNING, APPLE_RECOMMENDED, "The channel has <itunes:owner> with an "
         "<itunes:email>.", c.itunes_owner),
    Rule("atom-self", ERROR, HOUSE, '<atom:link rel="self"> is present and equal to the feed '
         "URL.", c.atom_self),
    Rule("podcast-guid", ERROR, HOUSE, "<podcast:guid> is the UUIDv5 of the feed URL (scheme "
         "and trailing slashes removed), or the podcast_guid a moved show keeps.",
         c.podcast_guid_check),
    Rule("podcast-locked", ERROR, PODCASTING_2, "<podcast:locked>, when present, is 'yes' or "
         "'no', with an owner email.", c.podcast_locked),
    Rule("podcast-funding", ERROR, PODCASTING_2, "<podcast:funding>, when present, has an "
         f"absolute url and text of at most {FUNDING_TEXT_MAX_CHARS} characters.",
         c.podcast_funding),
    Rule("podcast-txt", ERROR, PODCASTING_2, '<podcast:txt purpose="ai-content">, when '
         "present, is 'true' or 'false'.", c.podcast_txt),
    Rule("itunes-type", ERROR, APPLE_REQUIRED, "<itunes:type>, when present, is 'episodic' or "
         "'serial'.", c.itunes_type),
    Rule("serial-episodes", ERROR, APPLE_REQUIRED, "In a serial show every item has "
         "<itunes:episode>.", c.serial_episodes),
    Rule("last-build-date", ERROR, HOUSE, "<lastBuildDate> is an RFC 2822 date not earlier "
         "than the newest pubDate.", c.last_build_date),
    # URLs anywhere in the feed.
    Rule("url-encoding", ERROR, APPS, "Every URL in the feed and in its HTML is "
         "percent-encoded: no spaces, quotes, <, >, \\ or non-ASCII.", c.url_encoding),
    # Each item.
    Rule("item-title", ERROR, APPLE_REQUIRED, "Every item has a non-empty <title>.",
         per_item(c.item_title)),
    Rule("title-number", WARNING, APPLE_RECOMMENDED, "Item titles do not carry the episode "
         "number (it belongs in <itunes:episode>).", per_item(c.title_number)),
    Rule("guid-present", ERROR, APPS, "Every item has a non-empty <guid>.",
         per_item(c.guid_present)),
    Rule("guid-unique", ERROR, APPS, "No two items share a <guid>.", c.guid_unique),
    Rule("guid-permalink", ERROR, RSS_2, 'A <guid> that is not a URL says isPermaLink="false".',
         per_item(c.guid_permalink)),
    Rule("enclosure-count", ERROR, APPLE_REQUIRED, "Every item has exactly one <enclosure>.",
         per_item(c.enclosure_count)),
    Rule("enclosure-url", ERROR, APPLE_REQUIRED, "The enclosure URL is absolute http(s) and "
         "ends in .mp3 or .m4a.", per_item(c.enclosure_url)),
    Rule("enclosure-type", ERROR, APPLE_REQUIRED, "The enclosure type matches the extension: "
         + "; ".join(f"{' or '.join(types)} for {suffix}"
                     for suffix, types in ENCLOSURE_TYPES.items()) + ".",
         per_item(c.enclosure_type)),
    Rule("enclosure-unique", ERROR, APPS, "No two items share an enclosure URL.",
         c.enclosure_unique),
    Rule("enclosure-resolves", ERROR, APPLE_REQUIRED, "The enclosure URL points to a file that "
         "exists.", per_item(c.enclosure_resolves)),
    Rule("enclosure-length", ERROR, APPLE_REQUIRED, "The enclosure length is greater than 0 and "
         "equal to the file's byte size.", per_item(c.enclosure_length)),
    Rule("enclosure-audio", ERROR, APPLE_REQUIRED, "The enclosure is audio a player can read.",
         per_item(c.enclosure_audio)),
    Rule("pub-date", ERROR, RSS_2, "Every item has a <pubDate> in RFC 2822 form with a time zone "
         "(and the right weekday).", per_item(c.pub_date)),
    Rule("date-order", ERROR, HOUSE, "Items are listed newest first.", c.date_order),
    Rule("duration-format", WARNING, APPLE_RECOMMENDED, "Every item has <itunes:duration> in "
         "whole seconds.", per_item(c.duration_format)),
    Rule("duration-mismatch", ERROR, APPS, "<itunes:duration> is within "
         f"{c.DURATION_TOLERANCE:g} s of the real audio.",
         per_item(c.duration_mismatch)),
    Rule("duration-unchecked", NOTE, HOUSE, "The audio was too large to download, so its "
         "duration, loudness and embedded chapters were not checked.",
         per_item(c.duration_unchecked)),
    Rule("episode-type", ERROR, APPLE_REQUIRED, "<itunes:episodeType>, when present, is full, "
         "trailer or bonus.", per_item(c.episode_type)),
    Rule("episode-number", ERROR, APPLE_REQUIRED, "<itunes:episode> and <itunes:season>, when "
         "present, are positive whole numbers.", per_item(c.episode_number)),
    Rule("item-link", WARNING, APPLE_RECOMMENDED, "Every item has a <link> to its show-notes "
         "page, an absolute http(s) URL.", per_item(c.item_link)),
    Rule("link-resolves", ERROR, HOUSE, "The item's <link> points to a page that exists.",
         per_item(c.link_resolves)),
    Rule("item-description", WARNING, APPLE_RECOMMENDED, "Every item has a non-empty "
         "<description> and <content:encoded>.", per_item(c.item_description)),
    Rule("feed-html-relative", ERROR, APPS, "URLs in an item's <description> and "
         "<content:encoded> are absolute (apps resolve them against the feed URL).",
         per_item(c.feed_html_relative)),
    Rule("chapters-type", ERROR, PODCASTING_2, 'podcast:chapters has '
         'type="application/json+chapters".', per_item(c.chapters_type)),
    Rule("chapters-resolves", ERROR, PODCASTING_2, "The chapters URL points to a file that "
         "exists.", per_item(c.chapters_resolves)),
    Rule("chapters-json", ERROR, PODCASTING_2, "The chapters file is a JSON object whose "
         "chapters list has a numeric startTime in each chapter.", per_item(c.chapters_json)),
    Rule("chapters-version", ERROR, PODCASTING_2, "The chapters file has a version, such as "
         "'1.2.0'.", per_item(c.chapters_version)),
    Rule("chapters-order", ERROR, PODCASTING_2, "Chapter startTimes go up, strictly, from 0.",
         per_item(c.chapters_order)),
    Rule("chapters-range", ERROR, PODCASTING_2, "Every chapter starts within the audio's "
         "duration.", per_item(c.chapters_range)),
    Rule("chapters-embedded", WARNING, HOUSE, "An MP3 or M4A carries the same chapters as its "
         "JSON chapters file (ID3 CHAP frames or MP4 chapter atoms).",
         per_item(c.chapters_embedded)),
    Rule("transcript-type", ERROR, PODCASTING_2, "podcast:transcript has an allowed type: "
         + ", ".join(TRANSCRIPT_TYPES) + ".", per_item(c.transcript_type)),
    Rule("transcript-resolves", ERROR, PODCASTING_2, "The transcript URL points to a file that "
         "exists.", per_item(c.transcript_resolves)),
    # Only with decode=True.
    Rule("loudness", WARNING, APPLE_RECOMMENDED, "The audio's integrated loudness is the "
         f"target ({LOUDNESS_TARGET:g} LUFS unless the show sets another), within "
         f"{LOUDNESS_TOLERANCE:g} LU (decode only).",
         per_item(c.loudness)),
    Rule("true-peak", WARNING, APPLE_RECOMMENDED, "The audio's true peak is at most the "
         f"ceiling ({TRUE_PEAK_MAX:g} dBTP unless the show sets another) (decode only).",
         per_item(c.true_peak)),
    # Only over HTTP.
    Rule(SERVER_HEAD, ERROR, APPLE_REQUIRED, "The server answers HEAD for audio and artwork "
         "with 200 and a Content-Length (lint_url only).", server(SERVER_HEAD)),
    Rule(SERVER_RANGE, ERROR, APPLE_REQUIRED, "The server answers 'Range: bytes=0-1' for "
         "audio and artwork with 206 and a Content-Range (lint_url only).",
         server(SERVER_RANGE)),
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
