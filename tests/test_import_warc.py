"""import-warc: the archive's past from WARC files (warcio's, wget's, our own export), stored by the
crawl's own path, ordered by capture time, never over a newer crawl, every row saying where it came from."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from caravan_spider.archive import Archive
from caravan_spider.reextract import reextract
from caravan_spider.sample_site.model import NOT_FOUND_ID, SampleSite
from caravan_spider.sample_site.server import serving
from conftest import article_records, cli, crawl, in_process, rows
from webarchive import OLD, earlier, page, removed, write_warc


def _articles(site: SampleSite):
    by_id = sorted(site.articles.values(), key=lambda a: a.article_id)
    return next(a for a in by_id if a.layout == "today"), next(a for a in by_id if a.layout == "legacy")


def _past(site: SampleSite, path: Path) -> Path:
    """A web archive's captures of 2019: an earlier version (2015 markup) of a today-layout article,
    a legacy article as it still is, the article the site has since removed, a listing, and a 404."""
    today, legacy = _articles(site)
    captures = [(a.url, OLD, 200, *page(a, site)) for a in (earlier(today), legacy, removed(site))]
    captures += [("https://www.caravan.kz/news/", OLD, 200, b"<html><body>listing</body></html>", "text/html"),
                 ("https://www.caravan.kz/news/net-takoi-845999/", OLD, 404, b"not found", "text/html"),
                 (today.url, datetime(2099, 1, 1, tzinfo=timezone.utc), 200, *page(today, site))]
    return write_warc(path, captures)


def _table_counts(db: Path) -> dict[str, int]:
    return {table: rows(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]
            for table in ("articles", "revisions", "captures", "views", "status_changes")}


@pytest.mark.e2e
def test_an_older_capture_becomes_an_older_revision_and_never_overwrites_the_crawl(crawled, archive_copy, tmp_path):
    site = crawled["site"]
    today, legacy = _articles(site)
    before = article_records(archive_copy)
    crawl_revision = rows(archive_copy, "SELECT fetched_at, capture_id FROM revisions WHERE article_id = ?",
                          [legacy.article_id])[0]
    result = cli("import-warc", str(_past(site, tmp_path / "past.warc.gz")), "--db", str(archive_copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("3 captures of articles imported (1 new, 2 older); skipped: 1 not an article URL of the "
                             f"site, 1 answered 404, 1 dated in the future; 6 records read from 1 file(s) into "
                             f"{archive_copy}.\n")
    after = article_records(archive_copy)
    # The rows the crawl made stay as they were: the import's versions are older.
    assert {k: v for k, v in after.items() if k != NOT_FOUND_ID} == before
    old = "2019-05-14T08:30:00+00:00"
    revisions = rows(archive_copy, "SELECT fetched_at, title, source FROM revisions WHERE article_id = ? "
                     "ORDER BY fetched_at", [today.article_id])
    crawled_at = rows(archive_copy, "SELECT fetched_at FROM articles WHERE article_id = ?", [today.article_id])[0]
    assert revisions == [{"fetched_at": old, "title": earlier(today).title, "source": "warc"},
                         {"fetched_at": crawled_at["fetched_at"], "title": today.title, "source": "crawl"}]
    # The legacy article's version was there in 2019 already: its one revision was first seen then.
    legacy_revisions = rows(archive_copy, "SELECT fetched_at, source, capture_id FROM revisions WHERE article_id = ?",
                            [legacy.article_id])
    assert len(legacy_revisions) == 1 and legacy_revisions[0]["fetched_at"] == old
    assert legacy_revisions[0]["source"] == "warc" and legacy_revisions[0]["capture_id"] != crawl_revision["capture_id"]
    first_seen = rows(archive_copy, "SELECT article_id, first_seen_at, source, status FROM articles WHERE article_id IN "
                      "(?, ?, ?) ORDER BY article_id", [today.article_id, legacy.article_id, NOT_FOUND_ID])
    assert sorted((r["article_id"], r["source"], r["status"]) for r in first_seen) == sorted(
        [(today.article_id, "crawl", "live"), (legacy.article_id, "crawl", "live"), (NOT_FOUND_ID, "warc", "unknown")])
    assert all(r["first_seen_at"] == old for r in first_seen)
    # The removed article: archived from the import, its status unknown until a crawl asks the site.
    assert after[NOT_FOUND_ID]["title"] == "Удалённая новость о тарифах"
    assert after[NOT_FOUND_ID]["status"] == "unknown"
    captures = rows(archive_copy, "SELECT article_id, fetched_at, source, source_ref, status FROM captures "
                    "WHERE source != 'crawl' ORDER BY capture_id")
    assert [(c["article_id"], c["fetched_at"], c["source"], c["status"]) for c in captures] == [
        (today.article_id, old, "warc", 200), (legacy.article_id, old, "warc", 200), (NOT_FOUND_ID, old, "warc", 200)]
    assert captures[0]["source_ref"] == f"{tmp_path / 'past.warc.gz'}#0"
    assert all(c["source_ref"].startswith(str(tmp_path / "past.warc.gz") + "#") for c in captures)
    run = rows(archive_copy, "SELECT mode, status, base_url, articles_new, articles_updated FROM crawl_runs "
               "ORDER BY run_id DESC LIMIT 1")[0]
    assert run == {"mode": "import-warc", "status": "finished", "base_url": str(tmp_path / "past.warc.gz"),
                   "articles_new": 1, "articles_updated": 2}

    # Exported again as WARC, each record says where it came from.
    exported = tmp_path / "out.warc"
    assert cli("export", "--warc", "-o", str(exported), "--db", str(archive_copy)).returncode == 0
    with open(exported, "rb") as stream:
        sources = [(r.rec_headers.get_header("WARC-Caravan-Source"), r.rec_headers.get_header("WARC-Caravan-Source-Ref"))
                   for r in ArchiveIterator(stream) if r.rec_type == "response"]
    assert sources.count(("crawl", None)) == len(sources) - 3
    assert sources[-3:] == [("warc", c["source_ref"]) for c in captures]

    # The same file again: every capture is held already; nothing changes.
    counts = _table_counts(archive_copy)
    again = cli("import-warc", str(tmp_path / "past.warc.gz"), "--db", str(archive_copy))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("0 captures of articles imported (nothing stored); skipped: 3 held already, ")
    assert _table_counts(archive_copy) == counts


def test_an_article_known_only_from_an_import_is_unpublished_by_a_crawl_without_a_removal_event(fresh_site, tmp_path):
    """The site answers «Страница не найдена» for the removed article: it becomes unpublished, but no
    `unpublished` event (the feed's removals) claims the crawl saw it go; an imported article the site
    still shows becomes live."""
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    _, legacy = _articles(site)
    warc = write_warc(tmp_path / "past.warc", [(a.url, OLD, 200, *page(a, site)) for a in (legacy, removed(site))])
    result = cli("import-warc", str(warc), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert {r["article_id"]: r["status"] for r in rows(db, "SELECT article_id, status FROM articles")} == {
        legacy.article_id: "unknown", NOT_FOUND_ID: "unknown"}
    assert crawl(db, base_url).returncode == 0
    statuses = {r["article_id"]: r for r in rows(db, "SELECT article_id, status, unpublished_reason FROM articles")}
    assert statuses[NOT_FOUND_ID]["status"] == "unpublished"
    assert statuses[NOT_FOUND_ID]["unpublished_reason"] == "not found page when first asked (archived from a web archive)"
    assert statuses[legacy.article_id]["status"] == "live"
    assert rows(db, "SELECT * FROM status_changes") == []
    # The legacy article's version from 2019 is the one the site shows: one revision, first seen then.
    assert rows(db, "SELECT fetched_at, source FROM revisions WHERE article_id = ?", [legacy.article_id]) == [
        {"fetched_at": "2019-05-14T08:30:00+00:00", "source": "warc"}]


def test_bad_files_get_one_line_a_non_zero_exit_and_nothing_written(crawled, archive_copy, tmp_path):
    good = _past(crawled["site"], tmp_path / "past.warc.gz")
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good.read_bytes()[:-700])
    text = tmp_path / "page.warc"
    text.write_text("<html>not a WARC</html>")
    site = crawled["site"]
    members = [write_warc(tmp_path / f"{n}.warc.gz", [(a.url, OLD, 200, *page(a, site))]).read_bytes()
               for n, a in enumerate(_articles(site) * 2)]
    middle = tmp_path / "middle.warc.gz"  # its second record's gzip member cut short, the others whole
    middle.write_bytes(members[0] + members[1][:-300] + members[2] + members[3])
    counts = _table_counts(archive_copy)
    for bad, says in ((cut, f"{cut} is not a whole WARC or ARC file (record 6: "),
                      (middle, f"{middle} is not a whole WARC or ARC file (record 2: "),
                      (text, f"{text} is not a whole WARC or ARC file (record 1: ")):
        result = in_process("import-warc", str(good), str(bad), "--db", str(archive_copy))
        assert result.returncode == 64
        assert result.stderr.startswith(f"Error: {says}") and result.stderr.count("\n") == 1, result.stderr
        assert result.stdout == ""
        assert _table_counts(archive_copy) == counts  # not even the good file's captures
    fresh = tmp_path / "new.db"
    assert in_process("import-warc", str(text), "--db", str(fresh)).returncode == 64
    assert not fresh.exists()


def test_a_record_longer_than_its_content_length_refuses_the_file_in_one_line(tmp_path):
    """Bytes after a record that its WARC Content-Length leaves out: the record is not what the crawler
    received. The file is refused in one line, as a cut one is, with no warning of warcio's on stderr
    (it writes the bytes it found there, a page's, and reads on)."""
    site = SampleSite(articles=8)
    records = [write_warc(tmp_path / f"{n}.warc", [(article.url, OLD, 200, *page(article, site))]).read_bytes()
               for n, article in enumerate(sorted(site.articles.values(), key=lambda a: a.article_id)[:3])]
    length = re.search(rb"Content-Length: (\d+)", records[1])  # the WARC header's, before the HTTP one
    short = records[1][:length.start(1)] + str(int(length[1]) - 5).encode() + records[1][length.end(1):]
    bad = tmp_path / "short.warc"
    bad.write_bytes(records[0] + short + records[2])
    db = tmp_path / "caravan.db"
    result = in_process("import-warc", str(bad), "--db", str(db))
    assert (result.returncode, result.stdout) == (64, "")
    assert result.stderr == (f"Error: {bad} is not a whole WARC or ARC file (record 2: bytes follow it that its "
                             "Content-Length leaves out)\n")
    assert not db.exists()


def test_an_import_into_a_file_that_is_no_archive_is_one_line_and_leaves_the_file(crawled, tmp_path):
    """The archive is checked as a crawl checks it (crawl.check_archive) before anything is read."""
    good = _past(crawled["site"], tmp_path / "past.warc.gz")
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"my notes, not an archive\n" * 200)
    result = in_process("import-warc", str(good), "--db", str(notes))
    assert result.returncode == 64
    assert result.stderr == f"Error: --db {notes}: {notes} is not a caravan-archive database (file is not a database)\n"
    assert notes.read_bytes() == b"my notes, not an archive\n" * 200


def test_a_capture_cut_short_never_becomes_the_article(tmp_path):
    """A crawler records what it received: a response its record says was cut (WARC-Truncated), one with
    fewer bytes than its Content-Length, an HTML page that ends before </html>. Each is skipped as the
    crawl refuses such a page, and the article is left for a whole capture."""
    site = SampleSite(articles=8)
    whole, *cut = sorted(site.articles.values(), key=lambda a: a.article_id)[:4]
    bodies = [page(article, site) for article in cut]
    warc = write_warc(tmp_path / "cut.warc", [
        (whole.url, OLD, 200, *page(whole, site)),
        (cut[0].url, OLD, 200, *bodies[0], {"WARC-Truncated": "length"}),
        # 100 bytes of the page's end lost and </html> still there: only the Content-Length tells
        (cut[1].url, OLD, 200, bodies[1][0][:-120] + bodies[1][0][-20:], bodies[1][1],
         {"Content-Length": str(len(bodies[1][0]))}),
        (cut[2].url, OLD, 200, bodies[2][0][:bodies[2][0].rindex(b"</body>")], bodies[2][1])])
    db = tmp_path / "caravan.db"
    result = in_process("import-warc", str(warc), "--db", str(db), "--jobs", "0")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (f"1 captures of articles imported (1 new); skipped: 3 truncated; 4 records read from 1 "
                             f"file(s) into {db}.\n")
    assert [r["article_id"] for r in rows(db, "SELECT article_id FROM captures")] == [whole.article_id]
    assert list(article_records(db)) == [whole.article_id]
    assert rows(db, "SELECT status, errors_by_kind FROM crawl_runs") == [
        {"status": "finished", "errors_by_kind": '{"truncated": 3}'}]


@pytest.mark.e2e
def test_our_own_warc_export_imported_into_a_new_archive_gives_the_same_articles(crawled, tmp_path):
    exported = tmp_path / "captures.warc.gz"
    assert cli("export", "--warc", "-o", str(exported), "--db", str(crawled["db"])).returncode == 0
    db = tmp_path / "copy.db"
    result = cli("import-warc", str(exported), "--db", str(db), "--base-url", f"ru={crawled['base_url']}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("50 captures of articles imported (50 new); skipped: 1 not an article (")
    imported, original = article_records(db), article_records(crawled["db"])
    assert {k: {**v, "status": "live"} for k, v in imported.items()} == original
    assert {r["status"] for r in rows(db, "SELECT status FROM articles")} == {"unknown"}
    fetched = rows(crawled["db"], "SELECT article_id, fetched_at, sha256 FROM captures WHERE status = 200 "
                   "AND article_id IS NOT NULL ORDER BY article_id")
    assert rows(db, "SELECT article_id, fetched_at, sha256 FROM captures ORDER BY article_id") == [
        r for r in fetched if r["article_id"] in original]
    # Into the archive it was exported from: every capture is held already.
    copy = tmp_path / "same.db"
    shutil.copy(crawled["db"], copy)
    again = cli("import-warc", str(exported), "--db", str(copy), "--base-url", f"ru={crawled['base_url']}")
    assert again.stdout.startswith("0 captures of articles imported (nothing stored); skipped: 51 held already; 52 records")


@pytest.mark.e2e
def test_a_warc_written_by_wget_imports_every_article_it_holds(tmp_path):
    if shutil.which("wget") is None:
        pytest.skip("wget is not installed on this machine: its WARC files cannot be made here")
    site = SampleSite(articles=12)
    articles = sorted(site.articles.values(), key=lambda a: a.article_id)
    with serving(site) as base_url:
        urls = [base_url + a.path for a in articles] + [base_url + "/news/"]
        subprocess.run(["wget", "--quiet", "--warc-file", str(tmp_path / "wget"), "--no-warc-keep-log",
                        "-O", "/dev/null", *urls], cwd=tmp_path, timeout=120)
    warc = tmp_path / "wget.warc.gz"
    assert warc.exists()
    with gzip.open(warc) as raw:
        assert b"WARC-Type: request" in raw.read()  # wget's own file: requests, responses, metadata
    db = tmp_path / "caravan.db"
    bare = cli("import-warc", str(warc), "--db", str(db), "--base-url", base_url)
    assert (bare.returncode, bare.stderr) == (64, f"Error: --base-url {base_url}: say which edition it mirrors, "
                                                 f"ru={base_url} or kk={base_url}\n")
    result = cli("import-warc", str(warc), "--db", str(db), "--base-url", f"ru={base_url}", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{len(articles)} captures of articles imported ({len(articles)} new); "
                                    "skipped: 1 not an article URL of the site; ")
    expected = {a.article_id: {**a.expected_record(), "status": "unknown"} for a in articles}
    assert article_records(db) == expected
    assert {r["source"] for r in rows(db, "SELECT source FROM captures")} == {"warc"}
    fetched = rows(db, "SELECT min(fetched_at) AS first FROM captures")[0]["first"]
    assert abs(datetime.fromisoformat(fetched) - datetime.now(timezone.utc)).total_seconds() < 600


@pytest.mark.e2e
def test_the_reading_room_says_an_imported_article_is_known_only_from_a_web_archive(crawled, archive_copy, tmp_path):
    import asyncio

    from datasette.app import Datasette

    assert cli("import-warc", str(_past(crawled["site"], tmp_path / "past.warc.gz")), "--db",
               str(archive_copy)).returncode == 0
    today, _ = _articles(crawled["site"])
    served = Datasette(files=[str(archive_copy)])

    def text(path: str) -> str:
        response = asyncio.run(served.client.get(path))
        assert response.status_code == 200, path
        return " ".join(response.text.split())

    try:
        asyncio.run(served.invoke_startup())
        page = text(f"/caravan/articles/ru,{NOT_FOUND_ID}")
        assert ("<strong>From a web archive:</strong> this article is known only from an import of the site's past "
                "(warc, captured 2019-05-14T08:30:00+00:00); whether the site still shows it is not known until a "
                "crawl asks.") in page
        assert "this version from an import (warc)" in page and "Unpublished:" not in page
        crawled_page = text(f"/caravan/articles/ru,{today.article_id}")
        assert "From a web archive" not in crawled_page and "from an import" not in crawled_page
        assert "· from a web archive" in text("/caravan/articles")
        # The feed: the 2019 version is no edit (nothing before it); the crawl's version is one, at its time.
        feed = asyncio.run(served.client.get("/caravan/recent_changes.json?_shape=array")).json()
        crawled_at = rows(archive_copy, "SELECT fetched_at FROM articles WHERE article_id = ?", [today.article_id])
        assert [(e["article_id"], e["what"], e["atom_updated"]) for e in feed] == [
            (today.article_id, "edited", crawled_at[0]["fetched_at"])]
    finally:
        served.close() if hasattr(served, "close") else None  # Datasette 0.65 has no close()


@pytest.mark.e2e
def test_an_arc_file_of_the_internet_archives_old_format_is_imported_with_its_dates(tmp_path):
    from webarchive import write_arc

    site = SampleSite(articles=8)
    _, legacy = _articles(site)
    arc = write_arc(tmp_path / "old.arc.gz", [(legacy.url, OLD, *page(legacy, site)),
                                              (removed(site).url, OLD, *page(removed(site), site))])
    db = tmp_path / "caravan.db"
    result = cli("import-warc", str(arc), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 captures of articles imported (2 new); 3 records read")
    assert article_records(db) == {legacy.article_id: {**legacy.expected_record(), "status": "unknown"},
                                   NOT_FOUND_ID: {**removed(site).expected_record(), "status": "unknown"}}
    assert {r["fetched_at"] for r in rows(db, "SELECT fetched_at FROM captures")} == {"2019-05-14T08:30:00+00:00"}


def test_reextract_keeps_where_each_version_came_from(tmp_path):
    """Re-extraction rebuilds an article's rows from its captures: an imported version stays the import's."""
    site = SampleSite(articles=8)
    today, _ = _articles(site)
    warc = write_warc(tmp_path / "past.warc", [(earlier(today).url, OLD, 200, *page(earlier(today), site)),
                                               (today.url, datetime(2020, 1, 1, tzinfo=timezone.utc), 200,
                                                *page(today, site))])
    db = tmp_path / "caravan.db"
    result = in_process("import-warc", str(warc), "--db", str(db), "--jobs", "0")
    assert result.stdout.startswith("2 captures of articles imported (1 new, 1 updated); "), result.stderr
    stored = rows(db, "SELECT fetched_at, title, source, capture_id FROM revisions ORDER BY fetched_at")
    assert [(r["title"], r["source"]) for r in stored] == [(earlier(today).title, "warc"), (today.title, "warc")]
    archive = Archive(db)
    try:
        reextract(archive)
    finally:
        archive.close()
    assert rows(db, "SELECT fetched_at, title, source, capture_id FROM revisions ORDER BY fetched_at") == stored
    assert rows(db, "SELECT source, status FROM articles") == [{"source": "warc", "status": "unknown"}]


def test_a_huge_record_is_read_no_further_than_a_page_may_be(tmp_path):
    """A crawler's WARC holds videos of hundreds of MB: checking the file and reading its captures holds
    no more of a record than the 16 MiB a page may be (the parse refuses a longer one unread), not all of it
    (a 400 MiB video took an import to 895 MB)."""
    import tracemalloc

    from caravan_spider.importing.warc import check, read
    from caravan_spider.parsing.bounds import MAX_BYTES

    site = SampleSite(articles=8)
    article = sorted(site.articles.values(), key=lambda a: a.article_id)[0]
    body, content_type = page(article, site)
    padded = body.replace(b"</body>", b"<!--" + b"x" * 40 * 2**20 + b"--></body>")
    warc = write_warc(tmp_path / "huge.warc", [("https://www.caravan.kz/media/clip.mp4", OLD, 200, bytes(96 * 2**20),
                                                "video/mp4"),
                                               (article.url, OLD, 200, padded, content_type)])
    del padded
    tracemalloc.start()
    try:
        assert check(str(warc)) == 2
        assert [len(found.body) for found in read(str(warc))] == [MAX_BYTES + 1, MAX_BYTES + 1]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_BYTES, f"{peak / 2**20:.0f} MiB"  # a page, its copy as read, the one before
    db = tmp_path / "caravan.db"
    result = in_process("import-warc", str(warc), "--db", str(db), "--jobs", "0")
    assert result.stdout.startswith("0 captures of articles imported (nothing stored); skipped: "
                                    "1 not an article URL of the site, 1 not an article (page too large); "), result.stdout


def test_a_capture_dated_before_any_web_archive_is_not_believed(tmp_path):
    """A clock never set says 1970-01-01 (or year 1): stored, such a capture would date the article's first
    sighting decades before the site and the web archives were; skipped as one dated in the future is."""
    site = SampleSite(articles=8)
    unset, year_one, first = sorted(site.articles.values(), key=lambda a: a.article_id)[:3]
    earliest = datetime(1996, 1, 1, tzinfo=timezone.utc)
    warc = write_warc(tmp_path / "clocks.warc", [
        (unset.url, datetime(1970, 1, 1, tzinfo=timezone.utc), 200, *page(unset, site)),
        (year_one.url, OLD, 200, *page(year_one, site), {"WARC-Date": "0001-01-01T00:00:00Z"}),
        (first.url, earliest, 200, *page(first, site))])
    db = tmp_path / "caravan.db"
    result = in_process("import-warc", str(warc), "--db", str(db), "--jobs", "0")
    assert result.stdout == (f"1 captures of articles imported (1 new); skipped: 2 dated before any web archive; "
                             f"3 records read from 1 file(s) into {db}.\n")
    assert rows(db, "SELECT article_id, first_seen_at FROM articles") == [
        {"article_id": first.article_id, "first_seen_at": "1996-01-01T00:00:00+00:00"}]


def test_a_capture_of_another_sites_page_under_an_article_address_is_skipped_with_the_reason(tmp_path):
    """A WSJ page a web archive holds under a Caravan.kz article address was imported as that article."""
    from test_foreign_pages import foreign_page

    url = "https://www.caravan.kz/news/rynok-akcii-301465/"
    warc = write_warc(tmp_path / "foreign.warc.gz", [(url, OLD, 200, foreign_page().encode(), "text/html; charset=UTF-8")])
    db = tmp_path / "caravan.db"
    result = cli("import-warc", str(warc), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 captures of articles imported (nothing stored); "
                                    "skipped: 1 not an article (another site's page); ")
    assert _table_counts(db) == {"articles": 0, "revisions": 0, "captures": 0, "views": 0, "status_changes": 0}
