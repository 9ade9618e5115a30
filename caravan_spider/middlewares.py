"""Retries that give the site room: wait before each retry instead of hammering it.

Scrapy's RetryMiddleware retries at once. This one keeps its settings (RETRY_TIMES,
RETRY_HTTP_CODES, RETRY_EXCEPTIONS) and its give-up logic, and waits first: as long as the
server's Retry-After says on 429/503, otherwise CARAVAN_RETRY_BACKOFF × 2^(retries so far),
at most CARAVAN_RETRY_BACKOFF_MAX.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message

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


class PoliteRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("CARAVAN_RETRY_BACKOFF")
        self.backoff_max = settings.getfloat("CARAVAN_RETRY_BACKOFF_MAX")
        self.max_retry_after = settings.getfloat("CARAVAN_MAX_RETRY_AFTER")

    def _backoff(self, request) -> float:
        return min(self.backoff * 2 ** request.meta.get("retry_times", 0), self.backoff_max)

    async def _wait_and_retry(self, request, reason, wait: float):
        retry = self._retry(request, reason)
        if retry is not None and wait > 0:
            self.crawler.stats.inc_value("caravan/retry/waits")
            self.crawler.stats.inc_value("caravan/retry/seconds", wait)
            logger.info("retrying %s in %.1f s (%s)", request.url, wait, reason)
            await asyncio.sleep(wait)
        return retry

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = self._backoff(request)
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
            if asked is not None and asked > self.max_retry_after:
                logger.warning("%s asks us to come back in %.0f s; leaving it to the next run", request.url, asked)
                return response
            wait = asked if asked is not None else wait
        return await self._wait_and_retry(request, response_status_message(response.status), wait) or response

    async def process_exception(self, request, exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        return await self._wait_and_retry(request, exception, self._backoff(request))
