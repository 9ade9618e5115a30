"""Store what the spider fetched into the archive, one transaction per page.

The run the items are stored into is begun, judged and recorded by crawl.RunKeeper.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace

from scrapy.exceptions import DropItem

from .archive import Archive, Capture, utcnow
from .captures import CaptureFormatError
from .closing import schedule_close
from .crawl import RunKeeper
from .items import ArticlePage, BadEntries, Failure, Gone, Listed, NotModified, listed
from .outcomes import Outcome, counted
from .parsing import PARSER_VERSION

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Each item stored into the archive of the run crawl.RunKeeper keeps (begun, judged, recorded there)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.run = RunKeeper(crawler)
        self.spec = self.run.spec
        crawler.signals.connect(self.record_listed, signal=listed)

    @property
    def archive(self) -> Archive | None:
        return self.run.archive

    @property
    def run_id(self) -> int | None:
        return self.run.run_id

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.run.begin()  # or refused: the spider's start() then closes before its first request

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
            self.run.storage_error = f"{type(error).__name__}: {error}"
            logger.error("could not store %s: %s: %s; stopping the run", getattr(item, "url", "?"),
                         type(error).__name__, error)
            schedule_close(self.crawler, "storage_error")
            raise DropItem(f"not stored: {type(error).__name__}") from None

    def _failure(self, item: Failure):
        self.stats.inc_value(f"caravan/errors/{item.kind}" if item.source == "article"
                             else f"caravan/errors/{item.source}:{item.kind}")
        self.stats.inc_value(Outcome.FAILED.stat if item.source == "article" else "caravan/discovery/failed")
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
            self.stats.inc_value(Outcome.UNCHANGED.stat)
            self.stats.inc_value(Outcome.NOT_MODIFIED.stat)
            return self.archive.article_record(key)
        if isinstance(item, Gone):
            if self._unpublished(item, f"http_{item.status}"):
                raise DropItem(f"article {item.edition}/{item.article_id} answered {item.status}: unpublished",
                               log_level="DEBUG")
            self.archive.store(self._capture(item), None, None, PARSER_VERSION, None)
            self.archive.listing_state(item.edition, item.article_id, "not_article", f"http_{item.status}",
                                       item.fetched_at)
            self.stats.inc_value(Outcome.GONE.stat)
            raise DropItem(f"article {item.article_id} answered {item.status}")
        if not isinstance(item, ArticlePage):
            raise DropItem(f"unknown item {type(item).__name__}")
        if item.gone and self._unpublished(item, item.gone, item.content_type):
            raise DropItem(f"article {item.edition}/{item.article_id} is gone ({item.gone}): unpublished",
                           log_level="DEBUG")
        if item.record is not None and self.run.held_back(item):
            raise DropItem(f"held back: article {item.article_id} much shorter than archived", log_level="DEBUG")
        capture = replace(self._capture(item, item.content_type, item.etag, item.last_modified), lines=item.lines)
        outcome = self.archive.store(capture, item.record, item.layout, PARSER_VERSION, item.lastmod,
                                     item.index_entry)
        if item.record is None:
            self.archive.listing_state(item.edition, item.article_id, "not_article", item.reason, item.fetched_at)
            self.run.coverage.add_rejection(item.reason)
            self.stats.inc_value(Outcome.NOT_ARTICLE.stat)
            self.stats.inc_value(f"{Outcome.NOT_ARTICLE.stat}/{item.reason}")
            raise DropItem(f"not an article: {item.url} ({item.reason})")
        self.run.coverage.add(item.record, item.layout)
        self.stats.inc_value(outcome.stat)
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
        self.stats.inc_value(Outcome.UNPUBLISHED.stat)
        # Warned once, when it happens; each later recheck that finds it still gone is routine
        # (under cron a warning is mailed).
        (logger.warning if outcome == "unpublished" else logger.info)(
            "article %s/%s is gone from the site (%s): %s", item.edition, item.article_id, reason,
            "marked unpublished" if outcome == "unpublished" else "still unpublished")
        return True
