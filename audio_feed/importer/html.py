"""A Substack post's HTML fragment -> Markdown (docs/substack-export.md).

markdownify does the conversion. Before it runs, Substack's editor wrappers are
rewritten in the tree into the plain HTML they stand for (an image and its caption,
a link, a blockquote) or removed (buttons, subscribe forms, polls). Whatever is left
that markdownify would flatten into bare text (an unknown embed, an unknown tag) is
kept as sanitised HTML and counted, so the summary says how much needs a look.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString
from markdownify import MarkdownConverter

from ..markdown import sanitise

_TOKEN = "zqaudiofeedkeep{}zq"
"""A stand-in that markdownify passes through untouched (letters and digits only)."""
_TOKEN_RE = re.compile(r"zqaudiofeedkeep(\d+)zq")

_DROPPED_CLASSES = ("button-wrapper", "subscription-widget-wrap", "subscription-widget-wrap-editor",
                    "subscribe-widget", "captioned-button-wrap", "paywall-jump", "share-dialog")
"""Substack's buttons and forms: not post text."""
_DROPPED_COUNTED = ("poll-embed", "native-video-embed", "comment")
"""Embeds that cannot live outside Substack: dropped, and counted in the summary."""
_DROPPED_TAGS = ("script", "style", "form", "button", "input", "noscript")
_KNOWN_WORDS = ("p a em i strong b u s del strike h1 h2 h3 h4 h5 h6 ul ol li blockquote pre "
                "code img br hr div span sup sub table thead tbody tr th td figure figcaption "
                "picture source caption small mark abbr cite q kbd var samp dl dt dd")
_KNOWN_TAGS = frozenset(_KNOWN_WORDS.split())
"""What markdownify converts (or we rewrite) faithfully; other tags are kept as HTML."""
_YOUTUBE_ID = re.compile(r"(?:youtube(?:-nocookie)?\.com/embed/|youtu\.be/)([\w-]{6,})")
_CDN_FETCH = re.compile(r"^https?://substackcdn\.com/image/fetch/(.+)$")
_BUCKETEER = re.compile(r"^(https?://)bucketeer-[\w-]+\.s3\.amazonaws\.com/")


@dataclass
class Converted:
    """A post's Markdown and what the conversion could not map."""

    markdown: str
    kept_html: int = 0
    """Unknown elements kept as sanitised HTML."""
    dropped: int = 0
    """Embeds dropped because they only work on Substack (polls, native video, comments)."""
    images: list[str] = field(default_factory=list)
    """The image URLs the Markdown uses, in order."""


def original_image_url(url: str) -> str:
    """The original behind a Substack CDN fetch URL (with the old bucketeer host moved
    to substack-post-media); any other URL as it is."""
    match = _CDN_FETCH.match(url)
    if match:
        rest = match.group(1)
        start = re.search(r"https?(?:%3A|:)", rest, re.I)
        if start:
            candidate = urllib.parse.unquote(rest[start.start():])
            if re.match(r"^https?://[^/\s]+/", candidate):
                url = candidate
    return _BUCKETEER.sub(r"\1substack-post-media.s3.amazonaws.com/", url)


def _attrs(tag: Tag) -> dict[str, Any]:
    try:
        found = json.loads(str(tag.get("data-attrs") or "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _classes(tag: Tag) -> list[str]:
    value: object = tag.get("class") or []
    return [str(c) for c in value] if isinstance(value, list) else str(value).split()


def _has_class(tag: Tag, names: tuple[str, ...]) -> bool:
    return any(c in names for c in _classes(tag))


def _http(url: object) -> str | None:
    text = str(url or "").strip()
    return text if re.match(r"^https?://", text) else None


class _Rewriter:
    """Rewrites one fragment's Substack wrappers in place; remembers what it kept."""

    def __init__(self, soup: BeautifulSoup) -> None:
        self.soup = soup
        self.kept: list[str] = []
        self.kept_html = 0
        self.footnotes: list[tuple[str, Tag]] = []
        """(number, content) of each note, taken out of the tree until the end."""
        self.dropped = 0
        self.anchors = 0

    def new(self, name: str, text: str | None = None, **attrs: str) -> Tag:
        tag = self.soup.new_tag(name, attrs=attrs)
        if text is not None:
            tag.string = text
        return tag

    def link_paragraph(self, tag: Tag, url: str, text: str) -> None:
        p = self.new("p")
        p.append(self.new("a", text, href=url))
        tag.replace_with(p)

    def keep(self, tag: Tag) -> None:
        """Keep ``tag`` as sanitised HTML, as a block of its own."""
        self.kept_html += 1
        # A blank line would end the HTML block early and turn the rest into Markdown.
        self.kept.append(re.sub(r"\n\s*\n", "\n", sanitise(str(tag)).strip()))
        p = self.new("p", _TOKEN.format(len(self.kept) - 1))
        tag.replace_with(p)

    def image(self, tag: Tag) -> None:
        """A captioned image (or a bare <img>) -> <img> plus its caption below."""
        img = tag if tag.name == "img" else tag.find("img")
        if not isinstance(img, Tag):
            tag.decompose()
            return
        src = _http(_attrs(img).get("src")) or _http(img.get("src"))
        if src is None and img.get("srcset"):
            src = _http(str(img.get("srcset")).split()[0])
        if src is None:
            tag.decompose()
            return
        alt = str(img.get("alt") or _attrs(img).get("alt") or "")
        p = self.new("p")
        p.append(self.new("img", src=original_image_url(src), alt=alt))
        caption = tag.find("figcaption") if tag.name != "img" else None
        tag.replace_with(p)
        if isinstance(caption, Tag) and caption.get_text(strip=True):
            em = self.new("em")
            em.extend(list(caption.contents))
            cap = self.new("p")
            cap.append(em)
            p.insert_after(cap)

    def gallery(self, tag: Tag) -> None:
        """An image gallery -> one image per entry of its data-attrs JSON."""
        found: list[str] = []

        def walk(value: object) -> None:
            if isinstance(value, dict):
                src = _http(value.get("src"))
                if src:
                    found.append(src)
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(_attrs(tag))
        p = self.new("p")
        for src in found:
            p.append(self.new("img", src=original_image_url(src), alt=""))
        tag.replace_with(p)

    def youtube(self, tag: Tag) -> None:
        video = _attrs(tag).get("videoId")
        if not video:
            frame = tag if tag.name == "iframe" else tag.find("iframe")
            match = _YOUTUBE_ID.search(str(frame.get("src") or "")) if isinstance(
                frame, Tag) else None
            video = match.group(1) if match else str(tag.get("id") or "").removeprefix(
                "youtube2-")
        if not re.fullmatch(r"[\w-]{6,}", str(video)):
            tag.decompose()
            return
        self.link_paragraph(tag, f"https://www.youtube.com/watch?v={video}", "Watch on YouTube")

    def tweet(self, tag: Tag) -> None:
        """A tweet (old markup or the newer JSON one) -> a blockquote with a link."""
        data = _attrs(tag)
        top = tag.find("a", class_="tweet-link-top")
        url = _http(data.get("url")) or (_http(top.get("href")) if isinstance(top, Tag)
                                         else None)
        body = tag.find(class_="tweet-text")
        text = str(data.get("full_text") or (body.get_text(" ", strip=True) if body else ""))
        who = str(data.get("username") or data.get("name") or "")
        quote = self.new("blockquote")
        if text:
            quote.append(self.new("p", text))
        if url:
            p = self.new("p", "— ")
            p.append(self.new("a", f"@{who}" if who else "the tweet", href=url))
            quote.append(p)
        if text or url:
            tag.replace_with(quote)
        else:
            tag.decompose()

    def post_embed(self, tag: Tag) -> None:
        data = _attrs(tag)
        link = tag.find("a", href=True)
        url = _http(data.get("url")) or (_http(link.get("href")) if isinstance(link, Tag)
                                         else None)
        title = str(data.get("title") or "").strip() or (url or "")
        if url:
            self.link_paragraph(tag, url, title)
        else:
            self.keep(tag)

    def footnote_anchor(self, tag: Tag) -> None:
        self.anchors += 1
        # Unnumbered anchors and notes pair up in order, as they do on the page.
        number = re.sub(r"\W", "", tag.get_text(strip=True)) or re.sub(
            r"\W", "", str(tag.get("id") or "").removeprefix("footnote-anchor-")) or str(
            self.anchors)
        self.kept.append(f"[^{number}]")
        tag.replace_with(NavigableString(_TOKEN.format(len(self.kept) - 1)))

    def footnote(self, tag: Tag) -> None:
        """Take the note out of the text; its content is converted after the post's
        (``_notes``), in the same tree: parsing each note again was the import's cost."""
        numbered = tag.find(class_="footnote-number")
        number = (re.sub(r"\W", "", numbered.get_text(strip=True)) if isinstance(
            numbered, Tag) else "") or str(len(self.footnotes) + 1)
        content = tag.find(class_="footnote-content")
        if isinstance(content, Tag):
            content.extract()
        else:
            content = self.new("div")
        self.footnotes.append((number, content))
        tag.decompose()

    def frame(self, tag: Tag) -> None:
        """An iframe no rule knows: a link to what it showed; counted."""
        self.kept_html += 1
        src = _http(tag.get("src"))
        if src:
            self.link_paragraph(tag, src, "Embedded content")
        else:
            tag.decompose()

    def rewrite(self, tag: Tag) -> None:
        """Apply the first rule that fits ``tag``."""
        name = tag.name
        component = str(tag.get("data-component-name") or "")
        rule = _rule(tag, component)
        if rule is not None:
            rule(self, tag)
        elif name in _DROPPED_TAGS:
            tag.decompose()
        elif name == "iframe":
            self.frame(tag)
        elif name not in _KNOWN_TAGS or component or tag.get("data-attrs") is not None:
            self.keep(tag)
        elif name == "li":
            paragraphs = tag.find_all("p", recursive=False)
            if len(paragraphs) == 1:
                paragraphs[0].unwrap()


def _drop(rw: _Rewriter, tag: Tag) -> None:
    tag.decompose()


def _drop_counted(rw: _Rewriter, tag: Tag) -> None:
    rw.dropped += 1
    tag.decompose()


_Rule = Callable[[_Rewriter, Tag], None]
_BY_CLASS: tuple[tuple[tuple[str, ...], _Rule], ...] = (
    (_DROPPED_CLASSES, _drop),
    (_DROPPED_COUNTED, _drop_counted),
    (("footnote-anchor",), _Rewriter.footnote_anchor),
    (("footnote",), _Rewriter.footnote),
    (("captioned-image-container", "image-link"), _Rewriter.image),
    (("image-gallery-embed",), _Rewriter.gallery),
    (("youtube-wrap",), _Rewriter.youtube),
    (("tweet", "twitter-embed"), _Rewriter.tweet),
    (("digest-post-embed", "embedded-post-wrap"), _Rewriter.post_embed),
    (("latex-rendered",), _Rewriter.keep),
)
_BY_COMPONENT: dict[str, _Rule] = {
    "ButtonCreateButton": _drop, "SubscribeWidgetToDOM": _drop, "PaywallToDOM": _drop,
    "CaptionedButtonToDOM": _drop, "FootnoteAnchorToDOM": _Rewriter.footnote_anchor,
    "FootnoteToDOM": _Rewriter.footnote, "Image2ToDOM": _Rewriter.image,
    "Twitter2ToDOM": _Rewriter.tweet, "LatexBlockToDOM": _Rewriter.keep,
}


_CLASS_RULES: dict[str, tuple[int, _Rule]] = {
    name: (order, rule) for order, (names, rule) in reversed(list(enumerate(_BY_CLASS)))
    for name in names}
"""Each class's rule and its place in ``_BY_CLASS``: the first rule that fits wins."""


def _rule(tag: Tag, component: str) -> _Rule | None:
    found = [_CLASS_RULES[c] for c in _classes(tag) if c in _CLASS_RULES]
    if found:
        return min(found, key=lambda f: f[0])[1]
    if component in _BY_COMPONENT:
        return _BY_COMPONENT[component]
    if component.lower().startswith("youtube"):
        return _Rewriter.youtube
    if tag.name == "iframe" and _YOUTUBE_ID.search(str(tag.get("src") or "")):
        return _Rewriter.youtube
    if tag.name == "img":
        return _Rewriter.image
    return None


def _attached(tag: Tag, top: Tag) -> bool:
    """Still in the tree under ``top``: not removed or replaced with an ancestor. (Read
    from the tag's own attributes: a missing one is looked up as a child tag by bs4.)"""
    node: Tag | None = tag
    while node is not None and node is not top:
        if vars(node).get("_decomposed"):
            return False
        node = node.parent
    return node is top


class _Converter(MarkdownConverter):
    """markdownify, with '<' in text escaped: text that looks like a tag stays text."""

    def escape(self, text: str, parent_tags: Any) -> str:
        escaped = super().escape(text, parent_tags)  # type: ignore[misc]
        return str(escaped).replace("<", "&lt;")


def _markdown(rw: _Rewriter, top: Tag) -> str:
    """Rewrite the Substack wrappers under ``top``, then convert it with markdownify."""
    for tag in list(top.find_all(True)):
        if _attached(tag, top):
            rw.rewrite(tag)
    text = _Converter(heading_style="ATX", bullets="-", code_language="").convert_soup(top)
    text = _TOKEN_RE.sub(lambda m: rw.kept[int(m.group(1))], text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def to_markdown(html: str) -> Converted:
    """Convert one post body; Substack's wrappers first, then markdownify."""
    soup = BeautifulSoup(html, "html.parser")
    rw = _Rewriter(soup)
    text = _markdown(rw, soup) + "\n"
    images = [str(img.get("src")) for img in soup.find_all("img")]
    notes = []
    # A note may hold a note: the list grows while it is read.
    for number, content in iter_growing(rw.footnotes):
        body = _markdown(rw, content)
        images += [str(img.get("src")) for img in content.find_all("img")]
        notes.append(f"[^{number}]: {body.replace(chr(10), chr(10) + '    ')}\n")
    if notes:
        text += "\n" + "".join(notes)
    return Converted(text, rw.kept_html, rw.dropped, images)


def iter_growing(items: list[tuple[str, Tag]]) -> Iterator[tuple[str, Tag]]:
    """Each item of ``items``, including those added while iterating."""
    n = 0
    while n < len(items):
        yield items[n]
        n += 1
