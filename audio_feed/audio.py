"""Episode audio: predict the level, stitch intro + body + outro, encode once.

The design keeps memory flat however long the episode is, and the cost at one
encode whatever the recording's level or peaks (see docs/audio.md and
docs/loudness.md):

1. ``predict_levels`` listens to a few windows of a long body (the whole of a
   short one) with ffmpeg's ``ebur128``: integrated loudness, sample peak, and,
   when the peaks need the limiter, what limiting costs in loudness at two gains
   (so the gain that lands on the target after limiting can be solved for), and
   what the codec takes off (a short probe encode). About 5 % of an encode;
   cached per file content.
2. pydub builds the seams, where it is at its best: the intro fading out under
   the first words, and the outro fading in. They are short, whatever the
   episode's length; ``analyse`` keeps the intro and outro whole.
3. One ffmpeg process joins head seam + the body from the end of the intro
   overlap (a sample-exact ``atrim``) + the outro, summed over the body's last
   second by ``acrossfade`` with both curves off; applies the gain and, when the
   peaks need it, a limiter; and encodes, while a branch of the same graph
   measures what the encoder is fed: loudness, peak and length. With what the
   codec probe learned of the encoder, the encode stands when it landed;
   otherwise it is redone at a corrected gain, and counted.

All gain is applied in floating point; the seams travel at 32-bit with
``HEADROOM_DB`` of headroom, so nothing clips before the limiter sees it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import subprocess
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    # pydub warns at import when no ffmpeg is on PATH; we hand it ours below.
    warnings.simplefilter("ignore")
    from pydub import AudioSegment

from . import ffmpeg
from .cache import temporary_name
from .model import AudioSettings

RENDERER_VERSION = "4"
"""Bump when a change here changes rendered bytes: it invalidates the audio cache."""

HEADROOM_DB = 30.0
"""Level below full scale at which seams travel as 32-bit PCM."""
LIMIT_MARGIN_DB = {"mp3": 1.5, "m4a": 2.0, "wav": 0.5}
"""dB below the true-peak ceiling at which the limiter holds sample peaks. The
limiter works on sample peaks; this margin keeps true peaks and the lossy
encoder's overshoot under the configured true-peak ceiling. AAC at low bitrates
overshoots more than MP3 (measured: 1.1 dB on the test tones); MP3 at 64 kb/s
overshot by up to 0.6 dB on limited speech."""
INTERSAMPLE_ALLOWANCE_DB = 0.5
"""dB a true peak may lie above the sample peak the encode is judged by. The encode
checks sample peaks (4x-oversampled true peak would cost half an encode more, see
docs/loudness.md); lossy encoders cut the top octave, which keeps intersample
overshoot of speech well under this."""
MAX_ENCODES = 4
"""At most this many encodes of one episode: the first, and corrections when it
measurably missed (the bench counts how often; AAC's erratic overshoot on short,
noisy material took three in the tests)."""
LOUDNESS_TOLERANCE_DB = 0.3
"""LU an encode's measured loudness may be from the target and stand. The promise
is 0.5; the rest is room for the lossy encoder and for other meters to differ."""
PEAK_STEP_DB = 0.3
"""dB the limit is lowered by, beyond the measured overshoot, when a limited encode
still peaked over: one correction should be enough."""
PREDICT_WINDOWS = 8
"""How many windows spread over a body the level prediction listens to."""
PREDICT_SECONDS = 30.0
"""Longest window, in seconds (eight of them are 7 % of an hour)."""
PREDICT_FRACTION = 0.05
"""Share of a body the windows add up to: 5 % of a decode is about 1 % of an encode,
and the prediction decodes them twice when the limiter is needed."""
PREDICT_MIN_SECONDS = 3.0
"""Shortest window, in seconds: several of ebur128's 400 ms blocks, so the gate sees
speech and pauses as they are."""
WINDOW_PEAK_ALLOWANCE_DB = 0.5
"""dB a body's loudest peak is assumed to lie above the loudest the windows heard,
when deciding whether to limit and how far to duck the outro. Small: windows over
5 % of a mastered body hear its limiter's ceiling, and a limiter switched on for
nothing costs CPU the second job wants; the encode's own measurement catches a
body that goes further (one more encode, counted)."""
LIMIT_WINDOW_SHARE = 1 / 3
"""Share of each prediction window the limiter's loss is measured on (at least
PREDICT_MIN_SECONDS): a limiter costs more than a loudness meter."""
CODEC_PROBE_SECONDS = 3.0
"""Seconds of each prediction window the codec probe encodes (``_second_pass``):
eight of them, 24 s, take about 1 % of a 30-minute encode."""
MAX_CODEC_LOSS_LU = 2.0
"""Bound on the loudness a probe may say the codec takes off (either way), LU."""
WINDOWS_MISLED_LU = 1.0
"""LU by which an encode at a level predicted from windows may miss before the
windows are distrusted and the whole body is measured for the next encode (a
smaller miss is corrected from the encode's own measurement)."""
SLOPE_PROBE_DB = 2.0
"""dB between the two gains the limiter's slope is measured at: wide enough that
ebur128's tenths of a LU do not swamp it, near enough to stay local."""
SLOPE_MIN_STEP_DB = 0.05
"""Gain steps smaller than this (dB) say too little to measure a slope from."""
MIN_SLOPE = 0.25
"""The least LU per dB of gain assumed under the limiter, so that a correction
never overshoots by more than four times its miss."""
MAX_LIMIT_LOSS_DB = 9.0
"""Cap on the predicted loudness the limiter takes off, in LU: beyond that the body
is mostly peaks, and pushing harder only distorts it."""
FADE_FLOOR_DB = -120.0
"""Gain at the silent end of a seam's fade: below anything a 32-bit sample holds."""
LIMITER_ATTACK_MS = 5
"""The limiter's look-ahead, ms: long enough to catch a plosive's rise smoothly."""
LIMITER_RELEASE_MS = 50
"""How fast the limiter lets go, ms: short, so a lone transient dents no words."""
SILENCE_LUFS = -60.0
"""Integrated loudness below which a body is taken to be silent (LUFS)."""
_BYTES = 4  # s32le

Progress = Callable[[float], None]
"""Called with seconds of audio processed since the last call."""


class AudioProblem(Exception):
    """The audio itself is unusable (silent, too short); the caller names the file."""


@dataclass(frozen=True)
class Analysis:
    """What one decode of a file taught us."""

    samples: int
    """Length in samples at the output sample rate."""
    loudness: float
    """Integrated loudness, LUFS."""
    true_peak: float
    """dBTP."""
    head: bytes
    """The first samples (s32le, HEADROOM_DB below the source level)."""


def _filter_prefix(settings: AudioSettings) -> str:
    """Decode-side chain shared by analysis and render, so sample positions agree."""
    layout = "mono" if settings.channels == 1 else "stereo"
    return (f"aresample={settings.sample_rate},"
            f"aformat=sample_fmts=flt:channel_layouts={layout}")


_SUMMARY = re.compile(r"Summary:(.*)", re.S)
_I = re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS")
_TP = re.compile(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", re.S)


Body = Path | tuple[Path, ...]
"""One recording, or the sections of one, played in order."""


def _parts(body: Body) -> tuple[Path, ...]:
    return body if isinstance(body, tuple) else (body,)


def _name(body: Body) -> str:
    parts = _parts(body)
    return parts[0].name if len(parts) == 1 else parts[0].parent.name + "/"


def _body_graph(body: Body, first: int, settings: AudioSettings, label: str
                ) -> tuple[list[str], str]:
    """ffmpeg inputs and the filter chain that decode ``body`` into ``[label]``.

    Every part goes through the same decode-side chain on its own, so a part
    starts in the joined body exactly where the previous parts' samples end.
    """
    parts = _parts(body)
    inputs: list[str] = []
    for p in parts:
        inputs += ["-i", str(p)]
    if len(parts) == 1:
        return inputs, f"[{first}:a:0]{_filter_prefix(settings)}[{label}]"
    chains = [f"[{first + i}:a:0]{_filter_prefix(settings)}[{label}{i}]"
              for i in range(len(parts))]
    joined = "".join(f"[{label}{i}]" for i in range(len(parts)))
    return inputs, ";".join(chains) + f";{joined}concat=n={len(parts)}:v=0:a=1[{label}]"


def _db(text: str) -> float:
    return -math.inf if text == "-inf" else float(text)


def _summary(log: str, what: str) -> tuple[float | None, float | None]:
    """Integrated loudness and true peak from the summary ebur128 prints at the end
    (each None when that measurement was not asked for)."""
    summary = _SUMMARY.search(log)
    if not summary:
        raise ffmpeg.FFmpegError(what, log)
    i = _I.search(summary.group(1))
    tp = _TP.search(summary.group(1))
    return (_db(i.group(1)) if i else None), (_db(tp.group(1)) if tp else None)


def _measure(args: list[str], what: str) -> tuple[float | None, float | None]:
    """Run an ffmpeg command whose graph ends in ebur128, and read its summary."""
    proc = ffmpeg.run(["-nostats", "-loglevel", "info", *args, "-f", "null", "-"], what)
    return _summary(proc.stderr.decode("utf-8", "replace"), what)


def analyse(path: Body, settings: AudioSettings, keep_head: int,
            progress: Progress | None = None) -> Analysis:
    """Decode a body once: loudness, true peak, length, and its first samples.

    ``keep_head`` is a sample count (per channel); a large one keeps a short
    file whole.
    """
    frame = _BYTES * settings.channels
    inputs, graph = _body_graph(path, 0, settings, "b")
    graph += (f";[b]ebur128=peak=true:framelog=verbose,"
              f"volume={-HEADROOM_DB}dB:precision=float,aformat=sample_fmts=s32[out]")
    args = ffmpeg.base_args() + ["-nostats", "-loglevel", "info", *inputs,
                                 "-filter_complex", graph, "-map", "[out]",
                                 "-f", "s32le", "-"]
    head = bytearray()
    total = 0
    want_head = keep_head * frame
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        try:
            while chunk := proc.stdout.read(1 << 16):
                total += len(chunk)
                if len(head) < want_head:
                    head += chunk[: want_head - len(head)]
                if progress:
                    progress(len(chunk) / frame / settings.sample_rate)
        finally:
            proc.stdout.close()
            code = proc.wait()
        err.seek(0)
        log = err.read().decode("utf-8", "replace")
    if code != 0:
        raise ffmpeg.FFmpegError(f"{_name(path)}: decoding", log)
    if total % frame:
        raise ffmpeg.FFmpegError(f"{_name(path)}: decoding", "odd number of bytes decoded")
    loudness, peak = _summary(log, f"{_name(path)}: measuring loudness")
    if loudness is None or peak is None:
        raise ffmpeg.FFmpegError(f"{_name(path)}: measuring loudness", log)
    if loudness < SILENCE_LUFS:
        raise AudioProblem(f"expected audible audio, got silence ({loudness} LUFS)")
    return Analysis(samples=total // frame, loudness=loudness, true_peak=peak,
                    head=bytes(head))


def music_gain(music: Analysis, settings: AudioSettings, limit: float) -> float:
    """Gain for intro or outro music: up to the loudness target, but never so far
    that its own peaks need the limiter.

    Music with peaky transients (plucks, drums) would otherwise switch the
    limiter on for the whole episode, costing a third of an encode and touching
    the voice, for the sake of a few seconds of music. It then sits a little under
    the voice, which is where a music bed belongs anyway.
    """
    # ebur128 reports the true peak to 0.1 dB: keep that much below the limit.
    return min(settings.loudness - music.loudness, limit - music.true_peak - 0.1)


def mix_under(music: AudioSegment, voice: AudioSegment, limit: float) -> AudioSegment:
    """The voice with the music under it, the music ducked just enough (in 1 dB
    steps) that the two together stay under the peak limit.

    Without this, an intro fading under the first words could sum to a peak
    that switches the limiter on for the whole episode.
    """
    for duck in range(0, 31):
        mixed = voice.overlay(music.apply_gain(-duck) if duck else music)
        if _peak_db(mixed) <= limit:
            return mixed
    return voice if _peak_db(voice) <= limit else voice.overlay(music.apply_gain(-30))


def duck_amount(music_peak: float, voice_peak: float, limit: float) -> int:
    """dB (whole, at most 30) to lower music by so that even with the voice at its
    loudest peak the two together stay under the limit.

    Used for the outro, which ffmpeg lays over the end of a body whose samples
    are never held here; the intro is mixed with the real first words instead.
    """
    room = 10 ** (limit / 20) - 10 ** (voice_peak / 20)
    for duck in range(0, 31):
        if 10 ** ((music_peak - duck) / 20) <= room:
            return duck
    return 30


def outro_parts(outro_a: Analysis, settings: AudioSettings, limit: float
                ) -> tuple[AudioSegment, AudioSegment]:
    """The outro at its gain: the part fading in under the last words, and the rest."""
    outro = _segment(outro_a.head, settings).apply_gain(music_gain(outro_a, settings, limit))
    t = overlap_samples(settings, settings.outro_overlap)
    start = _slice(outro, 0, t)
    if t:
        start = start.fade(from_gain=FADE_FLOOR_DB, start=0, end=len(start))
    return start, _slice(outro, t)


def outro_duck(outro_a: Analysis | None, settings: AudioSettings, voice_peak: float) -> int:
    """How far the outro's fade-in must be ducked under a voice peaking at ``voice_peak``."""
    if outro_a is None or not overlap_samples(settings, settings.outro_overlap):
        return 0
    limit = peak_limit(settings)
    start, _ = outro_parts(outro_a, settings, limit)
    return duck_amount(_peak_db(start), voice_peak, limit)


def _segment(pcm: bytes, settings: AudioSettings) -> AudioSegment:
    return AudioSegment(data=pcm, sample_width=_BYTES, frame_rate=settings.sample_rate,
                        channels=settings.channels)


def _slice(seg: AudioSegment, start: int, end: int | None = None) -> AudioSegment:
    return seg.get_sample_slice(start, end if end is not None else int(seg.frame_count()))


def _peak_db(seg: AudioSegment) -> float:
    peak = seg.max
    return (20 * math.log10(peak / 2**31) if peak else -math.inf) + HEADROOM_DB


def overlap_samples(settings: AudioSettings, seconds: float) -> int:
    return int(round(seconds * settings.sample_rate))


CODECS: dict[str, list[str]] = {
    # -write_xing keeps the header mutagen and players read exact durations from.
    "mp3": ["-c:a", "libmp3lame", "-write_xing", "1", "-id3v2_version", "0",
            "-write_id3v1", "0", "-f", "mp3"],
    "m4a": ["-c:a", "aac", "-movflags", "+faststart", "-f", "ipod"],
    # Float WAV: for comparing the stitching itself, free of any lossy encoder.
    "wav": ["-c:a", "pcm_f32le", "-f", "wav"],
}


def peak_limit(settings: AudioSettings) -> float:
    """The sample-peak level above which the limiter must engage, in dBFS."""
    return settings.true_peak - LIMIT_MARGIN_DB[settings.format]


@dataclass(frozen=True)
class Levels:
    """What the renderer is told of a body's level before it encodes: predicted by
    ``predict_levels``, then checked by measuring the encode itself."""

    loudness: float
    """Integrated loudness, LUFS."""
    peak: float
    """Loudest sample peak, dBFS (the limiter works on sample peaks)."""
    limit_loss: float = 0.0
    """LU the limiter takes off the loudness at the gain that reaches the target
    (0 when the peaks do not need it)."""
    peak_allowance: float = 0.0
    """dB the body's loudest peak may lie above ``peak`` (a prediction from
    windows can miss it)."""
    slope: float = 1.0
    """LU the loudness rises per dB of gain near the target: 1 unlimited, less the
    harder the limiter works."""
    whole: bool = True
    """Whether the prediction listened to the whole body (else to windows of it)."""
    codec_loss: float = 0.0
    """LU the lossy encoder takes off this body at this gain (``_second_pass``)."""
    peak_rise: float = 0.0
    """dB the encoder raises the sample peak of this body by, at least 0."""

    def gain(self, settings: AudioSettings) -> float:
        """dB to apply to the body so that, limited or not, the encoded episode lands
        on the target."""
        return settings.loudness - self.loudness + self.limit_loss + self.codec_loss / self.slope


def _window_seconds(duration: float | None, windows: int, seconds: float) -> float:
    """How long each prediction window is: together PREDICT_FRACTION of the body,
    each at least PREDICT_MIN_SECONDS and at most ``seconds``."""
    if duration is None:
        return seconds
    return min(seconds, max(PREDICT_MIN_SECONDS, duration * PREDICT_FRACTION / windows))


def _listening_graph(body: Body, settings: AudioSettings, duration: float | None,
                     windows: int, seconds: float, probe: float = 0.0
                     ) -> tuple[list[str], str]:
    """ffmpeg inputs and a graph ending in ``[w]``: ``windows`` windows spread over a
    single recording (see ``_window_seconds``), or the whole body when it is in
    sections or the windows would cover half of it anyway. With ``probe`` seconds,
    the graph also ends in ``[q]``: the first ``probe`` seconds of each window (of the
    whole body, ``windows`` times as much)."""
    seconds = _window_seconds(duration, windows, seconds)
    if not isinstance(body, Path) or duration is None or duration <= 2 * windows * seconds:
        inputs, graph = _body_graph(body, 0, settings, "all" if probe else "w")
        if probe:
            graph += f";[all]asplit[w][p];[p]atrim=duration={windows * probe:g}[q]"
        return inputs, graph
    inputs = []
    step = (duration - seconds) / max(1, windows - 1)
    for i in range(windows):
        inputs += ["-ss", f"{i * step:.3f}", "-t", f"{seconds:.3f}", "-i", str(body)]
    ends = [f",asplit[w{i}][p{i}];[p{i}]atrim=duration={probe:g}[q{i}]" if probe
            else f"[w{i}]" for i in range(windows)]
    chains = ";".join(f"[{i}:a:0]{_filter_prefix(settings)}{ends[i]}" for i in range(windows))
    graph = f"{chains};{''.join(f'[w{i}]' for i in range(windows))}concat=n={windows}:v=0:a=1[w]"
    if probe:
        graph += f";{''.join(f'[q{i}]' for i in range(windows))}concat=n={windows}:v=0:a=1[q]"
    return inputs, graph


def _loudness_args(inputs: list[str], graph: str) -> list[str]:
    """ffmpeg arguments measuring integrated loudness and sample peak of ``[w]``
    (never written)."""
    full = f"{graph};[w]{METER}[out]"
    return ["-nostats", "-loglevel", "info", *inputs, "-filter_complex", full,
            "-map", "[out]", "-f", "null", "-"]


def _log(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stderr.decode("utf-8", "replace")


_SP = re.compile(r"Sample peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", re.S)


def _loudness_and_peak(log: str, what: str) -> tuple[float, float]:
    """Integrated loudness and sample peak from ebur128's summary (peak=sample).

    The last summary counts: ffmpeg may configure a graph, drop it unused and
    configure it again, and the dropped one prints an empty summary first.
    """
    summary = log.rsplit("Summary:", 1)[1] if "Summary:" in log else ""
    i = _I.search(summary)
    sp = _SP.search(summary)
    if i is None or sp is None:
        raise ffmpeg.FFmpegError(what, "no loudness in ffmpeg's summary")
    return _db(i.group(1)), _db(sp.group(1))


def predict_levels(body: Body, settings: AudioSettings, duration: float | None,
                   windows: int = PREDICT_WINDOWS, seconds: float = PREDICT_SECONDS,
                   codec: str | None = None) -> Levels:
    """Loudness, true peak and the limiter's loudness loss of a body, from one
    measuring pass over a few windows (the whole body when it is short or in
    sections), then one more over a third of each window for what the limiter and
    the codec will do at the gain that pass gave (``_second_pass``).

    A prediction: the encode measures what it fed the encoder and decides whether it
    stands.
    A pure function of the body's bytes and these arguments, so it may be cached.
    """
    what = f"{_name(body)}: measuring loudness"
    codec = codec or settings.format
    limit = settings.true_peak - LIMIT_MARGIN_DB[codec]
    inputs, graph = _listening_graph(body, settings, duration, windows, seconds)
    whole = "-ss" not in inputs
    loudness, peak = _loudness_and_peak(_log(ffmpeg.run(_loudness_args(inputs, graph),
                                                        what)), what)
    if loudness < SILENCE_LUFS and not whole:
        # The windows fell on pauses: only the whole body can say it is silent.
        return predict_levels(body, settings, None, windows, seconds, codec)
    if loudness < SILENCE_LUFS:
        raise AudioProblem(f"expected audible audio, got silence ({loudness} LUFS)")
    allowance = 0.0 if whole else WINDOW_PEAK_ALLOWANCE_DB
    plain = settings.loudness - loudness
    limiting = peak + allowance + plain > limit
    if not limiting and codec == "wav":
        return Levels(loudness, peak, 0.0, allowance, 1.0, whole)
    with tempfile.TemporaryDirectory(prefix="audio-feed-") as tmp:
        probe = Path(tmp) / "probe"
        args = _second_pass(body, settings, duration, (windows, seconds), codec, plain,
                            limit if limiting else None, probe)
        meters = _summaries(_log(ffmpeg.run(args, what)), what, 3 * limiting + (codec != "wav"))
        codec_loss, peak_rise = (_codec_effect(meters[-1], probe, what)
                                 if codec != "wav" else (0.0, 0.0))
    loss, slope = _limit_loss(meters[:3], plain) if limiting else (0.0, 1.0)
    return Levels(loudness, peak, loss, allowance, slope, whole, codec_loss, peak_rise)


def _second_pass(body: Body, settings: AudioSettings, duration: float | None,
                 windows: tuple[int, float], codec: str, gain: float, limit: float | None,
                 probe: Path) -> list[str]:
    """ffmpeg arguments for what the prediction learns once it knows the gain, in one
    pass over shorter windows (the limiter is the costly part):

    - with ``limit``, loudness unlimited and limited at ``gain`` and SLOPE_PROBE_DB
      above it (see ``_limit_loss``), over LIMIT_WINDOW_SHARE of each window;
    - for a lossy codec, the codec probe: the first CODEC_PROBE_SECONDS of each window
      at ``gain`` and through the limiter, as the encode will have them, encoded to
      the show's format into ``probe`` while a branch measures what the encoder is fed.

    Lossy codecs take a steady share off speech whatever its level (MP3 0.4-0.5 LU at
    32, 64 and 128 kb/s and at -6, 0 and +5 dB of gain; AAC 0-0.1 LU), but not off
    every sound (AAC took 0.7 LU off a clipped master fed unlimited), so it is measured
    rather than assumed. How far the codec raises peaks depends on how hard they were
    limited (1.3 dB for a crushed master through the limiter at full level), hence
    the encode's own gain and limit.
    """
    n, seconds = windows
    share = max(PREDICT_MIN_SECONDS, _window_seconds(duration, n, seconds) * LIMIT_WINDOW_SHARE)
    lossy = codec != "wav"
    inputs, graph = _listening_graph(body, settings, duration, n,
                                     share if limit is not None else CODEC_PROBE_SECONDS,
                                     CODEC_PROBE_SECONDS if lossy else 0.0)
    outputs: list[str] = []
    if limit is not None:
        graph += (f";[w]asplit=3[u][a][b];[u]{METER},anullsink;"
                  f"[a]{_limiter(limit, gain)[1:]},{METER},anullsink;"
                  f"[b]{_limiter(limit, gain + SLOPE_PROBE_DB)[1:]},{METER}[out]")
        # The full-length output keeps ffmpeg reading after the probe has ended.
        outputs += ["-map", "[out]", "-f", "null", "-"]
    elif lossy:
        graph += ";[w]anullsink"
    if lossy:
        chain = f"volume={gain:.4f}dB:precision=float" + (
            _limiter(limit, 0.0) if limit is not None else "")
        graph += f";[q]{chain},asplit[e][m];[m]{MEASURE}"
        outputs += ["-map", "[e]", *_codec_args(settings, codec), str(probe)]
    return ["-nostats", "-loglevel", "info", *inputs, "-filter_complex", graph, *outputs]


def _codec_effect(fed: tuple[float, float], probe: Path, what: str
                  ) -> tuple[float, float]:
    """LU the codec took off the probe, and dB it raised its sample peak by (>= 0)."""
    if fed[0] < SILENCE_LUFS:
        return 0.0, 0.0  # the probe fell on pauses: nothing to learn from it
    proc = ffmpeg.run(["-nostats", "-loglevel", "info", "-i", str(probe), "-af", METER,
                       "-f", "null", "-"], what)
    got = _loudness_and_peak(_log(proc), what)
    loss = min(MAX_CODEC_LOSS_LU, max(-MAX_CODEC_LOSS_LU, fed[0] - got[0]))
    return loss, max(0.0, got[1] - fed[1])


def _limit_loss(meters: list[tuple[float, float]], plain: float) -> tuple[float, float]:
    """The gain the limiter costs at the target, and the loudness's slope there.

    ``meters`` heard the same audio unlimited, and limited at the plain gain and
    SLOPE_PROBE_DB above it. What the limiter took off at the two gains gives the
    slope of loudness against gain under the limiter, and one secant step the gain
    that lands on the target.
    """
    (unlimited, _), (first, _), (second, _) = meters
    took = [unlimited + plain - first, unlimited + plain + SLOPE_PROBE_DB - second]
    slope = min(1.0, max(MIN_SLOPE, 1 - (took[1] - took[0]) / SLOPE_PROBE_DB))
    return min(MAX_LIMIT_LOSS_DB, max(0.0, took[0] / slope)), slope


_EBUR128 = re.compile(r"\[Parsed_ebur128_(\d+) @ [^\]]*\] Summary:")


def _summaries(log: str, what: str, count: int) -> list[tuple[float, float]]:
    """Integrated loudness and sample peak from each of the ``count`` ebur128 filters
    of one graph, in graph order (the last summary of each counts, as in
    ``_loudness_and_peak``)."""
    parts = _EBUR128.split(log)
    found = {int(n): text for n, text in zip(parts[1::2], parts[2::2], strict=True)}
    values = []
    for _, text in sorted(found.items()):
        i, sp = _I.search(text), _SP.search(text)
        if i is None or sp is None:
            raise ffmpeg.FFmpegError(what, "no loudness in ffmpeg's summary")
        values.append((_db(i.group(1)), _db(sp.group(1))))
    if len(values) != count:
        raise ffmpeg.FFmpegError(what, "no loudness in ffmpeg's summary")
    return values


def head_of(body: Body, settings: AudioSettings, samples: int) -> bytes:
    """The first ``samples`` of a body, exactly as ``analyse`` keeps them (ffmpeg
    stops decoding as soon as they are out, so this is quick on any length)."""
    if samples == 0:
        return b""
    inputs, graph = _body_graph(body, 0, settings, "b")
    graph += (f";[b]atrim=end_sample={samples},volume={-HEADROOM_DB}dB:precision=float,"
              f"aformat=sample_fmts=s32[out]")
    proc = ffmpeg.run(["-loglevel", "error", *inputs, "-filter_complex", graph,
                       "-map", "[out]", "-f", "s32le", "-"], f"{_name(body)}: decoding")
    return proc.stdout


@dataclass(frozen=True)
class RenderResult:
    head_samples: int
    """Samples before the body starts (intro minus the overlap)."""
    tail_samples: int
    """Samples after the body ends (outro minus the overlap)."""
    sample_rate: int
    limiter: bool
    """Whether the peaks needed the limiter."""
    gain: float
    """dB applied to the body."""
    outro_duck: int = 0
    """dB the outro's fade-in was lowered by to stay under the peak limit."""
    total_samples: int = 0
    """Length of the encoded episode in samples, counted while encoding."""
    encodes: int = 1
    """How many times the episode was encoded (more than one when the first missed)."""
    loudness: float = 0.0
    """Integrated loudness of the encoded audio, LUFS: measured on the encoder's input,
    less the codec's loss (``Levels.codec_loss``)."""
    true_peak: float = 0.0
    """The encoder input's sample peak plus the codec's rise and
    INTERSAMPLE_ALLOWANCE_DB: a bound on the encoded audio's true peak, dBTP."""
    landed: bool = True
    """Whether the last encode was within tolerance of both targets."""

    @property
    def body_offset(self) -> float:
        """Seconds from the start of the file to the first sample of the body."""
        return self.head_samples / self.sample_rate

    @property
    def body_samples(self) -> int:
        """The body's length in samples, as the encode counted it."""
        return self.total_samples - self.head_samples - self.tail_samples

    def samples(self, body_samples: int) -> int:
        """Length of the episode, given the body's length in samples."""
        return self.head_samples + body_samples + self.tail_samples


@dataclass(frozen=True)
class _Job:
    """What stays the same across the encodes of one episode."""

    body: Body
    head: bytes
    intro: Analysis | None
    outro: Analysis | None
    settings: AudioSettings
    codec: str
    tmp: Path


@dataclass(frozen=True)
class _Attempt:
    """What one encode is asked to do."""

    gain: float
    """dB applied to the body."""
    limit: float
    """Sample-peak limit, dBFS."""
    limiting: bool
    voice_peak: float
    """The body's loudest peak after ``gain``, as far as it is known, dBTP."""
    slope: float
    """LU of loudness per dB of gain, as far as it is known (see Levels.slope)."""
    last: tuple[float, float] | None = None
    """The previous encode's gain and measured loudness, at the same limit."""


@dataclass(frozen=True)
class _Graph:
    """An episode's filter graph up to the point where gain is settled."""

    inputs: list[str]
    chains: list[str]
    joined: str
    """The last chain, joining head seam, body and tail; the limiter may follow."""
    head_samples: int
    tail_samples: int
    duck: int
    seam_over: bool
    """Whether the intro seam alone peaks over the limit."""


@dataclass(frozen=True)
class _Measured:
    """What an encode measured of the audio it fed the encoder."""

    loudness: float
    """Integrated loudness, LUFS."""
    peak: float
    """Sample peak, dBFS."""
    samples: int
    """Length in samples per channel."""


def render(body: Body, head: bytes, levels: Levels, intro_a: Analysis | None,
           outro_a: Analysis | None, settings: AudioSettings, out: Path,
           progress: Progress | None = None, codec: str = "mp3") -> RenderResult:
    """Stitch, normalise and encode one episode into ``out`` (untagged).

    ``head`` is the body's first intro-overlap samples (``head_of``); ``intro_a``
    and ``outro_a`` come from ``analyse`` keeping the whole file. The body's
    length need not be known: the outro is laid over its end by ffmpeg's
    ``acrossfade`` with both curves off, a plain sum of what pydub shaped.

    The encode measures what it writes (loudness, peak, length) in the same
    ffmpeg process. It stands when it lands within tolerance; otherwise the
    episode is encoded again at a gain corrected by what was measured, at most
    ``MAX_ENCODES`` times in all. Every step depends only on ``levels``, the body
    and what the encodes measured, so the bytes never depend on what was cached.
    """
    tmp_out = temporary_name(out, ".part")
    with tempfile.TemporaryDirectory(prefix="audio-feed-") as tmp:
        job = _Job(body, head, intro_a, outro_a, settings, codec, Path(tmp))
        return _verified_encode(job, levels, tmp_out, out, progress)


def _first_attempt(levels: Levels, settings: AudioSettings, codec: str) -> _Attempt:
    limit = settings.true_peak - LIMIT_MARGIN_DB[codec]
    gain = levels.gain(settings)
    voice_peak = levels.peak + levels.peak_allowance + gain
    return _Attempt(gain, limit, levels.limit_loss > 0 or voice_peak > limit, voice_peak,
                    levels.slope)


def _verified_encode(job: _Job, levels: Levels, tmp_out: Path, out: Path,
                     progress: Progress | None) -> RenderResult:
    """Encode, measure, and encode again with a corrected gain while it misses."""
    attempt = _first_attempt(levels, job.settings, job.codec)
    for n in range(1, MAX_ENCODES + 1):
        graph = _graph(job, attempt)
        if graph.seam_over and not attempt.limiting:
            attempt = dataclasses.replace(attempt, limiting=True)
        measured = _encode(job, graph, attempt, tmp_out, progress if n == 1 else None)
        # What listeners get: the encoder's input less what the codec takes off.
        loudness = measured.loudness - levels.codec_loss
        peak = measured.peak + levels.peak_rise + INTERSAMPLE_ALLOWANCE_DB
        loud_miss = job.settings.loudness - loudness
        # ebur128 reports tenths: compare in tenths, so 0.30000000000000071 is 0.3.
        landed = (round(abs(loud_miss), 1) <= LOUDNESS_TOLERANCE_DB
                  and round(peak, 1) <= job.settings.true_peak)
        if landed or n == MAX_ENCODES:
            break
        if not levels.whole and abs(loud_miss) > WINDOWS_MISLED_LU:
            # The windows were not like the rest: listen to the whole body.
            levels = predict_levels(job.body, job.settings, None, codec=job.codec)
            attempt = _first_attempt(levels, job.settings, job.codec)
            continue
        attempt = _corrected(attempt, loudness, peak - job.settings.true_peak,
                             job.settings.loudness)
    os.replace(tmp_out, out)
    return RenderResult(head_samples=graph.head_samples, tail_samples=graph.tail_samples,
                        sample_rate=job.settings.sample_rate, limiter=attempt.limiting,
                        gain=attempt.gain, outro_duck=graph.duck,
                        total_samples=measured.samples, encodes=n,
                        loudness=loudness, true_peak=peak, landed=landed)


def _corrected(attempt: _Attempt, loudness: float, peak_over: float, target: float
               ) -> _Attempt:
    """The next encode's settings, from how far the last one missed.

    The gain moves by the loudness miss divided by the slope: the predicted one,
    or, after two encodes at the same limit, the one they measured. Peaks over the
    ceiling switch the limiter on or lower its limit by the overshoot; that changes
    the slope, so the measured pair is forgotten.
    """
    slope = attempt.slope
    last: tuple[float, float] | None = (attempt.gain, loudness)
    if attempt.last is not None and abs(attempt.gain - attempt.last[0]) > SLOPE_MIN_STEP_DB:
        measured = (loudness - attempt.last[1]) / (attempt.gain - attempt.last[0])
        slope = min(1.0, max(MIN_SLOPE, measured))
    step = (target - loudness) / slope
    limit, limiting = attempt.limit, attempt.limiting
    if round(peak_over, 1) > 0:
        if limiting:
            # A limit d dB lower acts as d dB less gain into the old limit, made up
            # after it by d: loudness drops by (1 - slope) d, which the gain restores.
            lower = peak_over + PEAK_STEP_DB
            limit -= lower
            step += lower * (1 - slope) / slope
        limiting, last = True, None
    return _Attempt(attempt.gain + step, limit, limiting, attempt.voice_peak + step, slope, last)


def _seam_input(seam: AudioSegment, name: str, job: _Job, inputs: list[str],
                chains: list[str]) -> str:
    """Hand a pydub seam to ffmpeg as a WAV input; returns its label in the graph."""
    path = job.tmp / (name + ".wav")
    seam.export(path, format="wav")
    inputs.extend(["-i", str(path)])
    chains.append(f"[{len(inputs) // 2 - 1}:a]aformat=sample_fmts=flt,"
                  f"volume={HEADROOM_DB}dB:precision=float[{name}]")
    return f"[{name}]"


def _head_seam(job: _Job, attempt: _Attempt, h: int) -> AudioSegment:
    """The intro, fading out under the body's first ``h`` samples at the body's gain."""
    assert job.intro is not None
    s = job.settings
    intro = _segment(job.intro.head, s).apply_gain(music_gain(job.intro, s, attempt.limit))
    n = int(intro.frame_count())
    end = _slice(intro, n - h)
    end = end.fade(to_gain=FADE_FLOOR_DB, start=0, end=len(end)) if h else end
    voice = _segment(job.head[: h * _BYTES * s.channels], s)
    return _slice(intro, 0, n - h) + mix_under(end, voice.apply_gain(attempt.gain),
                                               attempt.limit)


def _graph(job: _Job, attempt: _Attempt) -> _Graph:
    """Seams made by pydub, and the ffmpeg graph that joins them to the body."""
    s = job.settings
    h = overlap_samples(s, s.intro_overlap) if job.intro else 0
    t = overlap_samples(s, s.outro_overlap) if job.outro else 0
    inputs: list[str] = []
    chains: list[str] = []
    parts: list[str] = []
    head_n = tail_n = duck = 0
    seam_over = False
    if job.intro:
        seam = _head_seam(job, attempt, h)
        seam_over = _peak_db(seam) > attempt.limit
        parts.append(_seam_input(seam, "head", job, inputs, chains))
        head_n = int(seam.frame_count()) - h
    body_inputs, body_graph = _body_graph(job.body, len(inputs) // 2, s, "body")
    inputs += body_inputs
    chains.append(body_graph + f";[body]atrim=start_sample={h},asetpts=PTS-STARTPTS,"
                  f"volume={attempt.gain:.4f}dB:precision=float[mid]")
    parts.append("[mid]")
    if job.outro:
        start, rest = outro_parts(job.outro, s, attempt.limit)
        if t:
            duck = duck_amount(_peak_db(start), attempt.voice_peak, attempt.limit)
            start = start.apply_gain(-duck) if duck else start
        tail = _seam_input(start + rest, "tail", job, inputs, chains)
        tail_n = int(rest.frame_count())
        if t:
            chains.append(f"[mid]{tail}acrossfade=ns={t}:c1=nofade:c2=nofade[midtail]")
            parts[-1] = "[midtail]"
        else:
            parts.append(tail)
    joined = f"{''.join(parts)}concat=n={len(parts)}:v=0:a=1"
    return _Graph(inputs, chains, joined, head_n, tail_n, duck, seam_over)


_SAMPLES = re.compile(r"n_samples: (\d+)")
METER = "ebur128=peak=sample:framelog=verbose"
"""Integrated loudness and sample peak, summed up once at the end (no line per block)."""
MEASURE = f"{METER},volumedetect,anullsink"
"""What measures an encode: a branch of the encoding graph, split off just before
the encoder, ends in ``ebur128`` (loudness, sample peak) and ``volumedetect`` (the
sample count). It runs in the graph's own thread beside the encoder, so it costs
no decode and no hand-over between threads; what the lossy encoder takes off is
known from the level prediction's codec probe (``Levels.codec_loss``)."""


def _encode(job: _Job, graph: _Graph, attempt: _Attempt, tmp_out: Path,
            progress: Progress | None) -> _Measured:
    """One encode into ``tmp_out``, measuring what the encoder is fed as it goes."""
    s = job.settings
    chain = graph.joined + (_limiter(attempt.limit, 0.0) if attempt.limiting else "")
    args = graph.inputs + [
        "-filter_complex", ";".join(graph.chains + [chain + f",asplit[out][m];[m]{MEASURE}"]),
        "-map", "[out]", *_codec_args(s, job.codec), str(tmp_out)]
    what = f"{_name(job.body)}: encoding"
    log = _run_with_progress(args, what, progress, s.sample_rate, tmp_out)
    loudness, peak = _loudness_and_peak(log, what)
    counts = _SAMPLES.findall(log)
    if not counts:
        raise ffmpeg.FFmpegError(what, "no sample count in ffmpeg's summary")
    return _Measured(loudness, peak, int(counts[-1]) // s.channels)


def _codec_args(s: AudioSettings, codec: str) -> list[str]:
    """Output options that encode in the show's format, the same bytes every time."""
    return ["-b:a", s.bitrate, "-ar", str(s.sample_rate), "-ac", str(s.channels),
            "-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact",
            "-flags:a", "+bitexact", *CODECS[codec]]


def _limiter(limit_db: float, gain_db: float) -> str:
    pre = f",volume={gain_db:.4f}dB:precision=float" if gain_db else ""
    return (f"{pre},alimiter=limit={10 ** (limit_db / 20):.6f}:attack={LIMITER_ATTACK_MS}"
            f":release={LIMITER_RELEASE_MS}"
            ":level=false:latency=true")


def _run_with_progress(args: list[str], what: str, progress: Progress | None, sr: int,
                       output: Path | None = None) -> str:
    """Run ffmpeg, reporting progress; returns its log (info level, each line tagged
    with its level, so that a failure reports only ffmpeg's errors)."""
    cmd = ffmpeg.base_args() + ["-loglevel", "level+info", "-nostats",
                                "-progress", "pipe:1"] + args
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        assert proc.stdout is not None
        done = 0.0
        for line in proc.stdout:
            if line.startswith("out_time_us=") and progress:
                try:
                    now = int(line.split("=", 1)[1]) / 1e6
                except ValueError:
                    continue
                if now > done:
                    progress(now - done)
                    done = now
        code = proc.wait()
        err.seek(0)
        log = err.read().decode("utf-8", "replace")
    if code != 0:
        raise ffmpeg.FFmpegError(what, _errors_only(log),
                                 output=str(output) if output else args[-1], log=log)
    return log


_LEVEL_TAG = re.compile(r"\[(error|fatal|panic)\] ")


def _errors_only(log: str) -> str:
    """The error lines of a level-tagged ffmpeg log, untagged (all of it if none)."""
    lines = [_LEVEL_TAG.sub("", ln, count=1) for ln in log.splitlines()
             if _LEVEL_TAG.search(ln)]
    return "\n".join(lines) if lines else log


def _ffmetadata_escape(text: str) -> str:
    return "".join("\\" + c if c in "=;#\\\n" else c for c in text)


def copy_with_chapters(src: Path, dst: Path, chapters: list[tuple[float, float, str]]) -> None:
    """Copy an encoded M4A without re-encoding, adding its chapters.

    mutagen cannot write MP4 chapters, so ffmpeg remuxes the stream with them:
    a QuickTime chapter track (Apple's players) and a Nero ``chpl`` atom (most
    others). ``chapters`` are (start, end, title) in seconds.
    """
    lines = [";FFMETADATA1"]
    for start, end, title in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(round(start * 1000))}",
                  f"END={int(round(end * 1000))}", f"title={_ffmetadata_escape(title)}"]
    with tempfile.TemporaryDirectory(prefix="audio-feed-") as tmp:
        meta = Path(tmp, "chapters.txt")
        meta.write_text("\n".join(lines) + "\n", encoding="utf-8")
        ffmpeg.run(["-loglevel", "error", "-i", str(src), "-i", str(meta), "-map", "0:a",
                    "-map_metadata", "1", "-map_chapters", "1", "-c", "copy",
                    "-fflags", "+bitexact", "-movflags", "+faststart", "-f", "ipod", str(dst)],
                   f"{dst.name}: adding chapters")
