"""What a crawl shows while it runs and when it ends.

On a terminal: a progress bar (articles done of those planned, with an ETA) that log lines
print above. Elsewhere (cron, a pipe): nothing while it runs but Scrapy's log at the level
asked for; INFO adds a progress line every CARAVAN_PROGRESS_INTERVAL seconds. At the end a
short summary, printed here for `scrapy crawl` and by the CLI for `caravan-archive crawl`.
"""

from __future__ import annotations

import contextlib
import logging
import shlex
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from .archive import DEFAULT_DB, Archive, CrawlRun
from .crawlrun import run_begun
from .outcomes import COUNTED, Outcome, RunStatus

logger = logging.getLogger(__name__)

DONE = tuple(outcome.stat for outcome in COUNTED)
BAR_INTERVAL = 0.5  # seconds between redraws of the bar
PLANNED = "{desc} {bar} {n_fmt}/{total_fmt} articles [{elapsed}<{remaining}]"
DISCOVERING = "{desc} {bar} {n_fmt}/? articles [{elapsed}<?]"  # the plan still grows: no total, no ETA


class Progress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = crawler.settings.getfloat("CARAVAN_PROGRESS_INTERVAL")
        self.print_summary = crawler.settings.getbool("CARAVAN_SUMMARY")
        # A bar when stderr is a terminal that the log does not write to (it does with -v).
        quiet = crawler.settings.get("LOG_FILE") or _level(crawler.settings.get("LOG_LEVEL")) >= logging.WARNING
        self.tty = sys.stderr.isatty() and bool(quiet)
        self.task = None
        self.bar = None
        self.redirect = None
        self.started = time.monotonic()
        self.run_id: int | None = None  # told by the pipeline when the run begins
        crawler.signals.connect(self._run_begun, signal=run_begun)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _run_begun(self, run_id: int) -> None:
        self.run_id = run_id

    def counts(self) -> tuple[int, int]:
        """Articles done, and articles planned (the total grows while sitemaps are read)."""
        stats = self.stats.get_stats()
        planned = sum(v for k, v in stats.items() if k.startswith("caravan/planned/"))
        return sum(stats.get(k, 0) for k in DONE), planned

    def line(self) -> str:
        get = self.stats.get_value
        done, planned = self.counts()
        pages = get("response_received_count", 0)
        rate = pages / max(time.monotonic() - self.started, 1e-6)
        return (f"{done} of {planned} articles done (new {get(Outcome.NEW.stat, 0)}, updated "
                f"{get(Outcome.UPDATED.stat, 0)}, failed {get(Outcome.FAILED.stat, 0)}), "
                f"{pages} pages at {rate:.1f}/s")

    def opened(self, spider):
        self.started = time.monotonic()
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=None, unit=" articles", desc="Crawling", file=sys.stderr, dynamic_ncols=True,
                            leave=False, bar_format=DISCOVERING)
            # Log lines (warnings by default) print above the bar instead of through it; the
            # handlers keep their levels and filters.
            self.redirect = [(h, h.setStream(_AboveTheBar(tqdm))) for h in logging.getLogger().handlers
                             if isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) is sys.stderr]
        self.task = create_looping_call(self.report)
        self.task.start(BAR_INTERVAL if self.tty else self.interval, now=False)

    def discovering(self) -> bool:
        """True while sitemaps, feed or listing pages are pending: the plan is still growing."""
        spider = self.crawler.spider
        return not getattr(spider, "discovered", True) or getattr(spider, "discovery_pending", 0) > 0

    def report(self):
        if self.bar is not None:
            done, planned = self.counts()
            if self.discovering():  # a total that grows makes a meaningless ETA: neither is shown yet
                self.bar.total, self.bar.bar_format = None, DISCOVERING
            else:
                self.bar.total, self.bar.bar_format = max(planned, done), PLANNED
            self.bar.n = done
            self.bar.refresh()
        else:
            logger.info("progress: %s", self.line())

    def closed(self, spider):
        if self.task and self.task.running:
            self.task.stop()
        if self.bar is not None:
            self.bar.close()
            for handler, stream in self.redirect:
                handler.setStream(stream)
            self.bar = self.redirect = None

    def stopped(self):
        """After the pipeline closed the run: the summary, for `scrapy crawl`."""
        if not self.print_summary or self.run_id is None:
            return
        db = self.crawler.settings.get("CARAVAN_DB")
        for line in summary(db, self.run_id, time.monotonic() - self.started, stamped=not sys.stderr.isatty()):
            print(line, file=sys.stderr)


def _level(value) -> int:
    """A LOG_LEVEL setting as a number: 30, "30" and "WARNING" alike."""
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    number = logging.getLevelName(str(value).upper())
    return number if isinstance(number, int) else logging.INFO


class _AboveTheBar:
    """A stream for log handlers that writes above the progress bar."""

    def __init__(self, tqdm):
        self.tqdm = tqdm

    def write(self, text: str) -> None:
        self.tqdm.write(text, file=sys.stderr, end="")

    def flush(self) -> None:
        sys.stderr.flush()


def sibling(command: str) -> str:
    """How to call a command installed beside this one, as the user can type it."""
    if shutil.which(command):
        return command
    path = Path(sys.executable).parent / command
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def hints(db: str) -> str:
    """Where to go next, with the archive path the user gave (the default one has a
    Datasette configuration directory around it)."""
    if Path(db).resolve() == Path(DEFAULT_DB).resolve():
        return f"Browse: {sibling('datasette')} {Path(db).parent}/   Export: {sibling('caravan-archive')} export"
    quoted = shlex.quote(db)
    return f"Browse: {sibling('datasette')} {quoted}   Export: {sibling('caravan-archive')} export --db {quoted}"


def _counted(run: CrawlRun) -> str:
    parts = [f"{count} {name}" for count, name in (
        (run.articles_new, "new"), (run.articles_updated, "updated"), (run.articles_unchanged, "unchanged"),
        (run.articles_failed, "failed"), (run.articles_unpublished, "unpublished"),
        (run.articles_restored, "restored")) if count]
    if run.not_articles:
        parts.append(f"{run.not_articles} not article{'s' if run.not_articles != 1 else ''}")
    return ", ".join(parts) or "nothing new"


def summary(db: str, run_id: int, elapsed: float, stamped: bool = False) -> list[str]:
    """The few lines a run ends with: what it did, what it stored, where to look. Stamped (for a
    log: cron's mail, a file) the first opens with the run's end, ISO 8601 with its offset. Where to
    look is said by the run that first filled the archive, not by every run of a cron log after it."""
    archive = Archive(db, create=False)
    try:
        run = archive.run(run_id)
        total = archive.count()
        raw, stored = archive.capture_sizes(run_id)
    finally:
        archive.close()
    requests = f"; {run.requests} requests" if run.requests is not None else ""  # None: its end not recorded
    stamp = f"{run.finished_at or datetime.now(timezone.utc).isoformat(timespec='seconds')} " if stamped else ""
    lines = [f"{stamp}Crawl run {run_id} {run.status} in {elapsed:.1f} s: {_counted(run)}{requests}."]
    if stored:
        lines.append(f"Captures: {raw / 1e6:.2f} MB fetched, stored zstd in {stored / 1e6:.2f} MB "
                     f"(compression ratio {raw / stored:.1f}).")
    if run.status != RunStatus.FINISHED or run.articles_failed:
        lines.append(f"  {run.message}")
    first_filled = run.status != RunStatus.FAILED and total and total == (run.articles_new or 0)
    lines.append(f"{db} holds {total} articles." + (f" {hints(db)}" if first_filled else ""))
    return lines
