"""The revision policy (revisions.judge) on its own, and both archive paths that use it, on real SQLite files."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from caravan_spider.archive import Archive, Capture
from caravan_spider.revisions import Change, Stored, content_hash, judge
from caravan_spider.runlock import ArchiveLocked, RunLock
from conftest import rows

RECORD = {"url": "https://www.caravan.kz/news/festival-845713/", "article_id": 845713, "edition": "ru",
          "language": "ru",
          "title": "Фестиваль в Алматы", "lead": "Коротко о главном.", "body": "Первый абзац.\n\nВторой абзац.",
          "published_at": "2025-07-24T09:40:00+05:00", "modified_at": None, "category": "Общество",
          "tags": ["Алматы"], "authors": ["Иван Петров"], "image_url": None, "image_credit": None, "views": 10,
          "word_count": 4, "status": "live"}
HASH = content_hash(RECORD)


def test_a_first_record_is_new():
    assert judge(None, RECORD) == Change("new", HASH, row_changed=True)
    assert judge(None, RECORD).new_revision


def test_the_same_record_again_changes_nothing():
    change = judge(Stored(HASH, 10), RECORD)
    assert change == Change("unchanged", HASH, row_changed=False)
    assert not change.new_revision


def test_views_alone_change_the_row_but_make_no_revision():
    change = judge(Stored(HASH, 10), {**RECORD, "views": 11})
    assert change == Change("unchanged", HASH, row_changed=True)
    assert not change.new_revision


@pytest.mark.parametrize("edit", [{"modified_at": "2025-07-25T10:00:00+05:00"}, {"word_count": 99},
                                  {"body": "Первый  абзац.\n\nВторой\tабзац. "}, {"title": " Фестиваль в Алматы"}],
                         ids=["modified_at", "word_count", "whitespace in body", "whitespace in title"])
def test_what_is_not_content_makes_no_revision(edit):
    assert judge(Stored(HASH, 10), {**RECORD, **edit}) == Change("unchanged", HASH, row_changed=False)


@pytest.mark.parametrize("edit", [{"title": "Фестиваль в Астане"}, {"lead": None}, {"tags": ["Алматы", "музыка"]},
                                  {"body": "Первый абзац.\n\nВторой абзац, дополненный."},
                                  {"published_at": "2025-07-24T10:40:00+05:00"}, {"image_credit": "Pixabay"}],
                         ids=["title", "lead", "tags", "body", "published_at", "image_credit"])
def test_a_content_edit_is_a_new_revision(edit):
    change = judge(Stored(HASH, 10), {**RECORD, **edit})
    assert change.outcome == "updated" and change.new_revision and change.row_changed
    assert change.content_hash == content_hash({**RECORD, **edit}) != HASH


def _capture(fetched_at: str) -> Capture:
    return Capture(edition="ru", article_id=RECORD["article_id"], url=RECORD["url"], status=200, content_type="text/html",
                   etag=None, last_modified=None, fetched_at=fetched_at, body=b"<html></html>")


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "caravan.db")
    yield archive
    archive.close()


def test_storing_follows_the_policy(archive):
    db = archive.path
    assert archive.store(_capture("2026-01-01T00:00:00+00:00"), RECORD, "today", "v1", None) == "new"
    assert archive.store(_capture("2026-01-02T00:00:00+00:00"), RECORD, "today", "v1", None) == "unchanged"
    assert rows(db, "SELECT updated_at, views FROM articles") == [
        {"updated_at": "2026-01-01T00:00:00+00:00", "views": 10}]
    assert archive.store(_capture("2026-01-03T00:00:00+00:00"), {**RECORD, "views": 12}, "today", "v1",
                         None) == "unchanged"
    assert rows(db, "SELECT updated_at, views FROM articles") == [
        {"updated_at": "2026-01-03T00:00:00+00:00", "views": 12}]
    edited = {**RECORD, "title": "Фестиваль в Астане", "views": 13}
    assert archive.store(_capture("2026-01-04T00:00:00+00:00"), edited, "today", "v1", None) == "updated"
    assert rows(db, "SELECT title, views, content_hash FROM revisions ORDER BY revision_id") == [
        {"title": "Фестиваль в Алматы", "views": 10, "content_hash": HASH},
        {"title": "Фестиваль в Астане", "views": 13, "content_hash": content_hash(edited)},
    ]
    assert rows(db, "SELECT title, first_seen_at, updated_at FROM articles") == [
        {"title": "Фестиваль в Астане", "first_seen_at": "2026-01-01T00:00:00+00:00",
         "updated_at": "2026-01-04T00:00:00+00:00"}]
    # The search index holds the current version, found by any word form.
    assert [hit["article_id"] for hit in archive.search("астаной")] == [RECORD["article_id"]]
    assert archive.search("алматы") == []


def test_a_rebuild_makes_the_revisions_a_crawl_makes(archive):
    edited = {**RECORD, "title": "Фестиваль в Астане"}
    for day, record in (("01", RECORD), ("02", {**RECORD, "views": 11}), ("03", edited)):
        archive.store(_capture(f"2026-01-{day}T00:00:00+00:00"), record, "today", "v1", None)
    crawled = rows(archive.path, "SELECT fetched_at, title, views, content_hash, capture_id FROM revisions")
    captures = list(archive.db.query("SELECT capture_id, fetched_at, etag, last_modified, source FROM captures"))
    versions = [(captures[0], RECORD, "today"), (captures[1], {**RECORD, "views": 11}, "today"),
                (captures[2], edited, "today")]
    archive.rebuild_article(("ru", RECORD["article_id"]), versions, "v2")
    assert rows(archive.path, "SELECT fetched_at, title, views, content_hash, capture_id FROM revisions") == crawled
    assert len(crawled) == 2
    assert rows(archive.path, "SELECT title, content_hash, parser_version, first_seen_at FROM articles") == [
        {"title": "Фестиваль в Астане", "content_hash": content_hash(edited), "parser_version": "v2",
         "first_seen_at": "2026-01-01T00:00:00+00:00"}]
    assert [hit["article_id"] for hit in archive.search("астана")] == [RECORD["article_id"]]


def test_a_rebuild_says_where_the_version_shown_came_from_as_the_store_does(archive):
    """An import's version, then a crawl that finds it unchanged: the row is made from the crawl's
    capture, but the version shown is the import's (articles.source), rebuilt or stored."""
    from dataclasses import replace

    archive.store(replace(_capture("2019-05-14T08:30:00+00:00"), source="warc"), RECORD, "today", "v1", None)
    archive.store(_capture("2026-01-02T00:00:00+00:00"), RECORD, "today", "v1", None)
    stored = rows(archive.path, "SELECT source, capture_id FROM articles")
    assert stored == [{"source": "warc", "capture_id": 2}]
    captures = list(archive.db.query("SELECT capture_id, fetched_at, etag, last_modified, source FROM captures"))
    archive.rebuild_article(("ru", RECORD["article_id"]), [(c, RECORD, "today") for c in captures], "v1")
    assert rows(archive.path, "SELECT source, capture_id FROM articles") == stored


def test_a_second_holder_of_the_run_lock_is_refused_by_name(tmp_path):
    first, second = RunLock(tmp_path / "caravan.db"), RunLock(tmp_path / "caravan.db")
    first.acquire()
    first.name_run(42)
    with pytest.raises(ArchiveLocked) as refused:
        second.acquire()
    assert str(refused.value) == (f"{tmp_path / 'caravan.db'} is locked by crawl run 42 (pid {os.getpid()}); "
                                  "wait for it to finish or stop it")
    assert not second.held
    first.release()
    second.acquire(7)
    assert (tmp_path / "caravan.db.lock").read_text() == f"7 {os.getpid()}\n"
    second.release()


UNDATED = {**RECORD, "published_at": None}


def _article_rows(archive: Archive) -> list[dict]:
    """The articles table, less updated_at: a rebuild changes what a reader sees when it runs (now),
    a crawl when it fetched."""
    return [{k: v for k, v in row.items() if k != "updated_at"} for row in rows(archive.path, "SELECT * FROM articles")]


def _rebuild_from_captures(archive: Archive, records: list[dict]) -> None:
    captures = list(archive.db.query("SELECT capture_id, fetched_at, etag, last_modified, source FROM captures "
                                     "ORDER BY capture_id"))
    archive.rebuild_article(("ru", RECORD["article_id"]), [(c, r, "today") for c, r in zip(captures, records)], "v1")


def test_a_rebuild_makes_the_row_a_crawl_makes_of_the_same_captures(tmp_path):
    # A page that gives no date, fetched twice two days apart: its age counts from when it was first
    # seen. Crawled, it is due a day after the second fetch; rebuilt from the same two captures (they
    # were no articles to the parser of their day), it was due an hour after it: the rebuild ignored
    # first_seen_at where published_at is missing.
    fetched = ["2026-01-01T00:00:00+00:00", "2026-01-03T00:00:00+00:00"]
    crawled, rebuilt = Archive(tmp_path / "crawled.db"), Archive(tmp_path / "rebuilt.db")
    for at in fetched:
        crawled.store(_capture(at), UNDATED, "today", "v1", None)
        rebuilt.store(_capture(at), None, None, "v0", None)
    _rebuild_from_captures(rebuilt, [UNDATED, UNDATED])
    assert _article_rows(rebuilt) == _article_rows(crawled)
    assert _article_rows(crawled)[0]["next_check_at"] == "2026-01-04T00:00:00+00:00"
    crawled.close(), rebuilt.close()


def test_a_rebuild_that_finds_the_date_schedules_the_article_as_a_crawl_would(tmp_path):
    # The parser of the crawl found no date; today's finds it, ten days before the fetch. A crawl of
    # that capture with today's parser schedules the article by its age (a week on); the rebuild kept
    # the schedule made for an article first seen at the fetch (an hour on).
    at = "2026-01-11T00:00:00+00:00"
    crawled, rebuilt = Archive(tmp_path / "crawled.db"), Archive(tmp_path / "rebuilt.db")
    dated = {**RECORD, "published_at": "2026-01-01T05:00:00+05:00"}
    crawled.store(_capture(at), dated, "today", "v1", None)
    rebuilt.store(_capture(at), UNDATED, "today", "v0", None)
    _rebuild_from_captures(rebuilt, [dated])
    assert _article_rows(rebuilt) == _article_rows(crawled)
    assert _article_rows(crawled)[0]["next_check_at"] == "2026-01-18T00:00:00+00:00"
    crawled.close(), rebuilt.close()
