"""A hostile or broken site on the crawl's side (issue 20): odd sitemap entries, redirect loops, odd
lastmods, empty answers, and stopping. Each ends with nothing lost and nothing claimed that did not
happen. Real crawls through the real CLI against tests/faultserver.py on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from caravan_spider.almaty import ALMATY
from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.sample_site.server import serving

from conftest import archive_refusing, article_fetches, article_records, crawl, rows, wait_for_articles
from faultserver import redirect, replace, retry_after, serving_faults, sitemap_entries, stall
from test_faults import clean, faulty, fetch_count, problems, run_row  # noqa: F401  clean, faulty: fixtures

pytestmark = pytest.mark.e2e


# --- sitemap entries that cannot be used as they are ----------------------------------------------
def test_a_bad_sitemap_entry_skips_that_entry_and_no_other(tmp_path, clean):
    """A <lastmod> of year 1 with an offset (OverflowError in planning) or a <loc> urlsplit refuses
    (ValueError) dropped every entry after it, on every run, exit 0; a post id above 2^63 (more than
    SQLite's INTEGER) lost the coverage of the whole sitemap. Now each bad entry is counted and named, and only its bad part is skipped."""
    site = SampleSite(articles=60)  # more than the feed and the first listing pages show
    oldest, second = sorted(site.listed(), key=lambda a: a.published)[:2]  # the sitemap's first entries
    with serving_faults(site) as (base_url, faults):
        huge = f"{base_url}/news/ogromnyi-nomer-{2 ** 64}/"
        broken = "http://[::1/news/slomannyi-adres-845999/"  # urlsplit raises ValueError
        faults["/post-sitemap.xml"] = sitemap_entries(
            first=[(huge, "2025-06-01T10:00:00+05:00"), (broken, None)],
            lastmods={oldest.path: "0001-01-01T00:00:00+05:00", second.path: "9999-12-31T23:59:59-05:00"})
        db = tmp_path / "caravan.db"
        result = crawl(db, base_url)
        again = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    run = run_row(db, 1)
    assert (run["status"], run["articles_new"]) == ("finished", 60)
    assert run["errors_by_kind"] == {"sitemap:bad_lastmod": 2, "sitemap:bad_loc": 1, "sitemap:bad_post_id": 1}
    assert problems(db, 1) == [("bad_lastmod", None), ("bad_loc", None), ("bad_post_id", None)]
    details = {r["kind"]: r["detail"] for r in rows(db, "SELECT kind, detail FROM crawl_problems WHERE run_id = 1")}
    assert details["bad_post_id"] == (f"sitemap {base_url}/post-sitemap.xml: 1 entry skipped (its post id is "
                                      f"beyond 2^63 - 1): {huge}")
    assert details["bad_loc"] == (f"sitemap {base_url}/post-sitemap.xml: 1 entry skipped (its address is no URL): "
                                  f"{broken}")
    assert details["bad_lastmod"] == (
        f"sitemap {base_url}/post-sitemap.xml: 2 entries kept without their <lastmod> (no date, or not a plausible "
        "one): "
        f"{base_url}{oldest.path} '0001-01-01T00:00:00+05:00', "
        f"{base_url}{second.path} '9999-12-31T23:59:59-05:00'")
    assert "Traceback" not in result.stderr
    assert article_records(db) == clean(60)
    # Coverage: every post of the sitemap is listed, the bad lastmods are not stored anywhere.
    assert rows(db, "SELECT count(*) AS n FROM listings WHERE sources LIKE '%sitemap%'") == [{"n": 61}]
    assert rows(db, "SELECT lastmod FROM listings WHERE article_id IN (?, ?)",
                [oldest.article_id, second.article_id]) == [{"lastmod": None}] * 2
    assert rows(db, "SELECT lastmod FROM articles WHERE article_id IN (?, ?)",
                [oldest.article_id, second.article_id]) == [{"lastmod": None}] * 2
    # The next run says so again, and fetches nothing for it.
    assert again.returncode == 0, again.stderr[-2000:]
    assert run_row(db, 2)["errors_by_kind"] == {"sitemap:bad_lastmod": 2, "sitemap:bad_loc": 1, "sitemap:bad_post_id": 1}
    assert run_row(db, 2)["articles_new"] == 0


# --- redirects that never end -----------------------------------------------------------------------
def test_a_redirect_loop_to_the_article_itself_is_a_failed_fetch_not_a_removal(faulty, tmp_path, clean):
    """/news/slug-ID/ → /news/slug-ID → /news/slug-ID/ (a trailing-slash loop, the same post): every
    archived article was marked unpublished, exit 0. A loop is a fetch that failed; the next run asks again."""
    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    for article in site.listed():
        faults[article.path] = redirect(article.path.rstrip("/"))
        faults[article.path.rstrip("/")] = redirect(article.path)
    mark = len(site.requests)
    result = crawl(db, base_url, "--full")
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 2)
    assert (run["status"], run["articles_failed"], run["articles_unpublished"]) == ("failed", 24, 0)
    assert run["errors_by_kind"] == {"redirect_loop": 24}
    assert problems(db, 2) == sorted(("redirect_loop", a) for a in site.articles)
    [detail] = [r["detail"] for r in rows(db, "SELECT detail FROM crawl_problems WHERE run_id = 2 AND article_id = ?",
                                         [site.newest_first()[0].article_id])]
    newest = site.newest_first()[0].path
    assert detail == (f"article {site.newest_first()[0].article_id}: redirect loop {base_url}{newest} → "
                      f"{base_url}{newest.rstrip('/')} → {base_url}{newest}; the next run tries again")
    # Each address of the loop asked once: the loop is seen when it comes back, not after 5 hops.
    assert all(fetch_count(site, path, mark) == 1 for a in site.listed() for path in (a.path, a.path.rstrip("/")))
    assert rows(db, "SELECT DISTINCT status FROM articles") == [{"status": "live"}]
    assert rows(db, "SELECT count(*) AS n FROM status_changes") == [{"n": 0}]
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE status = 301") == [{"n": 0}]
    faults.clear()
    assert crawl(db, base_url, "--full").returncode == 0
    assert article_records(db) == clean(24)


def test_too_many_redirects_to_the_article_itself_are_a_failed_fetch(faulty, tmp_path):
    """A chain of new addresses of the same post that never ends (each hop a new slug) is no removal either."""
    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    article = site.newest_first()[0]
    stem = article.path.rstrip("/").rsplit("-", 1)[0]
    hops = [f"{stem}-hop{n}-{article.article_id}/" for n in range(8)]
    for here, there in zip([article.path, *hops], hops):
        faults[here] = redirect(there)
    result = crawl(db, base_url, "--full")
    assert result.returncode == 0, result.stderr[-2000:]  # 1 of 24: listed, retried, not fatal
    assert problems(db, 2) == [("redirect_loop", article.article_id)]
    assert rows(db, "SELECT status FROM articles WHERE article_id = ?", [article.article_id]) == [{"status": "live"}]


# --- lastmods that lie about when the article changed -------------------------------------------------
def _sitemap_only(site: SampleSite, count: int) -> list:
    """The oldest articles: listed in the sitemap only (not the feed nor the first listing pages), so
    what the sitemap says of them is all a run knows."""
    return sorted(site.listed(), key=lambda a: a.published)[:count]


def test_a_lastmod_in_the_future_is_never_stored_and_hides_no_later_edit(tmp_path):
    """Seen once, a lastmod of 2031 became articles.lastmod, and every real lastmod after it was older:
    the article's edits were missed until its yearly recheck."""
    site = SampleSite(articles=60)
    article = _sitemap_only(site, 1)[0]
    with serving_faults(site) as (base_url, faults):
        db = tmp_path / "caravan.db"
        assert crawl(db, base_url).returncode == 0
        recorded = rows(db, "SELECT lastmod FROM articles WHERE article_id = ?", [article.article_id])
        faults["/post-sitemap.xml"] = sitemap_entries(lastmods={article.path: "2031-01-01T00:00:00+05:00"})
        poisoned = crawl(db, base_url)
        kept = rows(db, "SELECT lastmod FROM articles WHERE article_id = ?", [article.article_id])
        faults.clear()
        site.edit(article.article_id, "Редакция дополнила материал.")
        mark = len(site.requests)
        edited = crawl(db, base_url)
    assert poisoned.returncode == 0, poisoned.stderr[-2000:]
    assert run_row(db, 2)["errors_by_kind"] == {"sitemap:bad_lastmod": 1}
    assert f"{base_url}{article.path} '2031-01-01T00:00:00+05:00'" in rows(
        db, "SELECT detail FROM crawl_problems WHERE run_id = 2")[0]["detail"]
    assert kept == recorded
    assert edited.returncode == 0, edited.stderr[-2000:]
    assert article_fetches(site, mark) == [(article.path, 200)]
    assert run_row(db, 3)["articles_updated"] == 1
    assert "Редакция дополнила материал." in article_records(db)[article.article_id]["body"]


def test_a_changed_lastmod_is_fetched_whatever_it_says_of_the_time(tmp_path):
    """An edit whose lastmod is earlier than our last fetch was ignored (compared with max(lastmod,
    fetched_at)): a server clock an hour behind, or a lastmod written in UTC without an offset (read as
    Almaty time, 5 h early). A lastmod that differs from the one recorded is fetched, conditionally."""
    site = SampleSite(articles=60)
    behind, no_offset, untouched = _sitemap_only(site, 3)
    with serving_faults(site) as (base_url, faults):
        db = tmp_path / "caravan.db"
        assert crawl(db, base_url).returncode == 0
        [fetched] = rows(db, "SELECT max(fetched_at) AS at FROM articles")
        for article in (behind, no_offset):
            site.edit(article.article_id, "Редакция дополнила материал.")
        hour_before = datetime.fromisoformat(fetched["at"]) - timedelta(hours=1)
        utc_now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        faults["/post-sitemap.xml"] = sitemap_entries(lastmods={
            behind.path: hour_before.astimezone(ALMATY).isoformat(timespec="seconds"),
            no_offset.path: utc_now.isoformat()})
        mark = len(site.requests)
        result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(article_fetches(site, mark)) == sorted([(behind.path, 200), (no_offset.path, 200)])
    assert run_row(db, 2)["articles_updated"] == 2
    records = article_records(db)
    assert all("Редакция дополнила материал." in records[a.article_id]["body"] for a in (behind, no_offset))
    assert "Редакция дополнила материал." not in records[untouched.article_id]["body"]


def test_every_article_records_the_lastmod_its_copy_answers(tmp_path):
    """An article first found in the feed or a listing was stored without a lastmod and kept none: the
    sitemap's next lastmod could then only be compared with our fetch time. Its copy answers the lastmod
    the site listed before it was fetched; a 304 records it too."""
    site = SampleSite(articles=24)
    with serving_faults(site) as (base_url, faults):
        db = tmp_path / "caravan.db"
        assert crawl(db, base_url).returncode == 0
        assert crawl(db, base_url, "--full").returncode == 0
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE lastmod IS NULL") == [{"n": 0}]
    assert rows(db, "SELECT count(*) AS n FROM articles JOIN listings USING (edition, article_id) "
                    "WHERE articles.lastmod IS NOT listings.lastmod") == [{"n": 0}]


# --- answers with nothing in them ------------------------------------------------------------------
def test_empty_answers_are_failed_fetches_and_fail_the_run(faulty, tmp_path, clean):
    """A site answering 200 with an empty body for every article was "finished … 24 not articles", exit
    0. An empty answer is a fetch that failed: nothing is stored, and the next run asks again."""
    site, base_url, faults = faulty
    for article in site.listed():
        faults[article.path] = replace(b"")
    faults[site.newest_first()[0].path] = replace(b" \r\n")  # only whitespace: as empty
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 1)
    assert (run["status"], run["articles_failed"], run["not_articles"]) == ("failed", 24, 1)  # the stale entry
    assert run["message"] == "24 of 25 planned article fetches failed"
    assert run["errors_by_kind"] == {"empty": 24}
    assert problems(db, 1) == sorted(("empty", a) for a in site.articles)
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE size <= 3") == [{"n": 0}]
    assert rows(db, "SELECT DISTINCT state, reason FROM listings WHERE article_id != 845001") == [
        {"state": "failed", "reason": "empty"}]
    faults.clear()
    assert crawl(db, base_url).returncode == 0
    assert article_records(db) == clean(24)


def test_one_byte_answers_neither_crash_dictionary_training_nor_pass_for_a_finished_run(faulty, tmp_path, clean):
    """Eight 1-byte captures made zstd's dictionary trainer crash the process (exit 139), and it did so
    again at the end of later runs, against a healthy site too. Tiny captures are no samples; the run
    says what happened (every article URL answered something that is not HTML: a failed run), and the next
    run archives everything."""
    site, base_url, faults = faulty
    for article in site.listed():
        faults[article.path] = replace(b"x", "text/plain")  # as HTML it would be cut short (no </html>)
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 1)
    assert (run["status"], run["not_articles"]) == ("failed", 25)
    assert run["message"] == "25 of 25 answers to article URLs were no article (not an HTML page: 24, not found page: 1)"
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE size = 1") == [{"n": 24}]
    assert rows(db, "SELECT count(*) AS n FROM capture_dictionaries") == [{"n": 0}]  # nothing to learn from
    faults.clear()
    healthy = crawl(db, base_url, "--set", "CARAVAN_RECHECK_NOT_ARTICLE_HOURS=0")
    assert healthy.returncode == 0, healthy.stderr[-2000:]
    assert article_records(db) == clean(24)
    # Compacted at the end of the healthy run: every capture, the tiny ones too, on one good dictionary.
    assert rows(db, "SELECT count(DISTINCT dictionary_id) AS n, count(*) AS captures FROM captures") == [
        {"n": 1, "captures": 50}]
    assert "Traceback" not in healthy.stderr


def test_most_answers_not_being_articles_fails_the_run(faulty, tmp_path, clean):
    """Every article URL answering 200 «Страница не найдена» (a broken site, a block page) was "finished …
    25 not articles", exit 0. A run whose article URLs mostly answer no article has not done its work."""
    site, base_url, faults = faulty
    for article in site.listed():
        faults[article.path] = replace(render.not_found_page(site.anchor).encode())
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 1)
    assert (run["status"], run["not_articles"]) == ("failed", 25)
    assert run["message"] == "25 of 25 answers to article URLs were no article (not found page: 25)"
    faults.clear()
    assert crawl(db, base_url, "--set", "CARAVAN_RECHECK_NOT_ARTICLE_HOURS=0").returncode == 0
    assert article_records(db) == clean(24)


# --- stopping ------------------------------------------------------------------------------------------
def crawl_process(db, base_url: str, *args: str, **popen) -> subprocess.Popen:
    """A crawl of the Russian edition as a process of its own, to stop with real signals."""
    return subprocess.Popen(
        [sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db), "--base-url", base_url, "--edition", "ru",
         "--set", "CARAVAN_PROGRESS_INTERVAL=60", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=db.parent, **popen)


def stop(process, *signums: int) -> tuple[str, str, float]:
    """Send the signals a second apart; (stdout, stderr, seconds from the first signal to the exit)."""
    started = time.monotonic()
    for n, signum in enumerate(signums):
        if n:
            time.sleep(1.0)
        process.send_signal(signum)
    out, err = process.communicate(timeout=400)
    return out, err, time.monotonic() - started


def test_a_stop_during_a_long_retry_after_ends_at_once(faulty, tmp_path):
    """SIGTERM while the crawl waited out a 503's Retry-After: 300 exited 298 s later (systemd kills a
    unit at 90 s). A stop ends the wait: the page is left to the next run, as a failed fetch."""
    site, base_url, faults = faulty
    waiting = site.newest_first()[0]
    faults[waiting.path] = retry_after(300)
    db = tmp_path / "caravan.db"
    process = crawl_process(db, base_url)
    wait_for_articles(process, db, 23)
    while fetch_count(site, waiting.path) == 0 and process.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)  # into the wait
    out, err, seconds = stop(process, signal.SIGTERM)
    print(f"stopped {seconds:.1f} s after SIGTERM")
    assert process.returncode == 130, err[-2000:]
    assert seconds < 30
    run = run_row(db, 1)
    assert (run["status"], run["articles_new"], run["articles_failed"]) == ("interrupted", 23, 1)
    assert problems(db, 1) == [("http_503", waiting.article_id)]
    assert fetch_count(site, waiting.path) == 1  # not retried on the way out
    assert "Crawl run 1 interrupted" in out and "Traceback" not in err


@pytest.mark.parametrize("signums", [[signal.SIGTERM], [signal.SIGTERM, signal.SIGTERM]], ids=["once", "twice"])
def test_a_stop_with_a_request_in_flight_ends_in_seconds_and_says_interrupted(faulty, tmp_path, signums):
    """A server that hangs keeps a request in flight: a stop waited for it (DOWNLOAD_TIMEOUT); a second
    SIGTERM then stopped the process at once, exit 3, "running … None requests", the run left
    `running` (the next run called it killed). A stop ends within CARAVAN_STOP_GRACE (5 s) whatever the
    crawl waits on, and the run is recorded interrupted, with what it did."""
    site, base_url, faults = faulty
    hanging = site.newest_first()[0]
    faults[hanging.path] = stall(200)
    db = tmp_path / "caravan.db"
    process = crawl_process(db, base_url, "--set", "DOWNLOAD_TIMEOUT=300")
    wait_for_articles(process, db, 23)
    while fetch_count(site, hanging.path) == 0 and process.poll() is None:
        time.sleep(0.05)
    out, err, seconds = stop(process, *signums)
    print(f"stopped {seconds:.1f} s after the first SIGTERM")
    assert process.returncode == 130, err[-2000:]
    assert seconds < 30
    run = run_row(db, 1)
    assert (run["status"], run["articles_new"]) == ("interrupted", 23)
    assert run["message"] == ("interrupted (Ctrl-C or SIGTERM) and stopped at once, with requests still in flight; "
                              "the next run continues")
    assert run["requests"] >= 25 and run["finished_at"] is not None
    assert "Crawl run 1 interrupted" in out and "None requests" not in out
    assert "Traceback" not in err


def test_a_run_whose_end_cannot_be_recorded_in_full_is_not_left_running(faulty, tmp_path):
    """The end-of-run record failed (here a trigger refuses the figures; a full disk, a lock held too
    long): the row stayed `running`, and the crawl printed "running … None requests", exit 3."""
    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    archive_refusing(db, "CREATE TRIGGER refuse BEFORE UPDATE OF coverage ON crawl_runs "
                         "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    result = crawl(db, base_url)
    assert result.returncode == 3, result.stderr[-2000:]
    run = run_row(db, 1)
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert run["message"] == ("the run's end could not be recorded in full (IntegrityError: disk says no); it had "
                              "ended finished: finish reason: finished")
    assert "Crawl run 1 failed" in result.stdout and "None requests" not in result.stdout
    assert len(article_records(db)) == 24


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "systemd-stop"])
def test_a_stop_sent_to_the_whole_process_group_spares_the_parse_workers(tmp_path, signum):
    """Ctrl-C on a terminal signals the whole process group (systemd's stop, every process of the unit):
    the parse workers died of it mid-page, each with a traceback, and their pages were recorded as
    parse_error problems that never happened. Workers leave stopping to the crawl."""
    site = SampleSite(articles=120)
    with serving(site) as base_url:
        db = tmp_path / "caravan.db"
        process = crawl_process(db, base_url, "--set", "CARAVAN_PARSE_WORKERS=2", "--set", "DOWNLOAD_DELAY=0.02",
                                start_new_session=True)
        wait_for_articles(process, db, 10)
        os.killpg(process.pid, signum)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    run = run_row(db, 1)
    assert run["status"] == "interrupted" and 10 <= run["articles_new"] < 120
    assert problems(db, 1) == []


# --- a redirect kept as it was answered ---------------------------------------------------------------
def test_a_warc_holds_a_redirect_as_the_site_answered_it(faulty, tmp_path):
    """The captures of redirects that unpublished an article were written `HTTP/1.1 302 OK` without
    their Location: a replay tool could not follow them. Each capture keeps where it pointed."""
    from warcio.archiveiterator import ArchiveIterator

    from conftest import cli

    site, base_url, faults = faulty
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    moved, found = site.newest_first()[:2]
    site.unpublish(moved.article_id, "redirect")  # 301 to /news/
    faults[found.path] = redirect("/news/?from=removed", 302)
    assert crawl(db, base_url, "--full").returncode == 0
    warc = tmp_path / "captures.warc.gz"
    assert cli("export", "--db", str(db), "--warc", "-o", str(warc)).returncode == 0
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)], check=True, capture_output=True)
    with open(warc, "rb") as stream:
        answers = {record.rec_headers.get_header("WARC-Caravan-Fetched-URI"):
                   (record.http_headers.protocol, record.http_headers.statusline,
                    record.http_headers.get_header("Location"), record.http_headers.get_header("Content-Length"))
                   for record in ArchiveIterator(stream) if record.rec_type == "response"
                   and record.http_headers.statusline[:1] == "3"}
    assert answers == {base_url + moved.path: ("HTTP/1.1", "301 Moved Permanently", "/news/", "0"),
                       base_url + found.path: ("HTTP/1.1", "302 Found", "/news/?from=removed", "0")}
    assert rows(db, "SELECT status, location FROM captures WHERE status >= 300 ORDER BY status") == [
        {"status": 301, "location": "/news/"}, {"status": 302, "location": "/news/?from=removed"}]
