"""A crawl run from start to end, for Python callers and for the CLI.

    from caravan_spider.config import Config
    from caravan_spider.crawl import run

    crawl_run = run(Config(edition="ru", base_url="http://127.0.0.1:8000"), "archive/caravan.db")
    crawl_run.status  # finished, drift, incomplete, failed or interrupted (README: Run outcomes)

`run` makes the Scrapy settings from the Config, checks the archive, crawls (Twisted's reactor runs
once per process) and returns the run as its crawl_runs row tells it. `RunKeeper` is the run's life
inside any crawl (`scrapy crawl caravan` and Scrapyd too): the pipeline stores items into the run it
keeps.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from scrapy import signals

from . import boilerplate
from .archive import DEFAULT_DB, Archive, ArchiveLocked, CrawlRun, NotAnArchive, content_hash
from .captures import CaptureFormatError
from .config import Config
from .crawlrun import RunStart, run_begun, run_refused, site_unreachable
from .drift import Coverage
from .items import ArticlePage
from .outcomes import Outcome, counted

# The run's log lines keep the logger name they had when the pipeline wrote them (log filters, cron mail).
logger = logging.getLogger("caravan_spider.pipelines")


class CrawlNotStarted(Exception):
    """The crawl did not begin; the message says why in one line (nothing was fetched)."""


class BadSettings(CrawlNotStarted):
    """Scrapy could not build the crawl from the settings the Config made (what it raised, named)."""


class ArchiveUnavailable(CrawlNotStarted):
    """The archive file cannot be opened, made or upgraded (not an archive, a folder that is not there)."""


def run(config: Config, db: str | Path) -> CrawlRun:
    """Crawl as `config` says into the archive at `db` (made when it does not exist; its folder must,
    archive/ apart) and return the run as its crawl_runs row tells it (status `running`: its end could
    not be recorded). Raises ArchiveLocked when another run or writer holds the archive, BadSettings,
    ArchiveUnavailable or CrawlNotStarted when the run never began. With LOG_FILE among the config's
    Scrapy settings, warnings and errors still reach stderr while the crawl runs."""
    from scrapy.crawler import CrawlerProcess

    db = str(db)
    try:  # what Scrapy raises while it builds the crawler comes from the settings it was given
        process = CrawlerProcess(config.to_settings(db))
        crawler = process.create_crawler("caravan")
    except Exception as error:  # noqa: BLE001 - named in the one line, whatever it is
        raise BadSettings(f"could not start the crawl: {type(error).__name__}: {error}") from None
    check_archive(db)  # the first write to the archive: everything above was checked
    start = RunStart().watch(crawler)  # the keeper tells it the run's id, or why there is none
    with _warnings_to_stderr(bool(config.scrapy.get("LOG_FILE"))):
        process.crawl(crawler)
        process.start()
    if start.refused == "archive_locked":
        raise ArchiveLocked(start.message)
    if start.run_id is None:
        raise CrawlNotStarted(start.message or "")
    archive = Archive(db, create=False, read_only=True)  # the outcome as the run's crawl_runs row tells it
    try:
        return archive.run(start.run_id)
    finally:
        archive.close()


@contextlib.contextmanager
def sample_site(config: Config, articles: int) -> Iterator[Config]:
    """The bundled sample site served on loopback (each edition the config crawls on a free port) for
    the time of the block, and the config that crawls it."""
    from .crawlrun import ORIGIN_SETTINGS
    from .sample_site.model import SampleSite
    from .sample_site.server import serving

    with contextlib.ExitStack() as stack:
        served = {code: stack.enter_context(serving(SampleSite(articles=articles, edition=code)))
                  for code in config.spec.origins}
        fields = {name: served[code] for code, name in ORIGIN_SETTINGS.items() if code in served}
        yield Config.from_settings({**config.settings(), **fields, **config.scrapy})


def check_archive(db: str) -> None:
    """Make or upgrade the archive and see that nobody else writes it, before Scrapy starts; only the
    default folder (archive/) is ever created."""
    if db == DEFAULT_DB and not Path(db).parent.is_dir():
        Path(db).parent.mkdir()
    try:
        archive = Archive(db)  # creates or upgrades it; refuses a file that is not an archive
    except NotAnArchive as error:
        raise ArchiveUnavailable(str(error)) from None
    except OSError as error:
        raise ArchiveUnavailable(error.strerror or str(error)) from None
    except sqlite3.OperationalError as error:
        raise ArchiveLocked(_busy(db, error)) from None
    try:
        archive.acquire()
        archive.check_writable()  # waits for another writer as long as any write would
    except sqlite3.OperationalError as error:
        raise ArchiveLocked(_busy(db, error)) from None
    finally:
        archive.close()


def _busy(db: str, error: sqlite3.OperationalError) -> str:
    """The line for an archive another process keeps writing; any other error is raised as it is."""
    if getattr(error, "sqlite_errorcode", None) not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        raise error
    return f"{db} is being written by another process ({error}); wait for it to finish"


@contextlib.contextmanager
def _warnings_to_stderr(wanted: bool) -> Iterator[None]:
    """The log goes to a file; what needs attention still reaches the terminal."""
    if not wanted:
        yield
        return
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.getLogger().addHandler(console)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(console)


class RunKeeper:
    """The life of one crawl run in the archive, whoever started it (`run()`, `scrapy crawl`, Scrapyd):
    begun when the pipeline opens (or refused: locked, unavailable), a much shorter text held back,
    its outcome (README, "Run outcomes": interrupted, failed, drift, incomplete or finished) decided and
    recorded when the spider closes, or at once when the reactor stops first; then furniture is learned
    and captures are compacted. The pipeline stores items into the run it keeps."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("CARAVAN_DB")
        self.config = config = Config.of(crawler)
        self.min_coverage = config.drift_min_coverage
        self.min_pages = config.drift_min_pages
        self.max_failed_share = config.max_failed_share
        self.tolerated_failed_share = config.tolerated_failed_share
        self.shorter_ratio = config.much_shorter_ratio
        self.schedule = config.steps
        self.spec = config.spec
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.coverage = Coverage()  # what the stored pages held, field by field (drift)
        self.unreachable: str | None = None  # why the site never answered (middlewares.py)
        self.storage_error: str | None = None  # why the pipeline could not store a page
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self._site_unreachable, signal=site_unreachable)

    def _site_unreachable(self, message: str) -> None:
        self.unreachable = message

    def begin(self) -> None:
        """Open and lock the archive and begin the run in it (with its config), or refuse it."""
        if self.db_path == DEFAULT_DB:  # `scrapy crawl caravan` in a fresh checkout; other folders must exist
            Path(DEFAULT_DB).parent.mkdir(exist_ok=True)
        try:
            archive = Archive(self.db_path)
        except (NotAnArchive, OSError) as error:
            self._refuse("archive_unavailable", str(error))
            return
        except sqlite3.OperationalError as error:  # another process writes it: as locked, below
            self._refuse("archive_locked", _busy(self.db_path, error))
            return
        try:
            archive.acquire()
            run_id = archive.begin_run(self.spec.base_url, self.spec.mode, self.spec.editions, self.config.to_json())
        except ArchiveLocked as error:
            archive.close()
            self._refuse("archive_locked", str(error))
            return
        except sqlite3.OperationalError as error:
            archive.close()
            self._refuse("archive_locked", _busy(self.db_path, error))
            return
        archive.schedule = self.schedule
        self.archive, self.run_id = archive, run_id
        from twisted.internet import reactor  # running: open_spider is called from it

        self._stop_trigger = reactor.addSystemEventTrigger("before", "shutdown", self._stopped_at_once)
        self.crawler.signals.send_catch_log(run_begun, run_id=self.run_id)

    def _refuse(self, reason: str, message: str) -> None:
        """The run cannot begin: the spider's start() closes with `reason` before the first request.
        `caravan-archive crawl` (no summary of ours) prints the message itself, so it is logged at DEBUG
        only then: with -v an INFO line said it twice."""
        logger.log(logging.ERROR if self.config.summary else logging.DEBUG, "%s", message)
        self.crawler.signals.send_catch_log(run_refused, reason=reason, message=message)

    def held_back(self, item: ArticlePage) -> bool:
        """A text suddenly much shorter than the archived one is held back, not stored, until the
        same text is seen again by a later fetch (then the shortening is the editor's)."""
        held = self.archive.held_words(item.article_id, item.edition)
        words = item.record["word_count"]
        if not held or words >= held * self.shorter_ratio:
            return False
        digest = content_hash(item.record)
        if self.archive.was_held_back(item.article_id, digest, item.edition):
            return False
        detail = (f"article {item.article_id}: {words} words where the archive holds {held}; held back until "
                  "the same text is fetched again")
        self.archive.record_problem(self.run_id, "article", "much_shorter", item.url, item.article_id, detail,
                                    digest, edition=item.edition)
        self.stats.inc_value("caravan/errors/much_shorter")
        self.stats.inc_value(Outcome.FAILED.stat)
        logger.error("%s", detail)
        return True

    def outcome(self, reason: str, problems: list[str]) -> tuple[str, str]:
        """The run's status and the message that explains it."""
        get = self.stats.get_value
        planned = sum(v for k, v in self.stats.get_stats().items() if k.startswith("caravan/planned/"))
        failed = get(Outcome.FAILED.stat, 0)
        if reason == "shutdown":
            return "interrupted", "interrupted (Ctrl-C or SIGTERM); the next run continues"
        if self.unreachable:
            return "failed", self.unreachable
        if self.storage_error:
            return "failed", f"could not store into {self.db_path}: {self.storage_error}"
        if reason != "finished":
            return "failed", f"finish reason: {reason}"
        if planned and failed > planned * self.max_failed_share:
            return "failed", f"{failed} of {planned} planned article fetches failed"
        if problems:
            return "drift", "; ".join(problems)
        answers, none = get("caravan/answers", 0), get("caravan/answers/no_article", 0)
        if answers >= self.min_pages and none > answers * self.max_failed_share:
            # Empty answers, «Страница не найдена», 404s, block pages: whatever the cause, the run did
            # not archive what it was sent for (drift, above, is the parser's; this is the site's).
            prefix = "caravan/answers/no_article/"
            why = sorted(((k[len(prefix):], v) for k, v in self.stats.get_stats().items() if k.startswith(prefix)),
                         key=lambda kv: (-kv[1], kv[0]))
            return "failed", (f"{none} of {answers} answers to article URLs were no article "
                              f"({', '.join(f'{k}: {v}' for k, v in why)})")
        discovery = get("caravan/discovery/failed", 0)
        if discovery:
            if not (get("caravan/sitemaps_read") or get("caravan/discovery/read")):
                return "failed", "no sitemap, feed or listing page could be read"
            return "incomplete", (f"{discovery} sitemap, feed or listing URL(s) could not be read: "
                                  "articles listed there may be missing")
        if failed > planned * self.tolerated_failed_share:
            return "incomplete", f"{failed} of {planned} planned article fetches failed; the next run retries them"
        message = f"finish reason: {reason}"
        if failed:
            message += f"; {failed} article(s) failed and are retried next run"
        if get("caravan/discovery/bad_entries"):
            message += (f"; {get('caravan/discovery/bad_entries')} sitemap, feed or listing entries could not be used "
                        "as they are (see the run's problems)")
        return "finished", message

    def _compact_captures(self) -> None:
        """The archive's early captures stored again with a dictionary trained on it as it is now."""
        compacted = self.archive.compact_captures()
        if compacted.captures:
            self.stats.inc_value("caravan/captures/compacted", compacted.captures)
            logger.info("captures: %d early ones stored again with dictionary %d, %d bytes instead of %d",
                        compacted.captures, compacted.dictionary_id, compacted.after, compacted.before)
        if compacted.damaged:
            self.stats.inc_value("caravan/captures/damaged", compacted.damaged)
            logger.error("captures: %d cannot be read or do not match their sha256 and were left as stored; "
                         "the archive is damaged", compacted.damaged)

    def _figures(self, message: str) -> dict:
        """What a run did, as its crawl_runs row keeps it."""
        stats = self.stats.get_stats()
        prefix = "downloader/response_status_count/"
        # Each failure once, by kind: what became of a page, not how many attempts it took.
        errors = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("caravan/errors/")}
        if stats.get("caravan/refused/redirect"):
            errors["refused_redirects"] = stats["caravan/refused/redirect"]
        return {
            "requests": stats.get("downloader/request_count", 0),
            "responses_by_status": {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)},
            **counted(stats),
            "bytes_downloaded": stats.get("downloader/response_bytes", 0),
            "errors_by_kind": errors,
            "coverage": self.coverage.as_dict(),
            "message": message,
        }

    def _finish(self, status: str, figures: dict) -> bool:
        """Record the run's end; when that fails, at least that it ended and why its record is short
        (never left `running`: the next run would call it killed). False when the full record failed."""
        try:
            self.archive.finish_run(self.run_id, status, figures)
            return True
        except sqlite3.Error as error:
            logger.error("could not record the end of run %s: %s: %s", self.run_id, type(error).__name__, error)
            short = {**{name: value for name, value in figures.items() if not isinstance(value, dict)},
                     "message": f"the run's end could not be recorded in full ({type(error).__name__}: {error}); "
                                f"it had ended {status}: {figures['message']}"}
        try:  # "something could not be stored": failed, with what is known
            self.archive.finish_run(self.run_id, "failed", short)
        except sqlite3.Error as error:
            logger.error("run %s is left 'running' in %s: %s: %s", self.run_id, self.db_path, type(error).__name__,
                         error)
        return False

    def _stopped_at_once(self) -> None:
        """The reactor stops before the spider closed (a second Ctrl-C or SIGTERM, a stop past
        CARAVAN_STOP_GRACE): the run is recorded interrupted, with what it did; nothing else is done."""
        if self.archive is None:
            return
        self._finish("interrupted", self._figures("interrupted (Ctrl-C or SIGTERM) and stopped at once, with requests "
                                                  "still in flight; the next run continues"))
        self.archive.close()
        self.archive = None

    def spider_closed(self, spider, reason):
        if self.archive is None:
            return
        from twisted.internet import reactor

        reactor.removeSystemEventTrigger(self._stop_trigger)
        problems = self.coverage.problems(self.min_coverage, self.min_pages)
        for problem in problems:
            logger.error("site drift: %s", problem)
        status, message = self.outcome(reason, problems)
        if not self._finish(status, self._figures(message)):
            self.archive.close()
            self.archive = None
            return
        try:
            learning = self.config.furniture
            # Learning counts the lines of every page of the window, stored with each capture by the
            # parse that stored it; pages stored without them (by an older version) are read again,
            # on every core, like parsing, unless CARAVAN_PARSE_WORKERS=0.
            try:
                for learned in boilerplate.learn(self.archive, learning.min_share, learning.window_days,
                                                 learning.min_pages, jobs=self.config.jobs):
                    logger.info("furniture: %d lines learned for the %s edition from %d pages", learned.lines,
                                learned.edition, learned.pages)
            except CaptureFormatError as error:  # compaction still runs: it counts damaged captures itself
                logger.error("run %s: furniture not learned: %s", self.run_id, error)
            if reason != "shutdown":  # Ctrl-C or SIGTERM: stop now, the next run does it
                self._compact_captures()
        except sqlite3.Error as error:
            logger.error("run %s: furniture or compaction not stored: %s", self.run_id, error)
        except CaptureFormatError as error:  # compaction read a damaged dictionary
            logger.error("run %s: captures not compacted: %s", self.run_id, error)
        self.archive.close()
        self.archive = None
