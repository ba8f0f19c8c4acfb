"""Recordings given as URLs (``audio: https://...``): downloaded once into the show.

A download lands in ``.audio-feed-cache/downloads/<sha256 of the URL><ext>``, next
to a ``<sha256>.url`` file holding the URL, and from then on the post reads like
one with a local recording; a later build finds the file and downloads nothing.
``--clean`` keeps downloads (they are not renders). docs/cache.md has the rules.

Failures: an HTTP 4xx answer, a body larger than ``MAX_BYTES`` or a body that is
not a known audio format is bad input (InputError, exit 2); a timeout, a refused
connection or an HTTP 5xx answer is the network's fault (EnvironmentProblem,
exit 1), and trying again later may work.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeGuard

from . import tags
from .cache import CACHE_NAME, write_atomic
from .errors import EnvironmentProblem, Problems, described

DOWNLOADS = "downloads"
MAX_BYTES = 1 << 30
"""Largest recording downloaded: 1 GiB, far above a three-hour 320k MP3."""
TIMEOUT = 30.0
"""Seconds without an answer before a download is given up."""
_CHUNK = 1 << 16
_TYPES = {"audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/mp4": ".m4a",
          "audio/x-m4a": ".m4a", "audio/m4a": ".m4a", "audio/aac": ".m4a",
          "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav"}

Progress = Callable[[str], None]


def is_url(value: object) -> TypeGuard[str]:
    """Whether an ``audio:`` value names a URL rather than a path."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def folder(root: Path) -> Path:
    return root / CACHE_NAME / DOWNLOADS


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def copies(root: Path, url: str) -> list[Path]:
    """Where the downloaded copy of ``url`` may be, one name per audio extension."""
    base = folder(root) / _key(url)
    return [base.with_suffix(ext) for ext in tags.AUDIO_EXTENSIONS]


def local(root: Path, url: str) -> Path | None:
    """The downloaded copy of ``url``, or None when it was not downloaded yet."""
    return next((p for p in copies(root, url) if p.is_file()), None)


def _suffix(url: str, content_type: str) -> str | None:
    path_ext = Path(urllib.parse.urlsplit(url).path).suffix.lower()
    if path_ext in tags.AUDIO_EXTENSIONS:
        return path_ext
    return _TYPES.get(content_type.split(";")[0].strip().lower())


class BadAnswer(Exception):
    """The server answered with something that is not what the user named (bad input)."""


def get(url: str, limit: int = MAX_BYTES) -> tuple[bytes, str]:
    """The body and Content-Type at ``url``. Raises BadAnswer (an HTTP 4xx answer, a
    body over ``limit`` bytes) or EnvironmentProblem (no answer, an HTTP 5xx)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) only
            return _read(answer, url, limit), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        if e.code >= 500:
            raise EnvironmentProblem(f"could not download {url}: HTTP {e.code}") from e
        raise BadAnswer(described("a URL that serves the file", f"HTTP {e.code} from {url}")
                        ) from e
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        reason = getattr(reason, "strerror", None) or reason
        raise EnvironmentProblem(f"could not download {url}: {reason}") from e


def _read(answer: Any, url: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := answer.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise BadAnswer(described(f"a file of at most {limit} bytes", f"more from {url}"))
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(root: Path, source: Path, url: str, problems: Problems,
          progress: Progress, limit: int = MAX_BYTES) -> Path | None:
    """Download ``url`` for the post ``source`` unless it was; None with a problem
    recorded when the answer is bad input. Raises EnvironmentProblem, naming the post,
    on a network fault."""
    done = local(root, url)
    if done is not None:
        return done
    progress(f"downloading {url} for {problems.rel(source)}")
    try:
        body, content_type = get(url, limit)
    except BadAnswer as e:
        problems.add(source, "audio", str(e))
        return None
    except EnvironmentProblem as e:
        raise EnvironmentProblem(f"{problems.rel(source)}: audio: {e}") from e
    ext = _suffix(url, content_type)
    if ext is None:
        problems.add(source, "audio", described(
            "an MP3, M4A or WAV recording", f"an unknown kind of file from {url}"))
        return None
    target = folder(root) / (_key(url) + ext)
    # The URL beside the file tells a person which download is which.
    write_atomic(target.with_suffix(".url"), url.encode() + b"\n")
    write_atomic(target, body)
    return target
