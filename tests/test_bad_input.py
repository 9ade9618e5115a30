"""Bad input gets one line naming the problem and a non-zero exit, never a traceback; readers never
write (issue 8, items 9 and 10)."""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
from pathlib import Path

import pytest

from conftest import PAGES, cli, in_process, rows

SEED = str(PAGES / "seed/page.html")


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
    one_line_error(in_process(*args), expected)
    assert not Path("/nonexistent").exists()  # nothing was created on the way


def test_crawl_refuses_a_file_that_is_not_an_archive(text_file):
    one_line_error(in_process("crawl", "--db", str(text_file)),
                   f"Error: --db {text_file}: {text_file} is not a caravan-archive database (file is not a database)")
    assert text_file.read_text() == "not a database\n"


def test_sample_site_on_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_error(in_process("sample-site", "--port", str(port)),
                       f"Error: --port {port}: Address already in use; choose another port (0 picks a free one)")


@pytest.mark.parametrize("command", [["export"], ["runs"], ["reextract"], ["search", "мир"],
                                     ["export", "--warc", "-o", "x.warc.gz"]])
def test_readers_refuse_a_file_that_is_not_an_archive(text_file, command):
    one_line_error(in_process(*command, "--db", str(text_file), cwd=text_file.parent),
                   f"Error: {text_file} is not a caravan-archive database (file is not a database)")


def test_export_to_a_missing_directory(archive_copy):
    one_line_error(in_process("export", "--db", str(archive_copy), "-o", "/nonexistent/dir/a.jsonl"),
                   "Error: -o /nonexistent/dir/a.jsonl: directory /nonexistent/dir does not exist; create it first")
    one_line_error(in_process("export", "--db", str(archive_copy), "--warc", "-o", "/nonexistent/x.warc.gz"),
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
    one_line_error(in_process(*command, "--db", str(db)),
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
    result = in_process(*command, "--db", str(archive_copy))
    assert result.returncode == 0, result.stderr
    assert _digest(archive_copy) == before
    assert rows(archive_copy, "PRAGMA journal_mode") == [{"journal_mode": "delete"}]


def _export(db, *args) -> list[dict]:
    result = in_process("export", "--db", str(db), *args)
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
    one_line_error(in_process("export", "--db", str(archive_copy), option, value),
                   f"Error: {option} {value!r} is not a date such as 2025-01-31 or a date-time such as "
                   "2025-01-31T10:00:00+05:00")


# --- issue 20, item 11: settings, options and addresses that ended in tracebacks or wrong exits --------
CLOSED = "http://127.0.0.1:9"  # nothing listens: a crawl that started would fail (exit 3), not refuse


@pytest.mark.parametrize("args, expected", [
    (["--set", "LOG_LEVEL=BOGUS"],
     "Error: --set LOG_LEVEL='BOGUS': LOG_LEVEL takes CRITICAL, ERROR, WARNING, INFO or DEBUG (default 'INFO')"),
    (["--set", "SPIDER_MODULES=nope"],
     "Error: --set SPIDER_MODULES='nope': there is no module nope (default ['caravan_spider.spiders'])"),
    (["--set", "SPIDER_MODULES=json"], "Error: could not start the crawl: KeyError: 'Spider not found: caravan'"),
    (["--set", "DOWNLOAD_TIMEOUT=-1"],
     "Error: --set DOWNLOAD_TIMEOUT='-1': DOWNLOAD_TIMEOUT takes a number of 0 or more (default 30)"),
    (["--set", "CARAVAN_PARSE_WORKERS=abc"],
     "Error: --set CARAVAN_PARSE_WORKERS='abc': CARAVAN_PARSE_WORKERS takes auto or a whole number of 0 or more "
     "(default 'auto')"),
    (["--set", "CARAVAN_CLOCK=9999-12-31T23:59:59"],
     "Error: CARAVAN_CLOCK: '9999-12-31T23:59:59' is too late: the schedule counts up to 100 years on from it "
     "(at most 9899-12-31)"),
    (["--set", "CARAVAN_DB=/nonexistent/dir/z.db"],
     "Error: CARAVAN_DB /nonexistent/dir/z.db: directory /nonexistent/dir does not exist; create it first"),
    (["--set", "CARAVAN_DBB=x.db"], "Error: --set CARAVAN_DBB: there is no such setting; did you mean CARAVAN_DB?"),
    (["--set", "CARAVAN_LISTNG_PAGES=3"],
     "Error: --set CARAVAN_LISTNG_PAGES: there is no such setting; did you mean CARAVAN_LISTING_PAGES?"),
    (["--jobdir", "/dev/null"], "Error: --jobdir /dev/null is not a directory"),
    (["--jobdir", "{tmp}/missing/job"], "Error: --jobdir {tmp}/missing/job: directory {tmp}/missing does not exist; "
                                        "create it first"),
    (["--log-file", "/dev/full"], "Error: --log-file /dev/full: No space left on device"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_a_crawl_with_a_bad_setting_or_option_is_refused_in_one_line_before_it_starts(tmp_path, args, expected):
    db = tmp_path / "c.db"
    args = [arg.format(tmp=tmp_path) for arg in args]  # nothing may be created outside tmp_path, even before a fix
    one_line_error(in_process("crawl", "--db", str(db), "--edition", "ru", "--base-url", CLOSED, *args, cwd=tmp_path),
                   expected.format(tmp=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [] and not Path("/nonexistent").exists()


def test_the_archive_named_by_db_and_by_caravan_db_must_be_one(tmp_path):
    one_line_error(in_process("crawl", "--db", str(tmp_path / "a.db"), "--set", f"CARAVAN_DB={tmp_path / 'b.db'}",
                              "--edition", "ru", "--base-url", CLOSED),
                   f"Error: --db {tmp_path / 'a.db'} and --set CARAVAN_DB={tmp_path / 'b.db'} name two archives: give one")
    assert list(tmp_path.iterdir()) == []


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """The real entry point in this process: (exit status, stdout, stderr)."""
    from caravan_spider.cli import main

    monkeypatch.setattr("sys.argv", ["caravan-archive", *args])
    try:
        main()
        status = 0
    except SystemExit as done:
        status = done.code
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("args, expected", [
    (["search", "мир", "--limit", "99999999999999999999"],
     "Error: Invalid value for '--limit': 99999999999999999999 is not in the range 1<=x<=9223372036854775807. "
     "(see: caravan-archive search --help)"),
    (["search", "мир", "--limit", "0"],
     "Error: Invalid value for '--limit': 0 is not in the range 1<=x<=9223372036854775807. "
     "(see: caravan-archive search --help)"),
    (["runs", "--limit", "99999999999999999999"],
     "Error: Invalid value for '--limit': 99999999999999999999 is not in the range 1<=x<=9223372036854775807. "
     "(see: caravan-archive runs --help)"),
    (["fixture", "99999999999999999999"],
     "Error: Invalid value for 'ARTICLE_ID': 99999999999999999999 is not in the range 1<=x<=9223372036854775807. "
     "(see: caravan-archive fixture --help)"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_numbers_beyond_what_the_archive_holds_are_refused_in_one_line(crawled, monkeypatch, capsys, args, expected):
    status, out, err = _main(monkeypatch, capsys, *args, "--db", str(crawled["db"]))
    assert (status, out, err.splitlines()) == (64, "", [expected])


def test_a_fixture_is_written_only_in_a_folder_of_its_own_under_pages(crawled, monkeypatch, capsys, tmp_path):
    pages = tmp_path / "repo" / "tests" / "pages"
    pages.mkdir(parents=True)
    for case in ("../../x", "a/b", "..", ".hidden", "/tmp/x"):
        status, out, err = _main(monkeypatch, capsys, "fixture", "845713", "--case", case, "--pages", str(pages),
                                 "--db", str(crawled["db"]))
        assert (status, out, err.splitlines()) == (64, "", [
            f"Error: --case {case!r} is not a folder name (letters, digits, '.', '_' and '-', not first '.')"])
    missing = tmp_path / "missing" / "x"
    status, out, err = _main(monkeypatch, capsys, "fixture", "845713", "--pages", str(missing),
                             "--db", str(crawled["db"]))
    assert (status, out, err.splitlines()) == (64, "", [
        f"Error: Invalid value for '--pages': Directory '{missing}' does not exist. (see: caravan-archive fixture --help)"])
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["repo", "repo/tests", "repo/tests/pages"]
    status, _, err = _main(monkeypatch, capsys, "fixture", "845713", "--case", "seed-again_2.x", "--pages", str(pages),
                           "--db", str(crawled["db"]))
    assert status == 0 and sorted(p.name for p in (pages / "seed-again_2.x").iterdir()) == [
        "expected.json", "meta.json", "page.html"]


def test_addresses_beyond_the_archive_and_an_archive_without_changes_get_their_answers(crawled, tmp_path):
    from test_datasette import Client

    ds = Client(files=[crawled["db"]])
    try:
        assert ds.get("/-/changes/ru/99999999999999999999").status_code == 404
        assert ds.get("/-/changes/ru/9223372036854775807").status_code == 404
        feed = ds.get("/caravan/recent_changes.atom")  # nothing edited, unpublished or restored yet
    finally:
        ds.close()
    assert (feed.status_code, feed.headers["content-type"]) == (200, "application/xml; charset=utf-8")
    import lxml.etree

    root = lxml.etree.fromstring(feed.content)
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.tag == f"{atom}feed" and root.findall(f"{atom}entry") == []
    assert root.findtext(f"{atom}title") == "Recently changed and unpublished articles"
    assert root.findtext(f"{atom}updated") == "1970-01-01T00:00:00+00:00"


@pytest.mark.e2e  # the lock is another process's
def test_a_crawl_while_another_process_writes_the_archive_says_so_in_one_line(tmp_path):
    import subprocess
    import sys

    from caravan_spider.archive import Archive

    db = tmp_path / "c.db"
    Archive(db).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"conn = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
        "conn.execute('BEGIN EXCLUSIVE')\n"
        "print('holding', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "holding\n"
        result = cli("crawl", "--db", str(db), "--edition", "ru", "--base-url", CLOSED, timeout=120)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"{db} is being written by another process (database is locked); wait for "
                                          "it to finish"]
    assert rows(db, "SELECT count(*) AS n FROM crawl_runs") == [{"n": 0}]


@pytest.mark.e2e  # the lock is another process's
def test_a_crawl_while_another_run_holds_the_archive_says_so_in_one_line(tmp_path):
    from caravan_spider.archive import Archive

    db = tmp_path / "c.db"
    holder = Archive(db)
    holder.acquire(run_id=42)
    try:
        result = cli("crawl", "--db", str(db), "--edition", "ru", "--base-url", CLOSED, timeout=120)
    finally:
        holder.close()
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{db} is locked by crawl run 42 (pid {__import__('os').getpid()}); "
                                          "wait for it to finish or stop it"]


# `crawl` with its check of the lock before Scrapy starts skipped: what a run sees when another took the
# lock in between (two runs started at the same moment), where the pipeline is first to meet it.
RACE = """import sys
from caravan_spider import cli
cli._crawl_db = lambda db, option='--db': None
sys.argv = ['caravan-archive', *sys.argv[1:]]
cli.main()
"""


@pytest.mark.e2e
@pytest.mark.parametrize("verbose", [(), ("-v",)])
def test_a_run_the_lock_is_taken_from_in_between_says_so_once(tmp_path, verbose):
    import os
    import subprocess
    import sys

    from caravan_spider.archive import Archive

    db = tmp_path / "c.db"
    holder = Archive(db)
    holder.acquire(run_id=42)
    try:
        result = subprocess.run([sys.executable, "-c", RACE, "crawl", "--db", str(db), "--edition", "ru",
                                 "--base-url", CLOSED, *verbose], capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert result.returncode == 2
    message = f"{db} is locked by crawl run 42 (pid {os.getpid()}); wait for it to finish or stop it"
    assert result.stderr.count(message) == 1, result.stderr[-2000:]
    assert result.stderr.splitlines()[-1] == message
