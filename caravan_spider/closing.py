"""Closing a spider from code that is not a callback (a pipeline, a downloader middleware)."""

from __future__ import annotations

from scrapy.utils.defer import deferred_from_coro


def schedule_close(crawler, reason: str) -> None:
    """Ask the engine to close the spider with `reason`, without waiting for it here: the
    caller is itself part of what closing waits for."""
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))
