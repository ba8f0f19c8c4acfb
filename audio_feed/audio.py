"""Episode audio: measure, stitch intro + body + outro, normalise, encode once.

The design keeps memory flat however long the episode is (see AUDIO-COSTS.md):

1. ``analyse`` decodes a file once with ffmpeg, measuring integrated loudness
   and true peak with the ``ebur128`` filter while the PCM streams through a
   pipe; Python keeps only the first and last few seconds (the parts the seams
   need) and counts the samples. Results are cached per file content.
2. pydub builds the two seams, where it is at its best: the intro fading out
   under the first words, and the outro fading in under the last ones. They are
   short, whatever the episode's length.
3. One ffmpeg filter graph concatenates head seam + the untouched middle of the
   body (sample-exact ``atrim`` of the same decode) + tail seam, applies the
   loudness gain, a limiter only when the peaks need it, and encodes once.

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
from .model import AudioSettings

RENDERER_VERSION = "1"
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
    tail: bytes
    """The last samples, likewise."""


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


def analyse(path: Body, settings: AudioSettings, keep_head: int, keep_tail: int,
            progress: Progress | None = None) -> Analysis:
    """Decode a body once: loudness, true peak, length, and its first/last samples.

    ``keep_head``/``keep_tail`` are sample counts (per channel); use a large
    ``keep_head`` to keep a short file whole.
    """
    frame = _BYTES * settings.channels
    inputs, graph = _body_graph(path, 0, settings, "b")
    graph += (f";[b]ebur128=peak=true:framelog=verbose,"
              f"volume={-HEADROOM_DB}dB:precision=float,aformat=sample_fmts=s32[out]")
    args = ffmpeg.base_args() + ["-nostats", "-loglevel", "info", *inputs,
                                 "-filter_complex", graph, "-map", "[out]",
                                 "-f", "s32le", "-"]
    head = bytearray()
    tail = bytearray()
    total = 0
    want_head = keep_head * frame
    want_tail = keep_tail * frame
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        try:
            while chunk := proc.stdout.read(1 << 16):
                total += len(chunk)
                if len(head) < want_head:
                    head += chunk[: want_head - len(head)]
                if want_tail:
                    tail += chunk
                    if len(tail) > 2 * want_tail + (1 << 17):
                        del tail[: len(tail) - want_tail]
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
    summary = _SUMMARY.search(log)
    i = _I.search(summary.group(1)) if summary else None
    tp = _TP.search(summary.group(1)) if summary else None
    if not (i and tp):
        raise ffmpeg.FFmpegError(f"{_name(path)}: measuring loudness", log)
    loudness = float(i.group(1)) if i.group(1) != "-inf" else -math.inf
    if loudness < SILENCE_LUFS:
        raise AudioProblem(f"expected audible audio, got silence ({loudness} LUFS)")
    tail_bytes = bytes(tail[len(tail) - want_tail:]) if want_tail else b""
    return Analysis(samples=total // frame, loudness=loudness,
                    true_peak=float(tp.group(1)) if tp.group(1) != "-inf" else -math.inf,
                    head=bytes(head), tail=tail_bytes)


@dataclass(frozen=True)
class RenderResult:
    samples: int
    sample_rate: int
    body_offset: float
    """Seconds from the start of the file to the first sample of the body."""
    limiter: bool
    """Whether the peaks needed the limiter."""
    gain: float
    """dB applied to the body."""

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate


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


def render(body: Body, body_a: Analysis, intro_a: Analysis | None, outro_a: Analysis | None,
           settings: AudioSettings, out: Path, progress: Progress | None = None,
           codec: str = "mp3") -> RenderResult:
    """Stitch, normalise and encode one episode into ``out`` (untagged).

    ``body_a`` must come from ``analyse(body, settings, H, T)`` with H and T the
    intro and outro overlaps in samples (0 where there is no intro or outro);
    ``intro_a``/``outro_a`` from ``analyse`` keeping the whole file.
    """
    sr = settings.sample_rate
    limit = settings.true_peak - LIMIT_MARGIN_DB[codec]
    g_body = settings.loudness - body_a.loudness
    needs_limit = body_a.true_peak + g_body > limit
    h = overlap_samples(settings, settings.intro_overlap) if intro_a else 0
    t = overlap_samples(settings, settings.outro_overlap) if outro_a else 0

    with tempfile.TemporaryDirectory(prefix="audio-feed-") as tmp:
        inputs: list[str] = []
        labels: list[str] = []
        graph: list[str] = []
        samples = 0
        offset = 0
        if intro_a:
            intro = _segment(intro_a.head, settings).apply_gain(
                settings.loudness - intro_a.loudness)
            n = int(intro.frame_count())
            end = _slice(intro, n - h)
            end = end.fade(to_gain=-120.0, start=0, end=len(end)) if h else end
            voice = _segment(body_a.head[: h * _BYTES * settings.channels], settings)
            seam = _slice(intro, 0, n - h) + end.overlay(voice.apply_gain(g_body))
            needs_limit |= _peak_db(seam) > limit
            head_path = Path(tmp, "head.wav")
            seam.export(head_path, format="wav")
            inputs += ["-i", str(head_path)]
            graph.append(f"[{len(inputs) // 2 - 1}:a]aformat=sample_fmts=flt,"
                         f"volume={HEADROOM_DB}dB:precision=float[head]")
            labels.append("[head]")
            samples += int(seam.frame_count())
            offset = n - h
        body_inputs, body_graph = _body_graph(body, len(inputs) // 2, settings, "body")
        inputs += body_inputs
        mid_end = body_a.samples - t
        graph.append(body_graph + f";[body]"
                     f"atrim=start_sample={h}:end_sample={mid_end},asetpts=PTS-STARTPTS,"
                     f"volume={g_body:.4f}dB:precision=float[mid]")
        labels.append("[mid]")
        samples += mid_end - h
        if outro_a:
            outro = _segment(outro_a.head, settings).apply_gain(
                settings.loudness - outro_a.loudness)
            start = _slice(outro, 0, t)
            start = start.fade(from_gain=-120.0, start=0, end=len(start)) if t else start
            voice = _segment(body_a.tail, settings) if t else None
            mixed = start.overlay(voice.apply_gain(g_body)) if voice is not None else start
            seam = mixed + _slice(outro, t)
            needs_limit |= _peak_db(seam) > limit
            tail_path = Path(tmp, "tail.wav")
            seam.export(tail_path, format="wav")
            inputs += ["-i", str(tail_path)]
            graph.append(f"[{len(inputs) // 2 - 1}:a]aformat=sample_fmts=flt,"
                         f"volume={HEADROOM_DB}dB:precision=float[tail]")
            labels.append("[tail]")
            samples += int(seam.frame_count())
        concat = f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1"
        tmp_out = out.with_name(out.name + ".part")
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
    return RenderResult(samples=samples, sample_rate=sr, body_offset=offset / sr,
                        limiter=needs_limit, gain=g_body + correction)


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
    proc = ffmpeg.run(["-nostats", "-loglevel", "info", "-i", str(path), "-map", "0:a:0",
                       "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
                      f"{path.name}: measuring the true peak")
    log = proc.stderr.decode("utf-8", "replace")
    summary = _SUMMARY.search(log)
    found = _TP.search(summary.group(1)) if summary else None
    if not found:
        raise ffmpeg.FFmpegError(f"{path.name}: measuring the true peak", log)
    return float(found.group(1)) if found.group(1) != "-inf" else -math.inf


def _limiter(limit_db: float, gain_db: float) -> str:
    pre = f",volume={gain_db:.4f}dB:precision=float" if gain_db else ""
    return (f"{pre},alimiter=limit={10 ** (limit_db / 20):.6f}:attack=5:release=50"
            ":level=false:latency=true")


def _measure_graph(inputs: list[str], graph: list[str], last: str, name: str) -> float:
    """Integrated loudness of what a filter graph would encode (decoded, never written)."""
    full = graph + [last + ",ebur128=framelog=verbose[out]"]
    proc = ffmpeg.run(["-nostats", "-loglevel", "info"] + inputs +
                      ["-filter_complex", ";".join(full), "-map", "[out]", "-f", "null", "-"],
                      f"{name}: measuring loudness")
    log = proc.stderr.decode("utf-8", "replace")
    summary = _SUMMARY.search(log)
    found = _I.search(summary.group(1)) if summary else None
    if not found:
        raise ffmpeg.FFmpegError(f"{name}: measuring loudness", log)
    return float(found.group(1))


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
            raise ffmpeg.FFmpegError(what, err.read().decode("utf-8", "replace"))


def decoded_samples(path: Path, settings: AudioSettings) -> int:
    """Samples ffmpeg decodes from ``path`` at the output rate (for checks and tests)."""
    return analyse(path, settings, 0, 0).samples


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
