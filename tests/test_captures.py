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
    return Capture(edition="ru", article_id=article_id, url=url, status=200, content_type="text/html; charset=UTF-8",
                   fetched_at="2026-01-21T07:00:00+00:00", body=body)


def store_all(archive: Archive, fetched: list[tuple[int, str, bytes]]) -> set[str]:
    """Store each page as a capture with no record (the parser is not under test): the outcomes."""
    return {archive.store(capture(article_id, url, body), None, None, PARSER_VERSION, None)
            for article_id, url, body in fetched}


def reads_back(archive: Archive, fetched: list[tuple[int, str, bytes]]) -> bool:
    """Every capture gives back the bytes fetched, and its sha256 names them."""
    stored = list(archive.iter_captures())
    return ([archive.decompress_capture(c) for c in stored] == [body for _, _, body in fetched]
            and all(c["sha256"] == hashlib.sha256(body).hexdigest() for c, (_, _, body) in zip(stored, fetched)))


def test_dictionaries_are_trained_at_8_and_64_captures_and_every_capture_reads_back(tmp_path):
    db = tmp_path / "caravan.db"
    fetched = pages(70)
    archive = Archive(db)
    try:
        assert store_all(archive, fetched) == {"not-article"}
        assert reads_back(archive, fetched)
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


def test_a_capture_is_stored_as_zstd_stores_it_with_the_dictionary_as_trained():
    """Captures are compressed with the dictionary digested once (loading it for every page was most
    of storing's CPU): the bytes are zstd's own with the dictionary as trained, so every reader of
    captures, this version's or an older one's, reads them as before."""
    from backports import zstd

    fetched = [body for _, _, body in pages(12)]
    dictionary = captures.load(captures.train(fetched[:10]))
    for body in fetched[10:]:
        stored = captures.compress(body, dictionary)
        assert stored == zstd.compress(body, captures.LEVEL, zstd_dict=zstd.ZstdDict(dictionary.dict_content))
        assert captures.decompress_capture("zstd", stored, captures.load(dictionary.dict_content)) == body
        assert len(stored) < len(body)


@pytest.mark.parametrize("trained_on", [8, 80])
def test_a_big_capture_is_stored_as_zstd_stores_it_with_the_dictionary_as_trained(trained_on):
    """Pages past 128 KiB and past six times the dictionary's size too (zstd compresses those with
    other parameters when handed the digested dictionary): same bytes as before."""
    from backports import zstd

    fetched = [body for _, _, body in pages(trained_on + 30)]
    dictionary = captures.load(captures.train(fetched[:trained_on]))
    rest = fetched[trained_on:]
    for size in (140_000, 6 * len(dictionary.dict_content) - 1, 6 * len(dictionary.dict_content), 900_000):
        body = (b"".join(rest) * 10)[:size]
        assert len(body) == size
        assert captures.compress(body, dictionary) == zstd.compress(
            body, captures.LEVEL, zstd_dict=zstd.ZstdDict(dictionary.dict_content)), (size, len(dictionary.dict_content))


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


def test_early_captures_are_stored_again_with_a_dictionary_of_the_whole_archive_and_read_back(tmp_path):
    db = tmp_path / "caravan.db"
    fetched = pages(70)
    archive = Archive(db)
    try:
        store_all(archive, fetched)
        before = rows(db, "SELECT sum(length(body)) AS n FROM captures")[0]["n"]
        compacted = archive.compact_captures()
        # All 70 were early (no dictionary, or one of 8 or 64 pages): trained on all of them, dictionary 3.
        assert (compacted.captures, compacted.dictionary_id, compacted.damaged) == (70, 3, 0)
        assert compacted.before == before
        assert reads_back(archive, fetched)
        # Nothing early is left: a second call stores nothing again and trains nothing.
        assert archive.compact_captures() == (0, 0, 0, 3, 0)
        # The next capture is stored with the new dictionary.
        article_id, url, body = pages(71)[-1]
        archive.store(capture(article_id, url, body), None, None, PARSER_VERSION, None)
    finally:
        archive.close()
    assert rows(db, "SELECT dictionary_id, captures, samples FROM capture_dictionaries") == [
        {"dictionary_id": 3, "captures": 70, "samples": 70}]  # 1 and 2 held nothing any more: dropped
    assert rows(db, "SELECT dictionary_id, count(*) AS n FROM captures GROUP BY 1") == [{"dictionary_id": 3, "n": 71}]
    after = rows(db, "SELECT sum(size) AS raw, sum(length(body)) AS stored FROM captures WHERE capture_id <= 70")[0]
    assert after["stored"] == compacted.after < before
    assert after["stored"] / after["raw"] < 0.10


def test_gzip_captures_are_stored_again_as_zstd_and_damaged_ones_are_left_alone(tmp_path):
    from caravan_spider.captures import CaptureFormatError

    db = tmp_path / "caravan.db"
    fetched = pages(12)
    Archive(db).close()
    conn = sqlite3.connect(db)
    for n, (article_id, url, body) in enumerate(fetched):
        digest = hashlib.sha256(b"not this body" if n == 5 else body).hexdigest()
        stored = gzip.compress(body)[:40] if n == 8 else gzip.compress(body)  # 8: cut short, unreadable
        conn.execute("INSERT INTO captures (article_id, url, status, content_type, fetched_at, sha256, size, "
                     "compression, body) VALUES (?, ?, 200, 'text/html; charset=UTF-8', '2026-01-21T07:00:00+00:00', "
                     "?, ?, 'gzip', ?)", [article_id, url, digest, len(body), stored])
    conn.commit()
    conn.close()
    archive = Archive(db)
    try:
        compacted = archive.compact_captures()
        assert (compacted.captures, compacted.dictionary_id, compacted.damaged) == (10, 1, 2)
        captures = list(archive.iter_captures())
        assert [archive.decompress_capture(c) for c in captures if c["capture_id"] != 9] == [
            body for n, (_, _, body) in enumerate(fetched) if n != 8]
        with pytest.raises(CaptureFormatError) as error:
            archive.decompress_capture(captures[8])
    finally:
        archive.close()
    assert str(error.value) == (f"capture 9 in {db}: its gzip bytes cannot be read (Compressed file ended before the "
                                "end-of-stream marker was reached); the archive is damaged: restore it from a backup")
    assert rows(db, "SELECT capture_id, compression, dictionary_id FROM captures WHERE compression = 'gzip'") == [
        {"capture_id": 6, "compression": "gzip", "dictionary_id": None},
        {"capture_id": 9, "compression": "gzip", "dictionary_id": None}]
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE compression = 'zstd' AND dictionary_id = 1") == [{"n": 10}]


def test_only_the_stored_form_of_a_capture_may_change(tmp_path):
    db = tmp_path / "caravan.db"
    archive = Archive(db)
    for article_id, url, body in pages(10):
        archive.store(capture(article_id, url, body), None, None, PARSER_VERSION, None)
    archive.close()
    conn = sqlite3.connect(db)
    try:
        for sql in ("UPDATE captures SET sha256 = 'x' WHERE capture_id = 9",
                    "UPDATE captures SET location = '/news/' WHERE capture_id = 9",
                    "UPDATE captures SET size = 1, body = x'00' WHERE capture_id = 9",
                    "UPDATE captures SET compression = 'gzip', dictionary_id = NULL WHERE capture_id = 9",
                    "UPDATE captures SET dictionary_id = NULL WHERE capture_id = 9"):
            with pytest.raises(sqlite3.IntegrityError, match="^captures are never altered$"):
                conn.execute(sql)
        conn.execute("UPDATE captures SET dictionary_id = 1 WHERE capture_id = 9")  # the stored form
    finally:
        conn.close()


def test_a_crawl_ends_with_its_early_captures_stored_again(crawled):
    db = crawled["db"]
    [dictionary] = rows(db, "SELECT dictionary_id, samples FROM capture_dictionaries")
    assert dictionary["samples"] == rows(db, "SELECT count(*) AS n FROM captures")[0]["n"]
    assert rows(db, "SELECT DISTINCT dictionary_id FROM captures") == [{"dictionary_id": dictionary["dictionary_id"]}]
    sizes = rows(db, "SELECT sum(size) AS raw, sum(length(body)) AS stored FROM captures")[0]
    assert sizes["stored"] / sizes["raw"] < 0.10
