"""Hard recordings render in one pass and land on the loudness targets (issue 9).

Each body is made here by ffmpeg: quiet speech with loud transients, a loud
over-compressed body, stereo with one silent channel, and a 48 kHz 24-bit WAV.
Every output is measured independently: loudness by pyloudnorm, true peak by
ffmpeg's ebur128 on the decoded file, never by the build's own numbers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from audio_feed import build, ffmpeg

from conftest import tree
from measure import integrated_loudness, true_peak

TARGET_LUFS = -16.0
LOUDNESS_TOLERANCE = 0.5
CEILING_DBTP = -1.0

# Noise bursts that behave like speech for loudness purposes (about 1.7 syllables/s).
SPEECH = ("anoisesrc=d={d}:c=pink:r={r}:a=0.3:seed={seed},"
          "volume='0.2+0.8*gt(sin(2*PI*t*1.7),0)':eval=frame,lowpass=3500")

BODIES: dict[str, tuple[list[str], str, str]] = {
    # name: (lavfi sources, filter, output codec args + suffix)
    # Speech near -21 LUFS with a 0 dBFS click every 5 s (a plosive, a mug set down).
    "quiet-peaky": ([SPEECH.format(d=16, r=44100, seed=3)],
                    "[0]volume=3.0,aformat=channel_layouts=stereo[v];"
                    "aevalsrc='if(lt(mod(t\\,5)\\,0.004)\\,0.999*sin(2*PI*900*t)\\,0)'"
                    ":d=16:s=44100:c=stereo[c];[v][c]amix=inputs=2:normalize=0",
                    "mp3"),
    # Loud and squashed: about -10 LUFS, sample peaks at full scale.
    "loud-squashed": ([SPEECH.format(d=16, r=44100, seed=4)],
                      "[0]volume=26dB,alimiter=limit=1:attack=1:release=20:level=false,volume=0.999",
                      "mp3"),
    # A stereo recording whose right channel is silent (a mono mic on one side).
    "one-channel": ([SPEECH.format(d=16, r=44100, seed=5)],
                    "[0]volume=1.5,pan=stereo|c0=c0|c1=0*c0", "mp3"),
    # A 48 kHz 24-bit WAV, as many recorders write.
    "wav48k24": ([SPEECH.format(d=16, r=48000, seed=6)], "[0]volume=2.0", "wav"),
}


def make_body(name: str, folder: Path) -> Path:
    sources, graph, kind = BODIES[name]
    inputs: list[str] = []
    for src in sources:
        inputs += ["-f", "lavfi", "-i", src]
    codec = (["-c:a", "libmp3lame", "-b:a", "128k"] if kind == "mp3"
             else ["-c:a", "pcm_s24le", "-ar", "48000"])
    path = folder / f"{name}.{kind}"
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", *inputs,
                    "-filter_complex", graph, *codec, "-map_metadata", "-1", str(path)],
                   check=True)
    return path


def only_episode(show: Path, body: Path) -> None:
    """Leave ``show`` with one public episode whose recording is ``body``."""
    eps = show / "episodes"
    for p in list(eps.iterdir()):
        if p.name not in ("intro.mp3", "outro.mp3"):
            p.unlink()
    shutil.copy(body, eps / f"one{body.suffix}")
    (eps / "one.md").write_text('---\ntitle: "One"\ndate: 2026-01-05\npost_id: "1001.one"\n'
                                '---\nHello.\n')


def do_build(show: Path, out: Path, windows: tuple[int, float] | None = None
             ) -> dict[str, object]:
    builder = build.Builder(build.load(show), out, 2, build.Reporter())
    if windows is not None:
        builder.predict_windows = windows
    builder.build()
    metas = [json.loads(p.read_text()) for p in (show / ".audio-feed-cache/audio").glob("*.json")]
    assert len(metas) == 1 and isinstance(metas[0], dict)
    return dict(metas[0])


def loudness_as_is(path: Path, channels: int) -> float:
    """pyloudnorm on the file's own channels (BS.1770 sums their powers; a mono
    downmix of a one-sided stereo file would read 6 dB low)."""
    if channels == 1:
        return integrated_loudness(path)
    pcm = subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-i", str(path),
                          "-ar", "44100", "-f", "f32le", "-"], capture_output=True,
                         check=True).stdout
    data = np.frombuffer(pcm, dtype="<f4").astype(np.float64).reshape(-1, channels)
    return float(pyloudnorm.Meter(44100).integrated_loudness(data))


def assert_lands(site: Path, channels: int = 1) -> None:
    rendered = next((site / "audio").glob("one-*.*"))
    loudness, peak = loudness_as_is(rendered, channels), true_peak(rendered)
    assert abs(loudness - TARGET_LUFS) <= LOUDNESS_TOLERANCE, loudness
    assert peak <= CEILING_DBTP, peak


@pytest.mark.parametrize("name", sorted(BODIES))
def test_each_hard_body_lands_within_tolerance(name: str, tiny_show: Path,
                                               tmp_path: Path) -> None:
    only_episode(tiny_show, make_body(name, tmp_path))
    meta = do_build(tiny_show, tmp_path / "site")
    assert meta["landed"] is True
    assert_lands(tmp_path / "site")


@pytest.mark.parametrize(("name", "settings"), [
    ("quiet-peaky", 'format = "m4a"'),  # AAC overshoots more, and is measured decoded
    ("one-channel", "channels = 2"),  # a stereo episode: lengths count per channel
    ("loud-squashed", 'bitrate = "128k"'),
])
def test_hard_bodies_land_in_other_output_formats(name: str, settings: str, tiny_show: Path,
                                                  tmp_path: Path) -> None:
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + f"\n[audio]\n{settings}\n")
    only_episode(tiny_show, make_body(name, tmp_path))
    meta = do_build(tiny_show, tmp_path / "site")
    assert meta["landed"] is True
    assert_lands(tmp_path / "site", 2 if "channels = 2" in settings else 1)


def test_a_body_in_sections_lands(tiny_show: Path, tmp_path: Path) -> None:
    # Sections are heard whole (no windows) and joined in the graph: one quiet and
    # peaky, one loud and squashed.
    only_episode(tiny_show, make_body("quiet-peaky", tmp_path))
    (tiny_show / "episodes/one.mp3").unlink()
    folder = tiny_show / "episodes/one"
    folder.mkdir()
    shutil.copy(make_body("quiet-peaky", tmp_path), folder / "01-first.mp3")
    shutil.copy(make_body("loud-squashed", tmp_path), folder / "02-second.mp3")
    post = tiny_show / "episodes/one.md"
    post.write_text(post.read_text() + "\n## Second\n\nThe loud part.\n")
    meta = do_build(tiny_show, tmp_path / "site")
    assert meta["landed"] is True and len(meta["section_starts"]) == 2  # type: ignore[arg-type]
    assert_lands(tmp_path / "site")


def test_the_bodies_are_as_hard_as_they_claim(tmp_path: Path) -> None:
    quiet = make_body("quiet-peaky", tmp_path)
    assert -23.0 <= integrated_loudness(quiet) <= -19.0
    assert true_peak(quiet) >= -0.5
    loud = make_body("loud-squashed", tmp_path)
    assert -12.0 <= integrated_loudness(loud) <= -8.0
    assert true_peak(loud) >= -0.5


def test_bytes_do_not_depend_on_what_was_cached(tiny_show: Path, tmp_path: Path) -> None:
    only_episode(tiny_show, make_body("quiet-peaky", tmp_path))
    cache = tiny_show / ".audio-feed-cache"
    first = tmp_path / "first"
    do_build(tiny_show, first)
    # Prediction and analyses cached, render gone: rendered again from the cache.
    shutil.rmtree(cache / "audio")
    second = tmp_path / "second"
    do_build(tiny_show, second)
    # Nothing cached at all.
    shutil.rmtree(cache)
    third = tmp_path / "third"
    do_build(tiny_show, third)
    assert tree(second) == tree(first) == tree(third)


def test_a_first_guess_that_misses_is_encoded_again_and_lands(tiny_show: Path,
                                                              tmp_path: Path) -> None:
    # Quiet at both ends, loud in the middle: two one-second windows at the ends
    # predict a gain far too high, and the first encode measures the miss.
    body = tmp_path / "body.mp3"
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", SPEECH.format(d=20, r=44100, seed=8),
                    "-af", "volume='if(between(t,2,18),3,0.15)':eval=frame",
                    "-c:a", "libmp3lame", "-b:a", "128k", str(body)], check=True)
    only_episode(tiny_show, body)
    out = tmp_path / "site"
    meta = do_build(tiny_show, out, windows=(2, 1.0))
    assert int(meta["encodes"]) >= 2 and meta["landed"] is True  # type: ignore[call-overload]
    assert_lands(out)
    # The same path again with nothing cached: the same bytes.
    shutil.rmtree(tiny_show / ".audio-feed-cache")
    again = tmp_path / "again"
    do_build(tiny_show, again, windows=(2, 1.0))
    assert tree(again) == tree(out)


def test_a_peak_the_prediction_missed_is_limited_on_a_second_encode(tiny_show: Path,
                                                                    tmp_path: Path) -> None:
    # A steady tone (no peaks to speak of) with one loud burst in the middle, where
    # no window listens: the first encode runs unlimited and measures the peak.
    body = tmp_path / "body.wav"
    subprocess.run([ffmpeg.exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "sine=f=220:d=20:r=44100",
                    "-af", "volume='if(between(t,10,10.05),0.9,0.08)':eval=frame",
                    "-c:a", "pcm_s16le", str(body)], check=True)
    only_episode(tiny_show, body)
    out = tmp_path / "site"
    meta = do_build(tiny_show, out, windows=(2, 1.0))
    assert int(meta["encodes"]) >= 2 and meta["limiter"] is True  # type: ignore[call-overload]
    assert_lands(out)


def test_the_prediction_learns_what_each_codec_does(tmp_path: Path) -> None:
    """The codec probe: MP3 takes about 0.4 LU off speech-like sound, AAC about none,
    and the float WAV the tests compare seams with nothing at all; a body that needs
    the limiter gets its loss and slope from the same second pass."""
    from audio_feed import audio
    from audio_feed.model import AudioSettings

    body = make_body("quiet-peaky", tmp_path)
    levels = {codec: audio.predict_levels(body, AudioSettings(), None, codec=codec)
              for codec in ("mp3", "m4a", "wav")}
    assert 0.2 <= levels["mp3"].codec_loss <= 0.8
    assert abs(levels["m4a"].codec_loss) <= 0.3
    assert levels["wav"].codec_loss == 0.0 == levels["wav"].peak_rise
    for found in levels.values():
        assert found.loudness == levels["mp3"].loudness and found.whole
        assert found.limit_loss > 0 and 0.25 <= found.slope < 1
