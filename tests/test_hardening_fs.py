"""Nothing lost, nothing leaked: the file system, the cache and concurrency (issue 7).

The promise tested here: bad input exits 2, a fault of the machine exits 1, each
with one line; in both cases the previous site is untouched, and no folder or
file audio-feed did not create is ever changed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from audio_feed import build, ffmpeg
from audio_feed.cache import CACHE_NAME

from conftest import Run, make_tone, post, tree

MARKER = ".audio-feed-site"


def one_error(result: Result, code: int) -> str:
    """The single error line of a failed CLI run with exit status ``code``."""
    exit_code, output = result.exit_code, result.output
    assert exit_code == code, output
    assert "Traceback" not in output
    errors = [ln for ln in output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


def built(run: Run, show: Path, out: Path, *extra: str) -> None:
    result = run("build", show, "--out", out, "-q", *extra)
    assert result.exit_code == 0, result.output


def dead_pid() -> int:
    """The pid of a real process that was killed and reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.pid


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small real file system, to run out of space on; skipped where it cannot be mounted."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """``chattr +i``: not even root may write it; skipped where chattr is missing."""
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


# -- 1. the output folder ---------------------------------------------------------

def test_out_refuses_a_folder_audio_feed_did_not_build(tiny_show: Path, tmp_path: Path,
                                                       run: Run) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "index.html").write_text("<h1>my page</h1>")
    (out / "thesis.docx").write_bytes(b"four years of work")
    before = tree(out)
    line = one_error(run("build", tiny_show, "--out", out), 2)
    assert line == (f"error: {out}: expected an empty folder or a site audio-feed built "
                    f"(it holds {MARKER}), got a folder without it, holding 'index.html' "
                    f"and 1 more")
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "show"]


def test_out_that_is_a_file_is_refused(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "notes.txt"
    out.write_text("keep me")
    assert one_error(run("build", tiny_show, "--out", out), 2) == (
        f"error: {out}: expected a folder audio-feed can replace (--out), got a file")
    assert out.read_text() == "keep me"


def test_a_file_added_to_a_built_site_is_never_deleted(tiny_show: Path, tmp_path: Path,
                                                       run: Run) -> None:
    out = tmp_path / "site"
    built(run, tiny_show, out)
    marker = (out / MARKER).read_text()
    assert marker.startswith("audio-feed built this folder") and "\nfeed.xml\n" in marker
    (out / "episodes" / "thesis.docx").write_bytes(b"four years of work")
    before = tree(out)
    (tiny_show / "episodes/two.md").write_text(post("Two, renamed", "1002.two", "2026-01-12"))
    line = one_error(run("build", tiny_show, "--out", out), 2)
    assert line == (f"error: {out}: expected only files audio-feed wrote (a build replaces the "
                    f"whole folder), got 'episodes/thesis.docx'; move them out or choose "
                    f"another --out")
    assert tree(out) == before


def test_marker_is_deterministic(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    built(run, tiny_show, tmp_path / "a")
    built(run, tiny_show, tmp_path / "b")
    assert (tmp_path / "a" / MARKER).read_bytes() == (tmp_path / "b" / MARKER).read_bytes()


def test_site_of_an_older_audio_feed_is_accepted(tiny_show: Path, tmp_path: Path,
                                                 run: Run) -> None:
    """No marker yet: the build record, or a feed.xml audio-feed generated, vouches for it."""
    out = tmp_path / "site"
    built(run, tiny_show, out)
    (out / MARKER).unlink()
    (tiny_show / "episodes/two.md").write_text(post("Two, again", "1002.two", "2026-01-12"))
    built(run, tiny_show, out)  # the build record lists every file
    assert (out / MARKER).is_file()

    (out / MARKER).unlink()
    shutil.rmtree(tiny_show / CACHE_NAME / "builds")
    (tiny_show / "episodes/two.md").write_text(post("Two, thrice", "1002.two", "2026-01-12"))
    built(run, tiny_show, out)  # only feed.xml says who built it
    assert (out / MARKER).is_file()

    (out / MARKER).unlink()
    shutil.rmtree(tiny_show / CACHE_NAME / "builds")
    (out / "thesis.docx").write_bytes(b"four years of work")
    assert "got 'thesis.docx'" in one_error(run("build", tiny_show, "--out", out), 2)
    assert (out / "thesis.docx").read_bytes() == b"four years of work"


@pytest.mark.parametrize("name", ["index.html.orig", "feed.xml.bak", "style.css~",
                                  "audio/2019-live-show-master.wav", "audio/notes.mp3",
                                  "episodes/extras/press-kit.pdf", "episodes/one/notes.txt",
                                  "episodes/one/images/deck.pdf", "artwork.png.psd"])
def test_an_unmarked_site_with_a_file_audio_feed_never_names_so_is_refused(
        tiny_show: Path, tmp_path: Path, run: Run, name: str) -> None:
    """Only exact names audio-feed writes vouch for an unmarked folder, not a prefix."""
    out = tmp_path / "site"
    built(run, tiny_show, out)
    (out / MARKER).unlink()
    shutil.rmtree(tiny_show / CACHE_NAME / "builds")
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(b"the user's own")
    assert f"got {name!r}" in one_error(run("build", tiny_show, "--out", out), 2)
    assert (out / name).read_bytes() == b"the user's own"


# -- 3. leftovers of killed builds -------------------------------------------------

def test_stale_temporary_sites_are_removed(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    gone = dead_pid()
    stale = tmp_path / f".site.building-{gone}"
    (stale / "audio").mkdir(parents=True)
    (stale / "audio" / "big.mp3").write_bytes(b"\0" * 100_000)
    old = tmp_path / f".site.old-{gone}"
    old.mkdir()
    alive = tmp_path / f".site.building-{os.getppid()}"  # a process that is running
    alive.mkdir()
    other = tmp_path / ".site.building-notapid"
    other.mkdir()
    built(run, tiny_show, tmp_path / "site")
    assert not stale.exists() and not old.exists()
    assert alive.is_dir() and other.is_dir()


def test_build_killed_while_writing_leaves_nothing_behind_the_next_build(
        tiny_show: Path, tmp_path: Path, run: Run) -> None:
    """A real SIGKILL while the new site is being written; the next build cleans up."""
    eps = tiny_show / "episodes"
    for n in range(40):  # one render, forty tagged copies: a long window for the kill
        (eps / f"copy{n}.md").write_text(post(f"Copy {n}", f"30{n:02d}.copy", "2026-01-06"))
        shutil.copy(eps / "one.mp3", eps / f"copy{n}.mp3")
    out = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-m", "audio_feed.cli", "build", str(tiny_show),
                             "--out", str(out), "-q"], stderr=subprocess.DEVNULL)
    building = tmp_path / f".site.building-{proc.pid}"
    while proc.poll() is None and not (building / "audio").is_dir():
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the build finished before it could be killed")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert building.is_dir() and not out.exists()
    built(run, tiny_show, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show", "site"]


def test_site_moved_aside_by_a_killed_build_is_put_back(tiny_show: Path, tmp_path: Path,
                                                        run: Run) -> None:
    """Killed between moving the old site aside and the new one in: the old one returns."""
    out = tmp_path / "site"
    built(run, tiny_show, out)
    before = tree(out)
    gone = dead_pid()
    os.replace(out, tmp_path / f".site.old-{gone}")
    (tiny_show / "episodes/two.md").write_text(post("Two, renamed", "1002.two", "2026-01-12"))
    result = run("build", tiny_show, "--out", out)
    assert result.exit_code == 0, result.output
    assert "0 removed" in result.output
    after = tree(out)
    assert {k for k in after if k.startswith("audio/")} == {k for k in before
                                                           if k.startswith("audio/")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show", "site"]


# -- 4. machine faults -------------------------------------------------------------

@pytest.mark.parametrize(("stderr", "output", "fault"), [
    ("[out#0/mp3 @ 0x1] Error writing trailer: No space left on device", "/c/x.part",
     "No space left on device"),
    ("/c/x.part: Input/output error", "/c/x.part", "Input/output error"),
    ("av_interleaved_write_frame(): Disk quota exceeded", "/c/x.part", "Disk quota exceeded"),
    ("/c/x.part: Permission denied", "/c/x.part", "Permission denied"),
    ("Error opening output /c/x.part: Operation not permitted", "/c/x.part",
     "Operation not permitted"),
    ("/show/episodes/one.mp3: Permission denied", "/c/x.part", None),
    ("/show/episodes/one.mp3: Invalid data found when processing input", "/c/x.part", None),
])
def test_ffmpeg_failures_are_classified(stderr: str, output: str, fault: str | None) -> None:
    assert ffmpeg.FFmpegError("x: encoding", stderr, output=output).fault == fault


def test_full_disk_while_encoding_is_a_machine_fault(tiny_show: Path, tmp_path: Path,
                                                     run: Run) -> None:
    out = tmp_path / "site"
    built(run, tiny_show, out)
    before = tree(out)
    with tmpfs(tmp_path / "small", "32k") as small:
        renders = tiny_show / CACHE_NAME / "audio"
        shutil.rmtree(renders)
        renders.symlink_to(small, target_is_directory=True)
        make_tone(tiny_show / "episodes/two.wav", 6.0, speechy=True)
        line = one_error(run("build", tiny_show, "--out", out), 1)
        assert line.startswith("error: ") and line.endswith("No space left on device")
        assert "expected audio" not in line
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show", "site", "small"]


def test_full_disk_while_writing_the_site_is_a_machine_fault(tiny_show: Path, tmp_path: Path,
                                                             run: Run) -> None:
    """The README's promise for a machine fault: exit 1, one line, the previous site and
    everything beside it as they were."""
    with tmpfs(tmp_path / "disk", "64m") as disk:
        out = disk / "site"
        built(run, tiny_show, out)
        (disk / "notes.txt").write_text("not audio-feed's")
        before = tree(disk)
        (tiny_show / "episodes/two.md").write_text(post("Two, renamed", "1002.two", "2026-01-12"))
        with (disk / "filler").open("wb", buffering=0) as filler:
            try:
                while filler.write(b"\0" * 65536):
                    pass
            except OSError:
                pass
        line = one_error(run("build", tiny_show, "--out", out), 1)
        assert line.endswith("No space left on device"), line
        (disk / "filler").unlink()
        assert tree(disk) == before


def test_unwritable_output_folder_is_a_machine_fault(tiny_show: Path, tmp_path: Path,
                                                     run: Run) -> None:
    parent = tmp_path / "public"
    out = parent / "site"
    built(run, tiny_show, out)
    before = tree(parent)
    (tiny_show / "episodes/two.md").write_text(post("Two, renamed", "1002.two", "2026-01-12"))
    with immutable(parent):
        line = one_error(run("build", tiny_show, "--out", out), 1)
    assert str(parent) in line and "Operation not permitted" in line
    assert tree(parent) == before


def test_unwritable_cache_is_a_machine_fault(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "site"
    built(run, tiny_show, out)
    before = tree(out)
    make_tone(tiny_show / "episodes/two.wav", 6.0, speechy=True)
    renders = tiny_show / CACHE_NAME / "audio"
    with immutable(renders):
        line = one_error(run("build", tiny_show, "--out", out), 1)
    assert line == f"error: {renders}: Operation not permitted"
    assert tree(out) == before


def test_unwritable_cache_file_is_named_in_one_line(tiny_show: Path, tmp_path: Path,
                                                    run: Run) -> None:
    out = tmp_path / "site"
    built(run, tiny_show, out)
    before = tree(out)
    (tiny_show / "episodes/two.md").write_text(post("Two, renamed", "1002.two", "2026-01-12"))
    builds = tiny_show / CACHE_NAME / "builds"
    with immutable(builds):
        line = one_error(run("build", tiny_show, "--out", out), 1)
    record = next(builds.glob("*.json"))
    assert line == f"error: {record}: Operation not permitted"
    assert (out / "episodes/two/index.html").read_bytes() != before["episodes/two/index.html"]


# -- 7. serve --------------------------------------------------------------------

def test_serve_refuses_a_folder_that_is_not_a_built_site(tiny_show: Path) -> None:
    # A subprocess: a server that wrongly starts would otherwise serve forever.
    try:
        done = subprocess.run([sys.executable, "-m", "audio_feed.cli", "serve", str(tiny_show),
                               "--port", "0"], capture_output=True, text=True, timeout=120,
                              check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("serve served the show folder")
    assert done.returncode == 2
    assert done.stderr == (f"error: {tiny_show}: expected a built site folder (run audio-feed "
                           f"build), got a folder audio-feed did not build (no .audio-feed-site "
                           f"in it)\n")


def test_serve_never_serves_dotfiles(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    import http.client

    from audio_feed.serve import make_server

    out = tmp_path / "site"
    built(run, tiny_show, out)
    (out / ".git").mkdir()
    (out / ".git" / "config").write_text("secret")
    (out / ".env").write_text("secret")
    (out / "episodes" / ".hidden").mkdir()
    (out / "episodes" / ".hidden" / "index.html").write_text("secret")
    (out / "visible.txt").symlink_to(out / ".env")
    server = make_server(out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for target in ("/.audio-feed-site", "/.git/config", "/.env", "/%2Eenv",
                       "/episodes/.hidden/", "/episodes/.hidden/index.html", "/visible.txt"):
            conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
            conn.request("GET", target)
            reply = conn.getresponse()
            assert (target, reply.status) == (target, 404)
            assert b"secret" not in reply.read()
            conn.close()
    finally:
        server.shutdown()
        server.server_close()


def test_serve_answers_200_concurrent_range_requests(tiny_show: Path, tmp_path: Path,
                                                     run: Run) -> None:
    import http.client

    from audio_feed.serve import PreviewServer, make_server

    out = tmp_path / "site"
    built(run, tiny_show, out)
    audio = next((out / "audio").glob("one-*.mp3"))
    data = audio.read_bytes()
    assert PreviewServer.request_queue_size >= 200  # the listen backlog
    server = make_server(out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    start = threading.Barrier(200)
    got: list[bytes] = []

    def fetch(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=60)
        start.wait()
        conn.request("GET", f"/audio/{audio.name}", headers={"Range": f"bytes={n}-{n + 99}"})
        got.append(conn.getresponse().read())
        conn.close()

    try:
        threads = [threading.Thread(target=fetch, args=(n,)) for n in range(200)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)  # a guard against hanging, far beyond any real answer
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(got) == sorted(data[n:n + 100] for n in range(200))


# -- 10. wrong-shaped cache files ---------------------------------------------------

KINDS = ["hashes.json", "audio/*.json", "analysis/*.json", "site/*.json", "builds/*.json"]
SHAPES: dict[str, Callable[[Any], Any]] = {
    "list": lambda real: [],
    "number": lambda real: 7,
    "string": lambda real: "text",
    "null": lambda real: None,
    "wrong value types": lambda real: {k: "?" for k in real} if isinstance(real, dict) else {},
    "nested wrong": lambda real: {k: [[1]] for k in real} if isinstance(real, dict) else {},
}


@pytest.fixture(scope="module")
def cached_show(tmp_path_factory: pytest.TempPathFactory, media: Path) -> Path:
    """A tiny show built once; each case starts from a copy of it."""
    from conftest import one_post_show

    root = one_post_show(tmp_path_factory.mktemp("cached") / "show", media, "one", "One",
                         "1001.one")
    plan = build.load(root)
    build.Builder(plan, root / "_site", 1, build.Reporter()).build()
    build.remember(plan, root / "_site", None, False)
    return root


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("kind", KINDS)
def test_wrong_shaped_cache_entry_is_a_miss(cached_show: Path, tmp_path: Path, run: Run,
                                            kind: str, shape: str) -> None:
    show = tmp_path / "show"
    shutil.copytree(cached_show, show)
    built(run, show, show / "_site")  # the site and build records of this copy's paths
    expected = (show / "_site" / "feed.xml").read_bytes()
    cache = show / CACHE_NAME
    files = sorted(cache.glob(kind))
    assert files, kind
    for f in files:
        f.write_text(json.dumps(SHAPES[shape](json.loads(f.read_text()))))
    if kind != "builds/*.json":
        shutil.rmtree(cache / "builds")  # else the no-op check never reads the cache
    result = run("build", show, "--out", show / "_site")
    assert result.exit_code == 0, result.output
    assert (show / "_site" / "feed.xml").read_bytes() == expected


@pytest.mark.parametrize(("kind", "change"), [
    ("audio/*.json", {"sample_rate": 0}),
    ("audio/*.json", {"samples": -5}),
    ("audio/*.json", {"section_starts": ["a"]}),
    ("analysis/*.json", {"samples": -1}),
    ("site/*.json", {"stat": [1, 2]}),
])
def test_cache_entry_with_impossible_values_is_a_miss(cached_show: Path, tmp_path: Path,
                                                      run: Run, kind: str,
                                                      change: dict[str, object]) -> None:
    show = tmp_path / "show"
    shutil.copytree(cached_show, show)
    built(run, show, show / "_site")
    expected = (show / "_site" / "feed.xml").read_bytes()
    for f in (show / CACHE_NAME).glob(kind):
        f.write_text(json.dumps(json.loads(f.read_text()) | change))
    shutil.rmtree(show / CACHE_NAME / "builds")
    shutil.rmtree(show / "_site")
    built(run, show, show / "_site")
    assert (show / "_site" / "feed.xml").read_bytes() == expected


# -- 12. two posts, one recording ----------------------------------------------------

def test_two_posts_with_one_recording_render_once_in_parallel(tiny_show: Path, tmp_path: Path,
                                                              run: Run) -> None:
    eps = tiny_show / "episodes"
    for n in range(3):
        (eps / f"copy{n}.md").write_text(post(f"Copy {n}", f"200{n}.copy", "2026-01-06"))
        shutil.copy(eps / "one.mp3", eps / f"copy{n}.mp3")
    out = tmp_path / "site"
    result = run("build", tiny_show, "--out", out, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "6 episodes in the feed (6 rendered, 0 reused)" in result.output
    renders = sorted((tiny_show / CACHE_NAME / "audio").glob("*.mp3"))
    assert len(renders) == 3  # one, two and three: the copies share one's render
    assert not list((tiny_show / CACHE_NAME).rglob("*.part"))
    one = next((out / "audio").glob("one-*.mp3")).stat().st_size
    copy = next((out / "audio").glob("copy0-*.mp3")).stat().st_size
    assert abs(one - copy) < 1000  # the same audio, tagged for another episode


def test_temporary_names_are_unique_per_writer(tmp_path: Path) -> None:
    from audio_feed.cache import temporary_name

    names: list[Path] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(50):
            name = temporary_name(tmp_path / "x.mp3", ".part")
            with lock:
                names.append(name)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(names)) == 200


def test_summary_counts_one_episode(cached_show: Path, tmp_path: Path, run: Run) -> None:
    show = tmp_path / "show"
    shutil.copytree(cached_show, show)
    result = run("build", show, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert ": 1 episode in the feed (" in result.output


# -- 13. one build of a show at a time -----------------------------------------------

def test_second_build_of_a_show_fails_fast(tiny_show: Path, tmp_path: Path) -> None:
    make_tone(tiny_show / "episodes/one.mp3", 360, speechy=True)  # minutes to render
    command = [sys.executable, "-m", "audio_feed.cli", "build", str(tiny_show)]
    first = subprocess.Popen([*command, "--out", str(tmp_path / "a")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        lock = tiny_show / CACHE_NAME / "build.lock"
        for _ in range(600):
            if first.poll() is not None or (lock.is_file() and lock.read_text().strip()):
                break
            time.sleep(0.05)
        assert first.poll() is None, first.communicate()
        second = subprocess.run([*command, "--out", str(tmp_path / "b")], capture_output=True,
                                text=True, check=False)
        assert second.returncode == 1, second.stderr
        assert second.stderr == (f"error: {lock}: another build of this show is running "
                                 f"(pid {first.pid}); wait for it to finish\n")
        assert not (tmp_path / "b").exists()
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=60)


# -- 14. bit rot ---------------------------------------------------------------------

def rot(path: Path) -> None:
    """Zero 20 kB in the middle, keeping size and mtime."""
    st = path.stat()
    middle = max(0, st.st_size // 2 - 10_000)
    with path.open("r+b") as f:
        f.seek(middle)
        f.write(b"\0" * min(20_000, st.st_size - middle))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_bit_rot_in_a_cached_render_is_never_published(tiny_show: Path, tmp_path: Path,
                                                       run: Run) -> None:
    make_tone(tiny_show / "episodes/one.mp3", 8.0, speechy=True)
    built(run, tiny_show, tmp_path / "a")
    good = tree(tmp_path / "a")
    render = max((tiny_show / CACHE_NAME / "audio").glob("*.mp3"), key=lambda p: p.stat().st_size)
    rot(render)
    result = run("build", tiny_show, "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    assert "(1 rendered, 2 reused)" in result.output
    assert tree(tmp_path / "b") == good


def test_bit_rot_in_the_published_audio_is_not_carried_over(tiny_show: Path, tmp_path: Path,
                                                            run: Run) -> None:
    make_tone(tiny_show / "episodes/one.mp3", 8.0, speechy=True)
    out = tmp_path / "site"
    built(run, tiny_show, out)
    published = next((out / "audio").glob("one-*.mp3"))
    good = published.read_bytes()
    rot(published)
    (tiny_show / "episodes/two.md").write_text(post("Two", "1002.two", "2026-01-12",
                                                     body="New words.\n"))
    built(run, tiny_show, out)
    assert published.read_bytes() == good


# -- 15. the published record --------------------------------------------------------

def test_record_that_is_a_folder_stops_the_build_before_the_swap(tiny_show: Path,
                                                                 tmp_path: Path,
                                                                 run: Run) -> None:
    out = tmp_path / "site"
    built(run, tiny_show, out)
    before = tree(out)
    record = tiny_show / build.PUBLISHED_NAME
    record.unlink()
    record.mkdir()
    line = one_error(run("build", tiny_show, "--out", out), 2)
    assert line == ("error: audio-feed-published.json: expected a file audio-feed can write "
                    "the published GUIDs to, got a folder (move it away)")
    assert tree(out) == before and record.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show", "site"]
    # check refuses it too: whatever check accepts, build can write.
    assert one_error(run("check", tiny_show), 2) == line


def test_read_only_record_stops_the_build_before_the_swap(tiny_show: Path, tmp_path: Path,
                                                          run: Run) -> None:
    out = tmp_path / "site"
    built(run, tiny_show, out)
    before = tree(out)
    record = tiny_show / build.PUBLISHED_NAME
    (tiny_show / "episodes/four.md").write_text(post("Four", "1005.four", "2026-01-26"))
    shutil.copy(tiny_show / "episodes/one.mp3", tiny_show / "episodes/four.mp3")
    saved = record.read_bytes()
    with immutable(record):
        line = one_error(run("build", tiny_show, "--out", out), 1)
    assert line.startswith(f"error: {record}: cannot write the published record: ")
    assert line.endswith("; the previous site was left as it was")
    assert tree(out) == before and record.read_bytes() == saved


def test_temporary_files_of_killed_writers_are_removed(tmp_path: Path) -> None:
    from audio_feed.cache import Cache

    (tmp_path / "audio").mkdir()
    gone, here = dead_pid(), os.getppid()
    stale = tmp_path / "audio" / f".k.mp3.{gone}.140.0.part"
    live = tmp_path / "audio" / f".k.mp3.{here}.140.0.part"
    theirs = tmp_path / "audio" / f".k.mp3.{gone}.part"  # not a name audio-feed gives
    for f in (stale, live, theirs):
        f.write_bytes(b"half an episode")
    Cache(tmp_path)
    assert not stale.exists() and live.exists() and theirs.exists()


def test_clean_forgets_only_what_audio_feed_wrote(tiny_show: Path, tmp_path: Path,
                                                  run: Run) -> None:
    out = tmp_path / "site"
    built(run, tiny_show, out)
    cache = tiny_show / CACHE_NAME
    (cache / "notes.txt").write_text("mine")
    (cache / "mine").mkdir()
    (cache / "mine" / "keep.txt").write_text("mine too")
    result = run("build", tiny_show, "--out", out, "--clean")
    assert result.exit_code == 0, result.output
    assert (cache / "notes.txt").read_text() == "mine"
    assert (cache / "mine" / "keep.txt").read_text() == "mine too"
    assert sorted(result.output.split("(")[1].split(")")[0].split(", ")) == [
        "0 reused", "3 rendered"]


@pytest.mark.parametrize("inside", ["episodes/site", "episodes", "templates/site", "mytpl/site"])
def test_out_inside_an_input_folder_of_the_show_is_refused(tiny_show: Path, run: Run,
                                                           inside: str) -> None:
    """The next build would read the site back as posts or templates."""
    (tiny_show / "templates").mkdir()
    (tiny_show / "mytpl").mkdir()
    toml = tiny_show / "podcast.toml"
    toml.write_text(toml.read_text() + 'templates = "mytpl"\n')
    out = tiny_show / inside
    error = one_error(run("build", tiny_show, "--out", out), 2)
    assert error.startswith("error: --out: expected a folder outside the show's own files, got")
    assert not (out / "feed.xml").exists()
    assert run("build", tiny_show, "--out", tiny_show / "_site", "-q").exit_code == 0
