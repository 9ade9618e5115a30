"""Figures for issue 8's limits. Prints them; asserts nothing (the tests assert the outcomes).

    python benchmarks/faults.py                 # everything
    python benchmarks/faults.py --only tiny     # one part: bombs, tiny

- peak RSS of a crawl where every article page is a gzip bomb (4 MB on the wire, 4 GiB decoded)
- peak RSS of a crawl whose post sitemap is a .xml.gz bomb (4 MB → 4 GiB)
- seconds until a crawl of a site that is down reports `failed`
- peak RSS of a crawl and its parse workers together when 8 article pages hold 1.1 million tiny <p>
  (13 MB each), against the same crawl without them; and of `extract -` given 140 MB
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from faultserver import bomb, gzip_bomb, serving_faults, transform  # noqa: E402
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


def tree_peak(args: list[str], stdin=None) -> tuple[float, float, int]:
    """(seconds, peak resident MiB of the command and all its descendants together, exit status),
    sampled every 20 ms: a crawl's parse workers are processes of their own."""
    started = time.monotonic()
    process = subprocess.Popen(args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.02)
    return time.monotonic() - started, peak / 1024, process.returncode


def _tree_rss(root: int) -> int:
    """KiB resident in `root` and its descendants now (shared pages counted in each: an upper bound)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):  # (gone meanwhile)
            continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def tiny_elements() -> None:
    """Issue 20, item 9: a page of a million tiny <p> took a parse worker 3 GB and 2 minutes."""
    tiny = b"<p>tiny</p>\n" * 1_100_000
    with tempfile.TemporaryDirectory() as tmp:
        site = SampleSite(articles=50)
        with serving_faults(site) as (base_url, faults):
            db = Path(tmp) / "clean.db"
            seconds, rss, _ = tree_peak(crawl_args(db, base_url))
            print(f"crawl of {len(site.articles)} pages: peak RSS of the crawl and its workers {rss:.0f} MiB, "
                  f"{seconds:.1f} s, run {status_of(db)}")
            for article in site.newest_first()[:8]:
                faults[article.path] = transform(lambda body: body.replace(b"</body>", tiny + b"</body>"))
            db = Path(tmp) / "tiny.db"
            seconds, rss, _ = tree_peak(crawl_args(db, base_url))
            archive = Archive(db, read_only=True)
            try:
                [run] = archive.runs(1)
            finally:
                archive.close()
            print(f"the same with 8 article pages of 1.1 M tiny <p> ({len(tiny) / 1e6:.0f} MB each): peak RSS of the "
                  f"crawl and its workers {rss:.0f} MiB, {seconds:.1f} s, run {run['status']}, "
                  f"{run['not_articles']} not articles")
        stdin = Path(tmp) / "huge.html"
        stdin.write_bytes(tiny * 11)
        with stdin.open("rb") as pipe:
            seconds, rss, status = tree_peak([sys.executable, "-m", "caravan_spider.cli", "extract", "-"], pipe)
        print(f"extract - of {stdin.stat().st_size / 1e6:.0f} MB: peak RSS {rss:.0f} MiB, {seconds:.1f} s, "
              f"exit {status}")


def bombs() -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description="Figures for the crawl's limits; asserts nothing.")
    parser.add_argument("--only", choices=["bombs", "tiny"], help="run only this part")
    only = parser.parse_args().only
    if only in (None, "bombs"):
        bombs()
    if only in (None, "tiny"):
        tiny_elements()


if __name__ == "__main__":
    main()
