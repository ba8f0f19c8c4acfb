"""The build, one stage after another: ``run`` is the entry point.

    podcast.toml, episodes/*.md --read--> ShowPlan --plan--> Plan --render--> Render
    --assemble--> EpisodePage --write--> feed.xml, pages, audio --swap--> the site

Everything is read and validated before any slow work (``read.load``); the
audio that changed is rendered (in parallel), tagged and written with the feed
and pages, and the new site is swapped in only when all of that succeeded. A
build whose inputs and outputs did not move since the last one is a no-op
(``noop.up_to_date``). The README's "Architecture" section names each module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import lint, noop
from .audio import PREDICT_SECONDS, PREDICT_WINDOWS
from .cache import CACHE_NAME, Cache
from .errors import AudioFeedError
from .model import EpisodePage
from .plan import make_plan
from .read import (
    PUBLISHED_NAME,
    ShowPlan,
    check,
    download_all,
    load,
    pending_downloads,
    read_published,
)
from .render import Renderer, Reporter
from .write import check_out, write_site

up_to_date = noop.up_to_date
remember = noop.remember


@dataclass(frozen=True)
class BuildOptions:
    """How to build; the defaults are those of ``audio-feed build``."""

    base_url: str | None = None
    """Overrides base_url in podcast.toml."""
    strict: bool = False
    jobs: int | None = None
    """Episodes rendered at once; None: one per core."""
    clean: bool = False
    """Forget the cache and render everything again."""
    allow_guid_change: bool = False
    reporter: Reporter = field(default_factory=Reporter)
    skip_if_unchanged: bool = True
    """Return at once when nothing the last build read or wrote has moved."""
    save_record: bool = True
    """Save the published record; a preview (build --serve) publishes nothing."""
    cache_dir: Path | None = None
    predict_windows: tuple[int, float] = (PREDICT_WINDOWS, PREDICT_SECONDS)
    """How many windows of how many seconds the level prediction listens to."""


@dataclass
class BuildReport:
    """What a build did (or, when ``up_to_date``, that there was nothing to do)."""

    out: Path
    plan: ShowPlan | None = None
    up_to_date: bool = False
    warnings: list[str] = field(default_factory=list)
    """The warnings of the last build, when this one was a no-op."""
    rendered: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pages: list[EpisodePage] = field(default_factory=list)
    findings: list[lint.Finding] = field(default_factory=list)


BuildResult = BuildReport


def run(show_dir: Path, out: Path, options: BuildOptions) -> BuildReport:
    """Build the show in ``show_dir`` into ``out``: read, plan, render, assemble, write."""
    if options.skip_if_unchanged and not options.clean:
        warnings = noop.up_to_date(show_dir, out, options.base_url, options.strict)
        if warnings is not None:
            return BuildReport(out.resolve(), up_to_date=True, warnings=warnings)
    if pending_downloads(show_dir):
        # Everything else is checked before the slow downloads; the recordings after.
        load(show_dir, options.base_url, options.strict, options.allow_guid_change, out)
        download_all(show_dir, options.reporter.status)
    showplan = load(show_dir, options.base_url, options.strict, options.allow_guid_change, out)
    options.reporter.loaded(showplan)
    report = build_loaded(showplan, out, options)
    noop.remember(showplan, out, options.base_url, options.strict)
    return report


def build_loaded(showplan: ShowPlan, out: Path, options: BuildOptions) -> BuildReport:
    """Every stage after reading: plan, render, assemble and write."""
    show = showplan.show
    out = out.resolve()
    cache = Cache(options.cache_dir or show.root / CACHE_NAME)
    if options.clean:
        cache.clear()
    check_out(show.root, out, (show.root / "episodes", show.root / "templates",
                               *((show.templates,) if show.templates else ())))
    renderer = Renderer(show, cache, options.jobs or os.cpu_count() or 1, options.reporter,
                        options.predict_windows)
    plan = make_plan(showplan, renderer.render_key, lambda ep: renderer.body_hash(ep.body),
                     options.allow_guid_change)
    report = BuildReport(out, showplan)
    renders = renderer.render_all(plan.jobs, report)
    written = write_site(plan, renders, renderer, out, options.strict,
                         save_record=options.save_record)
    report.pages, report.findings = written.pages, written.findings
    report.changed, report.removed = written.changed, written.removed
    return report


class Builder:
    """``build_loaded`` for a ShowPlan already read; kept for callers of the old API."""

    def __init__(self, plan: ShowPlan, out: Path, jobs: int, reporter: Reporter,
                 clean: bool = False, cache_dir: Path | None = None,
                 allow_guid_change: bool = False, strict: bool = False) -> None:
        self.plan, self.out, self.jobs = plan, out, jobs
        self.predict_windows = (PREDICT_WINDOWS, PREDICT_SECONDS)
        self.options = BuildOptions(strict=strict, clean=clean, reporter=reporter,
                                    allow_guid_change=allow_guid_change, cache_dir=cache_dir)

    def build(self) -> BuildReport:
        return build_loaded(self.plan, self.out, BuildOptions(
            **{**self.options.__dict__, "jobs": max(1, self.jobs),
               "predict_windows": self.predict_windows}))


__all__ = ["PUBLISHED_NAME", "AudioFeedError", "BuildOptions", "BuildReport", "BuildResult",
           "Builder", "Reporter", "ShowPlan", "build_loaded", "check", "load", "read_published",
           "remember", "run", "up_to_date"]
