"""The published record: what the show has put in its feed, so it never changes by accident.

``audio-feed-published.json`` (commit it with the show) is keyed by GUID::

    {"version": 2,
     "episodes": {"<post_id>": {"stem": ..., "audio": <sha256 of the source recording>,
                                "enclosure": "audio/...", "number": 4}}}

Only public episodes that reached the feed are ever in it. The audio identity is
the SHA-256 of the source recording (or of its section files' hashes in order),
never of the rendered file, whose bytes differ between ffmpeg builds. A record
of version 1 (post stem -> {"guid", "enclosure"}) is read and rewritten as
version 2. Without a record, a feed.xml audio-feed built in the output folder
stands in for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from . import filekind
from .errors import Problems, described
from .model import Episode

RECORD_NAME = "audio-feed-published.json"
VERSION = 2
_ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
_ATOM = "{http://www.w3.org/2005/Atom}"
_DIGITS = re.compile(r"[0-9]{1,9}")
"""An episode number as the feed writes it: ASCII digits (str.isdigit takes "²")."""


@dataclass(frozen=True)
class Published:
    """One episode as it was published."""

    guid: str
    stem: str | None
    audio: str | None
    """SHA-256 identity of the source recording (None when only a feed told us)."""
    enclosure: str | None
    """Site-relative path of the audio file, as on disk (not URL-encoded)."""
    number: int | None

    def as_json(self) -> dict[str, object]:
        return {"stem": self.stem, "audio": self.audio, "enclosure": self.enclosure,
                "number": self.number}


Record = dict[str, Published]
"""GUID -> how that episode was published."""


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse(data: Any) -> Record | None:
    """A record of either version; None when it is not one audio-feed wrote."""
    if not isinstance(data, dict) or not isinstance(data.get("episodes"), dict):
        return None
    out: Record = {}
    for key, value in data["episodes"].items():
        if not isinstance(value, dict):
            return None
        if data.get("version") == VERSION:
            guid, stem = str(key), _opt_str(value.get("stem"))
        elif "version" not in data and isinstance(value.get("guid"), str):
            guid, stem = value["guid"], str(key)  # version 1: keyed by stem
        else:
            return None
        out[guid] = Published(guid, stem, _opt_str(value.get("audio")),
                              _opt_str(value.get("enclosure")), _opt_int(value.get("number")))
    return out


def dump(record: Record) -> bytes:
    episodes = {g: record[g].as_json() for g in sorted(record)}
    return (json.dumps({"version": VERSION, "episodes": episodes}, indent=2,
                       ensure_ascii=False) + "\n").encode("utf-8")


def read(root: Path, problems: Problems, out: Path | None = None) -> Record:
    """The record in ``root``; else what a feed.xml audio-feed built in ``out`` published."""
    path = root / RECORD_NAME
    if not path.exists() and not path.is_symlink():
        return from_feed(out / "feed.xml") if out is not None else {}
    if path.is_symlink() or not path.is_file():
        # Caught here, so that check refuses what build could not write.
        problems.add(path, None, described(
            "a file audio-feed can write the published GUIDs to",
            f"{filekind.kind(path)} (move it away)"))
        return {}
    try:
        record = parse(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, RecursionError):
        record = None
    if record is None:
        problems.add(path, None, "expected the JSON audio-feed wrote, got something else "
                     "(restore it from version control)")
        return {}
    return record


def from_feed(feed: Path) -> Record:
    """GUIDs, stems, enclosures and numbers from a feed audio-feed built ({} otherwise)."""
    if not filekind.is_file(feed):
        return {}  # a named pipe there would never answer: no feed audio-feed built
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        channel = etree.parse(str(feed), parser).getroot().find("channel")
    except (OSError, etree.XMLSyntaxError):
        return {}
    if channel is None or "audio-feed" not in (channel.findtext("generator") or ""):
        return {}
    self_link = next((link.get("href", "") for link in channel.iter(_ATOM + "link")
                      if link.get("rel") == "self"), "")
    base = self_link.rsplit("/", 1)[0] + "/" if self_link else ""
    record: Record = {}
    for item in channel.iter("item"):
        guid = item.findtext("guid")
        if not guid:
            continue
        enclosure = item.find("enclosure")
        url = enclosure.get("url", "") if enclosure is not None else ""
        link = (item.findtext("link") or "").rstrip("/")
        number = (item.findtext(_ITUNES + "episode") or "").strip()
        record[guid] = Published(
            guid, unquote(link.rsplit("/", 1)[-1]) if "/episodes/" in link else None, None,
            unquote(url[len(base):]) if base and url.startswith(base) else None,
            int(number) if _DIGITS.fullmatch(number) else None)
    return record


GUID_CHANGE = ("(a new one makes players treat it as a new episode; --allow-guid-change "
               "accepts that)")


def check(record: Record, episodes: Iterable[Episode], identity: Callable[[Episode], str],
          problems: Problems) -> None:
    """Refuse a published GUID that moved to another episode or came back for new audio."""
    eps = list(episodes)
    current = {e.post_id for e in eps}
    by_stem: dict[str, set[str]] = {}
    by_audio: dict[str, list[Published]] = {}
    for p in record.values():
        if p.stem is not None:
            by_stem.setdefault(p.stem, set()).add(p.guid)
        if p.audio is not None and p.guid not in current:
            by_audio.setdefault(p.audio, []).append(p)
    for ep in eps:
        guids = by_stem.get(ep.stem, set())
        if guids and ep.post_id not in guids:
            problems.add(ep.source, "post_id", described(
                f"{min(guids)!r}, the GUID this episode was published with "
                + GUID_CHANGE, repr(ep.post_id)))
            continue
        if not ep.is_public or ep.audio is None or not (by_audio or record.get(ep.post_id)):
            continue
        _check_audio(record, by_audio, ep, identity(ep), problems)


def _check_audio(record: Record, by_audio: dict[str, list[Published]], ep: Episode,
                 audio: str, problems: Problems) -> None:
    before = record.get(ep.post_id)
    if before is None:
        gone = by_audio.get(audio)
        if gone:
            problems.add(ep.source, "post_id", described(
                f"{gone[0].guid!r}, the GUID this recording was published with (as "
                f"{gone[0].stem!r}) " + GUID_CHANGE, repr(ep.post_id)))
    elif before.stem != ep.stem and before.audio is not None and before.audio != audio:
        problems.add(ep.source, "audio", described(
            f"the recording published as {ep.post_id!r} (by {before.stem!r}; new audio "
            f"needs a new post_id, or --allow-guid-change)", "a different recording"))
