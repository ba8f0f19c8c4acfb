"""speak reads as a footnote exactly what the page shows as one: both find them with the
same parser, so a definition the page accepts (indented, in a quote, with a lazy second
line) is read, and ``[^1]`` in code is code. Each note is read once at the end of each
section that refers to it, in the order the listener meets the references."""

from __future__ import annotations

import re

import pytest

from audio_feed import markdown
from audio_feed.speak import script

CODE = script.CODE_NOTE


def spoken(body: str, settings: script.ScriptSettings | None = None) -> list[list[str]]:
    sections = script.build("T", None, None, body, settings or script.ScriptSettings())
    return [list(s.sentences) for s in sections]


def page_notes(body: str) -> list[str]:
    """The text of each note the page shows, in its order."""
    html = markdown.render(body).html
    items = re.findall(r'<li id="fn\d+" class="footnote-item">(.*?)</li>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>|↩︎?", " ", i).split()) for i in items]


@pytest.mark.parametrize(("body", "said"), [
    pytest.param("Text[^1].\n\n   [^1]: Indented.\n", ["T.", "Text.", "Footnote: Indented."],
                 id="definition indented by three spaces"),
    pytest.param(" [^1]: Indented once.\n\nText[^1].\n",
                 ["T.", "Text.", "Footnote: Indented once."], id="indented by one, first"),
    pytest.param("Text[^1].\n\n```\n[^1]: In code.\n```\n", ["T.", "Text.", CODE],
                 id="a definition in a fence is code"),
    pytest.param("Text[^1].\n\n~~~md\nx\n[^1]: In code.\n~~~\n\n[^1]: Real.\n",
                 ["T.", "Text.", CODE, "Footnote: Real."], id="fence beside a real note"),
    pytest.param("Text[^1].\n\n<div>\n[^1]: In raw HTML.\n</div>\n", ["T.", "Text."],
                 id="a definition in raw HTML is HTML"),
    pytest.param("Write `[^1]` for a note.\n\n[^1]: Never referred to.\n",
                 ["T.", "Write [^1] for a note."], id="a reference in inline code is code"),
    pytest.param("Example:\n\n    x[^1]\n\n[^1]: Only in code.\n", ["T.", "Example:", CODE],
                 id="a reference in an indented code block is code"),
    pytest.param("Text[^1].\n\n[^1]: First line,\nlazy second line.\n",
                 ["T.", "Text.", "Footnote: First line, lazy second line."],
                 id="a lazy continuation line is the note's"),
    pytest.param("Text[^1].\n\n> [^1]: In a quote.\n",
                 ["T.", "Text.", "Footnote: In a quote."], id="a definition in a quote"),
    pytest.param("Text[^a].\n\n[^a]: See also[^b].\n[^b]: The deeper note.\n",
                 ["T.", "Text.", "Footnote: See also.", "Footnote: The deeper note."],
                 id="a note referring to another note"),
    pytest.param("Text[^a].\n\n[^a]: Loop[^b].\n[^b]: Back[^a].\n",
                 ["T.", "Text.", "Footnote: Loop.", "Footnote: Back."], id="notes in a loop"),
    pytest.param("| a | b |\n|---|---|\n| x[^1] | y |\n\n[^1]: From a table.\n",
                 ["T.", script.TABLE_NOTE, "Footnote: From a table."],
                 id="a table is left out, not its note"),
    pytest.param("Text[^1].\n\n[^1]: Run `ls` first.\n\n    ```\n    rm -rf /tmp/x\n    ```\n",
                 ["T.", "Text.", "Footnote: Run ls first.", CODE],
                 id="a fence in a note is left out"),
])
def test_speak_reads_the_notes_the_page_shows(body: str, said: list[str]) -> None:
    assert spoken(body) == [said]
    read = [s.removeprefix("Footnote: ") for s in said if s.startswith("Footnote: ")]
    assert len(read) == len(page_notes(body)), (read, page_notes(body))


def test_a_reference_in_a_heading_is_read_in_the_headings_section() -> None:
    body = "Intro.\n\n## Part[^1]\n\nText.\n\n## Next\n\nMore.\n\n[^1]: The note.\n"
    assert spoken(body) == [["T.", "Intro."], ["Part.", "Text.", "Footnote: The note."],
                            ["Next.", "More."]]
    assert markdown.render(body).sections[0][1] == "Text.\nThe note.", "the page agrees"


def test_notes_read_once_per_section_in_order_of_first_reference() -> None:
    body = ("A[^2] b[^1] c[^2].\n\n## Two\n\nAgain[^1].\n\n"
            "[^1]: One.\n[^2]: Two.\n[^3]: Orphan, never read.\n")
    assert spoken(body) == [["T.", "A b c.", "Footnote: Two.", "Footnote: One."],
                            ["Two.", "Again.", "Footnote: One."]]


def test_a_reference_with_no_definition_is_read_as_nothing() -> None:
    body = "A claim[^9] here[^nope].\n\n## Part[^x]\n\nText.\n"
    assert spoken(body) == [["T.", "A claim here."], ["Part.", "Text."]]


def test_a_note_follows_the_body_rules() -> None:
    body = ("Text[^1].\n\n[^1]: See [the paper](https://arxiv.org/abs/1), "
            "<https://e.com/raw> and `code`.\n\n    ![A chart](c.png)\n\n"
            "    > Said once.\n\n    ## Not a chapter\n")
    assert spoken(body) == [["T.", "Text.", "Footnote: See the paper, and code.",
                             "Image: A chart.", "Quote: Said once.", "Not a chapter."]]
    assert spoken(body, script.ScriptSettings(images="skip"))[0][-3:] == [
        "Footnote: See the paper, and code.", "Quote: Said once.", "Not a chapter."]


def test_a_reference_in_alt_text_is_the_pages_not_read_as_written() -> None:
    body = "![A *wet* hydrophone[^1] [^9]](x.png)\n\n[^1]: Bought in May.\n"
    assert spoken(body) == [["T.", "Image: A wet hydrophone.", "Footnote: Bought in May."]]
    assert 'alt="A wet hydrophone [^9]"' in markdown.render(body).html


def test_a_multi_paragraph_note_and_an_empty_one() -> None:
    body = "A[^1] b[^2].\n\n[^1]: First part.\n\n    Second part. Third.\n\n[^2]:\n"
    assert spoken(body) == [["T.", "A b.", "Footnote: First part.", "Second part.",
                             "Third."]]


def test_ten_thousand_notes() -> None:
    n = 10_000
    body = ("## Part\n\n" + " ".join(f"w[^{i}]" for i in range(n)) + "\n\n## Again\n\n"
            + " ".join(f"v[^{i}]" for i in reversed(range(n))) + "\n\n"
            + "".join(f"[^{i}]: note {i}\n" for i in range(n)))
    _, part, again = spoken(body)
    assert part[-n:] == [f"Footnote: note {i}." for i in range(n)]
    assert again[-n:] == [f"Footnote: note {i}." for i in reversed(range(n))]
    assert len(part) == n + 2 and len(again) == n + 2
