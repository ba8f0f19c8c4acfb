"""Markdown footnotes (``[^1]`` and ``[^1]: ...``, as imported Substack posts carry them):
rendered as notes on the page and in the feed, sanitised, with ids unique on the page;
left out of the plain text's marks; read by speak at the end of their section."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from audio_feed import markdown
from audio_feed.speak import script

from conftest import Run, post, tree

BODY = """\
Opening words.[^src]

## First part

A claim[^1] and the same claim again.[^1]

## Second part

Nothing to note here.

[^1]: The note, with a [link](https://example.org/n) and **weight**.
[^src]: Where it came from.
"""


def test_notes_are_rendered_not_shown_as_marks() -> None:
    r = markdown.render(BODY)
    assert "[^" not in r.html and "[^" not in r.text
    assert ('Opening words.<sup class="footnote-ref"><a href="#fn1" id="fnref1" '
            'rel="noopener noreferrer">[1]</a></sup>') in r.html
    assert 'A claim<sup class="footnote-ref"><a href="#fn2" id="fnref2"' in r.html
    assert '<a href="#fn2" id="fnref2:1" rel="noopener noreferrer">[2]</a>' in r.html
    assert '<section class="footnotes">\n<ol class="footnotes-list">' in r.html
    assert ('<li id="fn2" class="footnote-item"><p>The note, with a <a href="https://'
            'example.org/n" rel="noopener noreferrer">link</a> and <strong>weight</strong>. '
            '<a href="#fnref2" class="footnote-backref"') in r.html
    assert r.html.index('id="fn1"') < r.html.index('id="fn2"'), "numbered as first referred"


def test_plain_text_has_the_notes_after_the_text_and_in_their_section() -> None:
    r = markdown.render(BODY)
    assert r.text == ("Opening words.\n\nFirst part\n\nA claim and the same claim again.\n\n"
                      "Second part\n\nNothing to note here.\n\nWhere it came from.\n\n"
                      "The note, with a link and weight.")
    assert r.opening == "Opening words.\nWhere it came from."
    assert r.sections == (("First part", "A claim and the same claim again.\n"
                                         "The note, with a link and weight."),
                          ("Second part", "Nothing to note here."))


def test_ids_are_unique_and_the_same_every_time() -> None:
    body = ("## fn1\n\nText[^a].\n\n## fnref1\n\n<li id=\"fn1\">raw</li>\n\n"
            "<h2 id=\"fn1\">raw heading</h2>\n\n[^a]: Note.\n")
    html = markdown.render(body).html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert ids == ["fn1", "fnref-2-1", "fnref1", "fn-2-1"], "headings keep their anchors"
    assert '<a href="#fn-2-1" id="fnref-2-1"' in html and '<a href="#fnref-2-1"' in html
    assert markdown.render(body).html == html
    plain = markdown.render("Text[^a].\n\n## Fnx\n\n[^a]: Note.\n").html
    assert re.findall(r'\bid="([^"]+)"', plain) == ["fnref1", "fnx", "fn1"]


def test_the_posts_own_html_cannot_take_a_notes_id() -> None:
    html = markdown.render('<a id="fnref1">a</a> <li id="fn1">b</li>\n\nText[^a].\n\n'
                           '[^a]: Note.\n').html
    assert re.findall(r'\bid="([^"]+)"', html) == ["fnref-2-1", "fn-2-1"]


def test_the_note_markup_is_all_the_sanitiser_lets_through() -> None:
    body = ('Text[^x].\n\n<sup class="evil">a</sup> <li id="me" class="footnote-item">b</li> '
            '<section class="x" onclick="y()">c</section>\n\n'
            '[^x]: <script>alert(1)</script><a href="javascript:alert(1)" '
            'onclick="x()">bad</a> <img src="x.png" onerror="y()">\n')
    html = markdown.render(body).html
    for bad in ("<script", "alert(1)", "javascript:", "onclick", "onerror", 'class="evil"',
                'id="me"', 'class="x"'):
        assert bad not in html, bad
    assert '<li class="footnote-item">b</li>' in html, "a known class is no harm, an id is"


def test_a_heading_inside_a_note_is_not_a_section() -> None:
    body = "Text[^1].\n\n## Only part\n\nMore.\n\n[^1]: Note.\n\n    ## Not a chapter\n"
    r = markdown.render(body)
    assert [h for h, _ in r.sections] == ["Only part"]
    spoken = script.build("T", None, None, body, script.ScriptSettings())
    assert len(spoken) == len(r.sections) + 1, "speak and the build agree on the sections"


def test_speak_reads_each_note_at_the_end_of_its_section() -> None:
    sections = script.build("Title", None, None, BODY, script.ScriptSettings())
    assert [s.title for s in sections] == ["Title", "First part", "Second part"]
    assert sections[0].sentences[-1] == "Footnote: Where it came from."
    assert sections[1].sentences[-1] == "Footnote: The note, with a link and weight."
    assert not any("Footnote" in s for s in sections[2].sentences)


def test_a_built_page_and_feed_show_notes_not_marks(tiny_show: Path, run: Run,
                                                    tmp_path: Path) -> None:
    eps = tiny_show / "episodes"
    (eps / "one.md").write_text(post("One", "1001.one", "2026-01-05", "", BODY))
    result = run("build", tiny_show, "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = next((tmp_path / "site/episodes").glob("*one*/index.html")).read_text()
    feed = (tmp_path / "site/feed.xml").read_text()
    for text in (page, feed):
        assert "[^" not in text
    assert 'class="footnote-item"' in page and 'class="footnote-item"' in feed
    assert ("<description><![CDATA[<p>Opening words. First part A claim and the same claim "
            "again. Second part Nothing to note here. Where it came from. The note, with a "
            "link and weight.</p>") in feed, "the summary: text, then the notes, no marks"
    shutil.rmtree(tmp_path / "site")


def _build_with(show: Path, run: Run, out: Path, body: str) -> tuple[int, str]:
    (show / "episodes/one.md").write_text(post("One", "1001.one", "2026-01-05", "", body))
    result = run("build", show, "-o", out)
    return result.exit_code, result.output


def test_a_note_shows_no_paid_file_a_body_may_not(tiny_show: Path, run: Run,
                                                  tmp_path: Path) -> None:
    code, in_body = _build_with(tiny_show, run, tmp_path / "a", "Look: ![x](paid.mp3)\n")
    assert code == 2 and "paid" in in_body
    code, in_note = _build_with(tiny_show, run, tmp_path / "b",
                                "Look[^1].\n\n[^1]: ![x](paid.mp3)\n")
    assert code == 2
    assert in_note == in_body, "the image rule holds in a note as in the text"
    assert not (tmp_path / "b").exists()


def test_a_note_linking_a_paid_post_publishes_none_of_it(tiny_show: Path, run: Run,
                                                         tmp_path: Path) -> None:
    code, output = _build_with(tiny_show, run, tmp_path / "site",
                               "Look[^1].\n\n[^1]: See [it](paid.md), [this](paid.mp3) and "
                               "[the page](../paid/).\n")
    assert code == 0, output
    for path, data in tree(tmp_path / "site").items():
        assert b"Members only" not in data and b"Secret Paid Thing" not in data, path
        assert "paid" not in path, path


def test_a_note_never_referred_to_is_a_warning_and_left_out(tiny_show: Path, run: Run,
                                                            tmp_path: Path) -> None:
    body = ("Text[^1] and a [^9] with [^a-z] as a pattern.\n\n```\n[^1]: Code.\n```\n\n"
            "[^1]: Replaced.\n"
            "[^lost]: Never referred to, with ![x](https://example.org/x.png).\n"
            "[^1]: Kept.\n")
    code, output = _build_with(tiny_show, run, tmp_path / "site", body)
    assert code == 0, output
    one = "episodes/one.md"
    assert (f"warning: {one}: body: expected each footnote referred to in the text, got "
            f"[^lost] never referred to (left out of the page)") in output
    assert (f"warning: {one}: body: expected a definition ([^x]: ...) for each footnote "
            f"reference, got none for [^9] (shown as written)") in output
    assert (f"warning: {one}: body: expected each footnote defined once, got [^1] more "
            f"than once (the last one is shown)") in output
    assert output.count(f"warning: {one}: body:") == 3
    site = tree(tmp_path / "site")
    assert not any(b"Never referred" in data or b"Replaced" in data for data in site.values())
    assert any(b"Kept." in data for data in site.values())
    spoken = script.build("One", None, None, body, script.ScriptSettings())
    assert not any("Never referred" in s for sec in spoken for s in sec.sentences)


def test_ten_thousand_notes_render_each_once_with_unique_ids() -> None:
    n = 10_000
    body = ("## Part\n\n" + " ".join(f"w[^{i}]" for i in range(n)) + "\n\n"
            + "".join(f"[^{i}]: note {i}\n" for i in range(n)))
    r = markdown.render(body)
    ids = re.findall(r'\bid="([^"]+)"', r.html)
    assert len(ids) == 2 * n + 1 and len(set(ids)) == len(ids)
    assert r.html.count('class="footnote-item"') == n
    assert markdown.render(body).html == r.html
    assert r.sections[0][1].endswith(f"note {n - 1}")
    many = markdown.render("x" + "[^1]" * n + "\n\n[^1]: one\n").html
    assert many.count('class="footnote-backref"') == n
    assert len(set(re.findall(r'\bid="([^"]+)"', many))) == n + 1


def test_ids_the_posts_html_took_in_bulk_still_leave_the_notes_unique_ids() -> None:
    taken = " ".join(f'<span id="fn-{k}-1">x</span>' for k in range(2, 2002))
    html = markdown.render(f'<p id="fnref1">{taken}</p>\n\nText[^a].\n\n[^a]: Note.\n').html
    assert '<a href="#fn-2002-1" id="fnref-2002-1"' in html
    assert '<li id="fn-2002-1" class="footnote-item">' in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
