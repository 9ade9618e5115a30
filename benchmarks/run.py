"""Speed and memory figures. Prints them next to their targets; asserts nothing (people read them).

    python benchmarks/run.py                    # everything (the 300k archive is built once, then cached)
    python benchmarks/run.py --only scale       # one part: parse, lemmas, crawl, import, captures, reextract, scale

The machine is shared and has 2 cores: absolute figures are noisy, so comparisons (pool on/off,
us against trafilatura) are measured side by side in the same run and printed as ratios.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from caravan_spider.archive import Archive, Capture
from caravan_spider.boilerplate import capture_lines
from caravan_spider.parsing import PARSER_VERSION, explain, parse
from caravan_spider.parsing.page import Page
from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.sample_site.server import serving
from caravan_spider.search import lemma, lemmas_of
from launcher import child, run


def machine() -> str:
    """How much of the machine this run gets: the load average, and how two CPU-bound processes
    fare against one right now (2.0: both cores free; 1.0: one core's worth, so no parallel
    speed-up can show, whatever the code does)."""
    import os
    import subprocess

    loop = [sys.executable, "-c", "sum(range(4 * 10 ** 7))"]
    started = time.perf_counter()
    subprocess.run(loop, check=True)
    one = time.perf_counter() - started
    started = time.perf_counter()
    both = [subprocess.Popen(loop) for _ in range(2)]
    for process in both:
        process.wait()
    two = time.perf_counter() - started
    return f"load average {os.getloadavg()[0]:.2f}; two CPU-bound processes ran at {2 * one / two:.2f}× the rate of one"


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
    # The same pages with the known layouts switched off: the generic path, which unseen markup
    # (a redesign, the real site) takes, and which the guard against destructive pruning protects.
    started = time.perf_counter()
    for html, url in pages:
        explain(html, url, layouts="generic")
    per_page = (time.perf_counter() - started) / len(pages) * 1000
    print(f"parse generic:{per_page:6.1f} ms per page (the same pages, known layouts off)")


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


def spread(values: list[float], unit: str = "", digits: int = 1) -> str:
    """A median with the smallest and largest of the runs beside it, as noise shows."""
    return (f"{statistics.median(values):.{digits}f}{unit} (min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f})")


def extracted(folder: Path) -> int:
    """Documents trafilatura's CLI wrote (from 1,000 on, it writes them into numbered subfolders)."""
    return sum(path.is_file() for path in folder.rglob("*"))


def verdict(value: float, target: float, at_least: bool) -> str:
    met = value >= target if at_least else value <= target
    return f"target {'≥' if at_least else '≤'} {target}×: {'met' if met else 'NOT met'}"


def bench_crawl(articles: int, workdir: Path, repeat: int = 3) -> None:
    """Our whole crawl (every process it starts) against trafilatura given the same work: metadata on,
    the same ~81 KB pages, the same two processes. Each round runs ours and the baselines one after
    the other, so that a change in the machine's load falls on both; medians of `repeat` rounds."""
    import urllib.request

    import trafilatura
    import trafilatura.settings

    from launcher import measure
    from mirror import serving_mirror

    site = SampleSite(articles=articles)
    paths = [a.path for a in site.articles.values()]
    # trafilatura's defaults sleep 5 s between requests to a host and refuse loopback addresses.
    config = (Path(trafilatura.settings.__file__).parent / "settings.cfg").read_text()
    config = config.replace("SLEEP_TIME = 5.0", "SLEEP_TIME = 0").replace("SSRF_PROTECTION = on",
                                                                          "SSRF_PROTECTION = off")
    (workdir / "trafilatura.cfg").write_text(config)
    tool = str(Path(sys.executable).parent / "trafilatura")
    with serving_mirror(articles) as known_url, serving_mirror(articles, generic=True) as generic_url:
        variants = {"known layouts": known_url, "generic path": generic_url}
        pages: dict[str, list[bytes]] = {}
        for variant, base_url in variants.items():
            folder = workdir / f"pages-{variant.split()[0]}"
            folder.mkdir()
            pages[variant] = [urllib.request.urlopen(f"{base_url}{path}").read() for path in paths]
            for n, page in enumerate(pages[variant]):
                (folder / f"{n:06d}.html").write_bytes(page)
        urls = workdir / "urls.txt"
        urls.write_text("".join(f"{known_url}{path}\n" for path in paths))
        size = statistics.mean(map(len, pages["known layouts"])) / 1000
        print(f"crawl:        {articles} article pages of {size:.0f} KB, {repeat} interleaved rounds; CPU counts every "
              f"process a run starts; PSS is summed over its process tree (sampled every 50 ms)")
        print(f"machine:      {machine()}")
        figures: dict[str, dict[str, list[float]]] = {}

        def note(label: str, **values: float) -> None:
            for name, value in values.items():
                figures.setdefault(label, {}).setdefault(name, []).append(value)

        for _ in range(repeat):
            for variant, base_url in variants.items():
                kind = variant.split()[0]
                db = workdir / f"crawl-{kind}.db"
                db.unlink(missing_ok=True)
                ours = measure([sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db),
                                "--base-url", base_url, "--edition", "ru", "--set", "LOG_LEVEL=ERROR"])
                archive = Archive(db)
                stored = archive.count()
                archive.close()
                note(f"ours {variant}", rate=stored / ours.seconds, cpu=ours.cpu / stored * 1000, rss=ours.rss,
                     pss=ours.tree_pss, stored=stored)
                out = workdir / f"out-{kind}"
                shutil.rmtree(out, ignore_errors=True)
                cli = measure([tool, "--input-dir", str(workdir / f"pages-{kind}"), "--parallel", "2",
                               "--with-metadata", "-o", str(out)])
                done = extracted(out)
                note(f"dir {variant}", rate=done / cli.seconds, cpu=cli.cpu / done * 1000, pss=cli.tree_pss, done=done)
                started = time.process_time()
                for page in pages[variant]:
                    trafilatura.extract(page, with_metadata=True)
                note(f"extract {variant}", cpu=(time.process_time() - started) / len(paths) * 1000)
            out = workdir / "out-crawl"
            shutil.rmtree(out, ignore_errors=True)
            crawl = measure([tool, "-i", str(urls), "--parallel", "2", "--with-metadata", "-o", str(out),
                             "--config-file", str(workdir / "trafilatura.cfg")])
            done = extracted(out)
            note("cli crawl", rate=done / crawl.seconds, cpu=crawl.cpu / done * 1000, pss=crawl.tree_pss, done=done)
        print(f"machine:      load average {os.getloadavg()[0]:.2f} after the rounds")
        for variant in variants:
            extract, parallel = figures[f"extract {variant}"], figures[f"dir {variant}"]
            print(f"trafilatura:  {variant}: extract(with_metadata=True) alone: {spread(extract['cpu'], ' ms')} CPU per "
                  f"page; --input-dir --parallel 2 --with-metadata over the prefetched pages: "
                  f"{spread(parallel['rate'], ' pages/s', 0)}, {spread(parallel['cpu'], ' ms')} CPU per page, "
                  f"tree PSS {spread(parallel['pss'], ' MiB', 0)} ({min(parallel['done']):.0f} extracted)")
        cli = figures["cli crawl"]
        print(f"trafilatura:  CLI crawl -i urls --parallel 2 --with-metadata (no sleep, known layouts): "
              f"{spread(cli['rate'], ' pages/s', 0)}, {spread(cli['cpu'], ' ms')} CPU per page, tree PSS "
              f"{spread(cli['pss'], ' MiB', 0)} ({min(cli['done']):.0f} extracted)")
        for variant in variants:
            ours = figures[f"ours {variant}"]
            cpu = statistics.median(ours["cpu"]) / statistics.median(figures[f"extract {variant}"]["cpu"])
            rate = statistics.median(ours["rate"]) / statistics.median(figures[f"dir {variant}"]["rate"])
            print(f"crawl:        {variant}: {min(ours['stored']):.0f} articles stored; {spread(ours['rate'], ' articles/s', 0)}"
                  f" = {rate:.2f}× trafilatura --input-dir --parallel 2 ({verdict(rate, 1.2, True)}), "
                  f"{statistics.median(ours['rate']) / statistics.median(cli['rate']):.2f}× its CLI crawl; "
                  f"whole-crawl CPU {spread(ours['cpu'], ' ms')} per article = {cpu:.2f}× extract(with_metadata=True) "
                  f"({verdict(cpu, 1.3, False)}); peak PSS of the process tree {spread(ours['pss'], ' MiB', 0)}, "
                  f"RSS of the main process {spread(ours['rss'], ' MiB', 0)}")


def build_archive(path: Path, articles: int) -> None:
    """An archive of `articles` sample articles, stored without crawling (rendered + oracle records),
    with each capture's lines as the crawl's parse stores them."""
    site = SampleSite(articles=articles)
    archive = Archive(path)
    for article in site.articles.values():
        html = render.article_today(article, site.anchor) if article.layout == "today" else render.article_legacy(article)
        body = html.encode(article.encoding)
        capture = Capture(edition="ru", article_id=article.article_id, url=article.url, status=200,
                          content_type="text/html; charset=UTF-8", fetched_at="2026-01-21T07:00:00+00:00",
                          body=body, lines=capture_lines(Page(body, article.url, content_type="text/html; charset=UTF-8")))
        archive.store(capture, article.expected_record(), article.layout, PARSER_VERSION, None)
    archive.close()


def bench_captures(workdir: Path) -> None:
    """`make demo` (both editions, 100 articles) and a 2,000-article crawl: what the captures cost in the archive."""
    for articles in ("demo", 2000):
        db = workdir / f"demo-{articles}.db"
        if articles == "demo":
            child([sys.executable, "-m", "caravan_spider.cli", "crawl", "--sample", "--db", str(db),
                   "--set", "LOG_LEVEL=WARNING"])
        else:
            with serving(SampleSite(articles=articles)) as base_url:
                child([sys.executable, "-m", "caravan_spider.cli", "crawl", "--db", str(db), "--base-url", base_url,
                       "--edition", "ru", "--set", "LOG_LEVEL=WARNING"])
        archive = Archive(db)
        raw, stored, gzipped = 0, 0, 0
        for capture in archive.iter_captures():
            body = archive.decompress_capture(capture)
            raw, stored, gzipped = raw + len(body), stored + len(capture["body"]), gzipped + len(gzip.compress(body))
        dictionaries, dictionary_bytes = archive.dictionary_sizes()
        lines_count, lines_bytes = archive.db.conn.execute("SELECT count(*), sum(length(hashes)) FROM capture_lines").fetchone()
        started = time.perf_counter()
        for capture in archive.iter_captures():
            archive.decompress_capture(capture)
        unpack = (time.perf_counter() - started) / archive.count("captures") * 1e6
        archive.close()
        name = "make demo (100 articles, 2 editions)" if articles == "demo" else f"{articles} articles"
        print(f"captures:     {name}: stored {stored / raw:5.1%} of raw (target ≤ 10 %), "
              f"{(stored + dictionary_bytes) / raw:5.1%} with its {dictionaries} dictionaries; "
              f"gzip was {gzipped / raw:.1%}; {unpack:.0f} µs to decompress one; the lines' hashes "
              f"furniture learning keeps for the {lines_count} captures of its window: {lines_bytes / lines_count:.0f} "
              f"bytes each")


def bench_reextract(workdir: Path, articles: int = 3000) -> None:
    """`reextract` on one process and on every core, same archive, same run."""
    from caravan_spider.workers import cores

    db = workdir / "reextract.db"
    build_archive(db, articles)
    print(f"machine:      {machine()}")
    # An archive made by crawls holds each capture's lines; one made by an older version does not,
    # and its first reextract (or crawl) reads every page of the furniture window once more.
    for made_by, lines_stored in (("crawls", True), ("an older version", False)):
        rates = {}
        for jobs in sorted({1, cores()}):
            copy = workdir / f"reextract-{jobs}.db"
            shutil.copy(db, copy)
            if not lines_stored:
                connection = sqlite3.connect(copy)
                connection.execute("DELETE FROM capture_lines")
                connection.commit()
                connection.close()
            seconds, _ = child([sys.executable, "-m", "caravan_spider.cli", "reextract", "--db", str(copy),
                                "--jobs", str(jobs)])
            rates[jobs] = articles / seconds
            print(f"reextract:    {articles} articles made by {made_by}, --jobs {jobs}: {seconds:5.1f} s "
                  f"= {rates[jobs]:4.0f} articles/s")
        if len(rates) > 1:
            print(f"reextract:    {rates[cores()] / rates[1]:.2f}× the single-process rate on {cores()} cores "
                  f"(target ≥ 1.8×), archive made by {made_by}")


BASELINE_POOL = """
import sys
from multiprocessing import Pool
from pathlib import Path
import trafilatura

def extract(path):
    return trafilatura.extract(Path(path).read_bytes(), with_metadata=True) is not None

if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(extract, sorted(str(p) for p in Path(sys.argv[1]).iterdir()), chunksize=16)))
"""


def bench_import(articles: int, workdir: Path, repeat: int = 3) -> None:
    """import-warc of the heavy mirror's pages (~81 KB) from a WARC written by warcio, on 2 cores,
    against trafilatura.extract(with_metadata=True) over the same pages in a pool of 2 processes (a
    new process each round, as ours is; whole-tree CPU and wall time of both)."""
    from io import BytesIO
    import urllib.request

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from launcher import measure
    from mirror import serving_mirror

    site = SampleSite(articles=articles)
    paths = [a.path for a in site.articles.values()]
    folder = workdir / "import-pages"
    folder.mkdir()
    warc = workdir / "mirror.warc.gz"
    script = workdir / "baseline_pool.py"
    script.write_text(BASELINE_POOL)
    with serving_mirror(articles) as base_url, open(warc, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, path in enumerate(paths):
            with urllib.request.urlopen(f"{base_url}{path}") as response:
                body, content_type = response.read(), response.headers["Content-Type"]
            (folder / f"{n:06d}.html").write_bytes(body)
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"{base_url}{path}", "response", payload=BytesIO(body),
                                                          length=len(body), http_headers=http))
    size = statistics.mean(p.stat().st_size for p in folder.iterdir()) / 1000
    print(f"import:       import-warc of {articles} article pages of {size:.0f} KB from one .warc.gz, --jobs 2, "
          f"{repeat} interleaved rounds")
    print(f"machine:      {machine()}")
    ours_rate, ours_cpu, base_rate, base_cpu, stored = [], [], [], [], 0
    for _ in range(repeat):
        db = workdir / "import.db"
        for leftover in workdir.glob("import.db*"):
            leftover.unlink()
        ours = measure([sys.executable, "-m", "caravan_spider.cli", "import-warc", str(warc), "--db", str(db),
                        "--base-url", f"ru={base_url}", "--jobs", "2"])
        archive = Archive(db)
        stored = archive.count()
        archive.close()
        ours_rate.append(stored / ours.seconds)
        ours_cpu.append(ours.cpu / stored * 1000)
        baseline = measure([sys.executable, str(script), str(folder)])
        done = int(baseline.stdout.strip() or 0)
        base_rate.append(done / baseline.seconds)
        base_cpu.append(baseline.cpu / max(done, 1) * 1000)
    rate = statistics.median(ours_rate) / statistics.median(base_rate)
    print(f"machine:      load average {os.getloadavg()[0]:.2f} after the rounds")
    print(f"trafilatura:  extract(with_metadata=True), pool of 2 processes: {spread(base_rate, ' pages/s', 0)}, "
          f"{spread(base_cpu, ' ms')} CPU per page")
    print(f"import:       {stored} articles stored; {spread(ours_rate, ' articles/s', 0)} = {rate:.2f}× trafilatura "
          f"({verdict(rate, 1.2, True)}); {spread(ours_cpu, ' ms')} CPU per article (parse, lemmas, zstd, SQLite)")


PARTS = ("parse", "lemmas", "crawl", "import", "captures", "reextract", "scale")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--articles", type=int, default=2000, help="sample site size for the crawl figures")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds of the crawl figures")
    parser.add_argument("--scale", type=int, default=300_000, help="articles in the synthetic archive")
    args = parser.parse_args()
    parts = args.only or PARTS
    site = SampleSite(articles=50)
    if "parse" in parts:
        bench_parse(site)
    if "lemmas" in parts:
        bench_lemmas(site)
    with tempfile.TemporaryDirectory() as tmp:
        if "crawl" in parts:
            bench_crawl(args.articles, Path(tmp), args.repeat)
        if "import" in parts:
            bench_import(args.articles, Path(tmp), args.repeat)
        if "captures" in parts:
            bench_captures(Path(tmp))
        if "reextract" in parts:
            bench_reextract(Path(tmp))
    if "scale" in parts:
        import scale

        scale.main(args.scale)


if __name__ == "__main__":
    main()
