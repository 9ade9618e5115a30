"""Store what the spider fetched into the archive, one transaction per page, and record the run."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import DropItem

from . import boilerplate
from .archive import Archive, ArchiveLocked, utcnow
from .drift import Coverage
from .items import ArticlePage, FetchFailed, Listed, NotModified, fetch_failed, listed
from .parsing import PARSER_VERSION
from .schedule import parse_schedule

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("CARAVAN_DB")
        self.min_coverage = crawler.settings.getfloat("CARAVAN_DRIFT_MIN_COVERAGE")
        self.min_pages = crawler.settings.getint("CARAVAN_DRIFT_MIN_PAGES")
        self.schedule = parse_schedule(crawler.settings.get("CARAVAN_RECHECK_SCHEDULE"))
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.coverage = Coverage()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.record_listed, signal=listed)
        crawler.signals.connect(self.record_failure, signal=fetch_failed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        archive = Archive(self.db_path)
        try:
            archive.acquire()
        except ArchiveLocked as error:
            archive.close()
            # The spider's start() sees this and closes before the first request.
            self.stats.set_value("caravan/locked", str(error))
            logger.error("%s", error)
            return
        archive.schedule = self.schedule
        self.archive = archive
        spider = self.crawler.spider
        self.run_id = archive.begin_run(spider.base_url, spider.mode, ",".join(spider.origins))
        self.stats.set_value("caravan/run_id", self.run_id)

    def record_listed(self, listed: Listed) -> None:
        """Coverage: the posts one discovery page listed."""
        if self.archive is not None:
            self.archive.record_listed([(listed.edition, *entry) for entry in listed.entries], listed.source,
                                       listed.listed_at)
            self.stats.inc_value(f"caravan/listed/{listed.source}", len(listed.entries))

    def record_failure(self, failed: FetchFailed) -> None:
        if self.archive is not None:
            self.archive.listing_state(failed.edition, failed.article_id, "failed", failed.kind, utcnow())

    def process_item(self, item):
        if self.archive is None:
            raise DropItem("the archive is not open (locked by another run)")
        if isinstance(item, NotModified):
            self.archive.mark_unchanged((item.edition, item.article_id), item.fetched_at, self.run_id)
            self.stats.inc_value("caravan/articles/unchanged")
            self.stats.inc_value("caravan/articles/not_modified")
            return self.archive.article_record((item.edition, item.article_id))
        if not isinstance(item, ArticlePage):
            raise DropItem(f"unknown item {type(item).__name__}")
        key = (item.edition, item.article_id)
        capture = {"edition": item.edition, "article_id": item.article_id, "url": item.url, "status": item.status,
                   "content_type": item.content_type, "etag": item.etag, "last_modified": item.last_modified,
                   "fetched_at": item.fetched_at, "body": item.body, "run_id": self.run_id,
                   "note": "body as received after Content-Encoding was decoded"}
        if item.gone:
            capture["note"] += f"; the site says the article is gone: {item.gone}"  # e.g. where a 301 pointed
            if self.archive.unpublish(capture, key, item.gone, item.fetched_at, self.run_id):
                self.stats.inc_value("caravan/articles/gone")
                logger.warning("article %s/%s is gone from the site (%s): marked unpublished", *key, item.gone)
                return item
            if item.status in (404, 410):
                # A post the archive never held: a failure to fetch it, as before.
                self.archive.listing_state(*key, "failed", item.gone, item.fetched_at)
                self.stats.inc_value("caravan/articles/failed")
                self.stats.inc_value(f"caravan/errors/{item.gone}")
                raise DropItem(f"article {item.url} failed: {item.gone}")
        outcome = self.archive.store(capture, item.record, item.layout, PARSER_VERSION, item.lastmod)
        if item.record is None:
            self.archive.listing_state(*key, "not_article", item.reason, item.fetched_at)
            self.coverage.add_rejection(item.reason)
            self.stats.inc_value("caravan/not_articles")
            self.stats.inc_value(f"caravan/not_articles/{item.reason}")
            raise DropItem(f"not an article: {item.url} ({item.reason})")
        self.coverage.add(item.record, item.layout)
        self.stats.inc_value(f"caravan/articles/{outcome}")
        # What goes on to feed exports (`scrapy crawl caravan -O x.jsonl`): the article record,
        # as `caravan-archive export` writes it; the page's bytes stay in the archive.
        return item.record

    def spider_closed(self, spider, reason):
        if self.archive is None:
            return
        problems = self.coverage.problems(self.min_coverage, self.min_pages)
        stats = self.stats.get_stats()
        if problems:
            status = "drift"
            for problem in problems:
                logger.error("site drift: %s", problem)
        elif reason == "finished":
            status = "finished"
        else:
            status = "failed"
        prefix = "downloader/response_status_count/"
        errors = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("caravan/errors/")}
        errors.update({k.rsplit("/", 1)[1]: v for k, v in stats.items()
                       if k.startswith("downloader/exception_type_count/")})
        figures = {
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
            "message": "; ".join(problems) if problems else f"finish reason: {reason}",
        }
        self.archive.finish_run(self.run_id, status, figures)
        settings = self.crawler.settings
        for learned in boilerplate.learn(self.archive, settings.getfloat("CARAVAN_FURNITURE_MIN_SHARE"),
                                         settings.getfloat("CARAVAN_FURNITURE_WINDOW_DAYS"),
                                         settings.getint("CARAVAN_FURNITURE_MIN_PAGES")):
            logger.info("furniture: %d lines learned for the %s edition from %d pages", learned.lines,
                        learned.edition, learned.pages)
        self.stats.set_value("caravan/status", status)
        self.archive.close()
        self.archive = None
