"""``--download-images``: a post's remote images fetched into episodes/images/, named by
their content's hash, so its page makes no request to another site."""

from __future__ import annotations

import hashlib
import io
import re
import urllib.error
import urllib.request
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..cache import write_atomic
from ..errors import Problem
from ..images import IMAGE_TYPES, MAX_IMAGE_BYTES

IMAGES = "episodes/images"
_IMAGE = re.compile(r"(!\[[^\]]*\]\()(https?://[^)\s]+)(\))")
TIMEOUT = 30.0


class Downloader:
    """Fetches each image URL once per import; a failure is one warning and the URL stays."""

    def __init__(self, root: Path, warnings: list[Problem]) -> None:
        self.root = root
        self.warnings = warnings
        self.done: dict[str, str | None] = {}

    def localise(self, text: str, post: str) -> str:
        """``text`` with each remote Markdown image replaced by its downloaded copy."""
        def swap(m: re.Match[str]) -> str:
            local = self.fetch(m.group(2), post)
            return m.group(1) + (local or m.group(2)) + m.group(3)
        return _IMAGE.sub(swap, text)

    def fetch(self, url: str, post: str) -> str | None:
        """'images/<hash>.<ext>' (relative to the post) for ``url``; None when it failed."""
        if url not in self.done:
            self.done[url] = self._fetch(url, post)
        return self.done[url]

    def _fetch(self, url: str, post: str) -> str | None:
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310
                data = answer.read(MAX_IMAGE_BYTES + 1)
        except urllib.error.HTTPError as e:
            return self._failed(url, post, f"HTTP {e.code}")
        except (urllib.error.URLError, OSError, ValueError) as e:
            return self._failed(url, post, str(getattr(e, "reason", e)))
        if len(data) > MAX_IMAGE_BYTES:
            return self._failed(url, post, f"more than {MAX_IMAGE_BYTES // 2**20} MB")
        try:
            with Image.open(io.BytesIO(data)) as im:
                kind = im.format or ""
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
            kind = ""
        if kind not in IMAGE_TYPES:
            return self._failed(url, post, "a file that is not a PNG, JPEG, GIF or WebP image")
        name = hashlib.sha256(data).hexdigest()[:24] + IMAGE_TYPES[kind][0]
        folder = self.root / IMAGES
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return self._failed(url, post, f"no {IMAGES} folder to put it in ({IMAGES} is a "
                                           f"link or a file)")
        target = folder / name
        if not target.exists():
            write_atomic(target, data)
        return f"images/{name}"

    def _failed(self, url: str, post: str, why: str) -> str | None:
        self.warnings.append(Problem(post, "image", f"expected an image at {url}, got {why}; "
                                                    f"kept as a remote URL"))
        return None
