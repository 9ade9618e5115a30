"""One typed Config per run (issue 22, item 2): validated once, made into Scrapy settings and read back
from them, stored with the run, and used by the offline commands that must do what the crawl did."""

from __future__ import annotations

from conftest import cli, crawl, rows

FURNITURE = "SELECT edition, line, pages, share, window_start, window_end, window_pages, min_share FROM furniture " \
            "ORDER BY edition, line"


def test_reextract_learns_furniture_with_the_settings_the_crawl_used(fresh_site, tmp_path):
    """A crawl told to learn only what is on 90 % of pages: reextract relearned with the module's 30 % and
    replaced the table (and so the text of articles) with what the crawl was told not to learn."""
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    done = crawl(db, base_url, "--set", "CARAVAN_FURNITURE_MIN_SHARE=0.9", "--set", "CARAVAN_FURNITURE_MIN_PAGES=6")
    assert done.returncode == 0, done.stderr[-2000:]
    learned = rows(db, FURNITURE)
    assert learned and {row["min_share"] for row in learned} == {0.9}
    again = cli("reextract", "--db", str(db), "--jobs", "1")
    assert again.returncode == 0, again.stderr[-2000:]
    assert rows(db, FURNITURE) == learned
    assert again.stdout.startswith(f"Re-extracted {len(site.articles)} articles: 0 changed, 0 added.\n")
