"""Speed and memory figures. Prints them; asserts nothing (targets are read by people).

    python benchmarks/run.py [--articles 2000] [--export-articles 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from caravan_spider.archive import Archive
from caravan_spider.parsing import PARSER_VERSION, parse
from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.sample_site.server import serving
from caravan_spider.search import lemma, lemmas_of


# ru_maxrss of a forked child counts the parent's pages at fork time, and this process grows
# large; so a fresh small interpreter starts the measured command and reports its figures.
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.monotonic()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(json.dumps([status, time.monotonic() - started, usage.ru_maxrss / 1024]))
"""


def child(args: list[str], ok_status: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run a command; (seconds, peak resident MiB) of that command alone."""
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], capture_output=True, text=True, check=True)
    status, seconds, rss = json.loads(out.stdout)
    if os.waitstatus_to_exitcode(status) not in ok_status:
        raise SystemExit(f"{args} exited with {os.waitstatus_to_exitcode(status)}")
    return seconds, rss


def bench_parse(site: SampleSite) -> None:
    pages = [(render.article_today(a, site.anchor) if a.layout == "today" else render.article_legacy(a), a.url)
             for a in site.articles.values()]
    for html, url in pages[:3]:
        parse(html, url)
    started = time.perf_counter()
    for html, url in pages:
        parse(html, url)
    per_page = (time.perf_counter() - started) / len(pages) * 1000
    print(f"parse:        {per_page:6.1f} ms per page ({len(pages)} pages, trafilatura included)")


def bench_lemmas(site: SampleSite) -> None:
    bodies = [a.expected_record()["body"] for a in site.articles.values()]
    lemma("прогрев")  # load the dictionary
    lemma.cache_clear()
    started = time.perf_counter()
    for body in bodies:
        lemmas_of(body)
    cold = (time.perf_counter() - started) / len(bodies) * 1000
    started = time.perf_counter()
    for body in bodies:
        lemmas_of(body)
    warm = (time.perf_counter() - started) / len(bodies) * 1000
    words = statistics.mean(len(b.split()) for b in bodies)
    print(f"lemmas:       {cold:6.2f} ms per article cold cache, {warm:.2f} ms warm ({words:.0f} words each)")


def bench_crawl(articles: int, workdir: Path) -> None:
    site = SampleSite(articles=articles)
    db = workdir / "crawl.db"
    with serving(site) as base_url:
        seconds, rss = child([sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db),
                              "--base-url", base_url, "--edition", "ru", "--set", "LOG_LEVEL=WARNING"])
        again, _ = child([sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db),
                          "--base-url", base_url, "--edition", "ru", "--set", "LOG_LEVEL=WARNING"])
    archive = Archive(db)
    raw, stored = next(archive.db.query("SELECT sum(size), sum(length(body)) FROM captures")).values()
    size = db.stat().st_size
    archive.close()
    print(f"crawl:        {articles} articles in {seconds:.1f} s = {articles / seconds:.0f} articles/s, "
          f"peak {rss:.0f} MiB; unchanged re-crawl {again:.1f} s")
    print(f"captures:     {raw / 1e6:.1f} MB fetched, {stored / 1e6:.1f} MB stored gzip (ratio {raw / stored:.1f}); "
          f"archive file {size / 1e6:.1f} MB")


def build_archive(path: Path, articles: int) -> None:
    """An archive of `articles` sample articles, stored without crawling (rendered + oracle records)."""
    site = SampleSite(articles=articles)
    archive = Archive(path)
    for article in site.articles.values():
        html = render.article_today(article, site.anchor) if article.layout == "today" else render.article_legacy(article)
        capture = {"article_id": article.article_id, "url": article.url, "status": 200,
                   "content_type": "text/html; charset=UTF-8", "fetched_at": "2026-01-21T07:00:00+00:00",
                   "body": html.encode(article.encoding)}
        archive.store(capture, article.expected_record(), article.layout, PARSER_VERSION, None)
    archive.close()


def bench_export(sizes: list[int], workdir: Path) -> None:
    for articles in sizes:
        db = workdir / f"export-{articles}.db"
        started = time.monotonic()
        build_archive(db, articles)
        built = time.monotonic() - started
        out = workdir / "out.jsonl"
        seconds, rss = child([sys.executable, "-m", "caravan_spider.cli", "export", "--db", str(db), "-o", str(out)])
        lines = sum(1 for _ in open(out, encoding="utf-8"))
        print(f"export:       {lines:6d} articles in {seconds:.1f} s, peak {rss:.0f} MiB "
              f"({out.stat().st_size / 1e6:.1f} MB of JSON Lines; archive built in {built:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="sample site size for the crawl figure")
    parser.add_argument("--export-articles", type=int, default=10000, help="archive size for the export figure")
    args = parser.parse_args()
    site = SampleSite(articles=50)
    bench_parse(site)
    bench_lemmas(site)
    with tempfile.TemporaryDirectory() as tmp:
        bench_crawl(args.articles, Path(tmp))
        bench_export([1000, args.export_articles], Path(tmp))


if __name__ == "__main__":
    main()
