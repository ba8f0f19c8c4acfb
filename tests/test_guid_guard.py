"""Published GUIDs never change by accident (issue 3, acceptance 4)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from audio_feed.cache import sha256_file

from conftest import Run


def test_changing_a_published_post_id_is_refused(tiny_show: Path, tmp_path: Path,
                                                 run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    record = json.loads((tiny_show / "audio-feed-published.json").read_text())
    assert record["version"] == 2
    assert record["episodes"]["1001.one"]["stem"] == "one"
    feed = (out / "feed.xml").read_bytes()

    post = tiny_show / "episodes/one.md"
    post.write_text(post.read_text().replace('post_id: "1001.one"', 'post_id: "2001.renamed"'))
    refused = run("build", tiny_show, "--out", out)
    assert refused.exit_code == 2
    line = ("error: episodes/one.md: post_id: expected '1001.one', the GUID this episode was "
            "published with (a new one makes players treat it as a new episode; "
            "--allow-guid-change accepts that), got '2001.renamed'")
    assert line in refused.stderr.splitlines()
    assert (out / "feed.xml").read_bytes() == feed

    allowed = run("build", tiny_show, "--out", out, "--allow-guid-change", "-q")
    assert allowed.exit_code == 0, allowed.output
    assert b"2001.renamed" in (out / "feed.xml").read_bytes()
    record = json.loads((tiny_show / "audio-feed-published.json").read_text())
    assert record["episodes"]["2001.renamed"]["stem"] == "one"
    # Accepted once, it stands; the same holds for a GUID sorting before the old one.
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    post.write_text(post.read_text().replace('post_id: "2001.renamed"', 'post_id: "0001.one"'))
    assert run("build", tiny_show, "--out", out, "--allow-guid-change", "-q").exit_code == 0
    again = run("build", tiny_show, "--out", out, "--clean")
    assert again.exit_code == 0, again.output
    episodes = json.loads((tiny_show / "audio-feed-published.json").read_text())["episodes"]
    assert {g: e["stem"] for g, e in episodes.items() if "one" in g or "renamed" in g} == {
        "0001.one": "one", "1001.one": None, "2001.renamed": None}


def test_renaming_a_post_file_keeps_its_guid(tiny_show: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    eps = tiny_show / "episodes"
    (eps / "two.md").rename(eps / "two-renamed.md")
    (eps / "two.wav").rename(eps / "two-renamed.wav")
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    assert (out / "feed.xml").read_text().count("1002.two") == 1


def test_an_enclosure_url_is_never_handed_to_another_episode(tiny_show: Path, tmp_path: Path,
                                                            run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    path = tiny_show / "audio-feed-published.json"
    record = json.loads(path.read_text())
    url = record["episodes"]["1001.one"]["enclosure"]
    # As if another episode, since deleted, had been published at one's URL.
    record["episodes"]["999.gone"] = dict(record["episodes"].pop("1001.one"), stem="gone",
                                          audio=None)
    path.write_text(json.dumps(record))
    refused = run("build", tiny_show, "--out", out, "--clean")
    assert refused.exit_code == 2
    assert (f"error: episodes/one.md: audio: expected a new enclosure URL ({url} was "
            f"published for '999.gone'), got the same URL") in refused.stderr.splitlines()


def _retitle(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


def test_a_renamed_post_with_a_new_post_id_is_refused(tiny_show: Path, tmp_path: Path,
                                                      run: Run) -> None:
    """Same recording, new file name, new GUID: players would see it twice."""
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    eps = tiny_show / "episodes"
    (eps / "two.md").rename(eps / "two-renamed.md")
    (eps / "two.wav").rename(eps / "two-renamed.wav")
    _retitle(eps / "two-renamed.md", "1002.two", "2002.two")
    refused = run("check", tiny_show, "--out", out)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "error: episodes/two-renamed.md: post_id: expected '1002.two', the GUID this recording "
        "was published with (as 'two') (a new one makes players treat it as a new episode; "
        "--allow-guid-change accepts that), got '2002.two'"]
    assert run("check", tiny_show, "--allow-guid-change").exit_code == 0


def test_a_deleted_episodes_guid_is_not_reused_for_new_audio(tiny_show: Path, tmp_path: Path,
                                                             run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    eps = tiny_show / "episodes"
    (eps / "one.md").unlink()
    (eps / "one.mp3").unlink()
    # A new post under another name takes the deleted episode's post_id with new audio.
    (eps / "fresh.md").write_text((eps / "two.md").read_text()
                                  .replace("1002.two", "1001.one").replace("Two", "Fresh"))
    shutil.copy(eps / "three.m4a", eps / "fresh.m4a")
    with (eps / "fresh.m4a").open("ab") as f:
        f.write(b"\0")  # other bytes: another recording
    refused = run("build", tiny_show, "--out", out)
    assert refused.exit_code == 2
    assert ("error: episodes/fresh.md: audio: expected the recording published as '1001.one' "
            "(by 'one'; new audio needs a new post_id, or --allow-guid-change), got a "
            "different recording") in refused.stderr.splitlines()
    # Another post that still exists lending its GUID is case (a) and (c) at once.
    assert run("build", tiny_show, "--out", out, "--allow-guid-change", "-q").exit_code == 0


def test_the_record_is_keyed_by_guid_and_old_records_are_migrated(
        tiny_show: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    path = tiny_show / "audio-feed-published.json"
    record = json.loads(path.read_text())
    assert sorted(record["episodes"]) == ["1001.one", "1002.two", "1003.three"]
    one = record["episodes"]["1001.one"]
    assert one["audio"] == sha256_file(tiny_show / "episodes/one.mp3")
    assert (one["number"], one["stem"]) == (1, "one") and "title" not in one
    assert "1004.paid" not in path.read_text() and "Secret" not in path.read_text()
    # Version 1 (stem -> guid, enclosure) is read, guarded and rewritten as version 2.
    old = {"episodes": {v["stem"]: {"guid": g, "enclosure": v["enclosure"]}
                        for g, v in record["episodes"].items()}}
    path.write_text(json.dumps(old))
    _retitle(tiny_show / "episodes/one.md", "1001.one", "3001.one")
    assert run("check", tiny_show, "--out", out).exit_code == 2
    _retitle(tiny_show / "episodes/one.md", "3001.one", "1001.one")
    assert run("build", tiny_show, "--out", out, "--clean", "-q").exit_code == 0
    assert json.loads(path.read_text()) == record


def test_without_a_record_the_built_feed_keeps_the_guids(tiny_show: Path, tmp_path: Path,
                                                         run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    (tiny_show / "audio-feed-published.json").unlink()
    _retitle(tiny_show / "episodes/two.md", "1002.two", "2002.two")
    for command in ("check", "build"):
        refused = run(command, tiny_show, "--out", out)
        assert refused.exit_code == 2, command
        assert refused.stderr.splitlines() == [
            "error: episodes/two.md: post_id: expected '1002.two', the GUID this episode was "
            "published with (a new one makes players treat it as a new episode; "
            "--allow-guid-change accepts that), got '2002.two'"]
    # A feed someone else built is no record of ours.
    feed = out / "feed.xml"
    feed.write_text(feed.read_text().replace("<generator", "<generator-x")
                    .replace("</generator>", "</generator-x>"))
    assert run("check", tiny_show, "--out", out).exit_code == 0


def test_numbers_stay_when_an_older_post_becomes_public(tiny_show: Path, tmp_path: Path,
                                                        run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    _retitle(tiny_show / "episodes/paid.md", "2026-01-20", "2026-01-06")
    _retitle(tiny_show / "episodes/paid.md", "audience: only_paid", "audience: everyone")
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    record = json.loads((tiny_show / "audio-feed-published.json").read_text())["episodes"]
    numbers = {g: v["number"] for g, v in record.items()}
    assert numbers == {"1001.one": 1, "1002.two": 2, "1003.three": 3, "1004.paid": 4}


def test_without_a_record_the_built_feed_keeps_the_numbers(tiny_show: Path, tmp_path: Path,
                                                           run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    (tiny_show / "audio-feed-published.json").unlink()
    _retitle(tiny_show / "episodes/paid.md", "2026-01-20", "2026-01-06")
    _retitle(tiny_show / "episodes/paid.md", "audience: only_paid", "audience: everyone")
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    record = json.loads((tiny_show / "audio-feed-published.json").read_text())["episodes"]
    assert {g: v["number"] for g, v in record.items()} == {
        "1001.one": 1, "1002.two": 2, "1003.three": 3, "1004.paid": 4}
