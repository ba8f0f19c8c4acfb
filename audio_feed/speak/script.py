"""Markdown -> the spoken script: sections of sentences, written for listening.

The sections are the ones the build makes chapters of (``markdown.render``): an
opening (title, subtitle, maybe the date, the text before the first heading), then
one per ## or ### heading. Nothing a listener cannot use is read: no URL, no code,
no table; each of those leaves at most a short note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from markdown_it.token import Token

from .. import markdown
from ..text import slugify

CODE_NOTE = "A code example is left out."
TABLE_NOTE = "A table is left out."
QUOTE_LEAD = "Quote:"
IMAGE_LEAD = "Image:"
FOOTNOTE_LEAD = "Footnote:"

# Words ending in a full stop that do not end a sentence.
_ABBREVIATIONS = frozenset({
    "e.g.", "i.e.", "cf.", "vs.", "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.", "Jr.", "Sr.",
    "No.", "Fig.", "approx.", "ca.", "Inc.", "Ltd.", "Co.", "Mt.", "p.", "pp.", "vol.",
    "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.",
    "Nov.", "Dec.", "U.S.", "a.m.", "p.m.", "et al.", "al.",
})
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+\.\S+", re.I)
_LEFTOVER = re.compile(r"\s+([.,;:!?])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!'\"~<>|])")


@dataclass(frozen=True)
class ScriptSettings:
    """What ``[speak]`` and the post's front matter say about the reading."""

    read_date: bool = False
    images: str = "read"
    """'read' (the alt text, led in by 'Image:') or 'skip'."""
    skip: tuple[str, ...] = ()
    """Regular expressions: a paragraph any of them matches is boilerplate, not read."""
    pronounce: tuple[tuple[str, str], ...] = ()
    """(written, spoken) whole-word, case-sensitive replacements."""


@dataclass(frozen=True)
class Section:
    """One recorded section: its chapter title, file slug and sentences, in order."""

    title: str
    slug: str
    sentences: tuple[str, ...]


@dataclass
class _Open:
    title: str
    slug: str
    sentences: list[str] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    """The ids of the footnotes this section refers to, in order (repeats included)."""


def spoken_date(date: dt.datetime) -> str:
    return f"Published {date.strftime('%B')} {date.day}, {date.year}."


def build(title: str, subtitle: str | None, date: dt.datetime | None, body: str,
          settings: ScriptSettings) -> tuple[Section, ...]:
    """The sections of a post as written text (pronunciation not yet applied).

    Footnotes are the page's: the same parser finds them, so a definition or reference
    in code is code, and each note is read at the end of every section referring to it."""
    opening = _Open(title, "opening", [finish(_URL.sub("", title))])
    if subtitle:
        opening.sentences += split(_URL.sub("", subtitle))
    if settings.read_date and date is not None:
        opening.sentences.append(spoken_date(date))
    sections = [opening]
    skip = [re.compile(p) for p in settings.skip]
    tokens = markdown.parser().parse(body)
    # The plugin moves the notes it shows (those referred to) into one block at the end.
    end = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"),
               len(tokens))
    _walk(tokens[:end], sections, skip, settings)
    notes = _notes(tokens[end:])
    return tuple(_close(s, notes, skip, settings) for s in sections)


def _notes(tokens: list[Token]) -> dict[int, list[Token]]:
    """The footnote block: each note's block tokens by the id its references carry."""
    notes: dict[int, list[Token]] = {}
    here: list[Token] = []
    for tok in tokens:
        if tok.type == "footnote_open":
            here = notes[tok.meta["id"]] = []
        elif not tok.type.startswith("footnote_"):
            here.append(tok)
    return notes


def _close(s: _Open, notes: dict[int, list[Token]], skip: list[re.Pattern[str]],
           settings: ScriptSettings) -> Section:
    read: set[int] = set()
    queue = list(s.notes)
    # The queue grows while it is read: a note referred to inside a note comes after
    # the notes referred to before it, as the listener meets the references.
    for note in queue:
        if note in read or note not in notes:
            continue
        read.add(note)
        # A footnote is Markdown too: its links, code, images follow the same rules,
        # but a heading in it starts no section.
        inner = _Open(s.title, s.slug)
        _walk(notes[note], [inner], skip, settings, chapters=False)
        if inner.sentences:
            s.sentences += [f"{FOOTNOTE_LEAD} {inner.sentences[0]}", *inner.sentences[1:]]
        queue += inner.notes
    return Section(s.title, slugify(s.slug) or "section", tuple(s.sentences))


def _walk(tokens: list[Token], sections: list[_Open], skip: list[re.Pattern[str]],
          settings: ScriptSettings, chapters: bool = True) -> None:
    """Read ``tokens`` into ``sections``; with ``chapters``, a ## or ### heading starts
    a new one."""
    quote_lead = False
    skipping_table = False
    for i, tok in enumerate(tokens):
        here = sections[-1]
        if skipping_table:
            skipping_table = tok.type != "table_close"
            # The table is left out, not the notes the page shows for it.
            here.notes += _refs(tok)
        elif tok.type == "table_open":
            here.sentences.append(TABLE_NOTE)
            skipping_table = True
        elif tok.type in ("fence", "code_block"):
            here.sentences.append(CODE_NOTE)
        elif tok.type == "blockquote_open":
            quote_lead = True
        elif tok.type == "heading_open" and chapters and tok.tag in ("h2", "h3"):
            # A note referred to in a heading belongs to the heading's section, as on the page.
            new = _Open(tokens[i + 1].content, "")
            new.slug = _inline_text(tokens[i + 1], settings, new.notes)[0]
            new.sentences.append(finish(new.slug))
            sections.append(new)
        elif tok.type == "inline" and i > 0 and tokens[i - 1].type == "heading_open":
            if not chapters or tokens[i - 1].tag not in ("h2", "h3"):
                here.sentences.append(finish(_inline_text(tok, settings, here.notes)[0]))
        elif tok.type == "inline":
            text, images = _inline_text(tok, settings, here.notes)
            if any(p.search(text) for p in skip):
                continue
            if quote_lead and text:
                text, quote_lead = f"{QUOTE_LEAD} {text}", False
            here.sentences += split(text) + images


def _refs(tok: Token) -> list[int]:
    """The ids of the notes an inline token refers to, in order (in image alt text too)."""
    out: list[int] = []
    for child in tok.children or []:
        if child.type == "footnote_ref":
            out.append(child.meta["id"])
        elif child.children:
            out += _refs(child)
    return out


def _inline_text(tok: Token, settings: ScriptSettings, notes: list[int]
                 ) -> tuple[str, list[str]]:
    """The words of an inline token, and its images as sentences of their own; the
    notes it refers to are added to ``notes``."""
    notes += _refs(tok)
    out: list[str] = []
    images: list[str] = []
    href = None
    for child in tok.children or []:
        if child.type == "link_open":
            href = str(child.attrs.get("href", ""))
        elif child.type == "link_close":
            href = None
        elif child.type == "text":
            # An autolink's text is its URL: never read.
            if href is None or child.content not in (href, href.removeprefix("mailto:")):
                # A reference to no note is shown as written; it is nothing to hear.
                out.append(markdown.NOTE_REF.sub("", child.content))
        elif child.type == "code_inline":
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image" and settings.images == "read":
            # The alt text as the page writes it: its words, not its markup or notes.
            alt = _inline_text(child, settings, [])[0]
            if alt:
                images.append(finish(f"{IMAGE_LEAD} {alt}"))
    text = "".join(out)
    text = _URL.sub("", _ESCAPE.sub(r"\1", text))
    # What a dropped URL leaves behind: a space before punctuation, empty brackets.
    text = _LEFTOVER.sub(r"\1", re.sub(r"\(\s*\)|\[\s*\]", "", text))
    return " ".join(text.split()), images


def finish(text: str) -> str:
    """A sentence ends in punctuation, so the voice lets it fall."""
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…:;\"'”’)" else text + "."


def split(text: str) -> list[str]:
    """A paragraph's sentences: split after . ! ? before a capital or a digit, but
    not after an abbreviation or an initial; decimals have no space to split at."""
    out: list[str] = []
    at = 0
    for end in _SENTENCE_END.finditer(text):
        before = text[at:end.start() + 1].split()
        last = before[-1] if before else ""
        last2 = " ".join(before[-2:])
        if last in _ABBREVIATIONS or last2 in _ABBREVIATIONS or re.fullmatch(r"[A-Z]\.", last):
            continue
        out.append(text[at:end.end()].strip())
        at = end.end()
    out.append(text[at:].strip())
    return [finish(s) for s in out if s]


def _pattern(table: Iterable[tuple[str, str]]) -> re.Pattern[str] | None:
    words = sorted({w for w, _ in table if w}, key=lambda w: (-len(w), w))
    if not words:
        return None
    # Whole words by lookaround, not \b: a form may start or end with a non-word
    # character ('Q*'), where \b would never match.
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def pronounce(text: str, table: tuple[tuple[str, str], ...], mark: bool = False) -> str:
    """``text`` with each written form replaced by its spoken form; with ``mark``,
    each replacement is shown as ``[written -> spoken]``."""
    pattern = _pattern(table)
    if pattern is None:
        return text
    spoken = dict(table)

    def sub(m: re.Match[str]) -> str:
        said = spoken[m.group(0)]
        return f"[{m.group(0)} -> {said}]" if mark else said

    return pattern.sub(sub, text)


def spoken(sections: tuple[Section, ...], table: tuple[tuple[str, str], ...],
           mark: bool = False) -> tuple[Section, ...]:
    """The sections with the pronunciation table applied to every sentence."""
    return tuple(Section(s.title, s.slug, tuple(pronounce(x, table, mark) for x in s.sentences))
                 for s in sections)


def merged(show: tuple[tuple[str, str], ...], post: tuple[tuple[str, str], ...]
           ) -> tuple[tuple[str, str], ...]:
    """The show's table with the post's entries overriding it."""
    table = dict(show)
    table.update(post)
    return tuple(sorted(table.items()))


def text_of(sections: tuple[Section, ...]) -> str:
    """script.txt: each section under a rule, one sentence a line."""
    parts = []
    for n, s in enumerate(sections, 1):
        parts.append(f"## {n:02d} {s.title}\n" + "\n".join(s.sentences))
    return "\n\n".join(parts) + "\n"
