"""Honour Retry-After: a site that answers 429 or 503 says when to come back; we wait that long."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import get_retry_request

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class RetryAfterMiddleware:
    # Runs before Scrapy's RetryMiddleware sees the response (higher priority number).
    def __init__(self, crawler):
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("CARAVAN_MAX_RETRY_AFTER")
        self.max_retries = crawler.settings.getint("RETRY_TIMES")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response):
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
        if wait is None or wait > self.max_wait:
            return response  # Scrapy's own retry (with its backoff) or failure takes over
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"{response.status} Retry-After",
                                  max_retry_times=self.max_retries)
        if retry is None:
            return response
        self.crawler.stats.inc_value("caravan/retry_after/waits")
        self.crawler.stats.inc_value("caravan/retry_after/seconds", wait)
        logger.info("%s answered %s with Retry-After %.0fs; waiting", request.url, response.status, wait)
        await asyncio.sleep(wait)
        return retry
