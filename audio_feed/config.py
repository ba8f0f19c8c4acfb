"""podcast.toml -> Show, validated, with every problem reported at once.

Each key is declared once in ``KEYS`` with its type and a one-line docstring;
the README's table of keys is written from the same words.
"""

from __future__ import annotations

import re
import tomllib
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import filekind, images, tags
from .categories import CATEGORIES
from .constants import DESCRIPTION_MAX_BYTES, FUNDING_TEXT_MAX_CHARS, LANGUAGE, SHOW_TYPES
from .errors import (
    URL_ENCODED,
    Problems,
    described,
    expected,
    illegal_characters,
    library_error,
)
from .lint.parse import unencoded
from .model import AudioSettings, Show, SpeakSettings
from .text import control_characters, did_you_mean

CONFIG_NAME = "podcast.toml"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANG = LANGUAGE
_BITRATE = re.compile(r"^(\d{2,3})k$")
# A DNS name (letters, digits, hyphens, dots; IDNs as punycode or Unicode letters), an
# IPv4 address, or an IPv6 address in brackets (urlsplit gives it without them).
_HOST = re.compile(r"^(?:[\w-]+(?:\.[\w-]+)*\.?|[0-9a-f:.]*:[0-9a-f:.]*)$", re.I)


@dataclass(frozen=True)
class Key:
    name: str
    kind: type
    required: bool
    doc: str


KEYS: tuple[Key, ...] = (
    Key("title", str, True, "Show title."),
    Key("description", str, True,
        f"What the show is about (at most {DESCRIPTION_MAX_BYTES} bytes)."),
    Key("author", str, True, "Who makes it (itunes:author, the audio's artist tag)."),
    Key("email", str, True, "Owner e-mail (itunes:owner, podcast:locked owner)."),
    Key("language", str, True, "ISO 639 language code, e.g. en or pt-BR."),
    Key("base_url", str, True, "Where the built site is served; --base-url overrides it."),
    Key("artwork", str, True, "Square PNG or JPEG, RGB, 1400 to 3000 px, inside the show."),
    Key("category", str, True, "Apple category, or 'Category/Subcategory'."),
    Key("explicit", bool, True, "true or false: does the show contain explicit content?"),
    Key("intro", str, False, "Intro music played before each episode (optional)."),
    Key("outro", str, False, "Outro music played after each episode (optional)."),
    Key("link", str, False, "The show's website; defaults to base_url."),
    Key("copyright", str, False, "Copyright line for the feed."),
    Key("type", str, False, "episodic (default, newest first) or serial."),
    Key("synthetic_voice", bool, False, "true when a text-to-speech voice reads the posts."),
    Key("locked", bool, False, "podcast:locked: true asks other platforms not to import it."),
    Key("funding_url", str, False, "A page where listeners can support the show."),
    Key("funding_text", str, False,
        f"Its link text (at most {FUNDING_TEXT_MAX_CHARS} characters)."),
    Key("templates", str, False, "Folder of jinja2 templates that override the defaults."),
    Key("audio", dict, False, "The [audio] table: how episodes are rendered (below)."),
    Key("podcast_guid", str, False, "podcast:guid kept from a feed the show moved from "
        "(a UUID); default: derived from the feed URL."),
    Key("new_feed_url", str, False, "Where the show moved to: emits itunes:new-feed-url, "
        "so apps follow it."),
    Key("speak", dict, False, "The [speak] table: how posts without a recording are read "
        "aloud (see No recording? Let it speak)."),
)

AUDIO_KEYS: tuple[Key, ...] = (
    Key("loudness", float, False, "Integrated loudness target in LUFS (default -16)."),
    Key("true_peak", float, False, "True-peak ceiling in dBTP (default -1)."),
    Key("bitrate", str, False, "Audio bitrate, e.g. '64k' (default) or '128k'."),
    Key("sample_rate", int, False, "Output sample rate: 44100 (default) or 48000."),
    Key("channels", int, False, "1 (mono, default) or 2."),
    Key("intro_overlap", float, False, "Seconds the intro fades out under the voice (2.0)."),
    Key("outro_overlap", float, False, "Seconds the outro fades in under the voice (1.0)."),
    Key("format", str, False, "mp3 (default) or m4a (AAC, with MP4 chapter atoms)."),
)

SPEAK_KEYS: tuple[Key, ...] = (
    Key("engine", str, False, "espeak-ng (default), piper or command."),
    Key("voice", str, False, "espeak-ng: a voice name (default en-us); piper: an .onnx file "
        "or an installed voice package; command: the program line, reading stdin."),
    Key("speed", float, False, "Speaking rate, 0.5 to 2.0 (default 1.0)."),
    Key("sentence_pause", float, False, "Seconds between sentences, 0 to 3 (default 0.4); "
        "twice that after a heading."),
    Key("read_date", bool, False, "true: the opening reads the post's date."),
    Key("images", str, False, "read (default: 'Image:' and the alt text) or skip."),
    Key("skip", list, False, "Regular expressions; a paragraph one matches is not read."),
    Key("pronounce", dict, False, "The [speak.pronounce] table: written = spoken, "
        "whole-word, case-sensitive."),
)

_TYPE_WORDS = {str: "a string", bool: "true or false", int: "a whole number",
               float: "a number", dict: "a table", list: "a list"}


def _typed(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check_table(
    data: dict[str, Any], keys: tuple[Key, ...], problems: Problems, path: Path, prefix: str
) -> dict[str, Any]:
    """Type-check a table against its declared keys; returns only the valid values."""
    known = {k.name: k for k in keys}
    good: dict[str, Any] = {}
    for name in data:
        if name not in known:
            problems.add(path, prefix + name, expected(
                "one of the documented keys (see README)", name) + did_you_mean(name, known))
    for key in keys:
        if key.name not in data:
            if key.required:
                problems.add(path, prefix + key.name, "expected a value, got nothing (required)")
            continue
        value = data[key.name]
        if not _typed(value, key.kind):
            problems.add(path, prefix + key.name, expected(_TYPE_WORDS[key.kind], value))
            continue
        if isinstance(value, str):
            if not value.strip() and key.required:
                problems.add(path, prefix + key.name, "expected a value, got an empty string")
                continue
            illegal = illegal_characters(value)
            if illegal:
                problems.add(path, prefix + key.name, illegal)
                continue
        good[key.name] = value
    return good


def inside_show(root: Path, value: Path | str) -> Path | None:
    """``value`` (relative to the show folder, or absolute) with every symlink resolved,
    or None when it ends up outside the show folder or cannot be resolved at all.

    The one rule for every file the show names or audio-feed finds in it (posts,
    recordings, sections, chapter files, images, artwork, intro, outro, templates):
    a symlink is followed, and what it points at must still be inside the show.
    """
    if isinstance(value, str) and (not value.strip() or control_characters(value)):
        return None
    try:
        base = root.resolve()
        resolved = (base / value).resolve()
        resolved.exists()  # raises on a name too long for the file system
    except (OSError, ValueError, RuntimeError):  # a NUL, a loop of symlinks, a long name
        return None
    return resolved if resolved.is_relative_to(base) else None


def inside(root: Path, value: str, problems: Problems, path: Path, field: str) -> Path | None:
    """Resolve a path given in the show's files; it must be a file inside the show folder."""
    candidate = inside_show(root, value)
    if candidate is None:
        problems.add(path, field, expected("a path inside the show folder", value))
        return None
    problem = not_a_file(root, value, "file")
    if problem:
        problems.add(path, field, problem)
        return None
    return candidate


def not_a_file(root: Path, value: str, what: str) -> str | None:
    """None when ``value`` (in the show) is a regular file; else "expected an existing
    <what>, got 'x'" when nothing is there, or "expected a <what>, got 'x', a named
    pipe" (a folder, a socket, a device, a link to nothing...)."""
    given = root / value
    if filekind.is_file(given):
        return None
    # Told from the path as written: a link to a named pipe is reported as one.
    found = filekind.kind(given)
    if found == filekind.MISSING:
        return expected(f"an existing {what}", value)
    article = "an" if what[:1] in "aeiou" else "a"
    return expected(f"{article} {what}", value) + f", {found}"


def normalise_base_url(url: str) -> str | None:
    """The base URL with exactly one trailing slash, or None if it is not an http(s)
    URL a feed can point at: a host, a valid port, no query, fragment, user name,
    spaces or control characters."""
    if not url or control_characters(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises ValueError on a port that is not a number 0-65535
    except ValueError:
        return None
    host = parts.hostname or ""
    if (parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment
            or "?" in url or "#" in url or parts.username is not None or port == 0
            or not _HOST.match(host)):
        return None
    return url.rstrip("/") + "/"


def _audio_file(root: Path, value: str, problems: Problems, path: Path, field: str) -> Path | None:
    found = inside(root, value, problems, path, field)
    if found is not None:
        problem = tags.audio_problem(found)
        if problem:
            problems.add(path, field, problem)
            return None
    return found


def load_show(root: Path, problems: Problems, base_url: str | None = None) -> Show | None:
    """Read and validate ``root/podcast.toml``.

    Every problem found is added to ``problems``; the result is None when there was any.
    """
    before = len(problems.items)
    path = root / CONFIG_NAME
    data = _read_toml(path, problems)
    if data is None:
        return None
    v = _check_table(data, KEYS, problems, path, "")
    # Problems are listed in the order these checks run: keep it, output is compared.
    norm = _base_url(v, base_url, problems, path)
    _check_forms(v, problems, path)
    category, subcategory = _category(v, problems, path)
    artwork = _artwork(root, v, problems, path)
    intro = _audio_file(root, v["intro"], problems, path, "intro") if "intro" in v else None
    outro = _audio_file(root, v["outro"], problems, path, "outro") if "outro" in v else None
    _check_choices(v, problems, path)
    default = root / "templates"
    # The default folder is held to the same rule as a named one: a link out of the
    # show would publish whatever it points at.
    named = v["templates"] if "templates" in v else (
        "templates" if filekind.exists(default) else None)
    templates = (_templates(root, named, problems, path, "templates" in v)
                 if named is not None else None)
    files = _Files(artwork, intro, outro, templates)
    audio = _audio_settings(v.get("audio", {}), problems, path)
    speak = _speak_settings(v.get("speak", {}), problems, path)
    if len(problems.items) > before:
        return None
    assert category is not None and norm is not None
    return replace(_show(root, v, norm, category, subcategory, files, audio), speak=speak)


def _read_toml(path: Path, problems: Problems) -> dict[str, Any] | None:
    """podcast.toml as a table; None (with a problem recorded) when it cannot be read."""
    if not filekind.is_file(path):
        problems.add_named(path, None, described("a podcast.toml in the show folder",
                                           filekind.kind(path)))
        return None
    text = problems.read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        problems.add(path, None, f"expected valid TOML, got a syntax error: {e}")
        return None
    except (ValueError, RecursionError) as e:
        # tomllib raises these for values it parses but Python cannot hold, such as an
        # integer past the digit limit or tables nested past the recursion limit.
        problems.add(path, None, described("valid TOML", library_error(e)))
        return None


def _base_url(v: dict[str, Any], base_url: str | None, problems: Problems,
              path: Path) -> str | None:
    """The base URL, from --base-url when given, else from the file; normalised."""
    url = base_url if base_url is not None else v.get("base_url", "")
    norm = normalise_base_url(url) if url else None
    # An empty --base-url is a value too: refuse it rather than fall through to no URL.
    if norm is None and (url or base_url is not None):
        field = "--base-url" if base_url is not None else "base_url"
        problems.add(path, field, expected("an http:// or https:// URL", url))
    elif norm is not None and unencoded(norm):
        problems.add(path, "--base-url" if base_url is not None else "base_url",
                     expected(URL_ENCODED, url))
        return None
    return norm


def _check_forms(v: dict[str, Any], problems: Problems, path: Path) -> None:
    """The forms and sizes of the show's describing text, beyond its type."""
    if "email" in v and not _EMAIL.match(v["email"]):
        problems.add(path, "email", expected("an e-mail address", v["email"]))
    if "language" in v and not _LANG.match(v["language"]):
        problems.add(path, "language", expected("an ISO 639 code such as 'en'", v["language"]))
    if "description" in v and len(v["description"].encode()) > DESCRIPTION_MAX_BYTES:
        problems.add(path, "description", expected(
            f"at most {DESCRIPTION_MAX_BYTES} bytes", f"{len(v['description'].encode())} bytes"))


def _check_choices(v: dict[str, Any], problems: Problems, path: Path) -> None:
    """The show type, the funding text's length and the extra links."""
    if v.get("type", "episodic") not in SHOW_TYPES:
        problems.add(path, "type", expected("'episodic' or 'serial'", v["type"]))
    if len(v.get("funding_text", "")) > FUNDING_TEXT_MAX_CHARS:
        problems.add(path, "funding_text", expected(f"at most {FUNDING_TEXT_MAX_CHARS} characters",
                                                    f"{len(v['funding_text'])}"))
    if "podcast_guid" in v and not _is_uuid(v["podcast_guid"]):
        problems.add(path, "podcast_guid", expected("a UUID", v["podcast_guid"]))
    for key in ("link", "funding_url", "new_feed_url"):
        if key in v and normalise_base_url(v[key]) is None:
            problems.add(path, key, expected("an http:// or https:// URL", v[key]))
        elif key in v and unencoded(v[key]):
            problems.add(path, key, expected(URL_ENCODED, v[key]))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _category(v: dict[str, Any], problems: Problems, path: Path
              ) -> tuple[str | None, str | None]:
    """'Category' or 'Category/Subcategory' -> (category, subcategory), both Apple's."""
    if "category" not in v:
        return None, None
    category, _, sub = v["category"].partition("/")
    category, subcategory = category.strip(), sub.strip() or None
    if category not in CATEGORIES:
        problems.add(path, "category", expected("an Apple Podcasts category", v["category"]))
    elif subcategory and subcategory not in CATEGORIES[category]:
        problems.add(path, "category", expected(f"a subcategory of {category}", subcategory))
    return category, subcategory


@dataclass(frozen=True)
class _Files:
    """The files and folders podcast.toml names, resolved inside the show."""

    artwork: Path | None
    intro: Path | None
    outro: Path | None
    templates: Path | None


def _artwork(root: Path, v: dict[str, Any], problems: Problems, path: Path) -> Path | None:
    """The show's artwork, a file inside the show that directories accept."""
    if "artwork" not in v:
        return None
    artwork = inside(root, v["artwork"], problems, path, "artwork")
    if artwork is not None:
        for message in images.artwork_problems(artwork):
            problems.add(path, "artwork", message)
        if images.is_placeholder(artwork):
            problems.warn(path, "artwork", f"{artwork.name} is audio-feed's placeholder: "
                          "replace it")
    return artwork


def _show(root: Path, v: dict[str, Any], norm: str, category: str, subcategory: str | None,
          files: _Files, audio: AudioSettings) -> Show:
    """The Show from values that passed every check."""
    assert files.artwork is not None
    get = v.get
    return Show(
        root=root,
        title=v["title"].strip(),
        description=v["description"].strip(),
        author=v["author"].strip(),
        email=v["email"].strip(),
        language=v["language"],
        base_url=norm,
        artwork=files.artwork,
        category=category,
        subcategory=subcategory,
        explicit=v["explicit"],
        intro=files.intro,
        outro=files.outro,
        link=normalise_base_url(get("link", "")) or norm,
        copyright=get("copyright"),
        show_type=get("type", "episodic"),
        synthetic_voice=get("synthetic_voice", False),
        locked=get("locked", False),
        funding_url=get("funding_url"),
        funding_text=get("funding_text"),
        templates=files.templates,
        audio=audio,
        podcast_guid=str(uuid.UUID(v["podcast_guid"])) if "podcast_guid" in v else None,
        new_feed_url=get("new_feed_url"),
    )


def _templates(root: Path, value: str, problems: Problems, path: Path,
               written: bool = True) -> Path | None:
    """The templates folder; it and every file in it must stay inside the show."""
    folder = inside_show(root, value)
    if folder is None or not folder.is_dir():
        there = filekind.kind(root / value)
        if written:
            problems.add(path, "templates", expected("a folder inside the show", value) + (
                "" if folder is None or there == filekind.MISSING else f", {there}"))
        elif folder is None:  # no key in podcast.toml: the name in the show is wrong
            problems.add_named(root / value, None, described(
                "a folder of templates inside the show folder", f"{there} outside it"))
        else:
            problems.add_named(root / value, None, described(
                "a folder of templates (or nothing by that name)", there))
        return None
    for found in sorted(folder.rglob("*")):
        if inside_show(root, found) is None:
            problems.add(path, "templates", described(
                "templates inside the show folder",
                f"{found.relative_to(folder).as_posix()!r}, {filekind.kind(found)} outside it"))
            return None
    return folder


def template_files(folder: Path | None) -> list[Path]:
    """Every file in a templates folder (none without one)."""
    if folder is None:
        return []
    try:
        return sorted(f for f in folder.rglob("*") if f.is_file())
    except (OSError, RuntimeError):
        return []


def _audio_settings(data: dict[str, Any], problems: Problems, path: Path) -> AudioSettings:
    a = _check_table(data, AUDIO_KEYS, problems, path, "audio.")
    d = AudioSettings()
    checks: list[tuple[str, Callable[[Any], bool], str]] = [
        ("loudness", lambda x: -40 <= x <= -5, "a loudness from -40 to -5 LUFS"),
        ("true_peak", lambda x: -9 <= x <= 0, "a ceiling from -9 to 0 dBTP"),
        ("bitrate", lambda x: bool(_BITRATE.match(x)) and 32 <= int(x[:-1]) <= 320,
         "a bitrate such as '64k' (32k to 320k)"),
        ("sample_rate", lambda x: x in (22050, 44100, 48000), "22050, 44100 or 48000"),
        ("channels", lambda x: x in (1, 2), "1 or 2"),
        ("intro_overlap", lambda x: 0 <= x <= 30, "0 to 30 seconds"),
        ("outro_overlap", lambda x: 0 <= x <= 30, "0 to 30 seconds"),
        ("format", lambda x: x in ("mp3", "m4a"), "'mp3' or 'm4a'"),
    ]
    _check_values(a, checks, problems, path, "audio.")
    return AudioSettings(
        loudness=float(a.get("loudness", d.loudness)),
        true_peak=float(a.get("true_peak", d.true_peak)),
        bitrate=a.get("bitrate", d.bitrate),
        sample_rate=a.get("sample_rate", d.sample_rate),
        channels=a.get("channels", d.channels),
        intro_overlap=float(a.get("intro_overlap", d.intro_overlap)),
        outro_overlap=float(a.get("outro_overlap", d.outro_overlap)),
        format=a.get("format", d.format),
    )


def _check_values(table: dict[str, Any], checks: list[tuple[str, Callable[[Any], bool], str]],
                  problems: Problems, path: Path, prefix: str) -> None:
    """Refuse, and drop from ``table``, each value its check does not accept."""
    for name, ok, what in checks:
        if name in table and not ok(table[name]):
            problems.add(path, prefix + name, expected(what, table[name]))
            del table[name]


def _speak_settings(data: dict[str, Any], problems: Problems, path: Path) -> SpeakSettings:
    """The [speak] table; every pattern must compile and every spoken form be text."""
    a = _check_table(data, SPEAK_KEYS, problems, path, "speak.")
    d = SpeakSettings()
    checks: list[tuple[str, Callable[[Any], bool], str]] = [
        ("engine", lambda x: x in ("espeak-ng", "piper", "command"),
         "'espeak-ng', 'piper' or 'command'"),
        ("speed", lambda x: 0.5 <= x <= 2.0, "a rate from 0.5 to 2.0"),
        ("sentence_pause", lambda x: 0 <= x <= 3, "0 to 3 seconds"),
        ("images", lambda x: x in ("read", "skip"), "'read' or 'skip'"),
    ]
    _check_values(a, checks, problems, path, "speak.")
    if a.get("engine") == "command" and not a.get("voice", "").strip():
        problems.add(path, "speak.voice", "expected the program to run for engine = "
                     "'command', got nothing")
    return SpeakSettings(
        engine=a.get("engine", d.engine), voice=a.get("voice", d.voice).strip(),
        speed=float(a.get("speed", d.speed)),
        sentence_pause=float(a.get("sentence_pause", d.sentence_pause)),
        read_date=a.get("read_date", d.read_date), images=a.get("images", d.images),
        skip=_patterns(a.get("skip", []), problems, path),
        pronounce=pronunciations(a.get("pronounce", {}), problems, path, "speak.pronounce"))


def _patterns(values: list[Any], problems: Problems, path: Path) -> tuple[str, ...]:
    good: list[str] = []
    for n, value in enumerate(values):
        field = f"speak.skip[{n}]"
        if not isinstance(value, str):
            problems.add(path, field, expected("a regular expression in quotes", value))
            continue
        try:
            re.compile(value)
        except re.error as e:
            problems.add(path, field, described("a regular expression", f"{value!r} ({e})"))
            continue
        good.append(value)
    return tuple(good)


def pronunciations(table: Any, problems: Problems, path: Path, field: str
                   ) -> tuple[tuple[str, str], ...]:
    """A written -> spoken table (podcast.toml or a post's ``pronounce:``), validated."""
    if not isinstance(table, dict):
        problems.add(path, field, expected("a table of written = spoken forms", table))
        return ()
    good: list[tuple[str, str]] = []
    for written, said in table.items():
        if not isinstance(written, str) or not written.strip():
            problems.add(path, field, expected("a written form", written))
        elif not isinstance(said, str) or control_characters(said):
            problems.add(path, f"{field}.{written}", expected("the spoken form, as text", said))
        else:
            good.append((written, said))
    return tuple(sorted(good))
