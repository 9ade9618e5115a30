"""Scheduled crawls: incremental, conditional, resumable, one at a time, loud on drift."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from caravan_spider.archive import Archive

from conftest import article_fetches, article_records, crawl, rows, wait_for_articles


def test_unchanged_site_recrawl_downloads_no_article_body(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    mark = len(site.requests)
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert article_fetches(site, mark) == []
    [_, second] = rows(db, "SELECT * FROM crawl_runs ORDER BY run_id")
    assert (second["status"], second["articles_new"], second["articles_updated"]) == ("finished", 0, 0)


def test_an_edit_and_a_new_article_cost_exactly_two_downloads(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    edited = site.newest_first()[3]
    site.edit(edited.article_id, "Редакция дополнила материал комментарием министерства.")
    new = site.publish("В Алматы открылся новый парк", [
        "Парк разбили на месте бывшей промзоны у реки Есентай.",
        "В парке высадили две тысячи деревьев, проложили велодорожки вдоль реки Есентай и построили три "
        "детские площадки. Вход в парк будет бесплатным круглый год, сообщили в акимате города."])
    mark = len(site.requests)
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(article_fetches(site, mark)) == sorted([(edited.path, 200), (new.path, 200)])
    archived = article_records(db)
    assert archived[edited.article_id]["body"].endswith("комментарием министерства.")
    assert archived[new.article_id] == new.expected_record()
    revisions = rows(db, "SELECT article_id, body FROM revisions WHERE article_id = ? ORDER BY revision_id",
                     [edited.article_id])
    assert len(revisions) == 2 and not revisions[0]["body"].endswith("министерства.")
    [run] = rows(db, "SELECT * FROM crawl_runs WHERE run_id = 2")
    assert (run["articles_new"], run["articles_updated"]) == (1, 1)


def test_views_alone_update_the_article_without_a_revision(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    article = site.newest_first()[0]
    site.add_views(article.article_id, 500)
    assert crawl(db, base_url, "--full").returncode == 0
    [row] = rows(db, "SELECT views FROM articles WHERE article_id = ?", [article.article_id])
    assert row["views"] == article.views + 500
    assert rows(db, "SELECT count(*) AS n FROM revisions WHERE article_id = ?", [article.article_id]) == [{"n": 1}]
    # --full revisits everything, but conditionally: unchanged pages answer 304.
    statuses = [status for _, path, status in site.requests if path == site.newest_first()[5].path]
    assert statuses == [200, 304]


def test_a_second_run_on_the_same_archive_is_refused(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    holder = Archive(db)
    holder.acquire(run_id=42)
    try:
        result = crawl(db, base_url)
    finally:
        holder.close()
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"{db} is locked by crawl run 42 (pid {os.getpid()}); wait for it to finish or stop it"
    assert "Traceback" not in result.stderr
    assert site.requests == []  # refused before the first request
    assert rows(db, "SELECT count(*) AS n FROM articles") == [{"n": 0}]
    assert crawl(db, base_url).returncode == 0  # the lock went with its holder


def test_a_failing_article_is_retried_by_the_next_run(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    broken = site.newest_first()[2]
    site.fail(broken.path, 500, times=4)  # more than RETRY_TIMES
    result = crawl(db, base_url, "--set", "CARAVAN_RETRY_BACKOFF=0.2")
    assert result.returncode == 0
    assert f"article {broken.article_id} failed: http_500" in result.stderr
    # Three retries, each after a longer wait: 0.2 s, 0.4 s, 0.8 s.
    times = site.served_at[broken.path]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    # Lower bounds only: a loaded machine can stretch any gap, never shorten one.
    assert len(gaps) == 3 and all(gap >= wait for gap, wait in zip(gaps, (0.2, 0.4, 0.8)))
    [run] = rows(db, "SELECT * FROM crawl_runs")
    assert run["articles_failed"] == 1 and json.loads(run["errors_by_kind"])["http_500"] == 1
    assert broken.article_id not in article_records(db)
    assert crawl(db, base_url).returncode == 0
    assert article_records(db)[broken.article_id] == broken.expected_record()


def test_retry_after_is_honoured(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    article = site.newest_first()[1]
    site.fail(article.path, 503, times=1, headers={"Retry-After": "2"})
    assert crawl(db, base_url).returncode == 0
    served = [status for _, path, status in site.requests if path == article.path]
    assert served == [503, 200]
    first, second = site.served_at[article.path]
    assert second - first >= 2.0  # Retry-After: 2, not the 5 s backoff and not at once
    assert second - first < 5.0
    assert article_records(db)[article.article_id] == article.expected_record()
    [run] = rows(db, "SELECT errors_by_kind FROM crawl_runs")
    assert json.loads(run["errors_by_kind"]) == {}


def test_markup_drift_fails_the_run_loudly(fresh_site, tmp_path):
    site, base_url = fresh_site
    site.markup = "js-app"
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 1
    [run] = rows(db, "SELECT status, message, coverage FROM crawl_runs")
    assert run["status"] == "drift"
    # 4 of the 24 articles are 2015-era pages, still readable; the 20 redesigned ones are not.
    assert "body found in 17% of 24 article pages (minimum 90%)" in run["message"]
    assert "site drift: body found in 17%" in result.stderr
    assert json.loads(run["coverage"])["unparsed"] == 20


def _kill_when(process: subprocess.Popen, db, at_least: int, deadline: float = 120) -> None:
    wait_for_articles(process, db, at_least, deadline)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.e2e
@pytest.mark.parametrize("jobdir", [False, True], ids=["archive-only", "with-jobdir"])
def test_a_killed_crawl_resumes_to_the_same_archive(tmp_path, jobdir):
    from caravan_spider.sample_site.model import SampleSite
    from caravan_spider.sample_site.server import serving

    site = SampleSite(articles=120)
    with serving(site) as base_url:
        reference = tmp_path / "reference.db"
        assert crawl(reference, base_url).returncode == 0
        db = tmp_path / "killed.db"
        slow = ["--set", "DOWNLOAD_DELAY=0.02", "--set", "CONCURRENT_REQUESTS=2"]
        if jobdir:  # Scrapy's own resume state, killed mid-write as well
            slow += ["--jobdir", str(tmp_path / "job")]
        for at_least in (1, 30, 75):
            process = subprocess.Popen(
                [sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db), "--base-url", base_url, "--edition",
                 "ru", *slow],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
            _kill_when(process, db, at_least)
        assert crawl(db, base_url, *(["--jobdir", str(tmp_path / "job")] if jobdir else [])).returncode == 0
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    assert article_records(db) == article_records(reference)
    assert rows(db, "SELECT count(*) AS n, count(DISTINCT article_id) AS d FROM revisions") == [{"n": 120, "d": 120}]
    statuses = [r["status"] for r in rows(db, "SELECT status FROM crawl_runs ORDER BY run_id")]
    assert statuses == ["killed", "killed", "killed", "finished"]


def test_since_revisits_articles_published_since_a_date(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    mark = len(site.requests)
    assert crawl(db, base_url, "--since", "2026-01-10").returncode == 0
    recent = {a.path for a in site.articles.values() if a.published.date().isoformat() >= "2026-01-10"}
    assert 2 <= len(recent) < len(site.articles)
    fetched = article_fetches(site, mark)
    assert {path for path, _ in fetched} == recent
    assert {status for _, status in fetched} == {304}  # conditional: nothing changed
    [run] = rows(db, "SELECT mode, articles_unchanged FROM crawl_runs WHERE run_id = 2")
    assert run == {"mode": "since 2026-01-10", "articles_unchanged": len(recent)}


