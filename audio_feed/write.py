"""The write stage: pages and tagged audio -> the site, swapped in only when whole.

The new site is written beside the old one (``SiteWriter``), each episode's
audio copied from the render cache and tagged, then linted: a feed that
directories would reject is never swapped in. The published record is saved
just before the swap.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import __version__, assemble, audio, filekind, lint, noop, tags
from .cache import digest, read_shaped, sha256_bytes, sha256_file, write_atomic
from .errors import EnvironmentProblem, InputError, Problem, described, expected
from .model import Episode, EpisodePage, Show, chapter_spans
from .plan import Plan, RenderJob
from .read import PUBLISHED_NAME
from .render import Render, RenderCache
from .writer import MARKER, SiteWriter, foreign_files, marked_files, refuse_foreign

SITE_META = {"identity": str, "stat": (int, int, int), "sha256": str}


@dataclass(frozen=True)
class Written:
    """What writing the site did."""

    pages: list[EpisodePage]
    changed: list[str]
    removed: list[str]
    findings: list[lint.Finding]


def write_site(plan: Plan, renders: dict[str, Render], cache: RenderCache, out: Path,
               strict: bool, save_record: bool = True) -> Written:
    """Write every page, audio file and the feed, lint them, then swap the site in."""
    show = plan.show.show
    writer = SiteWriter(out)
    try:
        artwork = show.artwork.read_bytes()
        jobs = {j.episode.stem: j for j in plan.jobs}
        pages = [_write_episode(writer, cache, ep, jobs.get(ep.stem), renders, artwork)
                 for ep in plan.public]
        writer.write_bytes(show.artwork_name, artwork)
        for rel, data in assemble.site_files(show, pages).items():
            writer.write_bytes(rel, data)
        changed, removed = writer.changed(), writer.removed()
        # Lint the new site before it replaces the old one: a feed that
        # directories would reject is never swapped in.
        findings = lint.lint_site(writer.tmp, show.feed_url, audio=show.audio,
                                  podcast_guid=show.podcast_guid)
        failed = lint.errors_in(findings, strict)
        if failed:
            raise InputError([Problem(f"{out.name}/feed.xml", None, str(f)) for f in failed])
        # The record goes first: a site published without its GUID guard
        # would let the next build hand a published URL to another episode.
        writer.prepare()
        if save_record:
            _save_published(show.root, plan.record)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        cache.cache.save()
    return Written(pages, changed, removed, findings)


def _write_episode(writer: SiteWriter, cache: RenderCache, ep: Episode, job: RenderJob | None,
                   renders: dict[str, Render], artwork: bytes) -> EpisodePage:
    """Write one public episode's audio and images; its page knows the audio's final size."""
    show = cache.show
    if job is None:
        page = assemble.episode_page(show, ep, None, None, 0)
    else:
        time = assemble.timing(ep, renders[ep.stem])
        size = _write_audio(writer, cache, job, _episode_tags(show, ep, time, artwork))
        page = assemble.episode_page(show, ep, job, time, size)
    for image in ep.images:
        writer.copy_file(page.path + image.target, image.source)
    return page


def _episode_tags(show: Show, ep: Episode, time: assemble.Timing, artwork: bytes
                  ) -> tags.EpisodeTags:
    return tags.EpisodeTags(
        title=ep.title, artist=show.author, album=show.title,
        date=ep.date.strftime("%Y-%m-%d"), track=ep.number, comment=ep.summary,
        language=show.language, guid=ep.post_id, feed_url=show.feed_url,
        page_url=assemble.page_url(show, ep), cover=artwork,
        cover_mime="image/jpeg" if show.artwork_name.endswith("jpg") else "image/png",
        chapters=time.chapters, duration=time.duration)


def _write_audio(writer: SiteWriter, renders: RenderCache, job: RenderJob,
                 t: tags.EpisodeTags) -> int:
    """Copy the render into the site and tag it, or keep the file already there."""
    identity = digest({"render": job.key, "tags": dataclasses.asdict(t) | {
        "cover": sha256_bytes(t.cover)}, "version": __version__})
    manifest_key = digest({"out": str(writer.out), "path": job.audio_path})
    cache = renders.cache
    cached = cache.read_json(SITE_META, "site", manifest_key + ".json")

    def unchanged(old: Path) -> bool:
        # The published file is read and hashed too, so that bit rot in it is
        # not carried into the new site by a hard link.
        st = old.stat()
        return bool(cached and cached["identity"] == identity
                    and cached["stat"] == [st.st_size, st.st_mtime_ns, st.st_ino]
                    and sha256_file(old) == cached["sha256"])

    def make(target: Path) -> None:
        found = renders.cached_render(job.key)
        if found is None:
            raise EnvironmentProblem(f"{job.audio_path}: the rendered audio vanished from "
                                     f"the cache during the build; run the build again")
        if target.suffix == ".m4a" and t.chapters:
            audio.copy_with_chapters(found[0], target, chapter_spans(t.chapters, t.duration))
        else:
            shutil.copyfile(found[0], target)
        tags.write_tags(target, t)

    writer.produce(job.audio_path, unchanged, make)
    written = writer.tmp / job.audio_path
    st = written.stat()
    ident = [st.st_size, st.st_mtime_ns, st.st_ino]
    # A kept file was hashed by ``unchanged``; only a new one is read here.
    known = cached["sha256"] if cached and cached["stat"] == ident else None
    cache.write_json({"identity": identity, "stat": ident,
                      "sha256": known or sha256_file(written)}, "site", manifest_key + ".json")
    return st.st_size


def _save_published(root: Path, record: bytes) -> None:
    """Write the published record, or fail before the new site is swapped in.

    A folder in its place is the user's to move (exit 2); a record that cannot
    be written (read-only, full disk) is a fault of the machine (exit 1).
    """
    target = root / PUBLISHED_NAME
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise InputError([Problem(PUBLISHED_NAME, None, described(
            "a file audio-feed can write the published GUIDs to", "a folder or other non-file "
            "(move it away)"))])
    try:
        if target.is_file():
            if target.read_bytes() == record:
                return
            # Opening for append changes nothing, and fails as writing would on a
            # read-only or immutable file, which a rename over it would not notice.
            with target.open("ab"):
                pass
        write_atomic(target, record)
    except OSError as e:
        raise EnvironmentProblem(f"{target}: cannot write the published record: "
                                 f"{e.strerror or e}; the previous site was left as it was") from e


def _resolved_all(paths: tuple[Path, ...]) -> list[Path]:
    try:
        return [p.resolve() for p in paths]
    except (OSError, RuntimeError):
        return list(paths)


SITE_LAYOUT = re.compile(
    r"feed\.xml|index\.html|style\.css|artwork\.(png|jpg)"
    r"|audio/[^/.][^/]*-[0-9a-f]{10}\.(mp3|m4a)"
    r"|episodes/[^/.][^/]*/(index\.html|transcript\.html|chapters\.json|transcript\.vtt"
    r"|images/[^/.][^/]*\.(?i:png|jpe?g|gif|webp))")
"""Every name an older audio-feed, which wrote no marker, gave a file in a site: exact
names, so that a user's 'index.html.orig' or 'audio/master.wav' is never taken for ours."""


def _migrated(root: Path, out: Path) -> set[str] | None:
    """The files of a site an older audio-feed built without a marker, if it is one.

    Either this show's build record lists the files, or the folder holds a
    feed.xml that audio-feed generated, and then only files of its layout are ours.
    """
    record = read_shaped(noop.record_path(root, out), noop.BUILD_RECORD)
    if record is not None:
        base = out.resolve()
        return {Path(p).relative_to(base).as_posix() for p in record["site"]
                if Path(p).is_relative_to(base)}
    feed = out / "feed.xml"
    if not filekind.is_file(feed):
        return None  # a named pipe there would never answer
    try:
        with feed.open("rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
    except OSError:
        return None
    if not re.search(r"<generator>\s*audio-feed\b", head):
        return None
    return {f.relative_to(out).as_posix() for f in noop.files_under(out)
            if SITE_LAYOUT.fullmatch(f.relative_to(out).as_posix())}


def check_out(root: Path, out: Path, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse an output folder that would swallow the show or someone's files.

    ``inputs`` are the show's input folders (episodes, templates): a site inside
    one would be read back as posts or templates by the next build.
    """
    within = any(out == p or out.is_relative_to(p) for p in _resolved_all(inputs))
    if out == root or root.is_relative_to(out) or within:
        raise InputError([Problem("--out", None, expected(
            "a folder outside the show's own files", str(out)))])
    blocker = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        # A file where a parent folder should be: mkdir would fail with "File exists".
        raise InputError([Problem("--out", None, expected(
            "a folder path whose parents are folders", f"{out} (a file at {blocker})"))])
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError([Problem(str(out), None, described(
            "a folder audio-feed can replace (--out)",
            "a symlink" if out.is_symlink() else filekind.kind(out)))])
    if not out.exists() or not any(out.iterdir()):
        return
    odd = filekind.special(out / MARKER) or (
        filekind.FOLDER if filekind.is_folder(out / MARKER) else None)
    if odd:
        raise InputError([Problem(str(out / MARKER), None, described(
            "the file audio-feed keeps in a site it built", odd))])
    ours = marked_files(out)
    if ours is None:
        ours = _migrated(root, out)
    if ours is None:
        first = sorted(p.name for p in out.iterdir())
        raise InputError([Problem(str(out), None, described(
            f"an empty folder or a site audio-feed built (it holds {MARKER})",
            f"a folder without it, holding {first[0]!r}"
            + (f" and {len(first) - 1} more" if len(first) > 1 else "")))])
    refuse_foreign(out, foreign_files(out, ours))
