"""Every mutagen call: reading audio facts, writing ID3 tags, cover art and chapters.

Like mediafile, this module reads as the specification of which tag goes where.
mutagen's errors are translated here into audio-feed's own words.

MP3 (ID3v2.3, which every player reads):

====================  ===========================================
what                   frame
====================  ===========================================
episode title          TIT2
show author            TPE1 (artist)
show title             TALB (album)
publication date       TDRC (written as TYER/TDAT in v2.3)
episode number         TRCK
summary                COMM (and TDES, the podcast description)
genre                  TCON = "Podcast"; PCST marks it a podcast
episode GUID           TGID
feed URL               WFED
show-notes page        WXXX "Show notes"
cover art              APIC (front cover)
chapters               CTOC (top level, ordered) + one CHAP each
====================  ===========================================

M4A (iTunes atoms; chapters are added by ffmpeg, see audio.copy_with_chapters):
``©nam`` title, ``©ART``/``aART`` author, ``©alb`` show, ``©day`` date, ``trkn``
number, ``desc``/``©cmt`` summary, ``©gen`` "Podcast", ``pcst`` podcast flag,
``egid`` GUID, ``purl`` show-notes page, ``covr`` cover art.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen import id3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover

from .model import Chapter, chapter_spans

AUDIO_EXTENSIONS = (".mp3", ".m4a", ".wav", ".flac", ".ogg", ".opus")


def audio_problem(path: Path) -> str | None:
    """Why ``path`` is not usable audio, in the user's words, or None when it is."""
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        return (f"expected an audio file ({', '.join(AUDIO_EXTENSIONS)}), "
                f"got '{path.suffix or path.name}'")
    try:
        info = _audio_info(path)
    except AudioReadError:
        return "expected audio, got a file that is not audio (cannot read it as " \
            f"{path.suffix.lower()[1:].upper()})"
    if float(info.length) <= 0:
        return "expected audio, got a file with no length"
    # An MP4 holding only video still has a length, but no codec or channels, and
    # ffmpeg finds nothing to encode.
    if getattr(info, "channels", 1) == 0 or getattr(info, "codec", "x") == "":
        return "expected audio, got a file without an audio stream"
    return None


class AudioReadError(Exception):
    """mutagen could not read a file as audio."""


def _audio_info(path: Path) -> Any:
    """mutagen's stream info of ``path`` (length, channels, codec...), read once."""
    try:
        f = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError, IndexError, KeyError) as e:
        raise AudioReadError(str(e)) from e
    if f is None or getattr(f, "info", None) is None:
        raise AudioReadError("unknown format")
    return f.info


def read_duration(path: Path) -> float:
    """Duration in seconds as the file's headers say (exact when ffmpeg wrote them)."""
    return float(_audio_info(path).length)


@dataclass(frozen=True)
class EpisodeTags:
    """What goes into an episode's audio file."""

    title: str
    artist: str
    album: str
    date: str
    """YYYY-MM-DD"""
    track: int | None
    comment: str
    language: str
    guid: str
    feed_url: str
    page_url: str
    cover: bytes
    cover_mime: str
    chapters: tuple[Chapter, ...]
    duration: float


def write_tags(path: Path, t: EpisodeTags) -> None:
    """Replace every tag of an episode file with ours, by its format."""
    if path.suffix.lower() == ".m4a":
        write_mp4_tags(path, t)
    else:
        write_mp3_tags(path, t)


def write_mp4_tags(path: Path, t: EpisodeTags) -> None:
    """iTunes-style MP4 tags (the chapters are already in the file)."""
    try:
        audio = MP4(path)
        if audio.tags is None:
            audio.add_tags()
        tags = audio.tags
        assert tags is not None
        tags.clear()
        tags["©nam"] = [t.title]
        tags["©ART"] = [t.artist]
        tags["aART"] = [t.artist]
        tags["©alb"] = [t.album]
        tags["©day"] = [t.date]
        if t.track is not None:
            tags["trkn"] = [(t.track, 0)]
        tags["©gen"] = ["Podcast"]
        tags["desc"] = [t.comment]
        tags["©cmt"] = [t.comment]
        tags["pcst"] = True
        tags["egid"] = [t.guid]
        tags["purl"] = [t.page_url]
        fmt = MP4Cover.FORMAT_JPEG if t.cover_mime == "image/jpeg" else MP4Cover.FORMAT_PNG
        tags["covr"] = [MP4Cover(t.cover, imageformat=fmt)]
        audio.save()
    except mutagen.MutagenError as e:  # pragma: no cover - disk trouble
        raise OSError(f"{path}: could not write tags: {e}") from e


def read_chapters(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, title) of the chapters inside an MP3 (ID3) or M4A (chpl) file."""
    if path.suffix.lower() != ".m4a":
        return read_mp3_chapters(path)
    audio = MP4(path)
    found = [Chapter(float(c.start), str(c.title)) for c in audio.chapters or []]
    return chapter_spans(found, float(getattr(audio.info, "length", 0.0)))


def write_mp3_tags(path: Path, t: EpisodeTags) -> None:
    """Replace every tag of an MP3 with ours (ID3v2.3, no ID3v1)."""
    try:
        audio = MP3(path)
        audio.delete()
        audio.add_tags()
        tags = audio.tags
        assert tags is not None
        lang = "eng" if t.language.startswith("en") else "und"
        tags.add(id3.TIT2(encoding=3, text=t.title))
        tags.add(id3.TPE1(encoding=3, text=t.artist))
        tags.add(id3.TALB(encoding=3, text=t.album))
        tags.add(id3.TDRC(encoding=3, text=t.date))
        if t.track is not None:
            tags.add(id3.TRCK(encoding=3, text=str(t.track)))
        tags.add(id3.TCON(encoding=3, text="Podcast"))
        tags.add(id3.COMM(encoding=3, lang=lang, desc="", text=t.comment))
        tags.add(id3.TDES(encoding=3, text=t.comment))
        tags.add(id3.TGID(encoding=3, text=t.guid))
        tags.add(id3.WFED(encoding=3, url=t.feed_url))
        tags.add(id3.WXXX(encoding=3, desc="Show notes", url=t.page_url))
        tags.add(id3.PCST(value=1))
        tags.add(id3.APIC(encoding=3, mime=t.cover_mime, type=id3.PictureType.COVER_FRONT,
                          desc="Cover", data=t.cover))
        _add_chapters(tags, t.chapters, t.duration)
        audio.save(v1=0, v2_version=3)
    except mutagen.MutagenError as e:  # pragma: no cover - disk trouble
        raise OSError(f"{path}: could not write tags: {e}") from e


def _add_chapters(tags: id3.ID3, chapters: tuple[Chapter, ...], duration: float) -> None:
    if not chapters:
        return
    ids = [f"chp{i}" for i in range(len(chapters))]
    tags.add(id3.CTOC(element_id="toc", flags=id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[id3.TIT2(encoding=3, text="Chapters")]))
    for cid, (start, end, title) in zip(ids, chapter_spans(chapters, duration), strict=True):
        tags.add(id3.CHAP(element_id=cid, start_time=int(round(start * 1000)),
                          end_time=int(round(end * 1000)),
                          sub_frames=[id3.TIT2(encoding=3, text=title)]))


def read_mp3_chapters(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, title) of each CHAP frame, in CTOC order (for lint and tests)."""
    tags = id3.ID3(path)
    tocs = tags.getall("CTOC")
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    order = list(tocs[0].child_element_ids) if tocs else sorted(chaps)
    out = []
    for cid in order:
        c = chaps[cid]
        out.append((c.start_time / 1000, c.end_time / 1000, str(c.sub_frames["TIT2"])))
    return out


def truncation(path: Path) -> tuple[float, float] | None:
    """(seconds the header promises, seconds the file can hold) when an MP3 was cut
    short, e.g. by an interrupted copy; None when it looks whole or cannot be told.

    Cheap: the header's length (from the Xing/Info frame count) against what the
    audio bytes hold at the stream's bitrate, without decoding anything.
    """
    if path.suffix.lower() != ".mp3":
        return None
    try:
        f = MP3(path)
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.seek(max(0, size - 128))
            has_v1 = fh.read(3) == b"TAG"
    except (mutagen.MutagenError, OSError, ValueError):
        return None
    start = getattr(f.tags, "size", 0) if f.tags is not None else 0
    audio_bytes = size - start - (128 if has_v1 else 0)
    info = f.info
    if info is None:
        return None
    said, bitrate = float(info.length), float(info.bitrate or 0)
    if bitrate <= 0 or said <= 0:
        return None
    held = audio_bytes * 8 / bitrate
    return (said, held) if said - held > max(0.5, said * 0.03) else None
