"""``audio-feed import substack``: a Substack export -> episodes/<date>-<slug>.md.

Every row is read and checked first; then each post is written atomically. The
import record (``record.py``) makes a second import of a newer export add only
the new posts and never overwrite a post edited by hand (docs/substack-export.md).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import filekind
from ..cache import write_atomic
from ..errors import Problem
from ..posts import AUDIENCES, find_posts, stem_problem
from . import record as records
from .download import Downloader
from .export import Export, Row
from .html import to_markdown

VISIBILITY = {"everyone": "public", "only_free": "public", "only_paid": "paid",
              "founding": "founding"}
"""The visibility that goes with each audience: paid posts stay private in the build."""


@dataclass(frozen=True)
class Options:
    drafts: bool = False
    """Import drafts too, with ``draft: true``."""
    update: bool = False
    """Overwrite posts not edited since the last import."""
    download_images: bool = False
    publication_url: str | None = None
    """The publication's address, for canonical_url; default from the subscriber
    list's name (https://<subdomain>.substack.com)."""


@dataclass(frozen=True)
class Post:
    """One row, converted: the post's text and what the conversion reported."""

    post_id: str
    stem: str
    text: str
    kept_html: int
    dropped: int


@dataclass
class Summary:
    """What an import did, by post file (relative to the show)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Already imported and left alone, each with why."""
    skipped: list[str] = field(default_factory=list)
    """Rows not imported, each with why (drafts, rows with a problem)."""
    warnings: list[Problem] = field(default_factory=list)
    kept_html: int = 0
    dropped: int = 0
    initialised: tuple[str, ...] = ()


def _date(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _slug(post_id: str) -> str:
    number, _, slug = post_id.partition(".")
    clean = re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-")[:80]
    return clean or re.sub(r"[^0-9a-z]+", "", number.lower()) or "post"


def _quoted(value: str) -> str:
    """A YAML double-quoted string (JSON's escapes are YAML's): an id such as 1234.5678
    stays text, exactly as written."""
    return json.dumps(value, ensure_ascii=False)


def is_draft(row: Row) -> bool:
    """Not published, or published with no date at all (it never went out)."""
    return row.get("is_published").lower() != "true" or not (
        row.get("post_date") or row.get("email_sent_at"))


class _RowProblem(Exception):
    """A row that cannot be imported: the message says why, the row is skipped."""


def _checked(row: Row) -> tuple[str, dt.datetime | None, str | None]:
    """post_id, date and podcast URL of a row; _RowProblem when it cannot be imported."""
    post_id = row.get("post_id")
    if not post_id:
        raise _RowProblem("post_id: expected a value, got nothing")
    if row.get("audience") not in AUDIENCES:
        raise _RowProblem(f"audience: expected {' or '.join(AUDIENCES)}, got "
                          f"{row.get('audience')!r}")
    for column in ("post_date", "email_sent_at"):
        if row.get(column) and _date(row.get(column)) is None:
            raise _RowProblem(f"{column}: expected an ISO 8601 date, got {row.get(column)!r}")
    when = _date(row.get("post_date")) or _date(row.get("email_sent_at"))
    url = row.get("podcast_url") or None
    if url is not None and not re.match(r"^https?://[^\s/]+/\S*$", url):
        raise _RowProblem(f"podcast_url: expected an http:// or https:// URL, got {url!r}")
    return post_id, when, url


def front_matter(row: Row, when: dt.datetime, draft: bool, canonical: str | None,
                 audio: str | None) -> str:
    """The front matter Substack's converted posts carry, plus audio, draft and
    canonical_url when they apply."""
    audience = row.get("audience")
    title = html.unescape(row.get("title")) or "Untitled draft"
    lines = ["---", f"title: {_quoted(title)}"]
    subtitle = html.unescape(row.get("subtitle"))
    if subtitle:
        lines.append(f"subtitle: {_quoted(subtitle)}")
    lines += [f"date: {when.astimezone(dt.UTC).date().isoformat()}",
              f"type: {_quoted(row.get('type') or 'newsletter')}",
              f"audience: {audience}", f"visibility: {VISIBILITY[audience]}",
              f"post_id: {_quoted(row.get('post_id'))}"]
    if row.get("email_sent_at"):
        lines.append(f"email_sent_at: {_quoted(row.get('email_sent_at'))}")
    if canonical:
        lines.append(f"canonical_url: {_quoted(canonical)}")
    if audio:
        lines.append(f"audio: {_quoted(audio)}")
    if draft:
        lines.append("draft: true")
    return "\n".join(lines) + "\n---\n"


@dataclass
class _Reading:
    """The export being read and what reading it has found so far."""

    export: Export
    options: Options
    summary: Summary
    fallback_date: dt.datetime
    base: str | None

    def warn(self, name: str, row: Row, message: str) -> None:
        self.summary.warnings.append(Problem(self.export.where(name), f"row {row.line}",
                                             message + "; row skipped"))
        self.summary.skipped.append(f"{row.get('post_id') or f'row {row.line}'} "
                                    f"(a problem, see the warning)")


def _convert(reading: _Reading, row: Row) -> Post | None:
    """One row -> its post; None (with a warning or a skip noted) when it is not imported."""
    try:
        post_id, when, audio = _checked(row)
    except _RowProblem as e:
        reading.warn("posts.csv", row, str(e))
        return None
    draft = is_draft(row)
    if draft and not reading.options.drafts:
        reading.summary.skipped.append(f"{post_id} (a draft; --drafts imports drafts)")
        return None
    found = reading.export.post_html(post_id)
    if found is None:
        reading.warn(f"posts/{post_id}.html", row, "expected the post's HTML file, got none")
        return None
    name, raw = found
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        reading.warn(name, row, f"expected UTF-8 text, got byte 0x{raw[e.start]:02x} at "
                                f"offset {e.start}")
        return None
    converted = to_markdown(body)
    when = when or reading.fallback_date
    slug = post_id.partition(".")[2]
    canonical = f"{reading.base}p/{slug}" if reading.base and slug and re.fullmatch(
        r"[\w-]+", slug) else None
    text = front_matter(row, when, draft, canonical, audio) + "\n" + converted.markdown
    stem = f"{when.astimezone(dt.UTC).date().isoformat()}-{_slug(post_id)}"
    return Post(post_id, stem, text, converted.kept_html, converted.dropped)


def read_posts(export: Export, options: Options, summary: Summary) -> list[Post]:
    """Every importable row of the export, converted; nothing written yet."""
    rows = export.rows()
    dates = [d for r in rows for d in (_date(r.get("post_date")),) if d is not None]
    base = options.publication_url or (
        f"https://{export.subdomain()}.substack.com/" if export.subdomain() else None)
    reading = _Reading(export, options, summary,
                       max(dates, default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
                       base.rstrip("/") + "/" if base else None)
    posts: list[Post] = []
    seen: set[str] = set()
    for row in rows:
        post = _convert(reading, row)
        if post is not None and post.post_id in seen:
            reading.warn("posts.csv", row, f"post_id: expected an id no other row uses, got "
                                           f"{post.post_id!r} again")
            continue
        if post is not None:
            seen.add(post.post_id)
            posts.append(post)
    return posts


_POST_ID_LINE = re.compile(r"^post_id:\s*(.*?)\s*$", re.M)


def _ids_in_show(root: Path) -> dict[str, str]:
    """post_id -> post file for the posts already in the show (read loosely: a post
    the build would refuse is the build's to report)."""
    found: dict[str, str] = {}
    for path in find_posts(root):
        if not filekind.is_file(path):
            continue  # the build reports it; a named pipe would never answer
        try:
            head = path.read_text("utf-8").split("\n---", 1)[0]
        except (OSError, UnicodeDecodeError):
            continue
        match = _POST_ID_LINE.search(head)
        if match:
            value = match.group(1)
            value = value[1:-1] if value[:1] in "\"'" and value[-1:] == value[:1] else value
            found[value] = path.relative_to(root).as_posix()
    return found


@dataclass
class _Writing:
    """The show being written into and what has been done so far."""

    root: Path
    record: records.Record
    options: Options
    summary: Summary
    in_show: dict[str, str]
    downloader: Downloader | None

    def free_name(self, post: Post) -> str | None:
        """episodes/<stem>.md, or with the numeric id added when that is taken."""
        number = re.sub(r"[^0-9a-z]+", "", post.post_id.split(".", 1)[0].lower())
        for stem in (post.stem, f"{post.stem}-{number}"):
            path = self.root / "episodes" / f"{stem}.md"
            if not stem_problem(stem) and not path.exists() and not path.is_symlink():
                return path.relative_to(self.root).as_posix()
        return None

    def write(self, post: Post, name: str) -> None:
        text = post.text
        if self.downloader is not None:
            text = self.downloader.localise(text, name)
        data = text.encode("utf-8")
        write_atomic(self.root / name, data)
        self.record[post.post_id] = records.Imported(name, records.sha256(data))


def _place(w: _Writing, post: Post) -> None:
    """Write one post unless it is there already; note what was done."""
    s = w.summary
    entry = w.record.get(post.post_id)
    if entry is None:
        if post.post_id in w.in_show:
            s.kept.append(f"{w.in_show[post.post_id]} (has this post_id, not imported)")
            return
        name = w.free_name(post)
        if name is None:
            s.kept.append(f"episodes/{post.stem}.md (a file of that name exists)")
            return
        w.write(post, name)
        s.added.append(name)
        return
    path = w.root / entry.file
    if not path.is_file():
        s.kept.append(f"{entry.file} (deleted since the last import: not made again)")
    elif records.sha256(path.read_bytes()) != entry.sha256:
        s.kept.append(f"{entry.file} (edited since the last import)")
    elif w.options.update:
        before = path.read_bytes()
        w.write(post, entry.file)
        (s.updated if path.read_bytes() != before else s.kept).append(entry.file)
    else:
        s.kept.append(entry.file)


def run(source: Path, root: Path, options: Options) -> Summary:
    """Import the export at ``source`` into the show at ``root`` (scaffolded first when
    the folder is empty)."""
    from .. import init

    scaffold = init.needs_scaffold(root, source)
    init.check_posts_folder(root)
    summary = Summary()
    posts = read_posts(Export(source), options, summary)
    if scaffold:
        summary.initialised = init.init(root).written
    (root / "episodes").mkdir(exist_ok=True)
    record = records.read(root)
    downloader = (Downloader(root, summary.warnings) if options.download_images else None)
    w = _Writing(root, record, options, summary, _ids_in_show(root), downloader)
    try:
        for post in posts:
            summary.kept_html += post.kept_html
            summary.dropped += post.dropped
            _place(w, post)
    finally:
        records.write(root, record)
    return summary
