"""The plan stage: a ``ShowPlan`` -> a ``Plan``, what this build will publish.

One ``RenderJob`` per public episode with audio: its render key (which names
its audio file) and the URL path it is published at. The published-URL guard
runs here, before anything is rendered, and yields the record to save once
the site is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from . import published
from .errors import Problems, described
from .model import Episode, Show
from .read import ShowPlan


@dataclass(frozen=True)
class RenderJob:
    """One episode to render (or to find in the cache)."""

    episode: Episode
    key: str
    """The render key: a digest of everything that shapes the audio bytes."""
    audio_path: str
    """Site-relative path of the published audio file."""
    seconds: float
    """Length of the recording, as measured while reading the post."""


@dataclass(frozen=True)
class Plan:
    """What this build publishes: the public episodes, newest first, and the jobs."""

    show: ShowPlan
    public: tuple[Episode, ...]
    """Every episode that gets a page, newest first."""
    jobs: tuple[RenderJob, ...]
    record: bytes
    """The published record to save after a successful build."""


def make_plan(showplan: ShowPlan, render_key: Callable[[Episode], str],
              identity: Callable[[Episode], str], allow_guid_change: bool) -> Plan:
    """Plan the build: ``render_key`` and ``identity`` come from the render cache."""
    show = showplan.show
    jobs = []
    for ep in showplan.to_render:
        key = render_key(ep)
        jobs.append(RenderJob(ep, key, f"audio/{ep.slug}-{key[:10]}{show.audio.extension}",
                              showplan.durations.get(ep.stem, 0.0)))
    record = guard_published(show, showplan.published, tuple(jobs),
                             {j.episode.stem: identity(j.episode) for j in jobs},
                             allow_guid_change)
    return Plan(showplan, tuple(showplan.public), tuple(jobs), record)


def guard_published(show: Show, record: published.Record, jobs: tuple[RenderJob, ...],
                    identities: dict[str, str], allow_change: bool) -> bytes:
    """Refuse to hand an enclosure URL published for one episode to another.

    Returns the record to save after a successful build. (GUID changes were
    already refused while loading.)
    """
    problems = Problems(show.root)
    # A GUID change the user accepted leaves the old GUID on the same URL too.
    owners: dict[str, list[str]] = {}
    for p in record.values():
        if p.enclosure:
            owners.setdefault(p.enclosure, []).append(p.guid)
    for job in jobs:
        owner = owners.get(job.audio_path, [])
        if owner and job.episode.post_id not in owner and not allow_change:
            problems.add(job.episode.source, "audio", described(
                f"a new enclosure URL ({job.audio_path} was published for "
                f"{owner[0]!r})", "the same URL"))
    problems.raise_if_any()
    # A GUID given up for a new one (--allow-guid-change) no longer names a post
    # file, but stays in the record: it may not come back for other audio.
    stems = {j.episode.stem for j in jobs}
    after = {g: dataclasses.replace(p, stem=None) if p.stem in stems else p
             for g, p in record.items()}
    for job in jobs:
        ep = job.episode
        after[ep.post_id] = published.Published(ep.post_id, ep.stem, identities[ep.stem],
                                                job.audio_path, ep.number)
    return published.dump(after)
