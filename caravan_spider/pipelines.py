"""Store what the spider fetched into the archive, one transaction per page, and record the run.

The run's outcome (README, "Run outcomes") is decided here when the spider closes:
interrupted, failed, drift, incomplete or finished.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem

from . import boilerplate
from .archive import DEFAULT_DB, Archive, ArchiveLocked, Capture, NotAnArchive, content_hash, utcnow
from .captures import CaptureFormatError
from .closing import schedule_close
from .config import Config
from .crawlrun import run_begun, run_refused, site_unreachable
from .drift import Coverage
from .items import ArticlePage, BadEntries, Failure, Gone, Listed, NotModified, listed
from .parsing import PARSER_VERSION

logger = logging.getLogger(__name__)


class ArchivePipeline:
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
        self.coverage = Coverage()
        self.unreachable: str | None = None  # why the site never answered (middlewares.py)
        self.storage_error: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.record_listed, signal=listed)
        crawler.signals.connect(self._site_unreachable, signal=site_unreachable)

    def _site_unreachable(self, message: str) -> None:
        self.unreachable = message

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        if self.db_path == DEFAULT_DB:  # `scrapy crawl caravan` in a fresh checkout; other folders must exist
            Path(DEFAULT_DB).parent.mkdir(exist_ok=True)
        try:
            archive = Archive(self.db_path)
        except (NotAnArchive, OSError) as error:
            self._refuse("archive_unavailable", str(error))
            return
        except sqlite3.OperationalError as error:  # another process writes it: as locked, below
            self._refuse("archive_locked", self._written(error))
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
            self._refuse("archive_locked", self._written(error))
            return
        archive.schedule = self.schedule
        self.archive, self.run_id = archive, run_id
        from twisted.internet import reactor  # running: open_spider is called from it

        self._stop_trigger = reactor.addSystemEventTrigger("before", "shutdown", self._stopped_at_once)
        self.crawler.signals.send_catch_log(run_begun, run_id=self.run_id)

    def _written(self, error: sqlite3.OperationalError) -> str:
        if getattr(error, "sqlite_errorcode", None) not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise error
        return f"{self.db_path} is being written by another process ({error}); wait for it to finish"

    def _refuse(self, reason: str, message: str) -> None:
        """The run cannot begin: the spider's start() closes with `reason` before the first request.
        `caravan-archive crawl` (no summary of ours) prints the message itself, so it is logged at DEBUG
        only then: with -v an INFO line said it twice."""
        logger.log(logging.ERROR if self.crawler.settings.getbool("CARAVAN_SUMMARY") else logging.DEBUG, "%s", message)
        self.crawler.signals.send_catch_log(run_refused, reason=reason, message=message)

    def record_listed(self, listed: Listed) -> None:
        """Coverage: the posts one discovery page listed (the spider's `listed` signal)."""
        if self.archive is not None:
            self.archive.record_listed([(listed.edition, *entry) for entry in listed.entries], listed.source,
                                       listed.listed_at)
            self.stats.inc_value(f"caravan/listed/{listed.source}", len(listed.entries))

    def process_item(self, item):
        if self.archive is None:
            raise DropItem("the archive is not open")
        try:
            return self._store(item)
        except (sqlite3.Error, OSError, CaptureFormatError) as error:
            # Nothing more can be archived (CaptureFormatError: the dictionary captures are stored
            # with is damaged): stop instead of fetching pages we cannot keep.
            self.stats.inc_value("caravan/errors/storage")
            self.storage_error = f"{type(error).__name__}: {error}"
            logger.error("could not store %s: %s: %s; stopping the run", getattr(item, "url", "?"),
                         type(error).__name__, error)
            schedule_close(self.crawler, "storage_error")
            raise DropItem(f"not stored: {type(error).__name__}") from None

    def _failure(self, item: Failure):
        self.stats.inc_value(f"caravan/errors/{item.kind}" if item.source == "article"
                             else f"caravan/errors/{item.source}:{item.kind}")
        self.stats.inc_value("caravan/articles/failed" if item.source == "article" else "caravan/discovery/failed")
        (logger.error if item.source == "article" else logger.warning)("%s", item.detail)
        self.archive.record_problem(self.run_id, item.source, item.kind, item.url, item.article_id, item.detail,
                                    edition=item.edition)
        if item.source == "article" and item.article_id is not None:
            self.archive.listing_state(item.edition, item.article_id, "failed", item.kind, utcnow())

    def _bad_entries(self, item: BadEntries) -> None:
        """Entries of a discovery page that were skipped or lost their lastmod: counted and named,
        though the page itself was read (the run's status is not changed by them)."""
        self.stats.inc_value(f"caravan/errors/{item.source}:{item.kind}", len(item.entries))
        self.stats.inc_value("caravan/discovery/bad_entries", len(item.entries))
        logger.warning("%s", item.detail)
        self.archive.record_problem(self.run_id, item.source, item.kind, item.url, None, item.detail,
                                    edition=item.edition)

    def _store(self, item):
        if isinstance(item, Failure):
            self._failure(item)  # logged there, once: not again as a dropped item
            raise DropItem(item.detail, log_level="DEBUG")
        if isinstance(item, BadEntries):
            self._bad_entries(item)
            raise DropItem(item.detail, log_level="DEBUG")
        if isinstance(item, NotModified):
            key = (item.edition, item.article_id)
            self.archive.mark_unchanged(key, item.fetched_at, self.run_id, item.lastmod)
            self.stats.inc_value("caravan/articles/unchanged")
            self.stats.inc_value("caravan/articles/not_modified")
            return self.archive.article_record(key)
        if isinstance(item, Gone):
            if self._unpublished(item, f"http_{item.status}"):
                raise DropItem(f"article {item.edition}/{item.article_id} answered {item.status}: unpublished",
                               log_level="DEBUG")
            self.archive.store(self._capture(item), None, None, PARSER_VERSION, None)
            self.archive.listing_state(item.edition, item.article_id, "not_article", f"http_{item.status}",
                                       item.fetched_at)
            self.stats.inc_value("caravan/articles/gone")
            raise DropItem(f"article {item.article_id} answered {item.status}")
        if not isinstance(item, ArticlePage):
            raise DropItem(f"unknown item {type(item).__name__}")
        if item.gone and self._unpublished(item, item.gone, item.content_type):
            raise DropItem(f"article {item.edition}/{item.article_id} is gone ({item.gone}): unpublished",
                           log_level="DEBUG")
        if item.record is not None and self._much_shorter(item):
            raise DropItem(f"held back: article {item.article_id} much shorter than archived", log_level="DEBUG")
        capture = replace(self._capture(item, item.content_type, item.etag, item.last_modified), lines=item.lines)
        outcome = self.archive.store(capture, item.record, item.layout, PARSER_VERSION, item.lastmod,
                                     item.index_entry)
        if item.record is None:
            self.archive.listing_state(item.edition, item.article_id, "not_article", item.reason, item.fetched_at)
            self.coverage.add_rejection(item.reason)
            self.stats.inc_value("caravan/not_articles")
            self.stats.inc_value(f"caravan/not_articles/{item.reason}")
            raise DropItem(f"not an article: {item.url} ({item.reason})")
        self.coverage.add(item.record, item.layout)
        self.stats.inc_value(f"caravan/articles/{outcome}")
        # What goes on to feed exports (`scrapy crawl caravan -O x.jsonl`): the article record,
        # as `caravan-archive export` writes it; the page's bytes stay in the archive.
        return item.record

    def _capture(self, item: ArticlePage | Gone, content_type: str | None = None, etag: str | None = None,
                 last_modified: str | None = None) -> Capture:
        return Capture(url=item.url, status=item.status, fetched_at=item.fetched_at, body=item.body,
                       article_id=item.article_id, edition=item.edition, content_type=content_type, etag=etag,
                       last_modified=last_modified, sha256=getattr(item, "sha256", None), run_id=self.run_id,
                       note="body as received after Content-Encoding was decoded", location=getattr(item, "location", None))

    def _unpublished(self, item, reason: str, content_type: str | None = None) -> bool:
        """An archived article the site no longer shows: marked unpublished, its answer kept as a
        capture. False when the archive does not hold it as an article."""
        capture = self._capture(item, content_type)
        # e.g. where a 301 pointed
        capture = replace(capture, note=f"{capture.note}; the site says the article is gone: {reason}")
        outcome = self.archive.unpublish(capture, (item.edition, item.article_id), reason, item.fetched_at,
                                         self.run_id)
        if outcome is None:
            return False
        self.stats.inc_value("caravan/articles/unpublished")
        # Warned once, when it happens; each later recheck that finds it still gone is routine
        # (under cron a warning is mailed).
        (logger.warning if outcome == "unpublished" else logger.info)(
            "article %s/%s is gone from the site (%s): %s", item.edition, item.article_id, reason,
            "marked unpublished" if outcome == "unpublished" else "still unpublished")
        return True

    def _much_shorter(self, item: ArticlePage) -> bool:
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
        self.stats.inc_value("caravan/articles/failed")
        logger.error("%s", detail)
        return True

    def outcome(self, reason: str, problems: list[str]) -> tuple[str, str]:
        """The run's status and the message that explains it."""
        get = self.stats.get_value
        planned = sum(v for k, v in self.stats.get_stats().items() if k.startswith("caravan/planned/"))
        failed = get("caravan/articles/failed", 0)
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
            "articles_new": stats.get("caravan/articles/new", 0),
            "articles_updated": stats.get("caravan/articles/updated", 0),
            "articles_unchanged": stats.get("caravan/articles/unchanged", 0),
            "articles_failed": stats.get("caravan/articles/failed", 0),
            "not_articles": stats.get("caravan/not_articles", 0),
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
