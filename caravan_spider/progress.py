"""Live progress of a crawl: a status line on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = crawler.settings.getfloat("CARAVAN_PROGRESS_INTERVAL")
        self.tty = sys.stderr.isatty()
        self.task = None
        self.started = time.monotonic()
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def line(self) -> str:
        get = self.stats.get_value
        archived = sum(get(f"caravan/articles/{k}", 0) for k in ("new", "updated", "unchanged"))
        errors = get("caravan/articles/failed", 0)
        pages = get("response_received_count", 0)
        rate = pages / max(time.monotonic() - self.started, 1e-6)
        return (f"archived {archived} (new {get('caravan/articles/new', 0)}, updated "
                f"{get('caravan/articles/updated', 0)}), {pages} pages at {rate:.1f}/s, {errors} errors")

    def opened(self, spider):
        self.started = time.monotonic()
        self.task = create_looping_call(self.report)
        self.task.start(self.interval, now=False)

    def report(self):
        if self.tty:
            sys.stderr.write("\r\033[K" + self.line())
            sys.stderr.flush()
        else:
            logger.info("progress: %s", self.line())

    def closed(self, spider):
        if self.task and self.task.running:
            self.task.stop()
        if self.tty:
            sys.stderr.write("\r\033[K")
