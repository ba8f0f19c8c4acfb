"""Image checks with Pillow: artwork must be what directories accept."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

ARTWORK_MIN = 1400
ARTWORK_MAX = 3000
_FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
IMAGE_TYPES = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "GIF": (".gif",),
               "WEBP": (".webp",)}
"""The types a post may show, with their extensions. SVG is refused: it can carry
scripts and links, and checking it safely needs an XML sanitiser of its own."""
MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""No page needs a bigger image; a bigger "image" is a mistake (a video, an archive)."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    mode: str


def inspect(path: Path) -> ImageInfo | None:
    """Type, size and colour mode of an image, or None if it is not an image."""
    try:
        with Image.open(path) as im:
            return ImageInfo(im.format or "", im.width, im.height, im.mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return None


def image_problem(path: Path) -> str | None:
    """Why ``path`` cannot be shown on a page, as 'expected ..., got ...', or None.

    Only the file's head is read: Pillow identifies an image without decoding it.
    """
    kinds = "a PNG, JPEG, GIF or WebP image"
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        return (f"expected {kinds} of at most {MAX_IMAGE_BYTES // 2**20} MB, "
                f"got {size / 2**20:.1f} MB")
    info = inspect(path)
    if info is None:
        return f"expected {kinds}, got a file that is not an image"
    if info.format not in IMAGE_TYPES:
        return f"expected {kinds}, got {info.format or 'an unknown'} image"
    if path.suffix.lower() not in IMAGE_TYPES[info.format]:
        return (f"expected the extension to match the real type ({info.format}), "
                f"got '{path.suffix}'")
    return None


def artwork_problems(path: Path) -> list[str]:
    """What is wrong with a podcast cover, each as 'expected ..., got ...' text."""
    info = inspect(path)
    if info is None:
        return ["expected a PNG or JPEG image, got a file that is not an image"]
    found: list[str] = []
    if info.format not in _FORMATS:
        found.append(f"expected a PNG or JPEG image, got {info.format or 'an unknown'} image")
    elif path.suffix.lower() not in _FORMATS[info.format]:
        found.append(
            f"expected the extension to match the real type ({info.format}), "
            f"got '{path.suffix}'"
        )
    if info.width != info.height:
        found.append(f"expected a square image, got {info.width}x{info.height} px")
    elif not ARTWORK_MIN <= info.width <= ARTWORK_MAX:
        found.append(
            f"expected {ARTWORK_MIN} to {ARTWORK_MAX} px square, "
            f"got {info.width}x{info.height} px"
        )
    if info.mode != "RGB":
        found.append(f"expected RGB colour, got mode {info.mode}")
    return found


PLACEHOLDER_KEY = "audio-feed"
PLACEHOLDER_VALUE = "placeholder"
"""The PNG text chunk that marks the artwork ``init`` writes, so that check and build
can tell the user to replace it (a stand-in cover must not reach the directories)."""


def is_placeholder(path: Path) -> bool:
    """True when ``path`` is the placeholder artwork ``audio-feed init`` wrote."""
    try:
        with Image.open(path) as im:
            return bool(im.info.get(PLACEHOLDER_KEY) == PLACEHOLDER_VALUE)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return False
