"""Published GUIDs never change by accident (issue 3, acceptance 4)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Run


def test_changing_a_published_post_id_is_refused(tiny_show: Path, tmp_path: Path,
                                                 run: Run) -> None:
    out = tmp_path / "site"
    assert run("build", tiny_show, "--out", out, "-q").exit_code == 0
    record = json.loads((tiny_show / "audio-feed-published.json").read_text())
    assert record["episodes"]["one"]["guid"] == "1001.one"
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
    assert record["episodes"]["one"]["guid"] == "2001.renamed"


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
    url = record["episodes"]["one"]["enclosure"]
    # As if another episode, since deleted, had been published at one's URL.
    record["episodes"]["gone"] = {"guid": "999.gone", "enclosure": url}
    del record["episodes"]["one"]
    path.write_text(json.dumps(record))
    refused = run("build", tiny_show, "--out", out, "--clean")
    assert refused.exit_code == 2
    assert (f"error: episodes/one.md: audio: expected a new enclosure URL ({url} was "
            f"published for '999.gone'), got the same URL") in refused.stderr.splitlines()
