"""The bounded-memory render equals the simple full-decode path (issue 4, acceptance 2).

The reference below decodes the whole body into one pydub object and stitches
with the same gains, fades and overlaps; the real renderer streams the middle of
the body through ffmpeg and only ever holds the seams. Both write float WAV, so
no lossy encoder blurs the comparison.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydub import AudioSegment

from audio_feed import audio
from audio_feed.model import AudioSettings

from conftest import make_tone
from measure import decode

# Both paths do the same arithmetic in a different order (s32 seams vs float
# middle), so they may differ by rounding only: -90 dBFS is far below anything
# audible and far above float rounding, while a seam that was off by even one
# sample on a 200 Hz tone differs by about -45 dBFS.
THRESHOLD = 10 ** (-90 / 20)


def reference(body: Path, intro: Path, outro: Path, s: AudioSettings,
              gain: float) -> AudioSegment:
    whole = audio.analyse(body, s, 10**12)
    i = audio.analyse(intro, s, 10**12)
    o = audio.analyse(outro, s, 10**12)
    h = audio.overlap_samples(s, s.intro_overlap)
    t = audio.overlap_samples(s, s.outro_overlap)
    limit = s.true_peak - audio.LIMIT_MARGIN_DB["wav"]

    def seg(pcm: bytes) -> AudioSegment:
        return AudioSegment(data=pcm, sample_width=4, frame_rate=s.sample_rate, channels=1)

    b = seg(whole.head).apply_gain(gain)
    n_b = int(b.frame_count())
    intro_seg = seg(i.head).apply_gain(audio.music_gain(i, s, limit))
    n_i = int(intro_seg.frame_count())
    fade_out = intro_seg.get_sample_slice(n_i - h, n_i)
    fade_out = fade_out.fade(to_gain=-120.0, start=0, end=len(fade_out))
    fade_in, rest = audio.outro_parts(o, s, limit)
    duck = audio.duck_amount(audio._peak_db(fade_in), whole.true_peak + gain, limit)
    return (intro_seg.get_sample_slice(0, n_i - h)
            + audio.mix_under(fade_out, b.get_sample_slice(0, h), limit)
            + b.get_sample_slice(h, n_b - t)
            + b.get_sample_slice(n_b - t, n_b).overlay(fade_in.apply_gain(-duck))
            + rest)


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("seams")
    # Steady tones: their peaks stay under the ceiling, so no limiter muddies the maths.
    return (make_tone(d / "body.mp3", 6.0, 200), make_tone(d / "intro.mp3", 3.0, 330),
            make_tone(d / "outro.wav", 2.5, 523))


def test_streamed_render_matches_full_decode(parts: tuple[Path, Path, Path],
                                             tmp_path: Path) -> None:
    body, intro, outro = parts
    s = AudioSettings()
    h = audio.overlap_samples(s, s.intro_overlap)
    out = tmp_path / "out.wav"
    measured = audio.analyse(body, s, h)
    result = audio.render(body, measured.head, audio.Levels(measured.loudness, measured.true_peak),
                          audio.analyse(intro, s, 10**12), audio.analyse(outro, s, 10**12), s,
                          out, codec="wav")
    assert not result.limiter
    # The render may have corrected the body's gain so that the whole episode, music
    # included, lands on the target: the reference stitches at the gain it used.
    ref = reference(body, intro, outro, s, result.gain)
    ours = decode(out)
    # pydub's 32-bit samples carry HEADROOM_DB of headroom; undo it to compare in float.
    theirs = np.array(ref.get_array_of_samples(), dtype=np.float64) / 2**31 \
        * 10 ** (audio.HEADROOM_DB / 20)
    assert abs(len(ours) - len(theirs)) / s.sample_rate <= 0.010
    assert len(ours) == result.samples(measured.samples) == len(theirs)
    diff = np.abs(ours - theirs)
    outro_samples = audio.analyse(outro, s, 0).samples
    head_seam = result.head_samples + h  # where the middle starts
    tail_seam = result.samples(measured.samples) - outro_samples  # where the outro starts
    for seam in (head_seam, tail_seam):
        window = diff[max(0, seam - 2205): seam + 2205]  # 50 ms either side
        assert window.max() < THRESHOLD, (seam, window.max())
    assert diff.max() < THRESHOLD
