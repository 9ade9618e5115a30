"""Figures for issue 8's limits. Prints them; asserts nothing (the tests assert the outcomes).

    python benchmarks/faults.py

- peak RSS of a crawl where every article page is a gzip bomb (4 MB on the wire, 4 GiB decoded)
- peak RSS of a crawl whose post sitemap is a .xml.gz bomb (4 MB → 4 GiB)
- seconds until a crawl of a site that is down reports `failed`
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from faultserver import bomb, gzip_bomb, serving_faults  # noqa: E402
from run import child  # noqa: E402

from caravan_spider.archive import Archive  # noqa: E402
from caravan_spider.sample_site.model import SampleSite  # noqa: E402

GIB = 1024 ** 3


def crawl_args(db: Path, base_url: str) -> list[str]:
    return [sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db), "--base-url", base_url,
            "--edition", "ru", "--set", "CARAVAN_PROGRESS_INTERVAL=60"]


def status_of(db: Path) -> tuple[str, str]:
    archive = Archive(db, read_only=True)
    try:
        [run] = archive.runs(1)
    finally:
        archive.close()
    return run["status"], run["errors_by_kind"]


def main() -> None:
    started = time.monotonic()
    gzip_bomb(4 * GIB)
    gzip_bomb(4 * GIB, b'<?xml version="1.0"?><urlset>')
    print(f"(bombs built in {time.monotonic() - started:.0f} s: {len(gzip_bomb(4 * GIB)) / 1e6:.1f} MB each)")
    with tempfile.TemporaryDirectory() as tmp:
        site = SampleSite(articles=50)
        with serving_faults(site) as (base_url, faults):
            for article in site.articles.values():
                faults[article.path] = bomb(4 * GIB)
            db = Path(tmp) / "bombs.db"
            seconds, rss = child(crawl_args(db, base_url), ok_status=(0, 3, 4))
            print(f"every article a 4 GiB gzip bomb ({len(site.articles)} pages): peak RSS {rss:.0f} MiB, "
                  f"{seconds:.1f} s, run {status_of(db)}")
            faults.clear()
            faults["/post-sitemap.xml"] = bomb(4 * GIB, "application/x-gzip", encoded=False,
                                               prefix=b'<?xml version="1.0"?><urlset>')
            db = Path(tmp) / "sitemap.db"
            seconds, rss = child(crawl_args(db, base_url), ok_status=(0, 3, 4))
            print(f"post sitemap a 4 GiB .xml.gz bomb: peak RSS {rss:.0f} MiB, {seconds:.1f} s, run {status_of(db)}")
            faults["/post-sitemap.xml"] = bomb(4 * GIB, "application/xml", encoded=True,
                                               prefix=b'<?xml version="1.0"?><urlset>')
            db = Path(tmp) / "sitemap-encoded.db"
            seconds, rss = child(crawl_args(db, base_url), ok_status=(0, 3, 4))
            print(f"post sitemap 4 GiB with Content-Encoding gzip: peak RSS {rss:.0f} MiB, {seconds:.1f} s, "
                  f"run {status_of(db)}")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        db = Path(tmp) / "down.db"
        seconds, rss = child(crawl_args(db, f"http://127.0.0.1:{port}"), ok_status=(3,))
        print(f"site down (connection refused): reported in {seconds:.1f} s, run {status_of(db)}")


if __name__ == "__main__":
    main()
