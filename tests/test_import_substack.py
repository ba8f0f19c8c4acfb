"""``audio-feed import substack``: a synthetic export with every kind of row, built here."""

from __future__ import annotations

import csv
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import yaml
from PIL import Image

from audio_feed.importer.html import original_image_url, to_markdown
from audio_feed.importer.record import RECORD_NAME

from conftest import Run, make_tone, tree

COLUMNS = ["post_id", "post_date", "is_published", "email_sent_at", "inbox_sent_at", "type",
           "audience", "title", "subtitle", "podcast_url"]
CDN = ("https://substackcdn.com/image/fetch/$s_!a1B2!,w_1456,c_limit,f_auto,q_auto:good/"
       "https%3A%2F%2Fbucketeer-e05bbc84-baa3-437e-9518-adb32be77984.s3.amazonaws.com%2F"
       "public%2Fimages%2Fabc-123_800x600.png")
ORIGINAL = "https://substack-post-media.s3.amazonaws.com/public/images/abc-123_800x600.png"

RICH = f"""<p>Intro text with a note<a class="footnote-anchor" data-component-name="FootnoteAnchorToDOM" id="footnote-anchor-1" href="#footnote-1">1</a>.</p>
<div class="captioned-image-container"><figure><a class="image-link image2" target="_blank" href="{CDN}" data-component-name="Image2ToDOM"><div class="image2-inset"><picture><source type="image/webp" srcset="{CDN} 424w"><img src="{CDN}" alt="A river at dawn" data-attrs='{{"src":"{ORIGINAL}"}}'></picture></div></a><figcaption class="image-caption">The river, at dawn</figcaption></figure></div>
<p class="button-wrapper" data-attrs='{{"url":"https://x.substack.com/subscribe"}}' data-component-name="ButtonCreateButton"><a class="button primary" href="https://x.substack.com/subscribe"><span>Subscribe now</span></a></p>
<div class="subscription-widget-wrap"><div class="subscription-widget"><form><input type="email" name="email"><button>Subscribe</button></form></div></div>
<div id="youtube2-dQw4w9WgXcQ" class="youtube-wrap" data-attrs='{{"videoId":"dQw4w9WgXcQ"}}' data-component-name="Youtube2ToDOM"><div class="youtube-inner"><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&amp;autoplay=0" frameborder="0"></iframe></div></div>
<div class="twitter-embed" data-attrs='{{"url":"https://twitter.com/jack/status/20","full_text":"just setting up my twttr","username":"jack"}}' data-component-name="Twitter2ToDOM"></div>
<div><hr></div>
<p>After the rule.</p>
<div class="pullquote" data-component-name="PullquoteToDOM" onclick="x()"><p>Said well.</p></div>
<div class="poll-embed" data-attrs='{"id":1}'><p>Vote!</p></div>
<script>alert("no")</script>
<div class="footnote" data-component-name="FootnoteToDOM"><a id="footnote-1" href="#footnote-anchor-1" class="footnote-number">1</a><div class="footnote-content"><p>The footnote text.</p></div></div>
"""  # noqa: E501 - Substack's markup as it comes, one element a line

ROWS: list[tuple[dict[str, str], str | None]] = [
    ({"post_id": "1001.hello-world", "post_date": "2024-01-02T10:00:00.100Z",
      "is_published": "true", "email_sent_at": "2024-01-02T10:00:00.170Z", "type": "newsletter",
      "audience": "everyone", "title": "Hello &#x201C;world&#x201D;", "subtitle": "The first"},
     "<p>Public post body.</p>"),
    ({"post_id": "1002.members", "post_date": "2024-01-09T10:00:00.000Z",
      "is_published": "true", "email_sent_at": "2024-01-09T10:00:00.070Z", "type": "newsletter",
      "audience": "only_paid", "title": "Members only"},
     '<p>Free part.</p><div class="paywall-jump" data-component-name="PaywallToDOM"></div>'
     "<p>Secret paid words.</p>"),
    ({"post_id": "1003.founders", "post_date": "2024-01-16T10:00:00.000Z",
      "is_published": "TRUE", "email_sent_at": "2024-01-16T10:00:00.070Z",
      "type": "newsletter", "audience": "founding", "title": "For founders"},
     "<p>Founding words.</p>"),
    ({"post_id": "1004.draft-idea", "post_date": "", "is_published": "false",
      "email_sent_at": "", "type": "newsletter", "audience": "everyone", "title": ""},
     "<p>Half an idea.</p>"),
    ({"post_id": "1005.episode-one", "post_date": "2024-01-23T10:00:00.000Z",
      "is_published": "true", "email_sent_at": "2024-01-23T10:00:00.070Z", "type": "podcast",
      "audience": "everyone", "title": "Episode one",
      "podcast_url": "https://api.substack.com/feed/podcast/1005/0123456789abcdef0123456789abcdef.mp3"},
     "<p>Show notes.</p>"),
    ({"post_id": "1006.rich", "post_date": "2024-01-30T10:00:00.000Z", "is_published": "true",
      "email_sent_at": "2024-01-30T10:00:00.070Z", "type": "newsletter",
      "audience": "everyone", "title": "Rich post"}, RICH),
]
NEWER = ({"post_id": "1007.newer", "post_date": "2024-02-06T10:00:00.000Z",
          "is_published": "true", "email_sent_at": "2024-02-06T10:00:00.070Z",
          "type": "newsletter", "audience": "everyone", "title": "Newer"}, "<p>New.</p>")


def export_files(rows: Sequence[tuple[dict[str, str], str | None]]) -> dict[str, bytes]:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    files: dict[str, bytes] = {}
    for row, body in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
        if body is not None:
            files[f"posts/{row['post_id']}.html"] = body.encode()
            files[f"posts/{row['post_id'].split('.')[0]}.delivers.csv"] = b"post_id,email\n"
    files["posts.csv"] = out.getvalue().encode()
    files["email_list.fieldnotes.csv"] = b"email,active_subscription\nreader@example.org,true\n"
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def write_zip(path: Path, files: dict[str, bytes], top: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in sorted(files.items()):
            z.writestr(top + name, data)
    return path


def front(path: Path) -> tuple[dict[str, object], str]:
    text = path.read_text("utf-8")
    _, head, body = text.split("---\n", 2)
    meta = yaml.load(head, Loader=yaml.BaseLoader)  # every value as text, as written
    assert isinstance(meta, dict)
    return meta, body


@pytest.fixture
def export_zip(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "substack-export.zip", export_files(ROWS), top="export/")


def test_every_row_kind_becomes_the_right_post(tmp_path: Path, run: Run,
                                               export_zip: Path) -> None:
    show = tmp_path / "show"
    result = run("import", "substack", export_zip, "--into", show)
    assert result.exit_code == 0, result.output
    assert (show / "podcast.toml").is_file(), "import calls init on an empty folder"
    names = sorted(p.name for p in (show / "episodes").glob("*.md"))
    assert names == ["2024-01-02-hello-world.md", "2024-01-09-members.md",
                     "2024-01-16-founders.md", "2024-01-23-episode-one.md",
                     "2024-01-30-rich.md"], "the draft is skipped"
    assert "skipped: 1004.draft-idea (a draft" in result.output
    meta, body = front(show / "episodes/2024-01-02-hello-world.md")
    assert meta == {"title": "Hello \u201cworld\u201d", "subtitle": "The first",
                    "date": "2024-01-02", "type": "newsletter", "audience": "everyone",
                    "visibility": "public", "post_id": "1001.hello-world",
                    "email_sent_at": "2024-01-02T10:00:00.170Z",
                    "canonical_url": "https://fieldnotes.substack.com/p/hello-world"}
    assert body.strip() == "Public post body."
    paid, _ = front(show / "episodes/2024-01-09-members.md")
    assert (paid["audience"], paid["visibility"]) == ("only_paid", "paid")
    founding, _ = front(show / "episodes/2024-01-16-founders.md")
    assert (founding["audience"], founding["visibility"]) == ("founding", "founding")
    podcast, _ = front(show / "episodes/2024-01-23-episode-one.md")
    assert podcast["type"] == "podcast"
    assert podcast["audio"] == ROWS[4][0]["podcast_url"]


def test_substack_markup_becomes_markdown(tmp_path: Path, run: Run, export_zip: Path) -> None:
    show = tmp_path / "show"
    result = run("import", "substack", export_zip, "--into", show)
    assert result.exit_code == 0
    assert "1 element kept as HTML, 1 embed dropped" in result.output
    text = (show / "episodes/2024-01-30-rich.md").read_text("utf-8")
    _, body = front(show / "episodes/2024-01-30-rich.md")
    assert "Intro text with a note[^1]." in body
    assert "[^1]: The footnote text." in body
    assert f"![A river at dawn]({ORIGINAL})\n\n*The river, at dawn*" in body
    assert "[Watch on YouTube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in body
    assert "> just setting up my twttr" in body and "(https://twitter.com/jack/status/20)" in body
    assert "\n---\n\nAfter the rule." in body
    assert '<div class="pullquote">\n<p>Said well.</p>\n</div>' in body or (
        '<div class="pullquote"><p>Said well.</p></div>' in body), body
    assert "Vote!" not in body and "onclick" not in body
    for gone in ("button-wrapper", "Subscribe", "<script", "<iframe", "alert(", "<form",
                 "substackcdn.com"):
        assert gone not in text, gone


def test_the_import_builds_and_paid_posts_stay_private(tmp_path: Path, run: Run,
                                                       export_zip: Path) -> None:
    show = tmp_path / "show"
    assert run("import", "substack", export_zip, "--into", show).exit_code == 0
    eps = show / "episodes"
    # URL recordings are downloaded by the build once that lands; until then the
    # podcast post gets a local recording in place of its audio: URL.
    pod = eps / "2024-01-23-episode-one.md"
    pod.write_text("".join(line for line in pod.read_text("utf-8").splitlines(True)
                           if not line.startswith("audio:")), "utf-8")
    for stem in ("2024-01-02-hello-world", "2024-01-23-episode-one", "2024-01-30-rich"):
        make_tone(eps / f"{stem}.mp3", 2.0, speechy=True)
    Image.new("RGB", (1400, 1400), "teal").save(show / "artwork.png")
    result = run("build", show, "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    site = tree(tmp_path / "site")
    for secret in (b"Secret paid words", b"Members only", b"Founding words", b"For founders",
                   b"1002.members", b"1003.founders"):
        assert not any(secret in data for data in site.values()), secret
    assert b"Hello \xe2\x80\x9cworld\xe2\x80\x9d" in site["feed.xml"]


def test_a_folder_export_imports_like_the_zip(tmp_path: Path, run: Run,
                                              export_zip: Path) -> None:
    folder = write_folder(tmp_path / "unpacked", export_files(ROWS))
    assert run("import", "substack", folder, "--into", tmp_path / "a").exit_code == 0
    assert run("import", "substack", export_zip, "--into", tmp_path / "b").exit_code == 0
    a, b = tree(tmp_path / "a" / "episodes"), tree(tmp_path / "b" / "episodes")
    assert a == b and len(a) == 5


def test_drafts_come_in_as_drafts_with_the_flag(tmp_path: Path, run: Run,
                                                export_zip: Path) -> None:
    show = tmp_path / "show"
    assert run("import", "substack", export_zip, "--into", show, "--drafts").exit_code == 0
    meta, body = front(next((show / "episodes").glob("*-draft-idea.md")))
    assert meta["draft"] == "true" and meta["title"] == "Untitled draft"
    assert body.strip() == "Half an idea."


def test_a_newer_export_adds_only_the_new_post(tmp_path: Path, run: Run,
                                               export_zip: Path) -> None:
    show = tmp_path / "show"
    assert run("import", "substack", export_zip, "--into", show).exit_code == 0
    record = (show / RECORD_NAME).read_bytes()
    before = tree(show / "episodes")
    again = run("import", "substack", export_zip, "--into", show)
    assert again.exit_code == 0 and "0 added" in again.output
    assert tree(show / "episodes") == before and (show / RECORD_NAME).read_bytes() == record
    newer = write_zip(tmp_path / "newer.zip", export_files([*ROWS, NEWER]))
    result = run("import", "substack", newer, "--into", show)
    assert result.exit_code == 0, result.output
    after = tree(show / "episodes")
    assert sorted(set(after) - set(before)) == ["2024-02-06-newer.md"]
    assert {k: after[k] for k in before} == before
    assert "added: episodes/2024-02-06-newer.md" in result.output


def test_a_post_edited_by_hand_survives_import_and_update(tmp_path: Path, run: Run,
                                                          export_zip: Path) -> None:
    show = tmp_path / "show"
    assert run("import", "substack", export_zip, "--into", show).exit_code == 0
    edited = show / "episodes/2024-01-02-hello-world.md"
    edited.write_text(edited.read_text("utf-8") + "\nMy own addition.\n", "utf-8")
    untouched = show / "episodes/2024-01-16-founders.md"
    rows = [(dict(r), b) for r, b in ROWS]
    rows[0] = (rows[0][0], "<p>Changed on Substack.</p>")
    rows[2] = (rows[2][0], "<p>Founding words, revised.</p>")
    changed = write_zip(tmp_path / "changed.zip", export_files(rows))
    plain = run("import", "substack", changed, "--into", show)
    assert plain.exit_code == 0
    assert "Founding words, revised" not in untouched.read_text("utf-8"), "no --update"
    update = run("import", "substack", changed, "--into", show, "--update")
    assert update.exit_code == 0, update.output
    assert "My own addition." in edited.read_text("utf-8")
    assert "Changed on Substack" not in edited.read_text("utf-8")
    assert "kept: episodes/2024-01-02-hello-world.md (edited since the last import)" in (
        update.output)
    assert "Founding words, revised." in untouched.read_text("utf-8")
    assert "updated: episodes/2024-01-16-founders.md" in update.output
    # The update is recorded: a third import sees the post as not edited.
    third = run("import", "substack", changed, "--into", show, "--update")
    assert "updated:" not in third.output


def test_an_existing_file_or_post_id_is_never_overwritten(tmp_path: Path, run: Run,
                                                          export_zip: Path) -> None:
    show = tmp_path / "show"
    (show / "episodes").mkdir(parents=True)
    mine = show / "episodes/2024-01-02-hello-world.md"
    mine.write_text("mine\n")
    other = show / "episodes/by-hand.md"
    other.write_text('---\ntitle: "x"\npost_id: "1003.founders"\n---\nHand made.\n')
    result = run("import", "substack", export_zip, "--into", show)
    assert result.exit_code == 0, result.output
    assert mine.read_text() == "mine\n"
    assert (show / "episodes/2024-01-02-hello-world-1001.md").is_file()
    assert not list((show / "episodes").glob("*founders*"))
    assert "kept: episodes/by-hand.md (has this post_id, not imported)" in result.output
    assert not (show / "podcast.toml").exists(), "init only runs on an empty folder"


class _Images(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.path == "/ok.png":
            buf = io.BytesIO()
            Image.new("RGB", (4, 4), "red").save(buf, "PNG")
            self.send_response(200)
            self.send_header("Content-Length", str(len(buf.getvalue())))
            self.end_headers()
            self.wfile.write(buf.getvalue())
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def image_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_images_fetches_and_warns_once_per_failure(tmp_path: Path, run: Run,
                                                            image_server: str) -> None:
    body = (f'<p><img src="{image_server}/ok.png" alt="ok"></p>'
            f'<p><img src="{image_server}/missing.png" alt="gone"></p>'
            f'<p><img src="{image_server}/ok.png" alt="again"></p>')
    rows = [(ROWS[0][0], body)]
    export = write_folder(tmp_path / "export", export_files(rows))
    show = tmp_path / "show"
    result = run("import", "substack", export, "--into", show, "--download-images")
    assert result.exit_code == 0, result.output
    _, text = front(show / "episodes/2024-01-02-hello-world.md")
    saved = list((show / "episodes/images").iterdir())
    assert len(saved) == 1 and saved[0].suffix == ".png"
    assert f"![ok](images/{saved[0].name})" in text
    assert f"![again](images/{saved[0].name})" in text
    assert f"![gone]({image_server}/missing.png)" in text
    assert result.output.count("missing.png, got HTTP 404; kept as a remote URL") == 1


@pytest.mark.parametrize(("files", "line"), [
    ({"posts/1.a.html": b"<p>x</p>"},
     "error: {export}: expected a Substack export with a posts.csv, got none"),
    ({"posts.csv": b"post_id,title\n1.a,A\n"},
     "error: {export}/posts.csv: columns: expected post_id, post_date, is_published, "
     "email_sent_at, type, audience, title, got no post_date, is_published, email_sent_at, "
     "type, audience"),
    ({"posts.csv": b"post_id,post_date\n\xff\n"},
     "error: {export}/posts.csv: expected UTF-8 text, got byte 0xff at offset 18"),
])
def test_an_unusable_export_is_one_line_and_exit_2(tmp_path: Path, run: Run,
                                                   files: dict[str, bytes], line: str) -> None:
    export = write_folder(tmp_path / "export", files)
    result = run("import", "substack", export, "--into", tmp_path / "show")
    assert result.exit_code == 2
    assert result.output.strip() == line.format(export=export)
    assert not (tmp_path / "show").exists(), "nothing is written for an unusable export"


def test_a_bad_row_is_a_warning_naming_file_and_row(tmp_path: Path, run: Run) -> None:
    rows = [ROWS[0], (ROWS[2][0], None),
            ({**ROWS[4][0], "audience": "everybody"}, "<p>x</p>"),
            (ROWS[5][0], None)]
    files = export_files(rows)
    files[f"posts/{ROWS[5][0]['post_id']}.html"] = b"<p>caf\xe9</p>"
    export = write_folder(tmp_path / "export", files)
    result = run("import", "substack", export, "--into", tmp_path / "show")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert lines == [
        f"warning: {export}/posts/1003.founders.html: row 3: expected the post's HTML file, "
        "got none; row skipped",
        f"warning: {export}/posts.csv: row 4: audience: expected everyone or only_free or "
        "only_paid or founding, got 'everybody'; row skipped",
        f"warning: {export}/posts/1006.rich.html: row 5: expected UTF-8 text, got byte 0xe9 "
        "at offset 6; row skipped",
    ]
    assert [p.name for p in (tmp_path / "show/episodes").glob("*.md")] == [
        "2024-01-02-hello-world.md"]


def test_cdn_urls_give_back_the_original() -> None:
    assert original_image_url(CDN) == ORIGINAL
    assert original_image_url("https://example.org/a.png") == "https://example.org/a.png"
    assert original_image_url("https://substackcdn.com/image/fetch/w_1456/not-a-url") == (
        "https://substackcdn.com/image/fetch/w_1456/not-a-url")


@pytest.mark.parametrize("html", [
    '<div class="unknown-embed" data-component-name="MysteryToDOM"><script>x()</script>'
    '<iframe src="https://evil.example/"></iframe><p onclick="y()">Kept</p></div>',
    '<iframe src="https://player.example/embed/1"></iframe>',
    '<p>a<script>x()</script></p><object data="x.swf"></object>',
])
def test_unknown_markup_is_counted_and_never_carries_script_or_iframe(html: str) -> None:
    converted = to_markdown(html)
    low = converted.markdown.lower()
    assert "<script" not in low and "<iframe" not in low and "onclick" not in low
    assert "x()" not in low and "<object" not in low
    assert converted.kept_html >= 1


@pytest.mark.parametrize("kind", ["substack", "feed"])
@pytest.mark.parametrize("episodes", ["link", "file"])
def test_nothing_is_written_through_a_link_out_of_the_show(
        tmp_path: Path, run: Run, export_zip: Path, kind: str, episodes: str) -> None:
    from test_import_feed import old_feed

    outside = tmp_path / "outside"
    outside.mkdir()
    show = tmp_path / "show"
    show.mkdir()
    if episodes == "link":
        (show / "episodes").symlink_to(outside)
    else:
        (show / "episodes").write_text("not a folder")
    source = export_zip
    if kind == "feed":
        source = tmp_path / "old.xml"
        source.write_bytes(old_feed("http://127.0.0.1:9"))
    result = run("import", kind, source, "--into", show)
    assert result.exit_code == 2
    found = "a link to a folder" if episodes == "link" else "a file"
    assert result.output.strip() == (f"error: {show / 'episodes'}: expected a folder of posts "
                                     f"inside the show, got {found}")
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in show.iterdir()) == ["episodes"], "nothing written at all"


def test_a_damaged_import_record_stops_the_import(tmp_path: Path, run: Run,
                                                  export_zip: Path) -> None:
    show = tmp_path / "show"
    assert run("import", "substack", export_zip, "--into", show).exit_code == 0
    record = show / RECORD_NAME
    good = record.read_text("utf-8")
    for bad, found in (("{", "a file that is not JSON"),
                       (good.replace("episodes/2024-01-02-hello-world.md", "../../x.md"),
                        "an entry of another shape for '1001.hello-world'")):
        record.write_text(bad, "utf-8")
        result = run("import", "substack", export_zip, "--into", show, "--update")
        assert result.exit_code == 2
        assert result.output.strip() == (f"error: {RECORD_NAME}: expected an import record "
                                         f"written by audio-feed, got {found}")


def test_older_markup_converts_too() -> None:
    html = ('<div class="tweet"><a class="tweet-link-top" href="https://twitter.com/a/status/1">'
            '</a><div class="tweet-text">Old tweet</div><div class="tweet-date">2020</div></div>'
            '<div class="image-gallery-embed" data-attrs=\'{"gallery":{"images":[{"src":'
            '"https://bucketeer-1a.s3.amazonaws.com/public/images/g1.png"},{"src":'
            '"https://example.org/g2.jpg"}]}}\'></div>'
            '<div class="embedded-post-wrap" data-attrs=\'{"url":"https://x.substack.com/p/y",'
            '"title":"Another post"}\'><div>card</div></div>'
            '<ul><li><p>one</p></li></ul><pre><code>x = 1\n</code></pre>')
    md = to_markdown(html).markdown
    assert "> Old tweet" in md and "(https://twitter.com/a/status/1)" in md
    assert "![](https://substack-post-media.s3.amazonaws.com/public/images/g1.png)" in md
    assert "![](https://example.org/g2.jpg)" in md
    assert "[Another post](https://x.substack.com/p/y)" in md and "card" not in md
    assert "- one" in md and "```\nx = 1\n```" in md


def test_an_oversized_member_is_refused(tmp_path: Path, run: Run) -> None:
    files = export_files(ROWS[:1])
    files["posts/1001.hello-world.html"] = b" " * (64 * 2**20 + 1)
    export = write_zip(tmp_path / "big.zip", files)
    result = run("import", "substack", export, "--into", tmp_path / "show")
    assert result.exit_code == 2
    assert result.output.strip() == ("error: big.zip/posts/1001.hello-world.html: expected at "
                                     "most 64 MB, got a bigger file")


def test_the_body_named_after_the_post_id_wins(tmp_path: Path, run: Run) -> None:
    files = export_files(ROWS[:1])
    files["posts/1001.an-old-slug.html"] = b"<p>Old slug.</p>"
    renamed = {**ROWS[0][0], "post_id": "1001.renamed-again"}
    files_b = export_files([(renamed, None)])
    files_b["posts/1001.an-old-slug.html"] = b"<p>Old slug.</p>"
    a = write_folder(tmp_path / "a", files)
    b = write_folder(tmp_path / "b", files_b)
    assert run("import", "substack", a, "--into", tmp_path / "show-a").exit_code == 0
    assert run("import", "substack", b, "--into", tmp_path / "show-b").exit_code == 0
    _, body_a = front(tmp_path / "show-a/episodes/2024-01-02-hello-world.md")
    _, body_b = front(tmp_path / "show-b/episodes/2024-01-02-renamed-again.md")
    assert body_a.strip() == "Public post body." and body_b.strip() == "Old slug."


def test_an_export_that_is_not_there_or_not_a_zip(tmp_path: Path, run: Run) -> None:
    missing = run("import", "substack", tmp_path / "nope.zip", "--into", tmp_path / "show")
    assert missing.exit_code == 2
    assert missing.output.strip() == (f"error: {tmp_path / 'nope.zip'}: expected a Substack "
                                      f"export (.zip or folder), got no such file or folder")
    (tmp_path / "fake.zip").write_bytes(b"not a zip")
    fake = run("import", "substack", tmp_path / "fake.zip", "--into", tmp_path / "show")
    assert fake.exit_code == 2 and fake.output.startswith(
        f"error: {tmp_path / 'fake.zip'}: expected a .zip export or its folder, got a file "
        f"that is not a readable zip")
    assert not (tmp_path / "show").exists()


def test_footnotes_without_numbers_still_pair_up() -> None:
    md = to_markdown('<p>a<a class="footnote-anchor" href="#f"></a></p>'
                     '<div class="footnote"><div class="footnote-content"><p>N.</p></div></div>'
                     ).markdown
    assert "[^]" not in md and "a[^1]" in md and "[^1]: N." in md


def test_the_export_in_the_empty_show_folder_is_no_obstacle(tmp_path: Path, run: Run) -> None:
    show = tmp_path / "show"
    (show / ".git").mkdir(parents=True)
    export = write_zip(show / "substack-export.zip", export_files(ROWS))
    result = run("import", "substack", export, "--into", show)
    assert result.exit_code == 0, result.output
    assert (show / "podcast.toml").is_file() and (show / ".gitignore").is_file()
    assert len(list((show / "episodes").glob("*.md"))) == 5


def an_import_source(kind: str, tmp_path: Path) -> Path:
    """What ``import substack`` or ``import feed`` reads: an export, or a tiny feed."""
    if kind == "feed":
        source = tmp_path / "old.xml"
        source.write_text("<rss><channel><title>T</title></channel></rss>")
        return source
    return write_zip(tmp_path / "export.zip", export_files(ROWS))


@pytest.mark.parametrize("kind", ["substack", "feed"])
def test_import_into_a_folder_of_other_files_writes_nothing(kind: str, tmp_path: Path,
                                                            run: Run) -> None:
    source = an_import_source(kind, tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    for name in ("notes.txt", "photos", "taxes.pdf", "z.md"):
        (home / name).write_text("mine")
    before = tree(home)
    result = run("import", kind, source, "--into", home)
    assert result.exit_code == 2
    assert result.output == (f"error: {home}: expected an empty folder or a show "
                             f"(podcast.toml, episodes/), got a folder of other files "
                             f"(notes.txt, photos, taxes.pdf, ...); run audio-feed init on "
                             f"it first to make it a show\n")
    assert tree(home) == before


@pytest.mark.parametrize("kind", ["substack", "feed", "init"])
@pytest.mark.parametrize("where", ["a file", "a link to nothing", "a path under a file"])
def test_import_into_a_file_is_refused(kind: str, where: str, tmp_path: Path,
                                       run: Run) -> None:
    source = an_import_source(kind, tmp_path)
    target = tmp_path / "show"
    if where == "a file":
        target.write_text("not a folder")
    elif where == "a link to nothing":
        target.symlink_to(tmp_path / "nowhere")
    else:
        target.write_text("not a folder")
        where, target = f"a path under a file ({target})", target / "inside"
    before = tree(tmp_path)
    result = (run("init", target) if kind == "init"
              else run("import", kind, source, "--into", target))
    assert result.exit_code == 2, result.output
    wanted = "a folder for the show" if kind == "init" else "a show folder to import into"
    assert result.output == f"error: {target}: expected {wanted}, got {where}\n"
    assert not (tmp_path / "nowhere").exists() and tree(tmp_path) == before


NOTES = f"""<p>A<a class="footnote-anchor" href="#footnote-1">1</a> B<a class="footnote-anchor" href="#footnote-2">2</a></p>
<div class="footnote"><a class="footnote-number">1</a><div class="footnote-content"><p>With an image</p><div class="captioned-image-container"><figure><img src="{CDN}"><figcaption>cap</figcaption></figure></div><p>and a note<a class="footnote-anchor">3</a></p><div class="pullquote" data-component-name="PullquoteToDOM"><p>Kept</p></div><div class="footnote"><a class="footnote-number">3</a><div class="footnote-content"><p>Nested</p></div></div></div></div>
<div class="footnote"><a class="footnote-number">2</a><div class="footnote-content"><p>Two<script>x</script></p><p>para two</p></div></div>
"""  # noqa: E501 - Substack's markup as it comes


def test_notes_holding_images_html_and_notes_become_notes_of_their_own() -> None:
    from audio_feed import markdown

    converted = to_markdown(NOTES)
    assert converted.images == [ORIGINAL] and converted.kept_html == 1
    assert converted.markdown.startswith("A[^1] B[^2]\n\n[^1]: With an image\n")
    assert "\n[^2]: Two\n" in converted.markdown and converted.markdown.endswith(
        "\n[^3]: Nested\n"), "a note in a note is a note of the page"
    rendered = markdown.render(converted.markdown)
    assert rendered.html.count('class="footnote-item"') == 3
    assert not rendered.unused_notes and not rendered.undefined_notes
    assert f'<img src="{ORIGINAL}"' in rendered.html and "<script" not in rendered.html
