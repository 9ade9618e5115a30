"""Export: JSON Lines newest first, filters, gzip, the JSON Schema, sqlite-utils round trip, WARC, and the
same records from `scrapy crawl caravan -O`."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from warcio.archiveiterator import ArchiveIterator

from caravan_spider.archive import Archive
from caravan_spider.parsing import FIELDS
from caravan_spider.progress import hints

from conftest import ROOT, cli, in_process, rows

SCHEMA = json.loads((ROOT / "caravan_spider/schema/article.schema.json").read_text("utf-8"))


def export(db: Path, *args: str) -> list[dict]:
    result = in_process("export", "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_is_every_article_newest_first(crawled):
    lines = export(crawled["db"])
    expected = crawled["site"].expected_records()
    assert [r["article_id"] for r in lines] == [a.article_id for a in crawled["site"].newest_first()]
    assert all(line == expected[line["article_id"]] for line in lines)
    assert all(list(line) == list(FIELDS) for line in lines)


@pytest.mark.e2e
def test_export_bytes_are_json_dumps_of_each_record_whatever_the_chunking(crawled, tmp_path):
    """SQLite makes the lines and export writes them in chunks of bytes: the file is exactly the
    records as compact UTF-8 JSON, one per line, to stdout, a file or a .gz alike."""
    archive = Archive(crawled["db"], read_only=True)
    try:
        expected = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                           for r in archive.iter_articles()).encode("utf-8")
        chunks = list(archive.iter_article_json(batch=7))
    finally:
        archive.close()
    assert [n for n, _ in chunks] == [7] * 7 + [1]
    assert b"".join(chunk for _, chunk in chunks) == expected
    assert subprocess.run([sys.executable, "-m", "caravan_spider.cli", "export", "--db", str(crawled["db"])],
                          capture_output=True, check=True).stdout == expected
    for name in ("out.jsonl", "out.jsonl.gz"):
        result = in_process("export", "--db", str(crawled["db"]), "-o", str(tmp_path / name))
        assert result.returncode == 0 and result.stderr == f"Wrote 50 articles to {tmp_path / name}\n"
        written = (tmp_path / name).read_bytes()
        assert (gzip.decompress(written) if name.endswith(".gz") else written) == expected


def test_every_exported_line_validates_against_the_schema(crawled):
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    lines = export(crawled["db"])
    for line in lines:
        validator.validate(line)
    broken = {**lines[0], "views": "many"}
    assert not validator.is_valid(broken)


def test_filters(crawled):
    site = crawled["site"]
    db = crawled["db"]
    politics = [a.article_id for a in site.newest_first() if a.category == "Политика"]
    assert [r["article_id"] for r in export(db, "--category", "Политика")] == politics
    old = [a.article_id for a in site.newest_first() if a.published.year == 2015]
    assert [r["article_id"] for r in export(db, "--until", "2015-12-31")] == old
    recent = [a.article_id for a in site.newest_first() if a.published.date().isoformat() >= "2026-01-01"]
    assert [r["article_id"] for r in export(db, "--since", "2026-01-01")] == recent
    assert export(db, "--language", "kk") == []
    assert len(export(db, "--updated-since", "2000-01-01")) == 50
    assert export(db, "--updated-since", "2999-01-01") == []


def test_gzip_output(crawled, tmp_path):
    out = tmp_path / "articles.jsonl.gz"
    result = in_process("export", "--db", str(crawled["db"]), "-o", str(out))
    assert result.returncode == 0 and "Wrote 50 articles" in result.stderr
    with gzip.open(out, "rt", encoding="utf-8") as f:
        assert len([json.loads(line) for line in f]) == 50


@pytest.mark.e2e
def test_export_reimported_with_sqlite_utils_gives_back_the_same_rows(crawled, tmp_path):
    out = tmp_path / "articles.jsonl"
    assert in_process("export", "--db", str(crawled["db"]), "-o", str(out)).returncode == 0
    copy = tmp_path / "copy.db"
    subprocess.run([sys.executable, "-m", "sqlite_utils", "insert", str(copy), "articles", str(out), "--nl",
                    "--pk", "article_id"], check=True, capture_output=True)
    original = rows(crawled["db"], f"SELECT {', '.join(FIELDS)} FROM articles ORDER BY article_id")
    again = rows(copy, f"SELECT {', '.join(FIELDS)} FROM articles ORDER BY article_id")
    for row in again:  # sqlite-utils stores lists as JSON text, as the archive does
        for key in ("tags", "authors"):
            row[key] = json.dumps(json.loads(row[key]), ensure_ascii=False) if row[key] is not None else None
    assert again == original


def test_captures_round_trip_byte_for_byte_and_as_warc(crawled, tmp_path):
    site = crawled["site"]
    db = crawled["db"]
    seed = site.articles[845713]
    [capture] = rows(db, "SELECT * FROM captures WHERE article_id = 845713")
    archive = Archive(db, read_only=True)
    body = archive.decompress_capture(capture)
    archive.close()
    with urllib.request.urlopen(crawled["base_url"] + seed.path) as response:
        assert body == response.read()
    assert capture["sha256"] == __import__("hashlib").sha256(body).hexdigest() and capture["size"] == len(body)
    sizes = rows(db, "SELECT sum(size) AS raw, sum(length(body)) AS stored FROM captures")[0]
    assert sizes["stored"] / sizes["raw"] < 0.15  # zstd with a dictionary of the site's own pages


def read_warc(path: Path) -> list:
    with open(path, "rb") as f:
        return [(r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(f)]


@pytest.mark.e2e
def test_warc_has_warcinfo_canonical_target_uris_and_the_fetch_url(crawled, tmp_path):
    site, db = crawled["site"], crawled["db"]
    seed = site.articles[845713]
    [capture] = rows(db, "SELECT * FROM captures WHERE article_id = 845713")
    warc = tmp_path / "captures.warc.gz"
    result = cli("export", "--db", str(db), "--warc", "-o", str(warc))
    assert result.returncode == 0 and result.stderr == f"Wrote 51 captures to {warc}\n"
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)], check=True, capture_output=True)
    records = read_warc(warc)
    assert [kind for kind, _, _ in records] == ["warcinfo"] + ["response"] * 51
    info = records[0][2].decode()
    assert "software: caravan-archive/" in info and "x-caravan-filters: none" in info
    responses = {headers.get_header("WARC-Target-URI"): (headers, body) for _, headers, body in records[1:]}
    headers, body = responses[seed.url]  # https://www.caravan.kz/news/..., not the loopback address
    archive = Archive(db, read_only=True)
    assert body == archive.decompress_capture(capture)
    archive.close()
    assert headers.get_header("WARC-Caravan-Fetched-URI") == crawled["base_url"] + seed.path
    assert all(uri.startswith("https://www.caravan.kz/") for uri in responses)


@pytest.mark.e2e
def test_warc_honours_the_filters_and_stdout(crawled, tmp_path):
    site, db = crawled["site"], crawled["db"]
    politics = {a.url for a in site.articles.values() if a.category == "Политика"}
    warc = tmp_path / "politics.warc"
    assert cli("export", "--db", str(db), "--warc", "--category", "Политика", "-o", str(warc)).returncode == 0
    records = read_warc(warc)  # not .gz: written uncompressed
    assert warc.read_bytes().startswith(b"WARC/1.0")
    assert {h.get_header("WARC-Target-URI") for kind, h, _ in records if kind == "response"} == politics
    assert "x-caravan-filters: category=Политика" in records[0][2].decode()
    piped = subprocess.run([sys.executable, "-m", "caravan_spider.cli", "export", "--db", str(db), "--warc",
                            "--until", "2015-12-31"], capture_output=True, timeout=120)
    assert piped.returncode == 0 and piped.stdout[:2] == b"\x1f\x8b"  # gzip on a pipe
    (tmp_path / "old.warc.gz").write_bytes(piped.stdout)
    old = {a.url for a in site.articles.values() if a.published.year == 2015}
    assert {h.get_header("WARC-Target-URI") for kind, h, _ in read_warc(tmp_path / "old.warc.gz")
            if kind == "response"} == old


def test_scrapy_crawl_feed_export_writes_the_export_records(sample, tmp_path):
    """`scrapy crawl caravan -O x.jsonl`: the records `export` writes, a summary, full speed on loopback."""
    site, base_url = sample
    db, feed = tmp_path / "caravan.db", tmp_path / "x.jsonl"
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "caravan", "-a", f"base_url={base_url}", "-a", "edition=ru",
                             "-s", f"CARAVAN_DB={db}", "-O", str(feed), "-s", "LOG_LEVEL=WARNING"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in feed.read_text("utf-8").splitlines()]
    exported = {r["article_id"]: r for r in export(db)}
    assert len(lines) == 50 and {r["article_id"]: r for r in lines} == exported
    summary = result.stderr.splitlines()
    assert re.match(r"\S+T\S+ Crawl run 1 finished in ", summary[0]) and summary[0].endswith(
        ": 50 new, 1 not article; 59 requests.")
    assert summary[-1] == f"{db} holds 50 articles. " + hints(str(db))
    [run] = rows(db, "SELECT started_at, finished_at FROM crawl_runs")
    assert run["finished_at"] is not None
    assert '"body": "\\u' not in feed.read_text("utf-8")  # no bytes, no escapes: UTF-8 text


@pytest.mark.e2e
def test_an_export_stopped_by_a_damaged_capture_leaves_no_partial_file(crawled, tmp_path):
    """The WARC is written beside its name and renamed when whole: a damaged capture halfway stops
    it with one line and exit 1, and what was at that name before is left as it was."""
    db = tmp_path / "caravan.db"
    shutil.copy(crawled["db"], db)
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER captures_never_altered")
    conn.execute("UPDATE captures SET body = substr(body, 1, 40) WHERE capture_id = 30")
    conn.commit()
    conn.close()
    (tmp_path / "out").mkdir()
    warc = tmp_path / "out" / "captures.warc.gz"
    warc.write_bytes(b"last week's export")
    result = cli("export", "--warc", "-o", str(warc), "--db", str(db))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: capture 30 in {db}: its zstd bytes cannot be read (Compressed data ended before the "
        "end-of-stream marker was reached); the archive is damaged: restore it from a backup"]
    assert warc.read_bytes() == b"last week's export"
    assert [path.name for path in warc.parent.iterdir()] == ["captures.warc.gz"]


def test_an_export_to_a_gzip_file_names_the_jsonl_inside_and_leaves_nothing_beside_it(crawled, tmp_path):
    out = tmp_path / "articles.jsonl.gz"
    result = in_process("export", "-o", str(out), "--db", str(crawled["db"]))
    assert result.returncode == 0 and result.stderr == f"Wrote 50 articles to {out}\n"
    with gzip.open(out) as lines:
        assert len(lines.read().splitlines()) == 50
    assert out.read_bytes()[3] & 0x08 and out.read_bytes()[10:25] == b"articles.jsonl\x00"  # FNAME, as gzip.open wrote it
    assert sorted(path.name for path in tmp_path.iterdir()) == ["articles.jsonl.gz"]


def test_an_export_to_a_fifo_or_a_symlink_is_written_where_it_leads_not_replaced(crawled, tmp_path):
    """-o /dev/stdout, a FIFO or a device is written to as the shell's `>` would: renaming a whole file
    over it put a regular file in its place, the reader got nothing (and, as root, /dev/stdout or
    /dev/null was gone for every program). A symlink's target gets the export; the link stays."""
    import os
    import threading

    fifo = tmp_path / "articles.fifo"
    os.mkfifo(fifo)
    reading = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    holding = os.open(fifo, os.O_WRONLY)  # so that the reader sees the end only when the test says so
    os.set_blocking(reading, True)
    read = []
    reader = threading.Thread(target=lambda: read.append(b"".join(iter(lambda: os.read(reading, 65536), b""))))
    reader.start()
    try:
        result = in_process("export", "-o", str(fifo), "--db", str(crawled["db"]))
    finally:
        os.close(holding)
        reader.join()
        os.close(reading)
    assert result.returncode == 0 and fifo.is_fifo()
    assert len(read[0].splitlines()) == 50
    target, link = tmp_path / "exports" / "2026-11.jsonl", tmp_path / "latest.jsonl"
    target.parent.mkdir()
    target.write_bytes(b"last month's export")
    link.symlink_to(target)
    result = in_process("export", "-o", str(link), "--db", str(crawled["db"]))
    assert result.returncode == 0 and link.is_symlink()
    assert len(target.read_bytes().splitlines()) == 50
