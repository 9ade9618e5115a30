"""import-wayback against a real pywb (wayback and its CDX server) on loopback, serving a collection of
the sample site's past: earlier versions in the 2015 markup, the article the site has since removed,
the Kazakh edition, a capture of unchanged content, and pages that are no articles."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from caravan_spider import __version__
from caravan_spider.sample_site.model import NOT_FOUND_ID, SampleSite
from caravan_spider.settings import CARAVAN_CONTACT_URL
from conftest import archive_refusing, article_records, cli, in_process, rows
from webarchive import OLD, Pywb, earlier, page, removed, write_warc


LATER = datetime(2021, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
KK_TIME = datetime(2020, 7, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def wayback(tmp_path_factory):
    """pywb serving the past of the default sample site (and of its Kazakh edition)."""
    root = tmp_path_factory.mktemp("pywb")
    site, kk_site = SampleSite(), SampleSite(edition="kk")
    by_id = sorted(site.articles.values(), key=lambda a: a.article_id)
    today = next(a for a in by_id if a.layout == "today")
    legacy = next(a for a in by_id if a.layout == "legacy")
    kazakh = sorted(kk_site.articles.values(), key=lambda a: a.article_id)[0]
    gone = removed(site)
    captures = [(earlier(today).url, OLD, 200, *page(earlier(today), site)),
                (today.url, LATER, 200, *page(today, site)),
                (legacy.url, OLD, 200, *page(legacy, site)),
                (gone.url, OLD, 200, *page(gone, site)),
                (gone.url, LATER, 200, *page(gone, site)),  # the same content again: listed, not fetched
                (kazakh.url, KK_TIME, 200, *page(kazakh, kk_site)),
                ("https://www.caravan.kz/news/", OLD, 200, b"<html><body>listing</body></html>", "text/html"),
                ("https://www.caravan.kz/news/tag-845777/", OLD, 404, b"not found", "text/html")]
    warc = write_warc(root / "past.warc.gz", captures)
    server = Pywb(root, [warc])
    yield {"pywb": server, "today": today, "legacy": legacy, "kazakh": kazakh, "site": site}
    server.stop()


def _import(db: Path, wayback, *args: str) -> subprocess.CompletedProcess:
    return cli("import-wayback", "--db", str(db), "--cdx", wayback["pywb"].cdx, "--delay", "0", *args)


@pytest.mark.e2e
def test_the_cdx_servers_article_captures_are_fetched_raw_and_imported_by_capture_time(wayback, archive_copy):
    today, legacy, kazakh = wayback["today"], wayback["legacy"], wayback["kazakh"]
    before = article_records(archive_copy)
    result = _import(archive_copy, wayback)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("5 captures of articles imported (2 new, 3 older); 6 new captures listed by "
                             f"{wayback['pywb'].cdx}; into {archive_copy}.\n")
    after = article_records(archive_copy)
    assert {k: v for k, v in after.items() if k not in (NOT_FOUND_ID, kazakh.article_id)} == before
    assert after[NOT_FOUND_ID]["status"] == "unknown" and after[kazakh.article_id]["status"] == "unknown"
    assert after[kazakh.article_id]["edition"] == "kk"
    assert after[kazakh.article_id]["title"] == kazakh.title
    # Revisions in the order of capture, whatever the order of import: 2019 (the 2015 markup), then the
    # version the crawl found, first seen by the web archive in 2021.
    assert rows(archive_copy, "SELECT fetched_at, title, source FROM revisions WHERE article_id = ? AND edition = 'ru' "
                "ORDER BY fetched_at", [today.article_id]) == [
        {"fetched_at": "2019-05-14T08:30:00+00:00", "title": earlier(today).title, "source": "wayback"},
        {"fetched_at": "2021-02-03T04:05:06+00:00", "title": today.title, "source": "wayback"}]
    base = wayback["pywb"].base + "/caravan"
    captures = rows(archive_copy, "SELECT article_id, edition, fetched_at, source, source_ref, url FROM captures "
                    "WHERE source = 'wayback' ORDER BY fetched_at, article_id")
    assert [(c["article_id"], c["fetched_at"][:10], c["source_ref"]) for c in captures] == sorted([
        (today.article_id, "2019-05-14", f"{base}/20190514083000id_/{earlier(today).url}"),
        (legacy.article_id, "2019-05-14", f"{base}/20190514083000id_/{legacy.url}"),
        (NOT_FOUND_ID, "2019-05-14", f"{base}/20190514083000id_/{removed(wayback['site']).url}"),
        (kazakh.article_id, "2020-07-01", f"{base}/20200701120000id_/{kazakh.url}"),
        (today.article_id, "2021-02-03", f"{base}/20210203040506id_/{today.url}")], key=lambda c: (c[1], c[0]))
    states = rows(archive_copy, "SELECT article_id, timestamp, state, detail FROM wayback_captures "
                  "ORDER BY timestamp, article_id")
    assert {(s["article_id"], s["timestamp"]): (s["state"], s["detail"]) for s in states}[
        (NOT_FOUND_ID, "20210203040506")] == ("skipped", "the same content as the capture of 20190514083000")
    assert sorted(s["state"] for s in states) == ["imported"] * 5 + ["skipped"]
    assert rows(archive_copy, "SELECT mode, status, base_url FROM crawl_runs ORDER BY run_id DESC LIMIT 1") == [
        {"mode": "import-wayback", "status": "finished", "base_url": wayback["pywb"].cdx}]

    # Again: nothing new is listed, nothing fetched.
    again = _import(archive_copy, wayback)
    assert again.stdout == (f"0 captures of articles imported (nothing stored); 0 new captures listed by "
                            f"{wayback['pywb'].cdx}; into {archive_copy}.\n")


@pytest.mark.e2e
def test_from_and_to_and_edition_choose_what_is_listed(wayback, tmp_path):
    db = tmp_path / "caravan.db"
    result = _import(db, wayback, "--from", "2020-01-01", "--to", "2020-12-31")
    assert result.stdout.startswith("1 captures of articles imported (1 new); 1 new captures listed")
    assert [r["edition"] for r in rows(db, "SELECT edition FROM articles")] == ["kk"]
    result = _import(db, wayback, "--edition", "kk")
    assert result.stdout.startswith("0 captures of articles imported (nothing stored); 0 new captures listed")
    bad = _import(db, wayback, "--from", "2020-13-01")
    assert (bad.returncode, bad.stderr) == (64, "Error: --from '2020-13-01' is not a date such as 2019-01-31\n")


def _importing(db: Path, wayback) -> subprocess.Popen:
    """import-wayback started in a process of its own, 3 s between fetches, once it has stored a capture."""
    process = subprocess.Popen([sys.executable, "-m", "caravan_spider.cli", "import-wayback", "--db", str(db), "--cdx",
                                wayback["pywb"].cdx, "--delay", "3", "--jobs", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if db.exists() and process.poll() is None:
            try:
                if rows(db, "SELECT count(*) AS n FROM captures")[0]["n"] >= 1:
                    break
            except Exception:  # the tables are being made
                pass
        time.sleep(0.05)
    return process


@pytest.mark.e2e
def test_a_killed_import_continues_where_it_was_and_imports_each_capture_once(wayback, tmp_path):
    db = tmp_path / "caravan.db"
    process = _importing(db, wayback)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    held = [r["source_ref"] for r in rows(db, "SELECT source_ref FROM captures ORDER BY source_ref")]
    assert 1 <= len(held) < 5  # each capture stored once fetched: killed 3 s before the next fetch
    # Whenever the kill came, the captures held are exactly those the list marks imported (one transaction).
    marked = "SELECT ? || '/' || timestamp || 'id_/' || url AS ref FROM wayback_captures WHERE state = ? ORDER BY ref"
    replay = wayback["pywb"].base + "/caravan"
    assert [r["ref"] for r in rows(db, marked, [replay, "imported"])] == held
    assert len(rows(db, marked, [replay, "pending"])) == 5 - len(held)
    result = _import(db, wayback)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{5 - len(held)} captures of articles imported (")
    assert "held already" not in result.stdout  # nothing the killed run stored was fetched again
    assert rows(db, "SELECT count(*) AS n, count(DISTINCT source_ref) AS refs FROM captures") == [{"n": 5, "refs": 5}]
    assert [r["ref"] for r in rows(db, marked, [replay, "imported"])] == \
        [r["source_ref"] for r in rows(db, "SELECT source_ref FROM captures ORDER BY source_ref")]
    assert rows(db, "SELECT state, detail FROM wayback_captures WHERE state != 'imported'") == [
        {"state": "skipped", "detail": "the same content as the capture of 20190514083000"}]
    assert rows(db, "SELECT status FROM crawl_runs ORDER BY run_id") == [{"status": "killed"}, {"status": "finished"}]


@pytest.mark.e2e
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_import_is_recorded_with_what_it_stored(wayback, tmp_path, stop):
    """Ctrl-C, or SIGTERM as systemd's stop sends it: the run is recorded interrupted, exit 130, as a crawl's."""
    db = tmp_path / "caravan.db"
    process = _importing(db, wayback)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (130, "Interrupted: run 1 recorded interrupted; what was stored is kept.\n")
    held = rows(db, "SELECT count(*) AS n FROM captures")[0]["n"]
    assert 1 <= held < 5
    assert rows(db, "SELECT status, articles_new, articles_updated, articles_unchanged FROM crawl_runs") == [
        {"status": "interrupted", "articles_new": held, "articles_updated": 0, "articles_unchanged": 0}]


def test_an_unreachable_cdx_server_is_one_line_and_a_failed_run(tmp_path):
    db = tmp_path / "caravan.db"
    result = in_process("import-wayback", "--db", str(db), "--cdx", "http://127.0.0.1:9/caravan/cdx", "--delay", "0")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the CDX server http://127.0.0.1:9/caravan/cdx cannot be reached (")
    assert result.stderr.count("\n") == 1
    assert rows(db, "SELECT mode, status FROM crawl_runs") == [{"mode": "import-wayback", "status": "failed"}]


class _WaybackMachine:
    """A server that answers as the Wayback Machine does (/cdx/search/cdx: a JSON array with a header row;
    /web/TIMESTAMPid_/URL: the raw page), its first `busy` answers to a capture a 503, the `cut` after them
    a page that ends halfway, the connection closed; its CDX lists the capture at `timestamp`."""

    def __init__(self, busy: int, timestamp: str = "20190514083000", cut: int = 0):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = SampleSite(articles=8)
        self.article = next(a for a in sorted(site.articles.values(), key=lambda a: a.article_id)
                            if a.layout == "legacy")
        body, content_type = page(self.article, site)
        self.asked: list[tuple[float, str, str]] = []
        machine = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                machine.asked.append((time.monotonic(), self.path, self.headers["User-Agent"]))
                if self.path.startswith("/cdx/search/cdx?"):
                    rows = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]]
                    if "www.caravan.kz%2Fnews%2F" in self.path:
                        rows.append(["kz,caravan)/news/x", timestamp, machine.article.url, "text/html", "200",
                                     "ABC", "1"])
                    answer, status, kind = json.dumps(rows).encode(), 200, "application/json"
                elif self.path == f"/web/{timestamp}id_/{machine.article.url}":
                    tries = sum(1 for _, path, _ in machine.asked if path == self.path)
                    answer, status, kind = (b"busy", 503, "text/plain") if tries <= busy else (body, 200, content_type)
                    if busy < tries <= busy + cut:
                        self.send_response(200)
                        self.send_header("Content-Type", content_type)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body[:len(body) // 2])
                        self.close_connection = True
                        return
                else:
                    answer, status, kind = b"no", 404, "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.cdx = f"http://127.0.0.1:{self.server.server_address[1]}/cdx/search/cdx"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.e2e
def test_the_wayback_machines_cdx_format_retries_after_a_5xx_and_waits_between_requests(tmp_path):
    machine = _WaybackMachine(busy=1)
    legacy, asked = machine.article, machine.asked
    db = tmp_path / "caravan.db"
    try:
        result = cli("import-wayback", "--db", str(db), "--cdx", machine.cdx, "--delay", "0.3", "--edition", "ru")
    finally:
        machine.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 captures of articles imported (1 new); 1 new captures listed")
    paths = [path.split("?")[0] for _, path, _ in asked]
    assert paths == ["/cdx/search/cdx", "/cdx/search/cdx", f"/web/20190514083000id_/{legacy.url}",
                     f"/web/20190514083000id_/{legacy.url}"]
    gaps = [later - earlier for (earlier, _, _), (later, _, _) in zip(asked, asked[1:])]
    assert min(gaps[:2]) >= 0.3 and gaps[2] >= 0.6  # the delay; after the 503, twice the delay
    assert {agent for _, _, agent in asked} == {f"caravan-archive/{__version__} (+{CARAVAN_CONTACT_URL})"}
    assert article_records(db)[legacy.article_id]["title"] == legacy.title


@pytest.mark.e2e
def test_a_capture_that_keeps_failing_is_left_to_the_next_run_which_imports_it(tmp_path):
    machine = _WaybackMachine(busy=2)
    db = tmp_path / "caravan.db"
    try:
        first = cli("import-wayback", "--db", str(db), "--cdx", machine.cdx, "--delay", "0", "--retries", "1")
        assert first.returncode == 4
        assert first.stdout == (f"0 captures of articles imported (nothing stored); 1 new captures listed by "
                                f"{machine.cdx}; 1 failed and are asked again next run; into {db}.\n")
        assert rows(db, "SELECT state, detail, attempts FROM wayback_captures") == [
            {"state": "failed", "detail": "answered 503", "attempts": 1}]
        # The run's row says what its exit status says: incomplete (exit 4), the capture that failed counted.
        assert rows(db, "SELECT status, articles_failed FROM crawl_runs") == [
            {"status": "incomplete", "articles_failed": 1}]
        second = cli("import-wayback", "--db", str(db), "--cdx", machine.cdx, "--delay", "0", "--retries", "1")
    finally:
        machine.stop()
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("1 captures of articles imported (1 new); 0 new captures listed")
    assert rows(db, "SELECT state, attempts FROM wayback_captures") == [{"state": "imported", "attempts": 2}]


@pytest.mark.e2e
def test_a_capture_is_stored_only_together_with_its_mark_in_the_list(tmp_path):
    """The capture, its article row and revision, and its row of the list marked imported are one
    transaction: when marking it fails (here a trigger refuses it), nothing of the capture is stored."""
    db = archive_refusing(tmp_path / "caravan.db", "CREATE TRIGGER refuse_imported BEFORE UPDATE OF state ON "
                          "wayback_captures WHEN NEW.state = 'imported' BEGIN SELECT RAISE(ABORT, 'the list refuses "
                          "imported'); END")
    machine = _WaybackMachine(busy=0)
    try:
        result = cli("import-wayback", "--db", str(db), "--cdx", machine.cdx, "--delay", "0", "--edition", "ru",
                     "--jobs", "0")
    finally:
        machine.stop()
    assert (result.returncode, result.stderr) == (1, "Error: the list refuses imported\n")
    assert rows(db, "SELECT (SELECT count(*) FROM captures) AS captures, (SELECT count(*) FROM articles) AS articles, "
                "(SELECT count(*) FROM revisions) AS revisions, (SELECT count(*) FROM articles_fts) AS indexed") == [
        {"captures": 0, "articles": 0, "revisions": 0, "indexed": 0}]
    assert rows(db, "SELECT state, detail, attempts FROM wayback_captures") == [
        {"state": "pending", "detail": None, "attempts": 0}]
    assert rows(db, "SELECT mode, status FROM crawl_runs") == [{"mode": "import-wayback", "status": "failed"}]


@pytest.mark.e2e
def test_a_capture_that_fails_in_its_last_run_is_given_up_and_said_so(tmp_path):
    """Asked again by RUNS_FOR_A_FAILURE runs, each an incomplete run (exit 4, as crawl_runs says); the
    last says it gives the capture up, its row says why, and the runs after ask for it no more."""
    from caravan_spider.importing.wayback import RUNS_FOR_A_FAILURE

    machine = _WaybackMachine(busy=1000)
    db = tmp_path / "caravan.db"

    def run():
        return in_process("import-wayback", "--db", str(db), "--cdx", machine.cdx, "--delay", "0", "--retries", "0",
                          "--edition", "ru", "--jobs", "0")

    try:
        results = [run() for _ in range(RUNS_FOR_A_FAILURE + 1)]
    finally:
        machine.stop()
    nothing = "0 captures of articles imported (nothing stored)"
    assert [(r.returncode, r.stdout) for r in results] == [
        (4, f"{nothing}; 1 new captures listed by {machine.cdx}; 1 failed and are asked again next run; into {db}.\n")
    ] + [(4, f"{nothing}; 0 new captures listed by {machine.cdx}; 1 failed and are asked again next run; "
             f"into {db}.\n")] * (RUNS_FOR_A_FAILURE - 2) + [
        (4, f"{nothing}; 0 new captures listed by {machine.cdx}; 1 failed in {RUNS_FOR_A_FAILURE} runs and are "
            f"given up; into {db}.\n"),
        (0, f"{nothing}; 0 new captures listed by {machine.cdx}; into {db}.\n")]
    assert rows(db, "SELECT state, detail, attempts FROM wayback_captures") == [
        {"state": "failed", "detail": f"answered 503; given up after {RUNS_FOR_A_FAILURE} runs",
         "attempts": RUNS_FOR_A_FAILURE}]
    assert [(r["status"], r["articles_failed"]) for r in rows(
        db, "SELECT status, articles_failed FROM crawl_runs ORDER BY run_id")] == \
        [("incomplete", 1)] * RUNS_FOR_A_FAILURE + [("finished", 0)]
    fetches = [path for _, path, _ in machine.asked if path.startswith("/web/")]
    assert len(fetches) == RUNS_FOR_A_FAILURE  # one a run (no retries), none after it was given up


@pytest.mark.parametrize("timestamp", ["2019-05-14", ""])
def test_a_cdx_line_whose_timestamp_is_no_time_is_one_line_and_nothing_listed(tmp_path, timestamp):
    machine = _WaybackMachine(busy=0, timestamp=timestamp)
    db = tmp_path / "caravan.db"
    try:
        for _ in range(2):  # and the next run is not stuck on it
            result = in_process("import-wayback", "--db", str(db), "--cdx", machine.cdx, "--delay", "0", "--edition", "ru")
            assert result.returncode == 1
            assert result.stderr.startswith(f"Error: the CDX server {machine.cdx} answered no CDX to {machine.cdx}?")
            assert result.stderr.count("\n") == 1, result.stderr
    finally:
        machine.stop()
    assert rows(db, "SELECT count(*) AS n FROM wayback_captures") == [{"n": 0}]
    assert [r["status"] for r in rows(db, "SELECT status FROM crawl_runs")] == ["failed", "failed"]


def test_from_after_to_is_one_line_and_nothing_asked_or_written(tmp_path):
    db = tmp_path / "caravan.db"
    result = in_process("import-wayback", "--db", str(db), "--cdx", "http://127.0.0.1:9/caravan/cdx",
                        "--from", "2020-01-01", "--to", "2019-12-31")
    assert (result.returncode, result.stdout) == (64, "")
    assert result.stderr == "Error: --from 2020-01-01 is after --to 2019-12-31: no capture can be both\n"
    assert not db.exists()


def test_an_answer_cut_by_the_connection_is_asked_again_and_imported_whole(tmp_path):
    """The web archive's answer ends before its Content-Length, the connection closed: a network error,
    asked again, not a page (nor a cut one skipped for good)."""
    machine = _WaybackMachine(busy=0, cut=1)
    db = tmp_path / "caravan.db"
    try:
        result = in_process("import-wayback", "--db", str(db), "--cdx", machine.cdx, "--delay", "0", "--edition", "ru",
                            "--jobs", "0")
    finally:
        machine.stop()
    assert result.stdout.startswith("1 captures of articles imported (1 new); 1 new captures listed"), result.stdout
    assert [path for _, path, _ in machine.asked if path.startswith("/web/")] == [
        f"/web/20190514083000id_/{machine.article.url}"] * 2
    whole = page(machine.article, SampleSite(articles=8))[0]
    assert rows(db, "SELECT sha256 FROM captures") == [{"sha256": hashlib.sha256(whole).hexdigest()}]
    assert rows(db, "SELECT state, attempts FROM wayback_captures") == [{"state": "imported", "attempts": 1}]
