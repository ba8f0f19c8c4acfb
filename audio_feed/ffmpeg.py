"""Finding and running ffmpeg (never ffprobe).

ffmpeg comes from the imageio-ffmpeg wheel, so that set-up never needs a
system package; ``AUDIO_FEED_FFMPEG`` or an ffmpeg on PATH are used when the
wheel has no binary for this platform.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from .errors import EnvironmentProblem


@functools.cache
def exe() -> str:
    """Path of the ffmpeg binary to use."""
    chosen = os.environ.get("AUDIO_FEED_FFMPEG")
    if chosen:
        if not Path(chosen).is_file():
            raise EnvironmentProblem(
                f"AUDIO_FEED_FFMPEG: expected the path of an ffmpeg binary, got {chosen!r}")
        return chosen
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise EnvironmentProblem(
        "ffmpeg: expected the imageio-ffmpeg package or an ffmpeg on PATH, found neither "
        "(pip install imageio-ffmpeg)")


@functools.cache
def version() -> str:
    """ffmpeg's version line; part of every render's cache key."""
    out = subprocess.run([exe(), "-hide_banner", "-version"], capture_output=True, text=True,
                         check=False)
    return out.stdout.splitlines()[0] if out.stdout else "unknown"


def base_args() -> list[str]:
    return [exe(), "-nostdin", "-hide_banner", "-y"]


def run(args: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg; a failure becomes an error naming ``what`` with ffmpeg's last line."""
    proc = subprocess.run(base_args() + args, capture_output=True, check=False)
    if proc.returncode != 0:
        raise FFmpegError(what, proc.stderr.decode("utf-8", "replace"), output=args[-1])
    return proc


MACHINE_FAULTS = ("No space left on device", "Disk quota exceeded", "Input/output error",
                  "Read-only file system", "File too large", "Too many open files",
                  "Cannot allocate memory")
"""What ffmpeg reports (strerror) when the machine, not the input, failed."""
DENIED = ("Permission denied", "Operation not permitted")
"""Machine faults only when about the file being written: an unreadable
recording is the show's problem."""


class FFmpegError(Exception):
    """ffmpeg failed; ``last`` is its last meaningful line of output.

    ``fault`` is set when the failure is the machine's (a full disk, an I/O
    error, no permission to write ``output``) rather than the input's.
    """

    def __init__(self, what: str, stderr: str, output: str | None = None,
                 log: str | None = None) -> None:
        lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        self.last = lines[-1] if lines else "no output"
        self.what = what
        self.output = output if output and output != "-" and ":" not in output[:6] else None
        # The whole log, when given, says which file ffmpeg could not open.
        every = [ln.strip() for ln in log.splitlines() if ln.strip()] if log else lines
        self.fault = _fault(every, self.output)
        super().__init__(f"{what}: ffmpeg failed: {self.last}")


def _fault(lines: list[str], output: str | None) -> str | None:
    for line in reversed(lines):
        for fault in MACHINE_FAULTS:
            if fault in line:
                return fault
        for denied in DENIED:
            if denied in line and output is not None and output in line:
                return denied
    return None
