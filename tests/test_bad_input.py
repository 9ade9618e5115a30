"""Bad input gets one line naming the problem and a non-zero exit, never a traceback; readers never
write (issue 8, items 9 and 10)."""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
from pathlib import Path

import pytest

from conftest import PAGES, cli, rows

SEED = str(PAGES / "seed/page.html")
pytestmark = pytest.mark.e2e


def one_line_error(result, expected: str) -> None:
    assert result.returncode == 64, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [expected]


@pytest.fixture
def text_file(tmp_path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n")
    return path


@pytest.mark.parametrize("args, expected", [
    (["crawl", "--since", "2025-13-45"], "Error: --since '2025-13-45' is not a date such as 2025-01-31"),
    (["crawl", "--base-url", "127.0.0.1:8123"],
     "Error: --base-url: base URL '127.0.0.1:8123' is not an http(s) origin such as https://www.caravan.kz"),
    (["crawl", "--set", "CARAVAN_LISTING_PAGES=abc"],
     "Error: --set CARAVAN_LISTING_PAGES='abc': CARAVAN_LISTING_PAGES takes a number (default 2)"),
    (["crawl", "--set", "CARAVAN_BASE_URL=www.caravan.kz"],
     "Error: CARAVAN_BASE_URL: base URL 'www.caravan.kz' is not an http(s) origin such as https://www.caravan.kz"),
    (["crawl", "--set", "CARAVAN_SINCE=last week"],
     "Error: CARAVAN_SINCE: since='last week' is not a date such as 2025-01-31"),
    (["crawl", "--set", "CARAVAN_FULL=maybe"],
     "Error: --set CARAVAN_FULL='maybe': CARAVAN_FULL takes true/false (default False)"),
    (["crawl", "--set", "ROBOTSTXT_OBEY=maybe"],
     "Error: --set ROBOTSTXT_OBEY='maybe': ROBOTSTXT_OBEY takes true/false (default True)"),
    (["crawl", "--db", "/proc/x.db"], "Error: --db /proc/x.db: /proc/x.db cannot be opened (unable to open database file)"),
    (["crawl", "--db", "/nonexistent/dir/c.db"],
     "Error: --db /nonexistent/dir/c.db: directory /nonexistent/dir does not exist; create it first"),
    (["sample-site", "--articles", "5"],
     "Error: Invalid value for '--articles': 5 is not in the range x>=8. (see: caravan-archive sample-site --help)"),
    (["sample-site", "--port", "80000"],
     "Error: Invalid value for '--port': 80000 is not in the range 0<=x<=65535. (see: caravan-archive sample-site --help)"),
    (["extract", SEED, "--fetched-at", "yesterday"],
     "Error: --fetched-at 'yesterday' is not a date-time such as 2026-01-21T12:00:00+05:00"),
    (["extract", SEED, "--url", "http://[::1"], "Error: --url 'http://[::1' is not a URL (Invalid IPv6 URL)"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_bad_command_lines_get_one_line(args, expected):
    one_line_error(cli(*args, timeout=60), expected)
    assert not Path("/nonexistent").exists()  # nothing was created on the way


def test_crawl_refuses_a_file_that_is_not_an_archive(text_file):
    one_line_error(cli("crawl", "--db", str(text_file), timeout=60),
                   f"Error: --db {text_file}: {text_file} is not a caravan-archive database (file is not a database)")
    assert text_file.read_text() == "not a database\n"


def test_sample_site_on_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_error(cli("sample-site", "--port", str(port), timeout=60),
                       f"Error: --port {port}: Address already in use; choose another port (0 picks a free one)")


@pytest.mark.parametrize("command", [["export"], ["runs"], ["reextract"], ["search", "мир"],
                                     ["export", "--warc", "-o", "x.warc.gz"]])
def test_readers_refuse_a_file_that_is_not_an_archive(text_file, command):
    one_line_error(cli(*command, "--db", str(text_file), cwd=text_file.parent, timeout=60),
                   f"Error: {text_file} is not a caravan-archive database (file is not a database)")


def test_export_to_a_missing_directory(archive_copy):
    one_line_error(cli("export", "--db", str(archive_copy), "-o", "/nonexistent/dir/a.jsonl"),
                   "Error: -o /nonexistent/dir/a.jsonl: directory /nonexistent/dir does not exist; create it first")
    one_line_error(cli("export", "--db", str(archive_copy), "--warc", "-o", "/nonexistent/x.warc.gz"),
                   "Error: -o /nonexistent/x.warc.gz: directory /nonexistent does not exist; create it first")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [["runs"], ["export"], ["search", "мир"]])
def test_readers_leave_a_foreign_sqlite_file_untouched(tmp_path, command):
    db = tmp_path / "theirs.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE birds (name TEXT)")
    conn.execute("INSERT INTO birds VALUES ('swift')")
    conn.commit()
    conn.close()
    before = _digest(db)
    one_line_error(cli(*command, "--db", str(db)),
                   f"Error: {db} is not a caravan-archive database (it has no articles, captures, crawl_runs, "
                   "revisions table)")
    assert _digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.db"]  # no -wal, -shm, .lock
    assert rows(db, "PRAGMA journal_mode") == [{"journal_mode": "delete"}]


@pytest.mark.parametrize("command", [["runs"], ["export"], ["search", "мир"]])
def test_readers_never_write_to_an_archive(archive_copy, command):
    conn = sqlite3.connect(archive_copy)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    before = _digest(archive_copy)
    result = cli(*command, "--db", str(archive_copy))
    assert result.returncode == 0, result.stderr
    assert _digest(archive_copy) == before
    assert rows(archive_copy, "PRAGMA journal_mode") == [{"journal_mode": "delete"}]


def _export(db, *args) -> list[dict]:
    result = cli("export", "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_dates_are_iso_and_compared_as_instants(archive_copy):
    published = [r["published_at"] for r in rows(archive_copy, "SELECT published_at FROM articles")]
    in_2025 = [p for p in published if p.startswith("2025")]
    assert in_2025 and len(in_2025) < len(published)
    until = _export(archive_copy, "--until", "2025-12-31")
    assert sorted(r["published_at"] for r in until) == sorted(p for p in published if p[:4] <= "2025")
    # One instant, written in two offsets: the same articles.
    a = _export(archive_copy, "--since", "2026-01-10T05:00:00+05:00")
    b = _export(archive_copy, "--since", "2026-01-10T00:00:00Z")
    assert a == b and 0 < len(a) < len(published)
    ids = [r["article_id"] for r in rows(archive_copy, "SELECT article_id FROM articles ORDER BY article_id LIMIT 2")]
    conn = sqlite3.connect(archive_copy)
    conn.execute("UPDATE articles SET updated_at = '2000-01-01T00:00:00+00:00'")
    conn.execute("UPDATE articles SET updated_at = '2026-11-25T15:30:00+00:00' WHERE article_id = ?", [ids[0]])
    conn.execute("UPDATE articles SET updated_at = '2026-11-25T14:30:00+00:00' WHERE article_id = ?", [ids[1]])
    conn.commit()
    conn.close()
    # 10:00 at UTC-5 is 15:00 UTC: only the first was updated since.
    assert [r["article_id"] for r in _export(archive_copy, "--updated-since", "2026-11-25T10:00:00-05:00")] == ids[:1]


@pytest.mark.parametrize("option, value", [("--since", "garbage"), ("--until", "2025"), ("--since", "01.01.2025"),
                                           ("--updated-since", "yesterday")])
def test_export_rejects_what_is_not_a_date(archive_copy, option, value):
    one_line_error(cli("export", "--db", str(archive_copy), option, value),
                   f"Error: {option} {value!r} is not a date such as 2025-01-31 or a date-time such as "
                   "2025-01-31T10:00:00+05:00")
