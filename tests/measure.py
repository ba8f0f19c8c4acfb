"""Independent measurements for the tests: decode with ffmpeg, measure with pyloudnorm."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyloudnorm

from audio_feed import ffmpeg


def decode(path: Path, rate: int = 44100) -> npt.NDArray[np.float64]:
    """Mono float PCM of a file, as ffmpeg decodes it."""
    out = subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-i", str(path),
                          "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<f4").astype(np.float64)


def duration(path: Path, rate: int = 44100) -> float:
    return len(decode(path, rate)) / rate


def integrated_loudness(path: Path) -> float:
    """ITU-R BS.1770 loudness by pyloudnorm (a different implementation from ours)."""
    data = decode(path)
    return float(pyloudnorm.Meter(44100).integrated_loudness(data))


def true_peak(path: Path) -> float:
    """dBTP by ffmpeg's ebur128 (4x oversampled), on the decoded file."""
    err = subprocess.run([ffmpeg.exe(), "-nostdin", "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    m = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf)", err.split("Summary:")[-1])
    assert m, err[-500:]
    return float(m.group(1))
