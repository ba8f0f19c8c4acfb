"""Markdown -> safe HTML and plain text (markdown-it-py renders, nh3 sanitises)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .text import slugify

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"figure", "figcaption", "hr", "div", "span"}
_ALLOWED_ATTRS = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
for _h in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _ALLOWED_ATTRS.setdefault(_h, set()).add("id")
_ALLOWED_ATTRS.setdefault("div", set()).add("class")


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    sections: tuple[tuple[str, str], ...] = ()
    """(heading, plain text under it) for each ## or ### heading, in order."""
    opening: str = ""
    """The plain text before the first ## or ### heading."""


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "typographer": False}).enable(
        ["table", "strikethrough"])


def render(source: str, place_image: Callable[[str], str | None] | None = None) -> Rendered:
    """Render a post body.

    ``place_image`` is called with each image source as written in the post and
    returns the source to use in the page (or None to keep it as it is).
    """
    md = _parser()
    tokens = md.parse(source)
    used: set[str] = set()
    texts: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    opening: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h2", "h3"):
            sections.append((tokens[i + 1].content if i + 1 < len(tokens) else "", []))
        if tok.type == "heading_open":
            title = tokens[i + 1].content if i + 1 < len(tokens) else ""
            anchor = slugify(title)
            n = 2
            while anchor in used:
                anchor, n = f"{slugify(title)}-{n}", n + 1
            used.add(anchor)
            tok.attrSet("id", anchor)
        if tok.type == "inline":
            texts.append(_plain(tok))
            if not (i > 0 and tokens[i - 1].type == "heading_open"):
                (sections[-1][1] if sections else opening).append(_plain(tok))
    html = md.renderer.render(tokens, md.options, {})

    # Every <img> that survives the sanitiser, from Markdown or raw HTML alike, is
    # placed here: no local source reaches the page without passing the image rule.
    def placed(tag: str, attr: str, value: str) -> str:
        if tag == "img" and attr == "src" and place_image is not None:
            return place_image(value) or value
        return value

    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS,
                      link_rel="noopener noreferrer", attribute_filter=placed)
    return Rendered(clean, "\n\n".join(t for t in texts if t.strip()),
                    tuple((h, "\n".join(t for t in body if t.strip())) for h, body in sections),
                    "\n".join(t for t in opening if t.strip()))


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


def sanitise(html: str) -> str:
    """HTML kept by the same rules as a rendered post's: no script, iframe, style or
    event handler survives."""
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS,
                     link_rel="noopener noreferrer")
