"""How a crawl ends before its work is done: closed from code that is not a callback (a pipeline, a
downloader middleware), or stopped from outside (Ctrl-C, SIGTERM) within seconds whatever it waits on."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)


def schedule_close(crawler, reason: str) -> None:
    """Ask the engine to close the spider with `reason`, without waiting for it here: the
    caller is itself part of what closing waits for."""
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        crawler.caravan_closing = reason  # what stopping() tells waits
        deferred_from_coro(engine.close_spider_async(reason=reason))


def stop_asked(crawler) -> bool:
    """Whether a stop was asked from outside (Scrapy's graceful stop on Ctrl-C or SIGTERM) while the
    spider still runs."""
    engine = crawler.engine
    return not crawler.crawling and engine is not None and engine.spider is not None


def stopping(crawler) -> bool:
    """Whether the crawl is ending before its work is done (a stop, or schedule_close): a wait for
    the site (Retry-After, backoff) ends at once instead of holding the end back."""
    return stop_asked(crawler) or bool(getattr(crawler, "caravan_closing", None))


class StopInTime:
    """A stop ends within CARAVAN_STOP_GRACE seconds, whatever the crawl waits on (a server that
    hangs mid-answer, a long parse): Scrapy's graceful stop waits for every request in flight, up to
    DOWNLOAD_TIMEOUT each, and systemd kills a unit 90 s after its stop. Past the grace the reactor
    is stopped as a second Ctrl-C does; the pipeline then records the run interrupted with what it
    did (pages stored so far are kept, one transaction each) and the next run continues."""

    CHECK = 0.25  # seconds between looks for a stop

    def __init__(self, crawler):
        self.crawler = crawler
        self.grace = crawler.settings.getfloat("CARAVAN_STOP_GRACE")
        self.watch = None
        self.deadline = None
        crawler.signals.connect(self.started, signal=signals.engine_started)
        crawler.signals.connect(self.stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def started(self):
        self.watch = create_looping_call(self.look)
        self.watch.start(self.CHECK, now=False)

    def look(self):
        if self.deadline is None and stop_asked(self.crawler):
            from twisted.internet import reactor

            self.deadline = reactor.callLater(self.grace, self.force)

    def force(self):
        from twisted.internet import reactor

        logger.warning("the stop has waited %.0f s for requests in flight: stopping at once (pages stored so far "
                       "are kept; the next run continues)", self.grace)
        reactor.stop()

    def stopped(self):
        if self.watch is not None and self.watch.running:
            self.watch.stop()
        if self.deadline is not None and self.deadline.active():
            self.deadline.cancel()
