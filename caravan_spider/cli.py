"""caravan-archive: crawl Caravan.kz into a SQLite archive, read it, export it."""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from . import __version__
from .archive import DEFAULT_DB, Archive, ArchiveLocked

EXIT_NOT_ARTICLE = 3


def db_option(must_exist: bool = False):
    return click.option("--db", "db", default=DEFAULT_DB, show_default=True,
                        type=click.Path(dir_okay=False, exists=must_exist),
                        help="The archive's SQLite file.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caravan-archive")
def cli():
    """Keep a clean, searchable archive of the news site Caravan.kz.

    \b
    Quick look, on the bundled sample site (no network needed):
      caravan-archive crawl --sample
      datasette archive/
    """


def _scrapy_settings(db: str, overrides: tuple[str, ...], verbose: bool, log_file: str | None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "caravan_spider.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("CARAVAN_DB", db, priority="cmdline")
    settings.set("CARAVAN_SUMMARY", False, priority="cmdline")  # printed below, with the exit status
    # Quiet by default: warnings and errors only; -v or --log-file give Scrapy's INFO log.
    settings.set("LOG_LEVEL", "INFO" if verbose or log_file else "WARNING", priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
        settings.set(name.strip(), value, priority="cmdline")
    return settings


@cli.command()
@db_option()
@click.option("--edition", type=click.Choice(["ru", "kk", "all"]), default="all", show_default=True,
              help="Which edition: ru (www.caravan.kz), kk (kaz.caravan.kz, «Керуен») or both.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[ru=|kk=]URL",
              help="Fetch the chosen edition from this origin instead (a mirror, the sample site); with "
                   "--edition all name the edition: ru=URL, kk=URL (repeatable).")
@click.option("--sample", is_flag=True, help="Serve the bundled sample site (both editions, each on a free "
                                             "loopback port) and crawl it.")
@click.option("--sample-articles", default=50, show_default=True, help="Articles on the sample site (per edition).")
@click.option("--since", metavar="DATE", help="Backfill: (re)visit articles published since DATE (YYYY-MM-DD).")
@click.option("--full", is_flag=True, help="Revisit every article (with conditional requests).")
@click.option("--jobdir", type=click.Path(file_okay=False),
              help="Keep Scrapy's request queue here so a stopped run resumes where it was.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, as `scrapy crawl -s` does (repeatable).")
@click.option("-v", "--verbose", is_flag=True, help="Print Scrapy's log (INFO) instead of a progress bar.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Write Scrapy's log (INFO) to this file.")
def crawl(db, edition, base_urls, sample, sample_articles, since, full, jobdir, overrides, verbose, log_file):
    """Fetch new, changed and due articles of both editions into the archive.

    Discovers articles through robots.txt, sitemaps, the feed and listing pages, obeys
    robots.txt, and fetches what the archive lacks or holds an older copy of, plus (with
    conditional requests) the archived articles whose next check is due on the decaying
    schedule CARAVAN_RECHECK_SCHEDULE. An archived article the site no longer shows
    (404/410, a not-found page, a redirect elsewhere) is marked unpublished, never deleted.
    Quiet: a progress bar on a terminal, then a short summary; warnings and errors only
    otherwise (cron). Exit status 0 when the run finished, 1 when it failed or the
    site's markup drifted, 2 when another run holds the archive.

    \b
    Examples:
      caravan-archive crawl --sample
      caravan-archive crawl --db archive/caravan.db --since 2025-01-01
      caravan-archive crawl --edition kk --base-url http://127.0.0.1:8002
      caravan-archive crawl --log-file archive/scrapy.log   # Scrapy's log kept, the terminal quiet
    """
    from scrapy.crawler import CrawlerProcess

    from .progress import summary
    from .sample_site.model import SampleSite
    from .sample_site.server import serving
    from .schedule import parse_schedule
    from .urls import base_urls as chosen_base_urls

    if sample and base_urls:
        raise click.UsageError("--sample and --base-url exclude each other")
    try:
        origins = chosen_base_urls(base_urls, edition)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    settings = _scrapy_settings(db, overrides, verbose, log_file)
    try:
        parse_schedule(settings.get("CARAVAN_RECHECK_SCHEDULE"))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--set CARAVAN_RECHECK_SCHEDULE") from None
    if jobdir:
        settings.set("JOBDIR", jobdir, priority="cmdline")
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        if sample:
            for code in origins:
                origins[code] = stack.enter_context(serving(SampleSite(articles=sample_articles, edition=code)))
                if verbose:
                    click.echo(f"Serving the sample site's {code} edition at {origins[code]}", err=True)
        process = CrawlerProcess(settings)
        if log_file:  # the log goes to the file; what needs attention still reaches the terminal
            console = logging.StreamHandler()
            console.setLevel(logging.WARNING)
            console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
            logging.getLogger().addHandler(console)
        crawler = process.create_crawler("caravan")
        kwargs = {"since": since, "full": full, "edition": edition}
        if any(origins.values()):
            kwargs["base_url"] = ",".join(f"{code}={url}" for code, url in origins.items() if url)
        process.crawl(crawler, **kwargs)
        process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get("caravan/locked"):
        click.echo(stats["caravan/locked"], err=True)
        sys.exit(2)
    run_id = stats.get("caravan/run_id")
    if run_id is None:
        click.echo("The crawl did not start; run again with -v to see why.", err=True)
        sys.exit(1)
    for line in summary(db, run_id, time.monotonic() - started):
        click.echo(line)
    archive = Archive(db, create=False)
    try:
        status = archive.db["crawl_runs"].get(run_id)["status"]
    finally:
        archive.close()
    sys.exit(0 if status == "finished" else 1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...",
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--url", help="The page's URL (default: its canonical link); only with one page.")
@click.option("--fetched-at", metavar="ISO", help="When the page was fetched; dates like «Сегодня, 10:15» need it.")
@click.option("--explain", "show_explain", is_flag=True, help="Show each field's source and the pruned boilerplate.")
def extract(paths, url, fetched_at, show_explain):
    """Parse saved pages and print their article records as JSON, one line per article.

    PATH may be `-` for standard input. A page that is not an article prints its reason
    on stderr and nothing on stdout; the exit status is then 3.

    \b
    Examples:
      caravan-archive extract tests/pages/seed/page.html --explain
      caravan-archive extract tests/pages/*/page.html > records.jsonl
      curl -s https://www.caravan.kz/news/...-845713/ | caravan-archive extract -
    """
    from .parsing import explain

    if url and len(paths) > 1:
        raise click.UsageError("--url names one page; give one PATH with it")
    when = datetime.fromisoformat(fetched_at) if fetched_at else None
    rejected = 0
    for path in paths:
        html = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        page_url = url or ("file:///dev/stdin" if path == "-" else Path(path).resolve().as_uri())
        result = explain(html, page_url, when)
        if show_explain:
            click.echo(f"{path}: layout: {result.layout}", err=True)
            for name, source in result.sources.items():
                value = getattr(result.article, name, None) if result.article else None
                shown = value if not isinstance(value, str) or len(value) < 70 else value[:67] + "..."
                click.echo(f"  {name:13} {source:60} {shown!r}", err=True)
            for rule, count in result.pruned:
                click.echo(f"  pruned {count:3} × {rule}", err=True)
        if result.article is None:
            click.echo(f"{'stdin' if path == '-' else path}: not an article: {result.reason}", err=True)
            rejected += 1
            continue
        click.echo(json.dumps(result.article.to_dict(), ensure_ascii=False, sort_keys=True))
    if rejected:
        sys.exit(EXIT_NOT_ARTICLE)


@cli.command()
@db_option(must_exist=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (.gz compresses); default stdout.")
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE.")
@click.option("--until", metavar="DATE", help="Only articles published on or before DATE.")
@click.option("--category", help="Only this category.")
@click.option("--language", type=click.Choice(["ru", "kk"]), help="Only this language.")
@click.option("--edition", type=click.Choice(["ru", "kk"]), help="Only this edition.")
@click.option("--updated-since", metavar="ISO", help="Only articles whose row changed since then (UTC).")
@click.option("--warc", is_flag=True,
              help="Write the raw captures of those articles as a WARC file instead (.gz compresses).")
def export(db, output, since, until, category, language, edition, updated_since, warc):
    """Export articles as JSON Lines, newest first, one record per line.

    \b
    Examples:
      caravan-archive export -o articles.jsonl.gz
      caravan-archive export --since 2025-01-01 --category Политика
      caravan-archive export --warc -o captures.warc.gz --since 2025-01-01
    """
    filters = {"since": since, "until": until, "category": category, "language": language,
               "updated_since": updated_since, "edition": edition}
    archive = Archive(db, create=False)
    try:
        if warc:
            from .warc import write_warc

            if output is None and sys.stdout.isatty():
                raise click.UsageError("a WARC file is binary: give -o FILE.warc.gz, or redirect stdout")
            compress = output is None or output.endswith(".gz")
            with open(output, "wb") if output else contextlib.nullcontext(sys.stdout.buffer) as out:
                count = write_warc(archive, out, compress, Path(output or "stdout.warc.gz").name, **filters)
            if output:
                click.echo(f"Wrote {count} captures to {output}", err=True)
            return
        opener = gzip.open if output and output.endswith(".gz") else open
        with (opener(output, "wt", encoding="utf-8") if output else contextlib.nullcontext(sys.stdout)) as out:
            count = 0
            for record in archive.iter_articles(**filters):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        if output:
            click.echo(f"Wrote {count} articles to {output}", err=True)
    finally:
        archive.close()


def output_options(command):
    """--json and --csv, as sqlite-utils has them; plain text for people otherwise."""
    command = click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")(command)
    return click.option("--json", "as_json", is_flag=True, help="Output a JSON array of objects.")(command)


def output_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("--json and --csv exclude each other")


def emit(rows: list[dict], as_json: bool, as_csv: bool) -> bool:
    """Print rows as JSON or CSV when asked; False when the caller prints text."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif as_csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return as_json or as_csv


@cli.command()
@db_option(must_exist=True)
@click.option("--limit", default=10, show_default=True, help="How many runs, newest first.")
@output_options
def runs(db, limit, as_json, as_csv):
    """Show the recent crawl runs: when, how they ended, what they did.

    \b
    Examples:
      caravan-archive runs --limit 5
      caravan-archive runs --json
    """
    output_format(as_json, as_csv)
    archive = Archive(db, create=False)
    try:
        rows = archive.runs(limit)
    finally:
        archive.close()
    if emit(rows, as_json, as_csv):
        return
    header = f"{'run':>4}  {'started (UTC)':19}  {'status':9} {'new':>5} {'upd':>5} {'same':>5} {'fail':>5} {'reqs':>6}  {'MB':>6}"
    click.echo(header)
    for r in rows:
        click.echo(f"{r['run_id']:>4}  {(r['started_at'] or '')[:19]:19}  {r['status']:9} {r['articles_new'] or 0:>5} "
                   f"{r['articles_updated'] or 0:>5} {r['articles_unchanged'] or 0:>5} {r['articles_failed'] or 0:>5} "
                   f"{r['requests'] or 0:>6}  {(r['bytes_downloaded'] or 0) / 1e6:>6.2f}")


@cli.command()
@click.argument("query")
@db_option(must_exist=True)
@click.option("--limit", default=10, show_default=True, help="How many matches.")
@click.option("--edition", type=click.Choice(["ru", "kk"]), help="Only this edition.")
@output_options
def search(query, db, limit, edition, as_json, as_csv):
    """Search the archive; any word form finds the others («фестивалей» finds «фестиваль»).

    Words are all required; OR, NOT, "a phrase" and prefix* work as in SQLite FTS5.
    Each match shows a snippet with the matched words in bold (in [brackets] when not
    on a terminal, and in --json and --csv).

    \b
    Examples:
      caravan-archive search "миротворец"
      caravan-archive search "школа OR больница" --json
      caravan-archive search "миротвор*" --csv > matches.csv
    """
    from .search import plain

    output_format(as_json, as_csv)
    archive = Archive(db, create=False)
    try:
        matches = archive.search(query, limit, edition)
    finally:
        archive.close()
    if not matches:
        click.echo(f"No article matches {query!r}.", err=True)
        sys.exit(1)
    if emit([{**m, "snippet": plain(m["snippet"], "[", "]")} for m in matches], as_json, as_csv):
        return
    tty = sys.stdout.isatty()
    for m in matches:
        snippet = "".join(click.style(text, bold=True) if hit and tty else f"[{text}]" if hit else text
                          for text, hit in m["snippet"])
        click.echo(f"{(m['published_at'] or '')[:10]:10}  {m['edition']}  {m['title']}\n            {snippet}\n"
                   f"            {m['url']}")


@cli.command()
@db_option(must_exist=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per listed post (JSON Lines) instead of a summary.")
def coverage(db, as_json):
    """Account for every post the site listed (sitemaps, feed, listings), by edition.

    Each listed post is in one state: archived, not_article, failed, pending (listed, not
    fetched yet) or unpublished, with the reason (null only when archived). Read-only.

    \b
    Examples:
      caravan-archive coverage
      caravan-archive coverage --json | grep '"state": "failed"'
    """
    from .archive import OutdatedArchive, STATES

    try:
        archive = Archive(db, read_only=True)
    except OutdatedArchive as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    try:
        if as_json:
            for row in archive.coverage():
                click.echo(json.dumps({k: row[k] for k in ("article_id", "edition", "url", "state", "reason",
                                                           "sources", "last_listed_at")}, ensure_ascii=False))
            return
        counts = {(r["edition"], r["state"]): r["posts"] for r in archive.coverage_summary()}
    finally:
        archive.close()
    editions = sorted({edition for edition, _ in counts})
    if not editions:
        click.echo("No listed post yet: run `caravan-archive crawl` first.", err=True)
        return
    click.echo(f"{'state':12}" + "".join(f"{e:>8}" for e in editions) + f"{'total':>8}")
    for state in STATES:
        numbers = [counts.get((e, state), 0) for e in editions]
        click.echo(f"{state:12}" + "".join(f"{n:>8}" for n in numbers) + f"{sum(numbers):>8}")
    totals = [sum(counts.get((e, s), 0) for s in STATES) for e in editions]
    click.echo(f"{'listed':12}" + "".join(f"{n:>8}" for n in totals) + f"{sum(totals):>8}")


@cli.command()
@db_option(must_exist=True)
def reextract(db):
    """Rebuild articles and revisions from the stored captures with the current parser.

    Offline: no request is made. Prints which articles changed, by field.

    \b
    Example:
      caravan-archive reextract --db archive/caravan.db
    """
    from .reextract import reextract as run

    archive = Archive(db, create=False)
    try:
        archive.acquire()
        report = run(archive)
    except ArchiveLocked as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    finally:
        archive.close()
    click.echo(f"Re-extracted {report.articles} articles: {len(report.changed)} changed, "
               f"{len(report.added)} added, {len(report.removed)} removed.")
    for name, count in sorted(report.by_field().items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {name:13} changed in {count} article(s)")
    for article_id, names in sorted(report.changed.items(), key=lambda kv: (isinstance(kv[0], str), str(kv[0]))):
        click.echo(f"  {article_id}: {', '.join(names)}")


@cli.command("sample-site")
@click.option("--port", default=8000, show_default=True, help="Port of the Russian edition on 127.0.0.1 (0 picks a free one).")
@click.option("--kk-port", default=8002, show_default=True, help="Port of the Kazakh edition (0 picks a free one).")
@click.option("--articles", default=50, show_default=True, help="How many articles each edition holds.")
def sample_site(port, kk_port, articles):
    """Serve the bundled imitation of www.caravan.kz and kaz.caravan.kz on loopback until interrupted.

    \b
    Example:
      caravan-archive sample-site --port 8000 --kk-port 8002 --articles 2000
      caravan-archive crawl --base-url ru=http://127.0.0.1:8000 --base-url kk=http://127.0.0.1:8002
    """
    import threading

    from .sample_site.model import SampleSite
    from .sample_site.server import make_server

    servers = [make_server(SampleSite(articles=articles, edition=code), number)
               for code, number in (("ru", port), ("kk", kk_port))]
    ru, kk = (f"http://127.0.0.1:{server.server_address[1]}" for server in servers)
    click.echo(f"Sample site with {articles} articles per edition: ru at {ru}/, kk at {kk}/ (Ctrl-C stops)")
    threading.Thread(target=servers[1].serve_forever, name="sample-site-kk", daemon=True).start()
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        servers[1].shutdown()
        for server in servers:
            server.server_close()


def main():
    cli()


if __name__ == "__main__":
    main()
