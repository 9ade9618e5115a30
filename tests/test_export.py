"""Export: JSON Lines newest first, filters, gzip, the JSON Schema, sqlite-utils round trip, WARC."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import jsonschema
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from caravan_spider.archive import Archive
from caravan_spider.parsing import FIELDS

from conftest import ROOT, cli, rows

SCHEMA = json.loads((ROOT / "caravan_spider/schema/article.schema.json").read_text("utf-8"))


def export(db: Path, *args: str) -> list[dict]:
    result = cli("export", "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_is_every_article_newest_first(crawled):
    lines = export(crawled["db"])
    expected = crawled["site"].expected_records()
    assert [r["article_id"] for r in lines] == [a.article_id for a in crawled["site"].newest_first()]
    assert all(line == expected[line["article_id"]] for line in lines)
    assert all(list(line) == list(FIELDS) for line in lines)


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
    result = cli("export", "--db", str(crawled["db"]), "-o", str(out))
    assert result.returncode == 0 and "Wrote 50 articles" in result.stderr
    with gzip.open(out, "rt", encoding="utf-8") as f:
        assert len([json.loads(line) for line in f]) == 50


def test_export_reimported_with_sqlite_utils_gives_back_the_same_rows(crawled, tmp_path):
    out = tmp_path / "articles.jsonl"
    assert cli("export", "--db", str(crawled["db"]), "-o", str(out)).returncode == 0
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
    archive = Archive(db, create=False)
    body = archive.decompress_capture(capture)
    archive.close()
    with urllib.request.urlopen(crawled["base_url"] + seed.path) as response:
        assert body == response.read()
    assert capture["sha256"] == __import__("hashlib").sha256(body).hexdigest() and capture["size"] == len(body)
    warc = tmp_path / "captures.warc.gz"
    result = cli("export", "--db", str(db), "--warc", str(warc))
    assert result.returncode == 0 and "Wrote 51 captures" in result.stderr
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)], check=True)
    with open(warc, "rb") as f:
        records = [(r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                   for r in ArchiveIterator(f) if r.rec_type == "response"]
    assert len(records) == 51
    assert (crawled["base_url"] + seed.path, body) in records
    sizes = rows(db, "SELECT sum(size) AS raw, sum(length(body)) AS stored FROM captures")[0]
    assert sizes["stored"] / sizes["raw"] < 0.15  # zstd with a dictionary of the site's own pages
