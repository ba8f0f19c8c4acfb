"""Markdown -> safe HTML and plain text (markdown-it-py renders, nh3 sanitises).

Footnotes (``[^1]`` and ``[^1]: ...``, as imported posts carry them) are rendered by
mdit-py-plugins' footnote plugin: a numbered reference, and the notes in a list at
the end of the page. Their text counts as the text of the section that first refers
to each note, which is where the speak script reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_def

from .text import slugify

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"figure", "figcaption", "hr", "div", "span",
                                         "section"}
_ALLOWED_ATTRS = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
for _h in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _ALLOWED_ATTRS.setdefault(_h, set()).add("id")
_ALLOWED_ATTRS.setdefault("div", set()).add("class")
_ALLOWED_ATTRS.setdefault("li", set()).add("id")
_ALLOWED_ATTRS.setdefault("a", set()).add("id")
_FOOTNOTE_CLASSES = {"sup": {"footnote-ref"}, "a": {"footnote-backref"},
                     "hr": {"footnotes-sep"}, "section": {"footnotes"},
                     "ol": {"footnotes-list"}, "li": {"footnote-item"}}
"""The only classes the footnote markup needs, each on its own tag."""
_NOTE_TAGS = {"li": "fn{}\\d+", "a": "fnref{}\\d+(?::\\d+)?"}
"""The ids a note and a reference to it get (with the page's prefix in {}); no other
id is kept on these tags."""
NOTE_REF = re.compile(r"\[\^(\w+)\]")
"""A footnote reference left as text (a label of letters and digits: "[^a-z]" in prose
is a pattern, not a note)."""
_DEFINITION = re.compile(r"\[\^([^\] ]+)\]:")
_RAW_ID = re.compile(r"""\bid\s*=\s*["']?([^"'\s>]+)""", re.I)


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    sections: tuple[tuple[str, str], ...] = ()
    """(heading, plain text under it) for each ## or ### heading, in order."""
    opening: str = ""
    """The plain text before the first ## or ### heading."""
    unused_notes: tuple[str, ...] = ()
    """Labels of footnotes defined and never referred to: they are left out."""
    repeated_notes: tuple[str, ...] = ()
    """Labels of footnotes defined more than once: the last definition is shown."""
    undefined_notes: tuple[str, ...] = ()
    """Labels referred to ([^x]) with no definition: the text shows them as written."""


def _caption(self: object, tokens: Sequence[Token], idx: int, options: object,
             env: object) -> str:
    # The plugin writes a second reference to a note as [1:1]; a reader wants [1].
    return f"[{tokens[idx].meta['id'] + 1}]"


def _counted_definition(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """The plugin's definition rule, noting each label: a second definition of a label
    silently replaces the first, so ``render`` reports it."""
    found = footnote_def(state, start, end, silent)
    if found and not silent:
        label = _DEFINITION.match(state.src, state.bMarks[start] + state.tShift[start])
        if label:
            state.env.setdefault("definitions", []).append(label.group(1))
    return found


def parser() -> MarkdownIt:
    """The parser posts are rendered with; speak reads the same tokens, so what the page
    shows as a footnote (or as code) is what speak reads as one."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable(
        ["table", "strikethrough"]).use(footnote_plugin, inline=False)
    md.block.ruler.at("footnote_def", _counted_definition,
                      {"alt": ["paragraph", "reference"]})
    md.add_render_rule("footnote_caption", _caption)
    return md


@dataclass
class _Walk:
    """What reading the tokens finds: anchors, plain text, sections, notes."""

    used: set[str]
    texts: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    opening: list[str] = field(default_factory=list)
    referred: dict[int, int] = field(default_factory=dict)
    """Note id -> the section (-1: the opening) of its first reference."""
    undefined: dict[str, None] = field(default_factory=dict)

    def here(self, section: int) -> list[str]:
        return self.sections[section][1] if section >= 0 else self.opening

    def heading(self, tok: Token, title: str) -> None:
        if tok.tag in ("h2", "h3"):
            self.sections.append((title, []))
        anchor, n = slugify(title), 2
        while anchor in self.used:
            anchor, n = f"{slugify(title)}-{n}", n + 1
        self.used.add(anchor)
        tok.attrSet("id", anchor)

    def body(self, tokens: list[Token]) -> None:
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open":
                self.heading(tok, tokens[i + 1].content if i + 1 < len(tokens) else "")
            if tok.type == "inline":
                for child in tok.children or []:
                    if child.type == "footnote_ref":
                        self.referred.setdefault(child.meta["id"], len(self.sections) - 1)
                    elif child.type == "text":
                        self.undefined.update(dict.fromkeys(NOTE_REF.findall(child.content)))
                self.texts.append(_plain(tok))
                if not (i > 0 and tokens[i - 1].type == "heading_open"):
                    self.here(len(self.sections) - 1).append(_plain(tok))

    def notes(self, tokens: list[Token]) -> None:
        """The footnote block: each note's text, after the section that refers to it."""
        note = -1
        for tok in tokens:
            if tok.type == "footnote_open":
                note = tok.meta["id"]
            if tok.type == "inline":
                self.texts.append(_plain(tok))
                self.here(self.referred.get(note, -1)).append(_plain(tok))


def render(source: str, place_image: Callable[[str], str | None] | None = None) -> Rendered:
    """Render a post body.

    ``place_image`` is called with each image source as written in the post and
    returns the source to use in the page (or None to keep it as it is).
    """
    md = parser()
    env: dict[str, Any] = {}
    tokens = md.parse(source, env)
    split = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"),
                 len(tokens))
    walk = _Walk(set())
    walk.body(tokens[:split])
    walk.notes(tokens[split:])
    prefix = _note_prefix(tokens, split, walk.used)
    html = md.renderer.render(tokens, md.options, {"docId": prefix})
    # Every <img> that survives the sanitiser, from Markdown or raw HTML alike, is
    # placed here: no local source reaches the page without passing the image rule.
    clean = _clean(html, place_image, re.escape(f"-{prefix}-" if prefix else ""))
    return Rendered(clean, "\n\n".join(t for t in walk.texts if t.strip()),
                    tuple((h, "\n".join(t for t in body if t.strip()))
                          for h, body in walk.sections),
                    "\n".join(t for t in walk.opening if t.strip()),
                    unused_notes=tuple(k[1:] for k, v in env.get("footnotes", {}).get(
                        "refs", {}).items() if v == -1),
                    repeated_notes=_repeated(env.get("definitions", [])),
                    undefined_notes=tuple(walk.undefined))


def _repeated(labels: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    again: dict[str, None] = {}
    for label in labels:
        if label in seen:
            again[label] = None
        seen.add(label)
    return tuple(again)


def _note_prefix(tokens: list[Token], split: int, used: set[str]) -> str | None:
    """None (ids fn1, fnref1, ...) unless a heading or the post's own HTML has such an
    id; then the first n for which fn-n-1, fnref-n-1, ... are free: every id is
    unique on the page, and the same for the same text."""
    notes = sum(t.type == "footnote_open" for t in tokens[split:])
    if not notes:
        return None
    taken = set(used)
    for tok in tokens:
        raw = [tok] if tok.type in ("html_block", "html_inline") else [
            c for c in tok.children or [] if c.type == "html_inline"]
        taken.update(m.group(1) for r in raw for m in _RAW_ID.finditer(r.content))
    # One pass over the ids: the prefixes they take (0 for none), then the first free.
    prefixes = {int(m.group(1) or 0) for i in taken
                if (m := re.match(r"fn(?:ref)?(?:-(\d{1,9})-)?\d", i))}
    if 0 not in prefixes:
        return None
    return str(min(set(range(2, len(prefixes) + 3)) - prefixes))


def _plain(tok: Token) -> str:
    out: list[str] = []
    for child in tok.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


def _clean(html: str, place_image: Callable[[str], str | None] | None,
           notes: str | None) -> str:
    """nh3 with our rules: each id once on the page (a later copy is dropped), ids on
    <li> and <a> only of the form of this page's notes (prefix ``notes``; None: no
    notes, no such ids), images placed by ``place_image``."""
    seen: set[str] = set()

    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr == "id":
            form = _NOTE_TAGS.get(tag)
            if value in seen or (form is not None and (notes is None or not re.fullmatch(
                    form.format(notes), value))):
                return None
            seen.add(value)
        if tag == "img" and attr == "src" and place_image is not None:
            return place_image(value) or value
        return value

    cleaned: Any = nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS,
                             link_rel="noopener noreferrer", attribute_filter=keep,
                             allowed_classes=_FOOTNOTE_CLASSES)
    return str(cleaned)


def sanitise(html: str) -> str:
    """HTML kept by the same rules as a rendered post's: no script, iframe, style or
    event handler survives."""
    return _clean(html, None, None)
