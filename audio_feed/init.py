"""``audio-feed init``: a new show folder that ``check`` accepts once it has a post.

The podcast.toml it writes is generated from ``config.KEYS`` and ``config.AUDIO_KEYS``,
so every key is there with its documentation and the file never drifts from the code.
Required keys get stand-in values (check passes on them); optional keys are commented
out. Nothing that already exists is ever overwritten.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from . import filekind, images
from .cache import CACHE_NAME, write_atomic
from .config import AUDIO_KEYS, CONFIG_NAME, KEYS, Key
from .errors import InputError, Problem
from .text import one_line

ARTWORK_NAME = "artwork.png"
GITIGNORE = f"# Made by audio-feed init: the build cache and the built sites.\n" \
            f"/{CACHE_NAME}/\n/_site/\n/_preview/\n"

STAND_INS: dict[str, str] = {
    "title": '"My Show"',
    "description": '"What the show is about, in a sentence or two."',
    "author": '"Your Name"',
    "email": '"you@example.org"',
    "language": '"en"',
    "base_url": '"https://example.org/podcast/"',
    "artwork": f'"{ARTWORK_NAME}"',
    "category": '"Society & Culture"',
    "explicit": "false",
}
"""Values for the required keys: valid, and obviously to be replaced."""

EXAMPLES: dict[str, str] = {
    "intro": '"episodes/intro.mp3"', "outro": '"episodes/outro.mp3"',
    "link": '"https://example.org/"', "copyright": '"© Your Name"', "type": '"episodic"',
    "synthetic_voice": "false", "locked": "false",
    "funding_url": '"https://example.org/support"', "funding_text": '"Support the show"',
    "templates": '"templates"',
    "loudness": "-16.0", "true_peak": "-1.0", "bitrate": '"64k"', "sample_rate": "44100",
    "channels": "1", "intro_overlap": "2.0", "outro_overlap": "1.0", "format": '"mp3"',
}
"""Example values of the optional keys (commented out in the file)."""


@dataclass(frozen=True)
class Scaffold:
    """What ``init`` wrote (paths relative to the show) and what it left as it was."""

    written: tuple[str, ...]
    kept: tuple[str, ...]


def _lines(key: Key, values: Mapping[str, str] | None) -> list[str]:
    given = values.get(key.name) if values is not None else None
    value = given or STAND_INS.get(key.name) or EXAMPLES.get(key.name, '""')
    doc = f"# {key.doc}" + (" (required)" if key.required else "")
    on = given is not None if values is not None else key.required
    return [doc, f"{key.name} = {value}" if on else f"# {key.name} = {value}"]


def podcast_toml(values: Mapping[str, str] | None = None, source: str | None = None) -> str:
    """The commented podcast.toml: required keys set to stand-ins, the rest commented out.

    With ``values`` (TOML values by key, as an import found them, from ``source``)
    exactly those keys are set; every other key is commented out, so a required one
    the import could not fill is reported by check rather than published as a stand-in.
    """
    made = f"audio-feed import from {one_line(source)}" if source else "audio-feed init"
    out = [f"# Made by {made}. Every key is described in the README.",
           "# Replace the stand-in values below before you publish." if values is None
           else "# Check the imported values below before you publish.", ""]
    for key in KEYS:
        if key.name != "audio":
            out += _lines(key, values) + [""]
    known = {k.name for k in KEYS}
    out += [f"{k} = {v}" for k, v in (values or {}).items() if k not in known]
    out += ["# The [audio] table: how episodes are rendered. Uncomment it to change a "
            "setting.", "# [audio]"]
    for key in AUDIO_KEYS:
        out += _lines(key, None)
    return "\n".join(out) + "\n"


def placeholder_artwork() -> bytes:
    """A 1400 px square RGB PNG that passes the artwork checks, says "placeholder" on
    its face and carries a text chunk that check and build warn about."""
    size = images.ARTWORK_MIN
    im = Image.new("RGB", (size, size), (96, 96, 96))
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=120)
    draw.text((size // 2, size // 2), "placeholder", fill=(235, 235, 235), font=font,
              anchor="mm")
    info = PngInfo()
    info.add_text(images.PLACEHOLDER_KEY, images.PLACEHOLDER_VALUE)
    buf = io.BytesIO()
    im.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def init(root: Path, config: str | None = None,
         artwork: tuple[str, bytes] | None = None) -> Scaffold:
    """Scaffold a show in ``root`` (created if missing); files already there are kept.

    ``config`` and ``artwork`` (name, bytes) replace the stand-in podcast.toml and the
    placeholder artwork, as an import that knows them gives them. Refuses a folder that
    already has a podcast.toml: it is a show already.
    """
    found = _not_a_folder(root)
    if found is not None:
        raise InputError([Problem(str(root), None, f"expected a folder for the show, got "
                                  f"{found}")])
    if (root / CONFIG_NAME).exists():
        raise InputError([Problem(str(root / CONFIG_NAME), None,
                                  "expected a folder without a show, got an existing "
                                  "podcast.toml (init never overwrites it)")])
    files: list[tuple[str, bytes]] = [
        (CONFIG_NAME, (config or podcast_toml()).encode()), (".gitignore", GITIGNORE.encode()),
        artwork or (ARTWORK_NAME, placeholder_artwork())]
    written, kept = [], []
    (root / "episodes").mkdir(parents=True, exist_ok=True)
    for name, data in files:
        if (root / name).exists() or (root / name).is_symlink():
            kept.append(name)
            continue
        write_atomic(root / name, data)
        written.append(name)
    return Scaffold(tuple(written), tuple(kept))


def _not_a_folder(root: Path) -> str | None:
    """What ``root`` is when it cannot be (or become) a folder: a file, a link to nothing,
    a path under a file; None when it is a folder or can be made one."""
    if root.exists():
        return None if root.is_dir() else filekind.kind(root)
    if root.is_symlink():
        return filekind.DANGLING
    for parent in root.absolute().parents:
        if parent.exists() or parent.is_symlink():
            return None if parent.is_dir() else f"a path under a file ({parent})"
    return None


def check_posts_folder(root: Path) -> None:
    """Refuse a show whose episodes/ is a link or a file: posts written through a link
    would land outside the show, and a file cannot hold them."""
    episodes = root / "episodes"
    if episodes.is_symlink() or (episodes.exists() and not episodes.is_dir()):
        raise InputError([Problem(str(episodes), None, "expected a folder of posts inside "
                                  f"the show, got {filekind.kind(episodes)}")])


def untouched(path: Path, made: bytes) -> bool:
    """True when ``path`` is a file holding exactly what init wrote there (``made``):
    init's own, never edited, so an import may fill it in."""
    try:
        return (path.is_file() and not path.is_symlink() and path.stat().st_size == len(made)
                and path.read_bytes() == made)
    except OSError:
        return False


def needs_scaffold(root: Path, source: Path | None = None) -> bool:
    """Whether an import into ``root`` makes the show first: True for a missing or
    empty folder (ignoring hidden entries such as .git, and ``source``, the file being
    imported, when it sits there), False for a show (it has a podcast.toml or an
    episodes/ folder).

    Refuses a file, and a folder of other files: an import there would mix a show into
    something else (a mistyped --into, a home folder).
    """
    found = _not_a_folder(root)
    if found is not None:
        raise InputError([Problem(str(root), None, f"expected a show folder to import into, "
                                  f"got {found}")])
    if not root.exists():
        return True
    if any((root / n).exists() or (root / n).is_symlink() for n in (CONFIG_NAME, "episodes")):
        return False
    mine = source.resolve() if source is not None else None
    others = sorted(p.name for p in root.iterdir()
                    if not p.name.startswith(".") and p.resolve() != mine)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise InputError([Problem(str(root), None, (
            f"expected an empty folder or a show ({CONFIG_NAME}, episodes/), got a folder of other "
            f"files ({shown}); run audio-feed init on it first to make it a show"))])
    return True
