"""The show-notes pages in a real headless browser (Debian's chromium, driven by Playwright).

Skipped, with the reason, where chromium is not installed; `.ci/run` installs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import served_build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def site(sample_show: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_build(sample_show, tmp_path_factory.mktemp("browser") / "site") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A page at ``url``, and a list that collects its console errors and failed requests."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    # A player that preloads only the metadata aborts the rest of the download on
    # purpose (net::ERR_ABORTED); any other failure is a problem.
    page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED"
            else problems.append(f"failed ({r.failure}): {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}")
            if r.status >= 400 else None)
    page.goto(url)
    return page, problems


def test_index_lists_episodes_and_every_link_works(site: str, browser: Browser) -> None:
    page, problems = open_page(browser, site + "index.html")
    assert page.eval_on_selector("img.artwork", "i => i.naturalWidth") == 1400
    assert page.input_value("#feed-url").endswith("/feed.xml")
    hrefs = page.eval_on_selector_all(".episode-list a", "as => as.map(a => a.href)")
    assert len(hrefs) == 6  # five with audio, one whose audio is not ready
    for href in hrefs:
        assert page.request.get(href).status == 200
    assert problems == []


def test_player_loads_and_chapters_seek(site: str, browser: Browser) -> None:
    page, problems = open_page(browser, site + "episodes/2026-09-17-interview-river-keeper/")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    duration = page.evaluate("document.getElementById('player').duration")
    assert 45 < duration < 60
    links = page.query_selector_all(".chapters a[data-start]")
    assert len(links) == 5
    start = links[3].get_attribute("data-start")
    assert start is not None
    target = float(start)
    links[3].click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {target}) < 0.5")
    assert problems == []


def test_post_images_and_timed_transcript(site: str, browser: Browser) -> None:
    page, problems = open_page(browser, site + "episodes/2026-09-03-why-we-listen/")
    assert page.eval_on_selector(".post img", "i => i.complete && i.naturalWidth") == 600
    page, more = open_page(browser, site + "episodes/2026-11-19-three-small-tools/")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    cues = page.evaluate("""() => new Promise(done => {
        const track = document.querySelector('track').track;
        track.mode = 'hidden';
        const wait = () => track.cues && track.cues.length ? done(track.cues.length)
                                                           : setTimeout(wait, 50);
        wait();
    })""")
    assert cues == 15  # a cue per heading and per sentence
    assert problems + more == []
