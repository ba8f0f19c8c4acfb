"""Property: whatever a post holds, ``check`` and ``build`` agree, and nothing crashes.

Hypothesis writes posts with generated front matter, body text and file names,
including control characters, lone surrogates, odd Unicode and odd YAML types,
into a small real show, then runs ``check`` and ``build`` as a user would. Three
things must hold for every example:

- ``check`` and ``build`` agree: both succeed, or both fail with the same error lines;
- no traceback ever appears, and every failure is exit 2 (bad input), never 1;
- whenever the build succeeds, ``feed.xml`` parses strictly with lxml and
  bozo-free with feedparser.

CI runs a fixed, derandomised set of examples, so a run is repeatable; set
``AUDIO_FEED_EXPLORE=500`` to search further on a developer's machine.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from audio_feed.cli import cli

EXPLORE = int(os.environ.get("AUDIO_FEED_EXPLORE", "0"))

# Characters that break naive writers: C0 controls, DEL, C1, lone surrogates,
# non-characters, bidi overrides, combining marks, wide and astral characters.
NASTY = ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\u202e",
         "\ud800", "\udfff", "\ufeff", "\ufffe", "\uffff", "\u0301", "é", "ß", "☕", "😀",
         "\U0010fffd", "<", ">", "&", '"', "'", "]]>", "-->", "\\", "%", "#", "?", " ", "\t",
         "\n", "\r"]

ILLEGAL = {c for c in NASTY if len(c) == 1 and (ord(c) < 32 and c not in "\t\n\r"
                                               or c in "\x7f\ud800\udfff\ufffe\uffff")}
any_text = st.lists(st.one_of(st.sampled_from(NASTY), st.characters()), max_size=16).map("".join)
# Odd but legal: what a build must be able to write, so most examples should build.
odd_text = st.lists(st.one_of(st.sampled_from(sorted(set(NASTY) - ILLEGAL)), st.characters(
    exclude_categories=("Cs", "Cc"))), max_size=16).map("".join)
text = st.one_of(odd_text, odd_text, any_text)
plain = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), max_size=24)
scalar: st.SearchStrategy[Any] = st.one_of(
    text, plain, st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.booleans(),
    st.none())
value = st.recursive(scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(plain, inner, max_size=3)), max_leaves=6)
# YAML that JSON cannot say: tags, anchors, timestamps, special floats, binary.
RAW_YAML = ["!!binary aGVsbG8=", "2026-02-30", "2026-01-05T10:00:00", "&a [1, *a]",
            ".nan", "-.inf", "0x1F", "1_000", "~", "!!python/object:os.system ls", "[", "'",
            "!!set {a, b}", "2026-01-05 10:00:00 +02:00", "12:30:00", "yes", "NO"]
field_value = st.one_of(odd_text.map(json.dumps), odd_text.map(json.dumps),
                        value.map(lambda v: json.dumps(v, ensure_ascii=True)),
                        st.sampled_from(RAW_YAML))
FIELDS = ["title", "subtitle", "description", "post_id", "date", "email_sent_at", "post_date",
          "audience", "visibility", "episode", "season", "episode_type", "explicit", "guests",
          "chapters", "audio", "draft", "is_published", "canonical_url", "cover_image",
          "type", "unknown_key"]
chapter_lines = st.lists(st.tuples(st.integers(0, 3), text).map(
    lambda t: json.dumps(f"00:00:0{t[0]} {t[1]}", ensure_ascii=True)), min_size=1, max_size=3)
stem = st.one_of(
    st.text(st.characters(categories=("L", "N", "Zs"), exclude_characters="/"),
            min_size=1, max_size=12),
    st.text(st.one_of(st.sampled_from([c for c in NASTY if len(c) == 1 and c not in "\x00\n\r"]
                                      + [".", "-"]),
                      st.characters(exclude_characters="/\x00", exclude_categories=["Cs"])),
            min_size=1, max_size=12))
body = st.lists(st.one_of(
    odd_text, odd_text, odd_text, any_text, plain, st.sampled_from([
        "# Heading", "## Part two", "![alt](x.png)", "[link](http://x)",
        "<script>alert(1)</script>", "```\ncode\n```", "> quote", "[^1]\n\n[^1]: note",
        "| a | b |\n|---|---|\n| 1 | 2 |", "<img src='../podcast.toml'>", "&#0;", "&#xD800;"])),
    max_size=6).map("\n\n".join)


@st.composite
def posts(draw: st.DrawFn) -> tuple[str, str, bytes, bool]:
    """(stem, front matter lines, body bytes, with a recording)."""
    lines = {"title": json.dumps("Generated"), "date": "2026-02-02",
             "post_id": json.dumps("gen.1")}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        lines[name] = ("[" + ", ".join(draw(chapter_lines)) + "]"
                       if name == "chapters" and draw(st.booleans()) else draw(field_value))
    front = "".join(f"{k}: {v}\n" for k, v in lines.items())
    raw = draw(body).encode("utf-8", "surrogatepass")
    return draw(stem), front, raw, draw(st.booleans())


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, media: Path) -> Path:
    """A one-post show, built once so that every example starts with a warm cache."""
    from conftest import one_post_show

    root = one_post_show(tmp_path_factory.mktemp("prop") / "show", media, "fixed", "Fixed",
                         "fixed.1")
    result = invoke("build", root, "--out", root.parent / "site")
    assert result.exit_code == 0, result.output
    return root


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)


def report(what: str, result: Result) -> str:
    tb = ""
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(*result.exc_info))
    return f"{what}: exit {result.exit_code}\n{result.output}{tb}"


def assert_clean(what: str, result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        report(what, result)
    assert "Traceback" not in result.output, report(what, result)
    assert result.exit_code in (0, 2), report(what, result)


def errors(result: Result) -> list[str]:
    return sorted(ln for ln in result.stderr.splitlines() if ln.startswith("error:"))


_count = itertools.count()


@settings(max_examples=EXPLORE or 150, deadline=None, derandomize=not EXPLORE, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=posts())
def test_check_and_build_agree(case: tuple[str, str, bytes, bool], base: Path,
                               media: Path) -> None:
    name, front, raw, recorded = case
    root = base.parent / f"ex{next(_count)}" / "show"
    shutil.copytree(base, root)
    eps = root / "episodes"
    try:
        source = eps / f"{name}.md"
        source.write_bytes(b"---\n" + front.encode("utf-8", "surrogatepass") + b"---\n" + raw)
        if recorded:
            shutil.copy(media / "body2.wav", eps / f"{name}.wav")
    except (OSError, ValueError):
        shutil.rmtree(root.parent)
        return  # the file system itself refuses this name: nothing to test
    out = root.parent / "site"
    checked = invoke("check", root)
    built = invoke("build", root, "--out", out)
    assert_clean("check", checked)
    assert_clean("build", built)
    assert (checked.exit_code == 0) == (built.exit_code == 0), \
        report("check", checked) + report("build", built)
    assert errors(checked) == errors(built), report("check", checked) + report("build", built)
    event("built" if built.exit_code == 0 else "refused")
    if built.exit_code == 0:
        data = (out / "feed.xml").read_bytes()
        etree.fromstring(data, etree.XMLParser(resolve_entities=False))
        parsed = feedparser.parse(data)
        assert not parsed.bozo, parsed.bozo_exception
    else:
        assert not out.exists(), "a failed first build left a site"
    shutil.rmtree(root.parent)


def test_the_generator_reaches_the_nasty_cases() -> None:
    """The strategies can produce what the properties are about (not a test that cannot fail)."""
    seen = {"control": False, "surrogate": False}

    @settings(max_examples=300, derandomize=True, database=None)
    @given(case=posts())
    def probe(case: tuple[str, str, bytes, bool]) -> None:
        blob = case[1] + case[2].decode("utf-8", "surrogatepass") + case[0]
        seen["control"] |= any(c in blob or json.dumps(c)[1:-1] in blob for c in "\x01\x0c")
        seen["surrogate"] |= "\\ud800" in blob or "\ud800" in blob or "\\udfff" in blob

    probe()
    assert all(seen.values()), seen

