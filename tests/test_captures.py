"""Capture storage: zstd with dictionaries trained on the archive's own captures; old gzip captures readable."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3

import pytest

from caravan_spider import captures
from caravan_spider.archive import Archive, Capture
from caravan_spider.parsing import PARSER_VERSION
from caravan_spider.reextract import reextract
from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SampleSite

from conftest import article_records, rows


def pages(count: int) -> list[tuple[int, str, bytes]]:
    site = SampleSite(articles=count)
    return [(a.article_id, a.url, (render.article_today(a, site.anchor) if a.layout == "today"
                                   else render.article_legacy(a)).encode(a.encoding))
            for a in site.newest_first()]


def capture(article_id: int, url: str, body: bytes) -> Capture:
    return Capture(article_id=article_id, url=url, status=200, content_type="text/html; charset=UTF-8",
                   fetched_at="2026-01-21T07:00:00+00:00", body=body)


def test_dictionaries_are_trained_at_8_and_64_captures_and_every_capture_reads_back(tmp_path):
    db = tmp_path / "caravan.db"
    fetched = pages(70)
    archive = Archive(db)
    try:
        for article_id, url, body in fetched:
            assert archive.store(capture(article_id, url, body), None, None, PARSER_VERSION, None) == "not-article"
        stored = list(archive.iter_captures())
        assert [archive.decompress_capture(c) for c in stored] == [body for _, _, body in fetched]
        assert all(c["sha256"] == hashlib.sha256(body).hexdigest() for c, (_, _, body) in zip(stored, fetched))
    finally:
        archive.close()
    assert rows(db, "SELECT dictionary_id, captures, samples FROM capture_dictionaries") == [
        {"dictionary_id": 1, "captures": 8, "samples": 8}, {"dictionary_id": 2, "captures": 64, "samples": 64}]
    assert [c["dictionary_id"] for c in rows(db, "SELECT dictionary_id FROM captures ORDER BY capture_id")] == \
        [None] * 7 + [1] * 56 + [2] * 7
    assert {c["compression"] for c in rows(db, "SELECT compression FROM captures")} == {"zstd"}
    with_dictionary = rows(db, "SELECT sum(size) AS raw, sum(length(body)) AS stored FROM captures "
                               "WHERE dictionary_id IS NOT NULL")[0]
    assert with_dictionary["stored"] / with_dictionary["raw"] < 0.10


def test_a_reopened_archive_keeps_using_its_dictionary(tmp_path):
    db = tmp_path / "caravan.db"
    fetched = pages(20)
    for batch in (fetched[:10], fetched[10:]):
        archive = Archive(db)
        for article_id, url, body in batch:
            archive.store(capture(article_id, url, body), None, None, PARSER_VERSION, None)
        archive.close()
    assert rows(db, "SELECT count(*) AS n FROM capture_dictionaries") == [{"n": 1}]
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE dictionary_id = 1") == [{"n": 13}]


def test_gzip_captures_of_older_versions_still_read_and_reextract(tmp_path):
    db = tmp_path / "caravan.db"
    site = SampleSite(articles=8)
    seed = site.articles[845713]
    body = render.article_today(seed, site.anchor).encode()
    Archive(db).close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO captures (article_id, url, status, content_type, fetched_at, sha256, size, "
                 "compression, body) VALUES (?, ?, 200, 'text/html; charset=UTF-8', '2026-01-21T07:00:00+00:00', "
                 "?, ?, 'gzip', ?)",
                 [seed.article_id, seed.url, hashlib.sha256(body).hexdigest(), len(body), gzip.compress(body)])
    conn.commit()
    conn.close()
    archive = Archive(db)
    try:
        [stored] = archive.iter_captures()
        assert archive.decompress_capture(stored) == body
        report = reextract(archive)
    finally:
        archive.close()
    assert report.added == [845713]
    assert article_records(db)[845713]["title"] == seed.expected_record()["title"]


def test_an_unknown_compression_is_named():
    with pytest.raises(captures.CaptureFormatError, match="compressed with 'lz4', which this version cannot read"):
        captures.decompress_capture("lz4", b"")
