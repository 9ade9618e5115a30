"""A hostile or broken site on the crawl's side (issue 20): odd sitemap entries, redirect loops, odd
lastmods, empty answers, and stopping. Each ends with nothing lost and nothing claimed that did not
happen. Real crawls through the real CLI against tests/faultserver.py on loopback."""

from __future__ import annotations

import pytest

from caravan_spider.sample_site.model import SampleSite

from conftest import article_records, crawl, rows
from faultserver import serving_faults, sitemap_entries
from test_faults import clean, problems, run_row  # noqa: F401  clean: a fixture

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
