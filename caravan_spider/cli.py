"""caravan-archive: crawl Caravan.kz into a SQLite archive, read it, export it."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import sqlite3
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import click

from . import __version__
from .archive import Archive, ArchiveLocked, NotAnArchive, OutdatedArchive
from .captures import CaptureFormatError
from .cli_input import EXIT_BAD_INPUT, EXIT_LOCKED, BadInput, db_option
from .cli_input import archive_folder as _archive_folder
from .outcomes import EXIT_STATUS
from .site import CARAVAN

EXIT_NOT_ARTICLE = 3


def _open(db: str, read_only: bool = True) -> Archive:
    """The archive at `db` for a command, or one line saying why not. Readers open it read-only:
    never migrated, never switched to WAL, not a byte written."""
    try:
        return Archive(db, create=False, read_only=read_only)
    except (FileNotFoundError, NotAnArchive, OutdatedArchive) as error:
        raise BadInput(str(error)) from None


def _date_or_instant(value: str | None, name: str) -> str | None:
    """An ISO date (YYYY-MM-DD) or date-time (with an offset, else Almaty time), normalised."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name} {value!r} is not a date such as 2025-01-31 or a date-time such as "
                       "2025-01-31T10:00:00+05:00") from None
    if moment.tzinfo is None:
        from .almaty import localize

        moment = localize(moment)
    return moment.isoformat()


def _writable_file(path: str | None, name: str) -> None:
    if path and not Path(path).resolve().parent.is_dir():
        raise BadInput(f"{name} {path}: directory {Path(path).resolve().parent} does not exist; create it first")


@contextlib.contextmanager
def _whole(path: str | None, gzipped: bool = False):
    """An output file that appears whole or not at all: written beside it and renamed when done, so
    that an export stopped by a damaged capture or Ctrl-C leaves no partial file (and a file of that
    name as it was). None: standard output."""
    if path is None:
        yield sys.stdout.buffer
        return
    final = Path(path)
    # A FIFO, a device (-o /dev/stdout, /dev/null) or a symlink is written where it leads, as the
    # shell's `>` does: a rename would put a regular file in its place and its reader get nothing.
    # So is a file in a directory we may not create files in (not whole; an error then names FILE).
    in_place = final.is_symlink() or (final.exists() and not final.is_file()) or \
        not os.access(final.parent, os.W_OK | os.X_OK)
    written = final if in_place else final.with_name(f".{final.name}.partial")
    try:
        with open(written, "wb") as raw:
            if gzipped:
                with gzip.GzipFile(filename=final.name, mode="wb", fileobj=raw) as out:
                    yield out
            else:
                yield raw
        if not in_place:
            os.replace(written, final)
    except BaseException:
        if not in_place:
            written.unlink(missing_ok=True)
        raise


# A count or a post id the archive can hold: SQLite's integers are 64-bit.
SQLITE_INTEGERS = click.IntRange(1, 2 ** 63 - 1)


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

    from .overrides import check

    settings = get_project_settings()
    for item in overrides:  # checked against the project's own defaults
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"--set {item!r} is not NAME=VALUE")
        try:
            check(name.strip(), value, settings)
        except ValueError as error:
            raise BadInput(str(error)) from None
    settings.set("CARAVAN_DB", db, priority="cmdline")
    settings.set("CARAVAN_SUMMARY", False, priority="cmdline")  # printed below, with the exit status
    # Quiet by default: warnings and errors only; -v or --log-file give Scrapy's INFO log.
    settings.set("LOG_LEVEL", "INFO" if verbose or log_file else "WARNING", priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    for item in overrides:
        name, _, value = item.partition("=")
        settings.set(name.strip(), value, priority="cmdline")
    return settings


def _config(settings, edition: str, since: str | None, full: bool, origins: dict[str, str | None], jobdir: str | None):
    """The run's Config: the settings (project's and --set), the options on top; a value it cannot
    use is one line naming the option or the setting it came from."""
    from .config import Config, ConfigError
    from .crawlrun import ORIGIN_SETTINGS

    given = {ORIGIN_SETTINGS[code]: url for code, url in origins.items() if url}  # by --base-url
    settings.setdict({**given, "CARAVAN_EDITION": edition, **({"CARAVAN_SINCE": since} if since else {}),
                      **({"CARAVAN_FULL": True} if full else {}), **({"JOBDIR": jobdir} if jobdir else {})},
                     priority="cmdline")
    try:
        return Config.from_settings(settings)
    except ConfigError as error:
        raise BadInput(f"{'--base-url' if error.setting in given else error.setting}: {error}") from None


def _job_dir(path: str) -> None:
    """--jobdir is a directory, or one Scrapy may create in a directory that exists."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"--jobdir {path} is not a directory")
    if not folder.exists() and not folder.resolve().parent.is_dir():
        raise BadInput(f"--jobdir {path}: directory {folder.resolve().parent} does not exist; create it first")


def _log_file(path: str, db: str) -> None:
    """--log-file must take a line: its first says which crawl the log is of (a full disk is found now)."""
    try:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} [caravan-archive] INFO: crawl of {db}\n")
    except OSError as error:
        raise BadInput(f"--log-file {path}: {error.strerror or error}") from None


@cli.command()
@db_option()
@click.option("--edition", type=click.Choice([*CARAVAN.codes, "all"]), default="all", show_default=True,
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
    otherwise (cron). The run's outcome is the exit status: 0 finished, 1 drift (the
    site's markup changed), 2 locked (another run holds the archive), 3 failed, 4
    incomplete (a sitemap, feed or listing could not be read), 130 interrupted, 64 bad input.

    \b
    Examples:
      caravan-archive crawl --sample
      caravan-archive crawl --db archive/caravan.db --since 2025-01-01
      caravan-archive crawl --edition kk --base-url http://127.0.0.1:8002
      caravan-archive crawl --log-file archive/scrapy.log   # Scrapy's log kept, the terminal quiet
    """
    from . import crawl as crawling
    from .progress import summary
    from .urls import base_urls as chosen_base_urls

    if sample and base_urls:
        raise BadInput("--sample and --base-url exclude each other")
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise BadInput(f"--since {since!r} is not a date such as 2025-01-31") from None
    if sample and sample_articles < 8:
        raise BadInput(f"--sample-articles {sample_articles}: the sample site needs at least 8 articles")
    _writable_file(log_file, "--log-file")
    if jobdir:
        _job_dir(jobdir)
    try:
        origins = chosen_base_urls(base_urls, edition)
    except ValueError as error:
        raise BadInput(f"--base-url: {error}") from None
    settings = _scrapy_settings(db, overrides, verbose, log_file)
    db_option = "--db"
    if settings.get("CARAVAN_DB") != db:  # --set CARAVAN_DB=PATH names the archive as --db does
        _archive_folder(settings.get("CARAVAN_DB"), "CARAVAN_DB")
        if click.get_current_context().get_parameter_source("db") is click.core.ParameterSource.COMMANDLINE:
            raise BadInput(f"--db {db} and --set CARAVAN_DB={settings.get('CARAVAN_DB')} name two archives: give one")
        db, db_option = settings.get("CARAVAN_DB"), "CARAVAN_DB"
    _archive_folder(db, db_option)
    config = _config(settings, edition, since, full, origins, jobdir)
    if log_file:
        _log_file(log_file, db)
    started = time.monotonic()
    try:
        with crawling.sample_site(config, sample_articles) if sample else contextlib.nullcontext(config) as config:
            if sample and verbose:
                for code, origin in config.spec.origins.items():
                    click.echo(f"Serving the sample site's {code} edition at {origin.base}", err=True)
            run = crawling.run(config, db)
    except crawling.ArchiveUnavailable as error:
        raise BadInput(f"{db_option} {db}: {error}") from None
    except crawling.BadSettings as error:
        raise BadInput(str(error)) from None
    except ArchiveLocked as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_LOCKED)
    except crawling.CrawlNotStarted as error:
        click.echo(f"The crawl did not start: {str(error) or 'run again with -v to see why'}.", err=True)
        sys.exit(EXIT_STATUS["failed"])
    if run.status == "running":  # its end could not be written at all (said above): no summary to make
        click.echo(f"Crawl run {run.run_id}: its end could not be recorded in {db}; the next run marks it "
                   "killed.", err=True)
        sys.exit(EXIT_STATUS["failed"])
    for line in summary(db, run.run_id, time.monotonic() - started, stamped=not sys.stdout.isatty()):
        click.echo(line)
    sys.exit(EXIT_STATUS.get(run.status, EXIT_STATUS["failed"]))


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...",
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--url", help="The page's URL (default: its canonical link); only with one page.")
@click.option("--fetched-at", metavar="ISO", help="When the page was fetched; dates like «Сегодня, 10:15» need it.")
@click.option("--explain", "show_explain", is_flag=True, help="Show each field's source and the pruned boilerplate.")
@click.option("--furniture-from", "furniture_db", type=click.Path(exists=True, dir_okay=False), metavar="DB",
              help="Also drop the furniture learned in this archive (as crawl and reextract do).")
def extract(paths, url, fetched_at, show_explain, furniture_db):
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
        raise BadInput("--url names one page; give one PATH with it")
    try:
        when = datetime.fromisoformat(fetched_at) if fetched_at else None
    except ValueError:
        raise BadInput(f"--fetched-at {fetched_at!r} is not a date-time such as 2026-01-21T12:00:00+05:00") from None
    if url is not None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as error:
            raise BadInput(f"--url {url!r} is not a URL ({error})") from None
        if parts.scheme not in ("http", "https", "file") or not parts.netloc and parts.scheme != "file":
            raise BadInput(f"--url {url!r} is not an http(s) URL such as https://www.caravan.kz/news/slug-845713/")
    from . import boilerplate

    furniture = {}
    if furniture_db:
        archive = _open(furniture_db)
        try:
            furniture = boilerplate.load(archive)
        finally:
            archive.close()
    rejected = 0
    for path in paths:
        html = _read_page(path)
        page_url = url or ("file:///dev/stdin" if path == "-" else Path(path).resolve().as_uri())
        result = explain(html, page_url, when, furniture=boilerplate.for_url(furniture, page_url))
        if show_explain:
            click.echo(f"{path}: layout: {result.layout}", err=True)
            for name, source in result.sources.items():
                value = getattr(result.article, name, None) if result.article else None
                shown = value if not isinstance(value, str) or len(value) < 70 else value[:67] + "..."
                click.echo(f"  {name:13} {source:60} {shown!r}", err=True)
            for rule, count in result.pruned:
                click.echo(f"  pruned {count:3} × {_short_rule(rule)}", err=True)
        if result.article is None:
            click.echo(f"{'stdin' if path == '-' else path}: not an article: {result.reason}", err=True)
            rejected += 1
            continue
        click.echo(json.dumps(result.article.to_dict(), ensure_ascii=False, sort_keys=True))
    if rejected:
        sys.exit(EXIT_NOT_ARTICLE)


def _read_page(path: str) -> bytes:
    """A saved page's bytes, or standard input's for `-`: no more than a page may be (the parser
    refuses that one byte more with its reason), whatever is piped in."""
    from .parsing.bounds import MAX_BYTES

    if path == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    with open(path, "rb") as file:
        return file.read(MAX_BYTES + 1)


def _short_rule(rule: str) -> str:
    """A pruning XPath as a person reads it: whole-class tests shown as .class."""
    return re.sub(r"contains\(concat\(' ',normalize-space\(@class\),' '\),' ([^' ]+) '\)", r".\1", rule)


@cli.command()
@click.argument("article_id", type=SQLITE_INTEGERS)
@click.option("--case", help="Folder name under tests/pages/ (default: article-ARTICLE_ID, or kk-article-… "
              "for the Kazakh edition): letters, digits, '.', '_' and '-'.")
@click.option("--edition", type=click.Choice(CARAVAN.codes), default=CARAVAN.main.code, show_default=True,
              help="The article's edition: post ids of the two editions may collide.")
@db_option(must_exist=True)
@click.option("--pages", "pages_dir", default="tests/pages", show_default=True,
              type=click.Path(exists=True, file_okay=False), help="Where the fixture folders live (it must exist).")
def fixture(article_id, case, edition, db, pages_dir):
    """Turn an archived article page into a test fixture: tests/pages/<case>/.

    Writes the newest capture's bytes as page.html, its URL, fetch time and Content-Type as
    meta.json, and what the parser makes of it now as expected.json. Check expected.json
    against the page (fix what is wrong by hand), then commit the folder: tests/test_parsing.py
    picks it up. An existing folder is never overwritten.

    \b
    Example:
      caravan-archive fixture 845713 --case today-2027-redesign --db archive/caravan.db
    """
    from .fixtures import FixtureError, write_fixture

    if case is not None and not re.fullmatch(r"[\w-][\w.-]*", case):  # a folder of its own under --pages
        raise BadInput(f"--case {case!r} is not a folder name (letters, digits, '.', '_' and '-', not first '.')")
    archive = _open(db)
    try:
        capture = archive.latest_capture(article_id, edition)
        if capture is not None:
            capture = {**capture, "body": archive.decompress_capture(capture)}  # the bytes as fetched
    finally:
        archive.close()
    if capture is None:
        click.echo(f"{db} holds no capture of article {article_id} of the {edition} edition; see "
                   "`caravan-archive search` or the captures table for the ids it has", err=True)
        sys.exit(1)
    folder = Path(pages_dir) / (case or ("" if edition == "ru" else "kk-") + f"article-{article_id}")
    try:
        expected = write_fixture(capture, folder)
    except FixtureError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    what = (f"not an article: {expected['not_an_article']}" if "not_an_article" in expected
            else f"«{expected['title']}», {expected['word_count']} words")
    click.echo(f"Wrote {folder}/ (page.html, meta.json, expected.json) from the capture of "
               f"{capture['fetched_at']}: {what}. Check expected.json against the page, then commit it.")


@cli.command()
@db_option(must_exist=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (.gz compresses); default stdout.")
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE.")
@click.option("--until", metavar="DATE", help="Only articles published on or before DATE.")
@click.option("--category", help="Only this category (any case); one the archive lacks is refused.")
@click.option("--language", type=click.Choice(CARAVAN.languages), help="Only this language.")
@click.option("--edition", type=click.Choice(CARAVAN.codes), help="Only this edition.")
@click.option("--updated-since", metavar="ISO", help="Only articles whose row changed since then (a date-time "
              "with an offset; UTC without one).")
@click.option("--warc", is_flag=True,
              help="Write the raw captures of those articles as a WARC file instead (.gz compresses).")
@click.option("--wacz", is_flag=True, help="Write them as a WACZ file (WARC, CDXJ index, pages with their text) "
              "for ReplayWeb.page and pywb; needs -o.")
def export(db, output, since, until, category, language, edition, updated_since, warc, wacz):
    """Export articles as JSON Lines, newest first, one record per line.

    \b
    Examples:
      caravan-archive export -o articles.jsonl.gz
      caravan-archive export --since 2025-01-01 --category Политика
      caravan-archive export --warc -o captures.warc.gz --since 2025-01-01
      caravan-archive export --wacz -o archive.wacz
    """
    if wacz and (warc or not output):
        raise click.UsageError("--wacz writes a file of its own: give -o FILE.wacz, without --warc")
    since, until = _date_or_instant(since, "--since"), _date_or_instant(until, "--until")
    if updated_since and len(updated_since) != 10:
        try:  # a date-time without an offset is UTC here: updated_at is kept in UTC
            moment = datetime.fromisoformat(updated_since)
            updated_since = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()
        except ValueError:
            pass
    updated_since = _date_or_instant(updated_since, "--updated-since")
    _writable_file(output, "-o")
    filters = {"since": since, "until": until, "category": category, "language": language,
               "updated_since": updated_since, "edition": edition}
    archive = _open(db)
    try:
        if category:
            filters["category"] = _category(archive, category, db)
        if wacz:
            from .wacz import write_wacz

            with _whole(output) as out:
                count = write_wacz(archive, out, **filters)
            click.echo(f"Wrote {count} captures to {output}", err=True)
            return
        if warc:
            from .warc import write_warc

            if output is None and sys.stdout.isatty():
                raise click.UsageError("a WARC file is binary: give -o FILE.warc.gz, or redirect stdout")
            compress = output is None or output.endswith(".gz")
            with _whole(output) as out:
                count = write_warc(archive, out, compress, Path(output or "stdout.warc.gz").name, **filters)
            if output:
                click.echo(f"Wrote {count} captures to {output}", err=True)
            return
        # Bytes as SQLite made them (UTF-8), a chunk of records per write.
        sys.stdout.flush()
        with _whole(output, gzipped=bool(output and output.endswith(".gz"))) as out:
            count = 0
            for records, chunk in archive.iter_article_json(**filters):
                out.write(chunk)
                count += records
        if output:
            click.echo(f"Wrote {count} articles to {output}", err=True)
    finally:
        archive.close()


def _category(archive: Archive, given: str, db: str) -> tuple[str, ...]:
    """The archive's spellings of a category, whatever the case given (SQLite's own lower() and
    NOCASE know ASCII only, not «Политика»); a category no article has is refused in one line."""
    known = archive.categories()
    same = tuple(c for c in known if c.casefold() == given.casefold())
    if same:
        return same
    import difflib

    closest = difflib.get_close_matches(given.casefold(), [c.casefold() for c in known], n=3, cutoff=0.6)
    named = [c for c in known if c.casefold() in closest]
    raise BadInput(f"--category {given!r}: no article in {db} has that category; "
                   + (f"the closest it has: {', '.join(named)}" if named else f"it has: {', '.join(known) or 'none'}"))


def output_options(command):
    """--json and --csv, as sqlite-utils has them; plain text for people otherwise."""
    command = click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")(command)
    return click.option("--json", "as_json", is_flag=True, help="Output a JSON array of objects.")(command)


def output_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("--json and --csv exclude each other")


def emit(rows: list[dict], as_json: bool, as_csv: bool, columns: tuple[str, ...] = ()) -> bool:
    """Print rows as JSON or CSV when asked; False when the caller prints text. No rows: `[]`, or
    the CSV header of `columns`, as sqlite-utils prints them."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif as_csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return as_json or as_csv


def emit_array(rows) -> None:
    """Print rows as emit's --json does, one at a time: a million listed posts in constant memory."""
    opened = False
    for row in rows:
        click.echo(("," if opened else "[") + "\n  " + json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n  "),
                   nl=False)
        opened = True
    click.echo("\n]" if opened else "[]")


@cli.command()
@db_option(must_exist=True)
@click.option("--limit", default=10, show_default=True, type=SQLITE_INTEGERS, help="How many runs, newest first.")
@output_options
def runs(db, limit, as_json, as_csv):
    """Show the recent crawl runs: when, how they ended, what they did.

    \b
    Examples:
      caravan-archive runs --limit 5
      caravan-archive runs --json
    """
    output_format(as_json, as_csv)
    archive = _open(db)
    try:
        rows = archive.runs(limit)
        problems = {r["run_id"]: archive.problems(r["run_id"]) for r in rows}
    finally:
        archive.close()
    if as_json:  # a column holding JSON is a JSON value, not a string of JSON
        rows = [{k: json.loads(v) if k in Archive.RUN_JSON_COLUMNS and v is not None else v for k, v in r.items()}
                for r in rows]
    if emit(rows, as_json, as_csv):
        return
    header = f"{'run':>4}  {'started (UTC)':19}  {'status':9} {'new':>5} {'upd':>5} {'same':>5} {'fail':>5} {'reqs':>6}  {'MB':>6}"
    click.echo(header)
    for r in rows:
        click.echo(f"{r['run_id']:>4}  {(r['started_at'] or '')[:19]:19}  {r['status']:9} {r['articles_new'] or 0:>5} "
                   f"{r['articles_updated'] or 0:>5} {r['articles_unchanged'] or 0:>5} {r['articles_failed'] or 0:>5} "
                   f"{r['requests'] or 0:>6}  {(r['bytes_downloaded'] or 0) / 1e6:>6.2f}")
        if r["status"] not in ("finished", "running") or problems[r["run_id"]]:
            click.echo(f"      {r['message']}")
        for problem in problems[r["run_id"]][:20]:
            click.echo(f"      {problem['kind']:20} {problem['url']}")
        if len(problems[r["run_id"]]) > 20:
            click.echo(f"      ... and {len(problems[r['run_id']]) - 20} more (table crawl_problems)")


SEARCH_COLUMNS = ("edition", "article_id", "published_at", "title", "url", "snippet")


@cli.command()
@click.argument("query")
@db_option(must_exist=True)
@click.option("--limit", default=10, show_default=True, type=SQLITE_INTEGERS, help="How many matches.")
@click.option("--edition", type=click.Choice(CARAVAN.codes), help="Only this edition.")
@output_options
def search(query, db, limit, edition, as_json, as_csv):
    """Search the archive; any word form finds the others («фестивалей» finds «фестиваль»).

    Words are all required; OR, NOT, "a phrase" and prefix* work as in SQLite FTS5.
    Each match shows its title and a snippet, the matched words in bold (in [brackets] when not
    on a terminal; --json and --csv mark the snippet's so). Best matches first, ranked among the newest
    1,000 articles that match, so that a common word answers as fast as a rare one in an
    archive of a million articles.

    \b
    Examples:
      caravan-archive search "миротворец"
      caravan-archive search "школа OR больница" --json
      caravan-archive search "миротвор*" --csv > matches.csv
    """
    from .search import check_query, highlight, plain

    output_format(as_json, as_csv)
    try:
        check_query(query)
    except ValueError as error:
        raise BadInput(str(error)) from None
    archive = _open(db)
    try:
        matches = archive.search(query, limit, edition)
    finally:
        archive.close()
    if not matches:
        emit([], as_json, as_csv, SEARCH_COLUMNS)
        click.echo(f"No article matches {query!r}.", err=True)
        sys.exit(1)
    if emit([{**m, "snippet": plain(m["snippet"], "[", "]")} for m in matches], as_json, as_csv):
        return
    tty = sys.stdout.isatty() and not os.environ.get("NO_COLOR")  # https://no-color.org: brackets then

    def marked(segments) -> str:
        return "".join(click.style(text, bold=True) if hit and tty else f"[{text}]" if hit else text
                       for text, hit in segments)

    for m in matches:
        # The title's matched words too: a match in the title alone shows why the article is here.
        click.echo(f"{(m['published_at'] or '')[:10]:10}  {m['edition']}  {marked(highlight(query, m['title']))}\n"
                   f"            {marked(m['snippet'])}\n            {m['url']}")


@cli.command()
@db_option(must_exist=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON array of the listed posts instead of a summary.")
def coverage(db, as_json):
    """Account for every post the site listed (sitemaps, feed, listings), by edition.

    Each listed post is in one state: archived, not_article, failed, pending (listed, not
    fetched yet) or unpublished, with the reason (null only when archived). Read-only.

    \b
    Examples:
      caravan-archive coverage
      caravan-archive coverage --json | jq '.[] | select(.state == "failed")'
    """
    from .archive import STATES

    archive = _open(db)
    try:
        if as_json:
            emit_array({k: row[k] for k in ("article_id", "edition", "url", "state", "reason", "sources",
                                            "last_listed_at")} for row in archive.coverage())
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
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Parse in N processes (default: one per core); the archive is written by one.")
def reextract(db, jobs):
    """Rebuild articles and revisions from the stored captures with the current parser.

    Offline: no request is made. Parses on every core; the result is the same as with
    --jobs 1. Prints which articles changed, by field. Never deletes: an article a capture
    of which no longer parses as an article is kept as stored, and named.

    \b
    Example:
      caravan-archive reextract --db archive/caravan.db --jobs 2
    """
    from .reextract import reextract as run
    from .workers import cores

    archive = _open(db, read_only=False)
    bar = None

    def shown(done: int, total: int) -> None:  # a terminal sees the articles done, not 50 s of silence
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, desc="Re-extracting", file=sys.stderr, dynamic_ncols=True, leave=False,
                       bar_format="{desc} {bar} {n_fmt}/{total_fmt} articles [{elapsed}<{remaining}]")
        bar.n = done
        bar.refresh()

    try:
        archive.acquire()
        report = run(archive, jobs or cores(), progress=shown if sys.stderr.isatty() else None)
    except ArchiveLocked as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    finally:
        if bar is not None:
            bar.close()
        archive.close()
    click.echo(f"Re-extracted {report.articles} articles: {len(report.changed)} changed, {len(report.added)} added"
               + (f"; {len(report.kept)} kept as they were (a capture of theirs no longer parses as an article):"
                  if report.kept else "."))
    for article_id, why in report.kept.items():
        click.echo(f"  {article_id}: {why}")
    for name, count in sorted(report.by_field().items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {name:13} changed in {count} article(s)")
    for article_id, names in sorted(report.changed.items(), key=lambda kv: (isinstance(kv[0], str), str(kv[0]))):
        click.echo(f"  {article_id}: {', '.join(names)}")


@cli.command("sample-site")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the Russian edition on 127.0.0.1 (0 picks a free one).")
@click.option("--kk-port", default=8002, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the Kazakh edition (0 picks a free one).")
@click.option("--articles", default=50, show_default=True, type=click.IntRange(min=8),
              help="How many articles each edition holds (at least 8).")
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

    servers = []
    for code, number, option in (("ru", port, "--port"), ("kk", kk_port, "--kk-port")):
        try:
            servers.append(make_server(SampleSite(articles=articles, edition=code), number))
        except OSError as error:
            for server in servers:
                server.server_close()
            raise BadInput(f"{option} {number}: {error.strerror or error}; choose another port "
                           "(0 picks a free one)") from None
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


from .importing.commands import register as register_imports  # noqa: E402  import-warc, import-wayback
register_imports(cli)


def main():
    """Every error a user can cause ends as one line and a non-zero exit, never a traceback."""
    try:
        cli(standalone_mode=False, prog_name="caravan-archive")
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        hint = f" (see: caravan-archive {error.ctx.command_path.split(' ', 1)[-1]} --help)" if (
            isinstance(error, click.UsageError) and error.ctx and " " in error.ctx.command_path) else ""
        click.echo(f"Error: {error.format_message()}{hint}", err=True)
        sys.exit(EXIT_BAD_INPUT if isinstance(error, click.UsageError) else error.exit_code)
    except (OSError, sqlite3.DatabaseError, CaptureFormatError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
