"""The import commands of the CLI (import-warc, import-wayback), registered on its group by `register`."""

from __future__ import annotations

import contextlib
import signal
import sys

import click

from ..archive import Archive, ArchiveLocked
from ..cli_input import EXIT_LOCKED, BadInput, archive_folder, db_option
from ..outcomes import Outcome, RunStatus
from ..site import CARAVAN, either
from ..urls import base_urls
from ..workers import cores
from . import Imported, hosts_of, import_found


def register(group: click.Group) -> None:
    for command in (import_warc, import_wayback):
        group.add_command(command)


def _jobs_option(command):
    return click.option("--jobs", type=click.IntRange(0, 64), default=None,
                        help="Parse worker processes (default: one per core; 0 parses in this process).")(command)


def _mirrors_option(command):
    editions = "|".join(f"{code}=" for code in CARAVAN.codes)
    return click.option("--base-url", "base_url_values", multiple=True, metavar=f"[{editions}]URL",
                        help="Captures were made of a mirror at URL (also its host:port), as crawl's --base-url; "
                             "the site's own hosts are always read.")(command)


def _hosts(values: tuple[str, ...]) -> dict[str, str]:
    for value in values:
        if value.partition("=")[0] not in CARAVAN.codes:
            raise BadInput(f"--base-url {value}: say which edition it mirrors, "
                           f"{either(f'{code}={value}' for code in CARAVAN.codes)}")
    try:
        return hosts_of(base_urls(values, "all") if values else {})
    except ValueError as error:
        raise BadInput(f"--base-url: {error}") from None


def _run(db: str, mode: str, described: str, work) -> Imported:
    """Run an import, work(archive, run_id, report) counting in `report` as it goes, as a run of its own (a
    crawl_runs row, mode import-warc or import-wayback) under the archive's run lock; Ctrl-C records it
    interrupted (exit 130) with what it stored, which is kept."""
    from .. import crawl

    archive_folder(db, "--db")
    try:
        crawl.check_archive(db)  # as a crawl checks it: made or upgraded, and nobody else writing it
    except crawl.ArchiveUnavailable as error:
        raise BadInput(f"--db {db}: {error}") from None
    except ArchiveLocked as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_LOCKED)
    archive = Archive(db)
    archive.acquire()
    run_id = archive.begin_run(described, mode, ",".join(CARAVAN.codes))
    report = Imported()
    try:
        with _terminate_as_ctrl_c():
            work(archive, run_id, report)
    except KeyboardInterrupt:
        why = "interrupted (Ctrl-C or SIGTERM); run it again to continue: what is held is skipped"
        archive.finish_run(run_id, RunStatus.INTERRUPTED, _figures(report, why))
        archive.close()
        click.echo(f"Interrupted: run {run_id} recorded interrupted; what was stored is kept.", err=True)
        sys.exit(RunStatus.INTERRUPTED.exit_status)
    except BaseException as error:
        archive.finish_run(run_id, RunStatus.FAILED, _figures(report, f"{type(error).__name__}: {error}"))
        archive.close()
        raise
    status = RunStatus.INCOMPLETE if report.failed else RunStatus.FINISHED  # as the command exits
    archive.finish_run(run_id, status, _figures(report, report.summary()))
    archive.close()
    return report


@contextlib.contextmanager
def _terminate_as_ctrl_c():
    """SIGTERM (systemd's stop, kill) stops an import as Ctrl-C does: recorded interrupted with what it
    stored, exit 130, rather than a process gone with its run's row left `running`."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _figures(report: Imported, message: str) -> dict:
    outcomes = report.outcomes
    return {Outcome.NEW.column: outcomes[Outcome.NEW],
            Outcome.UPDATED.column: outcomes[Outcome.UPDATED] + outcomes[Outcome.OLDER],
            Outcome.UNCHANGED.column: outcomes[Outcome.UNCHANGED],
            Outcome.FAILED.column: report.failed,  # (those given up included)
            Outcome.NOT_ARTICLE.column: sum(n for why, n in report.skipped.items() if why.startswith("not an article (")),
            "errors_by_kind": dict(report.skipped), "message": message}


@click.command("import-warc")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False), metavar="FILE...")
@db_option(help="The archive's SQLite file (created when missing).")
@_mirrors_option
@_jobs_option
def import_warc(files, db, base_url_values, jobs):
    """Import the article pages of WARC or ARC files (.gz too), made by any crawler.

    Each response of an article URL of either edition becomes a capture with its own fetch time
    and headers, parsed and stored as a crawl stores it; a capture older than an article's
    current one becomes an older revision. Captures held already are skipped.

    \b
    Examples:
      caravan-archive import-warc crawl-2019.warc.gz old/*.arc.gz
      caravan-archive import-warc site.warc.gz --base-url ru=http://127.0.0.1:8000   # a mirror's captures
    """
    from .warc import BadArchiveFile, check, read

    hosts = _hosts(base_url_values)
    try:
        records = sum(check(path) for path in files)  # every file whole before anything is stored
    except BadArchiveFile as error:
        raise BadInput(str(error)) from None

    def work(archive, run_id, report):
        found = (capture for path in files for capture in read(path))
        import_found(archive, found, hosts, run_id, cores() if jobs is None else jobs, report=report)

    report = _run(db, "import-warc", " ".join(files), work)
    click.echo(f"{report.summary()}; {records} records read from {len(files)} file(s) into {db}.")


@click.command("import-wayback")
@db_option(help="The archive's SQLite file (created when missing).")
@click.option("--edition", type=click.Choice([*CARAVAN.codes, "all"]), default="all", show_default=True,
              help="Which edition's article URLs to ask for.")
@click.option("--from", "from_date", metavar="DATE", help="Only captures made on or after DATE (YYYY-MM-DD).")
@click.option("--to", "to_date", metavar="DATE", help="Only captures made on or before DATE (YYYY-MM-DD).")
@click.option("--cdx", "cdx_url", default="https://web.archive.org/cdx/search/cdx", show_default=True,
              help="The CDX server to ask (any pywb: http://host:port/COLLECTION/cdx).")
@click.option("--replay", "replay_url", metavar="URL",
              help="Where raw captures are fetched from (URL/TIMESTAMPid_/ORIGINAL); default: the CDX server's "
                   "collection (Wayback: https://web.archive.org/web).")
@click.option("--delay", type=click.FloatRange(0), default=2.0, show_default=True,
              help="Seconds between requests to the web archive.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Attempts more for a capture that failed (5xx, timeouts); then it is left to the next run.")
@_jobs_option
def import_wayback(db, edition, from_date, to_date, cdx_url, replay_url, delay, retries, jobs):
    """Import the site's article pages kept by a web archive (the Wayback Machine, or any pywb).

    Asks the CDX server for captures of article URLs, fetches each raw (id_) one politely and
    imports it as import-warc does. The list of captures is kept in the archive: a killed
    import, run again, continues where it was.

    \b
    Examples:
      caravan-archive import-wayback --from 2015-01-01 --to 2019-12-31
      caravan-archive import-wayback --edition kk --cdx http://127.0.0.1:8080/caravan/cdx
    """
    from .wayback import RUNS_FOR_A_FAILURE, Wayback, WaybackError, check_date

    try:
        start, end = check_date(from_date, "--from"), check_date(to_date, "--to")
        if start and end and start > end:
            raise ValueError(f"--from {from_date} is after --to {to_date}: no capture can be both")
        wayback = Wayback(cdx_url, replay_url, delay=delay, retries=retries)
    except ValueError as error:
        raise BadInput(str(error)) from None
    editions = list(CARAVAN.codes) if edition == "all" else [edition]
    hosts = hosts_of({})

    def work(archive, run_id, report):
        try:
            report.listed = wayback.list(archive, editions, start, end)
        except WaybackError as error:
            raise click.ClickException(str(error)) from None
        # One page a task: each capture is stored as soon as it is fetched (fetching, --delay apart, is
        # the slow part), so that a killed import loses no capture it had fetched.
        import_found(archive, wayback.fetch(archive), hosts, run_id, cores() if jobs is None else jobs,
                     batch_size=1, report=report)
        report.failed, report.given_up = wayback.failed, wayback.given_up

    report = _run(db, "import-wayback", cdx_url, work)
    asked_again = report.failed - report.given_up
    click.echo(f"{report.summary()}; {report.listed} new captures listed by {cdx_url}"
               + (f"; {asked_again} failed and are asked again next run" if asked_again else "")
               + (f"; {report.given_up} failed in {RUNS_FOR_A_FAILURE} runs and are given up" if report.given_up
                  else "") + f"; into {db}.")
    if report.failed:
        sys.exit(RunStatus.INCOMPLETE.exit_status)


__all__ = ["register", "import_warc", "import_wayback"]
