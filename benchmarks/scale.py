"""Figures at the real site's scale (10⁵–10⁶ posts) on a synthetic archive: search, export,
database size, and what an incremental run pays to load what the archive knows."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from launcher import child, child_json
from synthetic import cached_archive

ROOT = Path(__file__).resolve().parent.parent
QUERIES_PER_KIND = 40


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def query_words(db: Path, count: int) -> list[str]:
    """Lemmas spread over the whole range of document frequency, from the rarest to the most common."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, col)")
    rows = conn.execute("SELECT term, doc FROM temp.vocab WHERE col = 'body' AND length(term) > 3 "
                        "AND term GLOB '*[а-я]*' ORDER BY doc, term").fetchall()
    conn.close()
    step = max(1, len(rows) // count)
    return [term for term, _ in rows[::step]][:count]


def doc_share(db: Path, words: list[str], total: int) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, col)")
    shares = sorted(conn.execute("SELECT doc FROM temp.vocab WHERE col = 'body' AND term = ?", [w]).fetchone()[0]
                    / total for w in words)
    conn.close()
    return f"words in {shares[0]:.2%}…{shares[-1]:.0%} of articles, median {statistics.median(shares):.1%}"


def bench_search_cli(db: Path, one: list[str], two: list[str]) -> None:
    from caravan_spider.archive import Archive

    archive = Archive(db, create=False)
    try:
        for kind, queries in (("one word", one), ("two words", two)):
            for q in queries[:5]:
                archive.search(q)  # warm the page cache
            times = []
            for q in queries:
                started = time.perf_counter()
                archive.search(q)
                times.append((time.perf_counter() - started) * 1000)
            p50, p95 = percentiles(times)
            print(f"search CLI:   {kind:9} p50 {p50:6.1f} ms, p95 {p95:6.1f} ms  (target p95 < 50 ms)")
    finally:
        archive.close()


def datasette_dir(db: Path) -> Path:
    """A configuration directory like archive/ whose caravan.db is the synthetic archive."""
    folder = Path(tempfile.mkdtemp(prefix="caravan-ds-"))
    for name in ("metadata.yml", "settings.json"):  # the reading room itself is an installed plugin
        shutil.copy(ROOT / "archive" / name, folder / name)
    (folder / "caravan.db").symlink_to(db)
    return folder


def bench_search_datasette(db: Path, one: list[str], two: list[str]) -> None:
    """The articles table searched as a visitor does (page: HTML with count and facets; json: the
    same as JSON; lean: JSON without count and facets)."""
    from urllib.parse import quote

    from datasette.app import Datasette

    folder = datasette_dir(db)

    async def run():
        ds = Datasette(config_dir=folder)
        await ds.invoke_startup()
        await ds.client.get("/caravan/articles?_size=1")
        for kind, queries in (("one word", one), ("two words", two)):
            for label, template in (("page", "/caravan/articles?_search={}"),
                                    ("json", "/caravan/articles.json?_search={}"),
                                    ("lean", "/caravan/articles.json?_search={}&_nocount=1&_nofacet=1")):
                times, failed = [], 0
                for q in queries:
                    started = time.perf_counter()
                    response = await ds.client.get(template.format(quote(q)))
                    times.append((time.perf_counter() - started) * 1000)
                    failed += response.status_code != 200
                p50, p95 = percentiles(times)
                note = f"; {failed} answered an error (SQL time limit)" if failed else ""
                print(f"datasette:    {kind:9} {label:4} p50 {p50:6.1f} ms, p95 {p95:6.1f} ms  "
                      f"(target p95 < 50 ms){note}")

    try:
        asyncio.run(run())
    finally:
        shutil.rmtree(folder)


def bench_export(dbs: dict[int, Path]) -> None:
    for articles, db in dbs.items():
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.jsonl"
            seconds, rss = child([sys.executable, "-m", "caravan_spider.cli", "export", "--db", str(db), "-o", str(out)])
            lines = sum(1 for _ in open(out, encoding="utf-8"))
        print(f"export:       {lines:7,} articles in {seconds:5.1f} s = {lines / seconds:7,.0f} articles/s "
              f"(target ≥ 20,000), peak {rss:.0f} MiB (target: flat from 10k to 300k)")


_KNOWN = """
import json, resource, sys, time
from caravan_spider.archive import Archive
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
archive = Archive(sys.argv[1], create=False)
started, cpu = time.perf_counter(), time.process_time()
known = archive.known()
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "known": len(known), "before": before}))
"""


def bench_known(db: Path) -> None:
    out, seconds, rss = child_json([sys.executable, "-c", _KNOWN, str(db)])
    print(f"incremental:  loading what the archive knows ({out['known']:,} article ids): {out['seconds']:.2f} s, "
          f"{out['cpu']:.2f} s CPU (target < 2 s), peak {rss:.0f} MiB, of which {rss - out['before']:.0f} MiB for it (target < 200 MB)")


def bench_size(db: Path, articles: int) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
    except sqlite3.OperationalError:
        tables = {}
    conn.close()
    size = db.stat().st_size
    parts = {"captures": tables.get("captures", 0),
             "search index": sum(v for k, v in tables.items() if k.startswith("articles_fts")),
             "articles": tables.get("articles", 0), "revisions": tables.get("revisions", 0)}
    detail = ", ".join(f"{name} {value / articles / 1024:.1f}" for name, value in parts.items() if value)
    print(f"db size:      {size / 1e9:.2f} GB = {size / articles / 1024:.1f} KiB per article ({detail} KiB)")


def main(articles: int = 300_000) -> None:
    small, large = cached_archive(10_000), cached_archive(articles)
    conn = sqlite3.connect(f"file:{large}?mode=ro", uri=True)
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    words = query_words(large, QUERIES_PER_KIND)
    pairs = [f"{a} {b}" for a, b in zip(words, reversed(words))]
    print(f"scale:        synthetic archive of {total:,} articles; queries: {doc_share(large, words, total)}")
    bench_search_cli(large, words, pairs)
    bench_search_datasette(large, words, pairs)
    bench_export({10_000: small, articles: large})
    bench_known(large)
    bench_size(large, articles)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)
