"""The command line: the only module that prints or exits."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import click
from tqdm import tqdm

from . import __version__, build, ffmpeg, lint
from . import init as show_init
from . import serve as preview
from .cache import CACHE_NAME, show_lock
from .constants import LOUDNESS_TARGET
from .errors import AudioFeedError, EnvironmentProblem
from .importer import substack
from .model import AudioSettings
from .speak import run as speak_run

F = TypeVar("F", bound=Callable[..., Any])

HELP = """Turn a newsletter into a podcast.

A show folder holds podcast.toml, posts as episodes/*.md (Markdown with YAML
front matter) and a recording of each post (episodes/<stem>.mp3, .m4a or .wav).
audio-feed stitches intro and outro music onto each recording, normalises it to
podcast loudness, tags it, and writes a static site: feed.xml for podcast apps
plus show-notes pages.

\b
Start here (SHOW_DIR defaults to this folder, outputs go to ./_site):
  audio-feed check              validate the show in this folder
  audio-feed build              build it into _site/, ready to upload
  audio-feed build --serve      build a preview into _preview/ and serve it on
                                http://127.0.0.1:8000/ for a podcast app here
  audio-feed lint _site --feed-url https://example.org/podcast/feed.xml
                                check the site against what directories require

Every key of podcast.toml and every front-matter field is in the README.
"""


class _Reporter(build.Reporter):
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: tqdm[Any] | None = None

    def status(self, line: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            click.echo(line, err=True)

    def start(self, total_seconds: float, episodes: int) -> None:
        if self.quiet:
            return
        self.bar = tqdm(total=round(total_seconds, 1), unit="s", unit_scale=False,
                        desc=f"rendering {episodes} episode{'s' * (episodes != 1)}",
                        file=sys.stderr, dynamic_ncols=True, disable=None,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")

    def advance(self, seconds: float) -> None:
        if self.bar is not None and self.bar.total is not None:
            self.bar.update(min(seconds, max(0.0, self.bar.total - self.bar.n)))

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def loaded(self, plan: build.ShowPlan) -> None:
        _warnings(plan)


def _fail(e: AudioFeedError, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    for w in getattr(e, "warnings", ()):
        click.echo(f"warning: {w}", err=True)
    for line in e.lines():
        click.echo(f"error: {line}", err=True)
    sys.exit(e.exit_code)


DEBUG = "audio_feed.debug"
"""Where ``--debug`` is noted, in the context's ``meta`` that every command shares."""


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG] = True


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, callback=_set_debug,
    help="Show a traceback when something fails.")
"""Accepted before the command and after it: ``audio-feed --debug build`` or ``build --debug``."""


def _guarded(interrupted: str = "interrupted") -> Callable[[F], F]:
    """Turn audio-feed's errors into one line each and an exit status; no traceback.

    ``interrupted`` is what Ctrl-C prints (exit 130).
    """
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            debug = bool(click.get_current_context().meta.get(DEBUG))
            try:
                return fn(*args, **kwargs)
            except AudioFeedError as e:
                _fail(e, debug)
            except KeyboardInterrupt:
                click.echo(interrupted, err=True)
                sys.exit(130)
            except (ffmpeg.FFmpegError, OSError) as e:
                _fault(e, debug)
        return debug_option(wrapper)  # type: ignore[return-value]
    return decorate


def _fault(e: ffmpeg.FFmpegError | OSError, debug: bool) -> None:
    """A fault of the machine: one line naming the file, exit 1."""
    if debug:
        traceback.print_exc()
    if isinstance(e, ffmpeg.FFmpegError):
        # Any ffmpeg failure not already put in the user's terms is the machine's.
        click.echo(f"error: {e.output or e.what}: {e.fault or e.last}", err=True)
    else:
        # Disk full, I/O error, permission denied.
        click.echo(f"error: {_os_error(e)}", err=True)
    sys.exit(1)


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audio-feed")
@debug_option
def cli() -> None:
    pass


show_dir = click.argument("show_dir", default=".", type=click.Path(path_type=Path))
base_url = click.option("--base-url", metavar="URL",
                        help="Where the site will be served (overrides base_url in podcast.toml).")
strict = click.option("--strict", is_flag=True,
                      help="Treat warnings (such as a post without audio yet) as errors.")


def _warnings(plan: build.ShowPlan) -> None:
    for w in plan.warnings:
        click.echo(f"warning: {w}", err=True)


allow_guid_change = click.option(
    "--allow-guid-change", is_flag=True,
    help="Accept a new post_id for an episode already published (players will see it as a "
         "new episode).")


def _os_error(e: OSError) -> str:
    where = ": ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
    what = e.strerror or str(e)
    return (f"{where}: {what}" if where else what).replace("\n", " ")


@contextmanager
def _locked(show_dir: Path) -> Iterator[None]:
    """The show's build lock, when there is a show folder to hold it in."""
    with show_lock(show_dir / CACHE_NAME) if show_dir.is_dir() else nullcontext():
        yield


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@cli.command(short_help="Validate the show; render nothing.")
@show_dir
@base_url
@strict
@allow_guid_change
@click.option("--out", "-o", default=Path("_site"), type=click.Path(path_type=Path),
              help="The site folder: without a published record, the GUIDs of the feed "
                   "built there are checked [default: _site].")
@_guarded()
def check(show_dir: Path, base_url: str | None, strict: bool, allow_guid_change: bool,
          out: Path) -> None:
    """Validate podcast.toml, every post, every audio file and the templates, and
    check published GUIDs; render nothing.

    SHOW_DIR defaults to the current folder. Exits 0 when the show can be built,
    2 with one line per problem otherwise.
    """
    plan = build.check(show_dir, base_url, strict, allow_guid_change, out)
    _warnings(plan)
    paid = sum(e.is_paid and not e.is_draft for e in plan.episodes)
    drafts = sum(e.is_draft for e in plan.episodes)
    click.echo(f"ok: {_count(len(plan.episodes), 'post')}, "
               f"{_count(len(plan.to_render), 'episode')} for the public feed, "
               f"{paid} paid, {_count(drafts, 'draft')} (kept out of it)")


def _build_options(fn: F) -> F:
    """The options of ``build``."""
    for option in reversed([
        click.option("--out", "-o", default=None, type=click.Path(path_type=Path),
                     help="Where to write the site, relative to the current folder "
                          "[default: _site, or _preview with --serve]."),
        base_url, strict,
        click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
                     help="Episodes rendered at once (default: all cores)."),
        click.option("--clean", is_flag=True,
                     help="Forget the cache and render everything again."),
        click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors."),
        allow_guid_change,
        click.option("--serve", is_flag=True, help="Build a preview for "
                     "http://127.0.0.1:PORT/ into _preview/ and serve it."),
        click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000,
                     show_default=True, help="The port for --serve (0 picks a free one)."),
        click.option("--speak", "speak_first", is_flag=True,
                     help="Read aloud the posts without a recording first (audio-feed speak)."),
    ]):
        fn = option(fn)
    return fn


@cli.command(name="build", short_help="Build the site: audio, feed.xml and pages.")
@show_dir
@_build_options
@_guarded(interrupted="interrupted: the previous site was left as it was")
def build_cmd(show_dir: Path, out: Path | None, base_url: str | None, strict: bool,
              jobs: int | None, clean: bool, quiet: bool, allow_guid_change: bool,
              serve: bool, port: int, speak_first: bool) -> None:
    """Build the site: stitched and tagged audio, feed.xml and show-notes pages.

    Rendered audio is cached in SHOW_DIR/.audio-feed-cache, so a rebuild only
    renders what changed. The new site replaces the old one only when the whole
    build succeeded. Each build records the GUIDs and audio URLs it published in
    SHOW_DIR/audio-feed-published.json (commit it): a later build that would
    change a published episode's GUID is refused.

    SHOW_DIR defaults to the current folder. With --serve, the feed's links point
    at the local preview server, so a podcast app on this machine can subscribe
    before you publish; the preview goes to _preview/, never over the _site/ you
    upload.
    """
    server = None
    if serve:
        out = out or Path("_preview")
        server = preview.make_server(out, port=port, log=_log_request, must_exist=False)
        base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    out = out or Path("_site")
    options = build.BuildOptions(
        base_url=base_url, strict=strict, jobs=jobs or os.cpu_count() or 1, clean=clean,
        allow_guid_change=allow_guid_change, reporter=_Reporter(quiet),
        skip_if_unchanged=server is None, save_record=server is None)
    with _locked(show_dir):
        if speak_first:
            _print_spoken(speak_run.run(show_dir, speak_run.SpeakOptions(jobs=options.jobs or 1)),
                          quiet)
        report = build.run(show_dir, out, options)
    _print_report(report, out, quiet)
    if server is not None:
        _serve_until_interrupted(server)


@cli.command(name="speak", short_help="Read posts without a recording aloud (text to speech).")
@show_dir
@click.argument("stems", nargs=-1)
@click.option("--force", is_flag=True, help="Speak the named posts again, cache or not.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Sections spoken at once (default: all cores).")
@click.option("--dry-run", is_flag=True,
              help="Print the script with each pronunciation replacement marked; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors.")
@_guarded(interrupted="interrupted: every finished folder is complete, the others untouched")
def speak_cmd(show_dir: Path, stems: tuple[str, ...], force: bool, jobs: int | None,
              dry_run: bool, quiet: bool) -> None:
    """Read aloud every public post without a recording (or the STEMS named), into
    episodes/<stem>/: a WAV per section, script.txt and timing.json.

    The engine, voice and pronunciation table are under [speak] in podcast.toml.
    Each section is cached: after an edit only the sections that changed are spoken.
    """
    options = speak_run.SpeakOptions(stems=stems, force=force, dry_run=dry_run,
                                     jobs=jobs or os.cpu_count() or 1)
    with _locked(show_dir) if not dry_run else nullcontext():
        report = speak_run.run(show_dir, options)
    for stem, text in report.dry.items():
        click.echo(f"# {stem}\n{text}")
    _print_spoken(report, quiet)


def _print_spoken(report: speak_run.SpeakReport, quiet: bool) -> None:
    if quiet or report.dry:
        return
    click.echo(f"spoke {_count(len(report.spoken), 'post')}: "
               f"{_count(len(report.synthesized), 'section')} synthesized, "
               f"{len(report.reused)} from the cache")


def _print_report(report: build.BuildReport, out: Path, quiet: bool) -> None:
    if report.up_to_date:
        for line in report.warnings:
            click.echo(f"warning: {line}", err=True)
        if not quiet:
            click.echo(f"{out}: up to date (nothing changed since the last build)")
        return
    for finding in report.findings:
        if finding.severity == "warning":
            click.echo(f"warning: {finding}", err=True)
    if quiet or report.plan is None:
        return
    in_feed = sum(p.audio is not None for p in report.pages)
    click.echo(f"built {report.out}: {_count(in_feed, 'episode')} "
               f"in the feed ({len(report.rendered)} rendered, {len(report.reused)} reused), "
               f"{len(report.changed)} files written, {len(report.removed)} removed")
    click.echo(f"  feed:  {report.out / 'feed.xml'}  (served as {report.plan.show.feed_url})")
    click.echo(f"  pages: {report.out / 'index.html'}")


def _log_request(line: str) -> None:
    click.echo(line, err=True)


def _serve_until_interrupted(server: preview.PreviewServer) -> None:
    url = preview.feed_url(server)
    built_for = lint.self_link(server.site / "feed.xml")
    if built_for and built_for != url:
        click.echo(f"warning: this site was built for {built_for}: a podcast app will fetch "
                   f"its audio from there, not from this preview (build --serve builds one "
                   f"for here)", err=True)
    click.echo(f"serving {server.site} at {url.removesuffix('feed.xml')}")
    click.echo(f"  subscribe to: {url}   (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command(name="serve", short_help="Preview a built site over HTTP.")
@click.argument("site_dir", default="_site", type=click.Path(path_type=Path))
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default keeps the preview on this machine.")
@click.option("--quiet", "-q", is_flag=True, help="Do not log each request.")
@_guarded()
def serve_cmd(site_dir: Path, port: int, host: str, quiet: bool) -> None:
    """Preview a built site over HTTP, the way a podcast host serves it.

    Answers GET and HEAD with byte ranges (what Apple Podcasts and most players
    need), never lists folders, and refuses paths outside the site. Build with
    --base-url http://127.0.0.1:PORT/ (or use build --serve) so that the feed's
    audio links point here.
    """
    server = preview.make_server(site_dir, host=host, port=port,
                                 log=None if quiet else _log_request)
    _serve_until_interrupted(server)


@cli.command(name="lint", short_help="Check a site or feed against what directories require.")
@click.argument("target", default="_site")
@click.option("--feed-url", metavar="URL",
              help="The URL the feed will be published at (checks atom:link and podcast:guid).")
@click.option("--strict", is_flag=True,
              help="Treat warnings as errors, and our own house rules as errors too.")
@click.option("--decode", is_flag=True,
              help="Decode every episode: exact durations, loudness and true peak (slower).")
@click.option("--loudness", type=float, default=LOUDNESS_TARGET, show_default=True,
              metavar="LUFS", help="The loudness target the episodes were made for (--decode).")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@_guarded()
def lint_cmd(target: str, feed_url: str | None, strict: bool, decode: bool, loudness: float,
             list_rules: bool) -> None:
    """Check a built site (a folder) or a published feed (a URL) for what
    podcast apps and directories require.

    Every finding has a rule id; errors exit 2. Against a URL it also checks
    that the server answers HEAD and byte-range requests for the audio. Our own
    house rules (see --list-rules) only warn, unless --strict.
    build runs the same checks, house rules included, on every new site before
    swapping it in.
    """
    if list_rules:
        for rule_id, severity, source, summary in lint.rules_table():
            click.echo(f"{rule_id}\t{severity}\t{source}\t{summary}")
        return
    audio = AudioSettings(loudness=loudness)
    if target.startswith(("http://", "https://")):
        findings = lint.lint_url(target, decode=decode, audio=audio, house=strict)
    else:
        findings = lint.lint_site(Path(target), feed_url, decode=decode, audio=audio,
                                  house=strict)
    for f in findings:
        click.echo(f"{f.severity}: {f}", err=f.severity != "note")
    failed = lint.errors_in(findings, strict)
    if failed:
        click.echo(f"{len(failed)} problem{'s' * (len(failed) != 1)} found", err=True)
        sys.exit(2)
    click.echo(f"ok: no errors ({len(findings)} finding{'s' * (len(findings) != 1)})")


# init and import: make a show, or bring an archive into one (before the read stage).

@cli.command(name="init", short_help="Make a new show folder.")
@click.argument("show_dir", default=".", type=click.Path(path_type=Path))
@_guarded()
def init_cmd(show_dir: Path) -> None:
    """Make a show in SHOW_DIR (default: this folder): podcast.toml with every key
    described, an episodes/ folder, a .gitignore for the cache and the built sites,
    and a placeholder artwork.png to replace. Files already there are kept; a folder
    that has a podcast.toml is refused.
    """
    made = show_init.init(show_dir)
    for name in made.written:
        click.echo(f"wrote {show_dir / name}")
    for name in made.kept:
        click.echo(f"kept {show_dir / name} (already there)")
    click.echo(f"next: edit {show_dir / 'podcast.toml'}, add episodes/<name>.md and its "
               f"recording, then run: audio-feed check {show_dir}")


@cli.group(name="import", short_help="Bring posts from elsewhere into a show.")
def import_group() -> None:
    """Write episodes/*.md from an archive made elsewhere."""


@import_group.command(name="substack", short_help="Import a Substack export.")
@click.argument("export", type=click.Path(path_type=Path))
@click.option("--into", "show_dir", default=Path("."), type=click.Path(path_type=Path),
              help="The show folder (made with init when it is empty) [default: .].")
@click.option("--drafts", is_flag=True, help="Import drafts too, with draft: true.")
@click.option("--update", is_flag=True,
              help="Overwrite posts not edited since the last import with the export's text.")
@click.option("--download-images", is_flag=True,
              help="Fetch images into episodes/images/ instead of linking to Substack.")
@click.option("--publication-url", metavar="URL",
              help="The publication's address, for canonical_url (default: "
                   "https://<subdomain>.substack.com/ from the export).")
@_guarded()
def import_substack(export: Path, show_dir: Path, drafts: bool, update: bool,
                    download_images: bool, publication_url: str | None) -> None:
    """Import EXPORT, Substack's export .zip or its unpacked folder: one
    episodes/<date>-<slug>.md per post of posts.csv. Run it again on a newer
    export to add only the new posts; posts you edited are never overwritten.
    """
    options = substack.Options(drafts=drafts, update=update, download_images=download_images,
                               publication_url=publication_url)
    _print_import(substack.run(export, show_dir, options), show_dir)


def _print_import(s: substack.Summary, show_dir: Path) -> None:
    for w in s.warnings:
        click.echo(f"warning: {w}", err=True)
    if s.initialised:
        click.echo(f"made a new show in {show_dir} ({', '.join(s.initialised)})")
    for word, names in (("added", s.added), ("updated", s.updated), ("kept", s.kept),
                        ("skipped", s.skipped)):
        for name in names:
            click.echo(f"{word}: {name}")
    click.echo(f"imported: {len(s.added)} added, {len(s.updated)} updated, {len(s.kept)} "
               f"kept, {len(s.skipped)} skipped; {_count(s.kept_html, 'element')} kept as "
               f"HTML, {_count(s.dropped, 'embed')} dropped (polls, video, comments)")


@import_group.command(name="feed", short_help="Move an existing podcast from its RSS feed.")
@click.argument("source", metavar="URL|FILE")
@click.option("--into", default=Path("."), type=click.Path(path_type=Path),
              help="The show folder to import into [default: this folder].")
@click.option("--download-audio", is_flag=True,
              help="Download the recordings now (otherwise the first build does).")
@click.option("--base-url", metavar="URL",
              help="Where the new site will be served (base_url in the new podcast.toml).")
@_guarded()
def import_feed_cmd(source: str, into: Path, download_audio: bool,
                    base_url: str | None) -> None:
    """Import an existing podcast: one post per item (its GUID kept as post_id, so
    apps see no new episodes) and podcast.toml from the channel. Files that exist
    are left alone, so importing again adds only new items.
    """
    # Imported here: the HTML converter would slow the start of every other command.
    from .importer import feed as feed_import

    report = feed_import.import_feed(source, into, download_audio,
                                     lambda line: click.echo(line, err=True), base_url)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    for name in report.added:
        click.echo(f"added {name}")
    click.echo(f"imported {_count(len(report.added), 'file')}, "
               f"left {_count(len(report.kept), 'existing file')} alone")


def main() -> None:
    try:
        cli(prog_name="audio-feed")
    except EnvironmentProblem as e:  # pragma: no cover - raised before a command runs
        click.echo(f"error: {e}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
