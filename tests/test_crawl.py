"""End to end: the real spider crawls the sample site on loopback into a real SQLite file."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from caravan_spider.parsing import FIELDS

from conftest import ROOT, article_records, crawl, rows


def test_every_article_is_archived_with_its_fields(crawled):
    site = crawled["site"]
    archived = article_records(crawled["db"])
    assert set(archived) == set(site.articles)
    for article_id, expected in site.expected_records().items():
        for field in FIELDS:
            assert archived[article_id][field] == expected[field], (article_id, field)


def test_amp_copies_tag_pages_and_not_found_pages_do_not_become_rows(crawled):
    ids = {r["article_id"] for r in rows(crawled["db"], "SELECT article_id FROM articles")}
    assert 845001 not in ids  # listed in the sitemap, answers 200 «Страница не найдена»
    urls = {r["url"] for r in rows(crawled["db"], "SELECT url FROM articles")}
    assert all(u.startswith("https://www.caravan.kz/") and "/amp/" not in u and "/tag/" not in u for u in urls)
    not_article = rows(crawled["db"], "SELECT article_id, status FROM captures WHERE article_id NOT IN "
                                      "(SELECT article_id FROM articles)")
    assert not_article == [{"article_id": 845001, "status": 200}]


def test_each_article_is_fetched_once_whatever_the_link_form(crawled):
    site = crawled["site"]
    paths = [path for _, path, _ in crawled["requests"]]
    for article in site.articles.values():
        assert paths.count(article.path) == 1, article.path
    # AMP copies, utm_* variants and slash-less links were reduced to the canonical path.
    assert not [p for p in paths if p.startswith("/amp/") or "utm_" in p or "?" in p]


def test_robots_txt_is_obeyed_and_the_crawl_stays_on_the_site(crawled):
    paths = [path for _, path, _ in crawled["requests"]]
    assert paths.count("/robots.txt") == 1
    assert not [p for p in paths if p.startswith(("/search/", "/wp-admin/"))]
    assert "/sitemap_index.xml" in paths and "/feed/" in paths


def test_the_run_is_recorded(crawled):
    [run] = rows(crawled["db"], "SELECT * FROM crawl_runs")
    assert run["status"] == "finished"
    assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"], run["articles_failed"],
            run["not_articles"]) == (50, 0, 0, 0, 1)
    assert json.loads(run["responses_by_status"]) == {"200": run["requests"]}
    coverage = json.loads(run["coverage"])
    assert coverage["fields"]["title"] == coverage["fields"]["body"] == coverage["fields"]["published_at"] == 1.0
    assert coverage["layouts"] == {"today": 42, "legacy-2015": 8}
    # 2015-era pages have no modified date; today's pages without metadata neither.
    assert coverage["fields_by_layout"]["legacy-2015"]["title"] == 1.0
    assert "modified_at" not in coverage["fields_by_layout"]["legacy-2015"]
    assert "Crawl run 1 finished" in crawled["result"].stdout
    assert "holds 50 articles" in crawled["result"].stdout
    captures = re.search(r"Captures: 0\.\d\d MB fetched, stored zstd in 0\.0\d MB \(compression ratio (\d+\.\d)\)\.",
                         crawled["result"].stdout)
    assert captures and float(captures[1]) > 6  # zstd with a dictionary trained on the site's own pages


def test_archive_is_consistent_and_in_wal_mode(crawled):
    conn = sqlite3.connect(crawled["db"])
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        # one revision per article, each tied to its capture
        assert conn.execute("SELECT count(*), count(DISTINCT article_id) FROM revisions").fetchone() == (50, 50)
        assert conn.execute("SELECT count(*) FROM articles a JOIN captures c USING (capture_id) "
                            "WHERE c.article_id = a.article_id").fetchone() == (50,)
    finally:
        conn.close()


def test_full_text_index_is_in_sync(crawled):
    # The index holds lemmas («Голанских» in the body is indexed as «голанский») under the article's
    # doc_id (post ids of the two editions may collide).
    found = rows(crawled["db"], "SELECT a.edition, a.article_id FROM articles_fts JOIN articles AS a "
                                "ON a.doc_id = articles_fts.rowid WHERE articles_fts MATCH 'голанский'")
    assert found == [{"edition": "ru", "article_id": 845713}]
    assert rows(crawled["db"], "SELECT count(*) AS n FROM articles_fts") == [{"n": 50}]


def test_a_capture_is_never_altered(archive_copy):
    conn = sqlite3.connect(archive_copy)
    try:
        conn.execute("UPDATE captures SET status = 500 WHERE capture_id = 1")
        raise AssertionError("the update went through")
    except sqlite3.IntegrityError as error:
        assert str(error) == "captures are never altered"
    finally:
        conn.close()


def test_without_sitemaps_the_listing_pages_are_followed(fresh_site, tmp_path):
    site, base_url = fresh_site
    site.sitemaps = False
    db = tmp_path / "caravan.db"
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(article_records(db)) == set(site.articles)
    paths = [path for _, path, _ in site.requests]
    # 24 articles, 20 a page: page 2 is the last with articles, page 3 (404) ends the walk.
    assert [p for p in paths if p.startswith("/news/") and p.count("/") == 4 and "page" in p] == [
        "/news/page/2/", "/news/page/3/"]
    assert sorted(p for p in paths if "sitemap" in p) == ["/sitemap_index.xml", "/wp-sitemap.xml"]


def test_scrapy_crawl_runs_the_same_spider(sample, tmp_path):
    site, base_url = sample
    db = tmp_path / "caravan.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "caravan", "-a", f"base_url={base_url}", "-a", "edition=ru",
         "-s", f"CARAVAN_DB={db}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(article_records(db)) == set(site.articles)
    assert "caravan-archive/0.1.0 (+https://github.com/caravan-archive/caravan-archive)" in site.user_agents


def scrapy_crawl(db, base_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "caravan", "-a", f"base_url={base_url}", "-a",
                           "edition=ru", "-s", f"CARAVAN_DB={db}", "-s", "LOG_LEVEL=WARNING", "-s", "RETRY_TIMES=0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.e2e
def test_scrapy_crawl_exits_with_the_run_s_outcome(tmp_path):
    """Scrapy itself exits 0 whatever the run did; cron and systemd see what `caravan-archive crawl` gives:
    3 for a failed run (the site unreachable), 2 for an archive another run holds."""
    import os

    from caravan_spider.archive import Archive

    db = tmp_path / "caravan.db"
    failed = scrapy_crawl(db, "http://127.0.0.1:9")  # the discard port: nothing answers
    assert failed.returncode == 3, failed.stderr[-2000:]
    assert [r["status"] for r in rows(db, "SELECT status FROM crawl_runs")] == ["failed"]
    assert "Crawl run 1 failed in " in failed.stderr
    holder = Archive(db)
    holder.acquire(run_id=42)
    try:
        locked = scrapy_crawl(db, "http://127.0.0.1:9")
    finally:
        holder.close()
    assert locked.returncode == 2
    assert locked.stderr.count(f"{db} is locked by crawl run 42 (pid {os.getpid()})") == 1


def test_the_user_agent_names_the_contact_url_setting(fresh_site, tmp_path):
    site, base_url = fresh_site
    assert crawl(tmp_path / "caravan.db", base_url, "--set", "CARAVAN_CONTACT_URL=https://example.org/archive").returncode == 0
    assert site.user_agents == {"caravan-archive/0.1.0 (+https://example.org/archive)"}


@pytest.mark.e2e
def test_sample_site_command_serves_the_site(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "caravan_spider.cli", "sample-site", "--port", "0",
                                "--kk-port", "0", "--articles", "12"], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"Sample site with 12 articles per edition: ru at (http://127\.0\.0\.1:\d+)/, "
                          r"kk at (http://127\.0\.0\.1:\d+)/", line)
        assert match, line
        with urllib.request.urlopen(match[1] + "/robots.txt") as response:
            robots = response.read().decode()
        assert f"Sitemap: {match[1]}/sitemap_index.xml" in robots
        with urllib.request.urlopen(match[2] + "/art/") as response:
            assert "Жаңалықтар" in response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
