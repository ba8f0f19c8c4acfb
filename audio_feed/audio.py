"""Episode audio: measure, stitch intro + body + outro, normalise, encode once.

The design keeps memory flat however long the episode is (see docs/audio.md):

1. ``analyse`` decodes a body once with ffmpeg, measuring integrated loudness
   and true peak with the ``ebur128`` filter while the PCM streams through a
   pipe; Python keeps only the first seconds (what the intro seam needs) and
   counts the samples. Results are cached per file content.
2. pydub builds the seams, where it is at its best: the intro fading out under
   the first words, and the outro fading in. They are short, whatever the
   episode's length.
3. One ffmpeg filter graph joins head seam + the body from the end of the intro
   overlap (a sample-exact ``atrim`` of the same decode) + the outro, summed
   over the body's last second by ``acrossfade`` with both curves off; it
   applies the loudness gain, a limiter only when the peaks need it, and
   encodes once. The body's length is never needed in advance, which lets a
   long body be measured and encoded at the same time (see build.py).

All gain is applied in floating point; the seams travel at 32-bit with
``HEADROOM_DB`` of headroom, so nothing clips before the limiter sees it.
"""

from __future__ import annotations

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

RENDERER_VERSION = "2"
"""Bump when a change here changes rendered bytes: it invalidates the audio cache."""

HEADROOM_DB = 30.0
"""Level below full scale at which seams travel as 32-bit PCM."""
LIMIT_MARGIN_DB = {"mp3": 1.0, "m4a": 2.0, "wav": 0.5}
"""The limiter works on sample peaks; this margin keeps true peaks and the lossy
encoder's overshoot under the configured true-peak ceiling. AAC at low bitrates
overshoots more than MP3 (measured: 1.1 dB on the test tones)."""
VERIFY_PEAK_CODECS = frozenset({"m4a"})
"""Formats whose encoded true peak is measured, and the encode redone if it is over."""
VERIFY_ROUNDS = 3
LIMIT_ROUNDS = 3
"""At most this many measuring passes when the limiter is engaged."""
LIMIT_TOLERANCE_DB = 0.3
SILENCE_LUFS = -60.0
_BYTES = 4  # s32le

Progress = Callable[[float], None]
"""Called with seconds of audio processed since the last call."""


class AudioProblem(Exception):
    """The audio itself is unusable (silent, too short); ``field`` says which input."""


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
        start = start.fade(from_gain=-120.0, start=0, end=len(start))
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


def estimate_levels(path: Path, settings: AudioSettings, duration: float,
                    windows: int = 4, seconds: float = 45.0) -> Levels:
    """Loudness and true peak of a few windows spread over a long recording.

    An estimate, used only to start encoding before the whole body has been
    measured; the measurement decides whether that encode stands.
    """
    inputs: list[str] = []
    step = max(0.0, duration - seconds) / max(1, windows - 1)
    for i in range(windows):
        inputs += ["-ss", f"{i * step:.3f}", "-t", f"{seconds:.3f}", "-i", str(path)]
    chains = ";".join(f"[{i}:a:0]{_filter_prefix(settings)}[w{i}]" for i in range(windows))
    joined = "".join(f"[w{i}]" for i in range(windows))
    graph = (f"{chains};{joined}concat=n={windows}:v=0:a=1,"
             f"ebur128=peak=true:framelog=verbose[out]")
    what = f"{path.name}: estimating loudness"
    loudness, peak = _measure([*inputs, "-filter_complex", graph, "-map", "[out]"], what)
    if loudness is None or peak is None:
        raise ffmpeg.FFmpegError(what, "no loudness in ffmpeg's summary")
    return Levels(loudness, peak)


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
class Levels:
    """What the renderer must know of the body's level: measured, or estimated
    from parts of it and checked against the measurement afterwards."""

    loudness: float
    true_peak: float


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

    @property
    def body_offset(self) -> float:
        """Seconds from the start of the file to the first sample of the body."""
        return self.head_samples / self.sample_rate

    def samples(self, body_samples: int) -> int:
        """Length of the episode, given the body's length in samples."""
        return self.head_samples + body_samples + self.tail_samples


def render(body: Body, head: bytes, levels: Levels, intro_a: Analysis | None,
           outro_a: Analysis | None, settings: AudioSettings, out: Path,
           progress: Progress | None = None, codec: str = "mp3",
           duck_peak: float | None = None) -> RenderResult:
    """Stitch, normalise and encode one episode into ``out`` (untagged).

    ``head`` is the body's first intro-overlap samples (``head_of``); ``intro_a``
    and ``outro_a`` come from ``analyse`` keeping the whole file. The body's
    length need not be known: the outro is laid over its end by ffmpeg's
    ``acrossfade`` with both curves off, a plain sum of what pydub shaped.
    ``duck_peak`` overrides the voice peak the outro is ducked under, when it is
    higher (an estimate's allowance).
    """
    sr = settings.sample_rate
    limit = settings.true_peak - LIMIT_MARGIN_DB[codec]
    g_body = settings.loudness - levels.loudness
    voice_peak = levels.true_peak + g_body
    needs_limit = voice_peak > limit
    h = overlap_samples(settings, settings.intro_overlap) if intro_a else 0
    t = overlap_samples(settings, settings.outro_overlap) if outro_a else 0
    head_n = tail_n = duck = 0

    with tempfile.TemporaryDirectory(prefix="audio-feed-") as tmp:
        inputs: list[str] = []
        graph: list[str] = []

        def seam_input(seam: AudioSegment, name: str) -> str:
            path = Path(tmp, name + ".wav")
            seam.export(path, format="wav")
            inputs.extend(["-i", str(path)])
            graph.append(f"[{len(inputs) // 2 - 1}:a]aformat=sample_fmts=flt,"
                         f"volume={HEADROOM_DB}dB:precision=float[{name}]")
            return f"[{name}]"

        if intro_a:
            intro = _segment(intro_a.head, settings).apply_gain(
                music_gain(intro_a, settings, limit))
            n = int(intro.frame_count())
            end = _slice(intro, n - h)
            end = end.fade(to_gain=-120.0, start=0, end=len(end)) if h else end
            voice = _segment(head[: h * _BYTES * settings.channels], settings)
            seam = _slice(intro, 0, n - h) + mix_under(end, voice.apply_gain(g_body), limit)
            needs_limit |= _peak_db(seam) > limit
            head_label = seam_input(seam, "head")
            head_n = n - h
        body_inputs, body_graph = _body_graph(body, len(inputs) // 2, settings, "body")
        inputs += body_inputs
        graph.append(body_graph + f";[body]atrim=start_sample={h},asetpts=PTS-STARTPTS,"
                     f"volume={g_body:.4f}dB:precision=float[mid]")
        joined = "[mid]"
        if outro_a:
            start, rest = outro_parts(outro_a, settings, limit)
            if t:
                duck = duck_amount(_peak_db(start), max(voice_peak, duck_peak or voice_peak),
                                   limit)
                start = start.apply_gain(-duck) if duck else start
            tail_label = seam_input(start + rest, "tail")
            tail_n = int(rest.frame_count())
            if t:
                graph.append(f"[mid]{tail_label}acrossfade=ns={t}:c1=nofade:c2=nofade[midtail]")
                joined = "[midtail]"
            else:
                joined = "[mid]" + tail_label
        parts = ([head_label] if intro_a else []) + [joined]
        count = len(parts) + (1 if outro_a and not t else 0)
        concat = f"{''.join(parts)}concat=n={count}:v=0:a=1"
        tmp_out = temporary_name(out, ".part")
        correction = 0.0
        for attempt in range(VERIFY_ROUNDS):
            chain = concat
            if needs_limit:
                correction = _loudness_correction(inputs, graph, concat, limit, correction,
                                                  settings, _name(body))
                chain += _limiter(limit, correction)
            args = inputs + ["-filter_complex", ";".join(graph + [chain + "[out]"]),
                             "-map", "[out]", "-b:a", settings.bitrate, "-ar", str(sr),
                             "-ac", str(settings.channels),
                             "-map_metadata", "-1", "-map_chapters", "-1",
                             "-fflags", "+bitexact", "-flags:a", "+bitexact",
                             *CODECS[codec], str(tmp_out)]
            _run_with_progress(args, f"{_name(body)}: encoding", progress if not attempt else None,
                               sr)
            if codec not in VERIFY_PEAK_CODECS:
                break
            # AAC's overshoot varies too much with the material for a fixed margin:
            # measure the encoded file, and lower the limit by what it overshot.
            peak = true_peak_of(tmp_out)
            if peak <= settings.true_peak:
                break
            limit -= peak - settings.true_peak + 0.3
            needs_limit = True
        os.replace(tmp_out, out)
    return RenderResult(head_samples=head_n, tail_samples=tail_n, sample_rate=sr,
                        limiter=needs_limit, gain=g_body + correction, outro_duck=duck)


def _loudness_correction(inputs: list[str], graph: list[str], concat: str, limit: float,
                         correction: float, settings: AudioSettings, name: str) -> float:
    """The extra gain that brings the limited result back to the loudness target.

    Limiting loud peaks lowers the integrated loudness; measure what the limited
    result really gives and correct before the one encode. Louder input limits
    harder, so a second round may be needed.
    """
    for _ in range(LIMIT_ROUNDS):
        measured = _measure_graph(inputs, graph, concat + _limiter(limit, correction), name)
        if abs(settings.loudness - measured) <= LIMIT_TOLERANCE_DB:
            break
        correction = max(0.0, min(9.0, correction + settings.loudness - measured))
    return correction


def true_peak_of(path: Path) -> float:
    """True peak of a finished file in dBTP (ffmpeg's ebur128, 4x oversampled)."""
    what = f"{path.name}: measuring the true peak"
    _, peak = _measure(["-i", str(path), "-map", "0:a:0",
                        "-af", "ebur128=peak=true:framelog=verbose"], what)
    if peak is None:
        raise ffmpeg.FFmpegError(what, "no true peak in ffmpeg's summary")
    return peak


def _limiter(limit_db: float, gain_db: float) -> str:
    pre = f",volume={gain_db:.4f}dB:precision=float" if gain_db else ""
    return (f"{pre},alimiter=limit={10 ** (limit_db / 20):.6f}:attack=5:release=50"
            ":level=false:latency=true")


def _measure_graph(inputs: list[str], graph: list[str], last: str, name: str) -> float:
    """Integrated loudness of what a filter graph would encode (decoded, never written)."""
    full = graph + [last + ",ebur128=framelog=verbose[out]"]
    what = f"{name}: measuring loudness"
    loudness, _ = _measure([*inputs, "-filter_complex", ";".join(full), "-map", "[out]"], what)
    if loudness is None:
        raise ffmpeg.FFmpegError(what, "no loudness in ffmpeg's summary")
    return loudness


def _run_with_progress(args: list[str], what: str, progress: Progress | None, sr: int) -> None:
    cmd = ffmpeg.base_args() + ["-loglevel", "error", "-nostats", "-progress", "pipe:1"] + args
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
        if code != 0:
            err.seek(0)
            raise ffmpeg.FFmpegError(what, err.read().decode("utf-8", "replace"),
                                     output=args[-1])


def decoded_samples(path: Path, settings: AudioSettings) -> int:
    """Samples ffmpeg decodes from ``path`` at the output rate (for checks and tests)."""
    return analyse(path, settings, 0).samples


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
