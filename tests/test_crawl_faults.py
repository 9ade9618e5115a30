"""A hostile or broken site on the crawl's side (issue 20): odd sitemap entries, redirect loops, odd
lastmods, empty answers, and stopping. Each ends with nothing lost and nothing claimed that did not
happen. Real crawls through the real CLI against tests/faultserver.py on loopback."""

from __future__ import annotations

import pytest

from caravan_spider.sample_site.model import SampleSite

from conftest import article_records, crawl, rows
from faultserver import redirect, serving_faults, sitemap_entries
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
