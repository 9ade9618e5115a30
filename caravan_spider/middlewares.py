"""Retries that give the site room: wait before each retry instead of hammering it.

Scrapy's RetryMiddleware retries at once. This one keeps its settings (RETRY_TIMES,
RETRY_HTTP_CODES, RETRY_EXCEPTIONS) and its give-up logic, and waits first: as long as the
server's Retry-After says on 429/503, otherwise CARAVAN_RETRY_BACKOFF × 2^(retries so far),
at most CARAVAN_RETRY_BACKOFF_MAX.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError,
                               IgnoreRequest)
from scrapy.utils.response import response_status_message
from twisted.internet.error import ConnectError

from .closing import schedule_close, stopping
from .crawlrun import RunSpec, site_unreachable
from .headers import header

# Errors that mean "nobody answers at that address", as opposed to one page failing.
UNREACHABLE = (CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError, ConnectError)

logger = logging.getLogger(__name__)
STOP_CHECK = 0.25  # seconds between looks for a stop while waiting to retry


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


class RobotsErrorsInOneLine(logging.Filter):
    """Scrapy's RobotsTxtMiddleware logs a robots.txt that could not be fetched with a full
    traceback; a site that is down is reported once, in one line, by PoliteRetryMiddleware, so
    the traceback only buries that line (a user running a crawl should never see one)."""

    logger_name = "scrapy.downloadermiddlewares.robotstxt"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            error = record.exc_info[1]
            request = record.args.get("request") if isinstance(record.args, dict) else None
            host = urlsplit(request.url).netloc if request is not None else "the site"
            record.msg, record.args = "robots.txt of %s could not be read (%s: %s)", (host, type(error).__name__, error)
            record.exc_info = record.exc_text = None
        return True


class BadSettingsInOneLine(logging.Filter):
    """`scrapy crawl` with a bad caravan setting or argument (`-s CARAVAN_RECHECK_SCHEDULE=bad`,
    `-a since=yesterday`): Scrapy lets asyncio log our ValueError with its traceback, where the
    user needs the one line that names the setting (`caravan-archive crawl` checks them first)."""

    logger_name = "asyncio"
    package = str(Path(__file__).parent)

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ValueError) and self._raised_here(error):
            record.msg, record.args = "could not start the crawl: %s", (error,)
            record.exc_info = record.exc_text = None
        return True

    def _raised_here(self, error: ValueError) -> bool:
        frame = error.__traceback__
        while frame is not None and frame.tb_next is not None:
            frame = frame.tb_next
        return frame is not None and frame.tb_frame.f_code.co_filename.startswith(self.package)


def quiet_while_crawling(crawler, kind: type[logging.Filter]) -> None:
    """A filter of `kind` on its logger (`kind.logger_name`), once per process, removed when the
    crawl stops: nothing outlives the crawl in the process."""
    logger = logging.getLogger(kind.logger_name)
    if not any(isinstance(f, kind) for f in logger.filters):
        quiet = kind()
        logger.addFilter(quiet)
        crawler.signals.connect(lambda: logger.removeFilter(quiet), signal=signals.engine_stopped, weak=False)


class PoliteRetryMiddleware(RetryMiddleware):
    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        quiet_while_crawling(crawler, RobotsErrorsInOneLine)
        return middleware

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("CARAVAN_RETRY_BACKOFF")
        self.backoff_max = settings.getfloat("CARAVAN_RETRY_BACKOFF_MAX")
        self.max_retry_after = settings.getfloat("CARAVAN_MAX_RETRY_AFTER")
        self.unreachable = False

    def _backoff(self, request) -> float:
        return min(self.backoff * 2 ** request.meta.get("retry_times", 0), self.backoff_max)

    async def _wait_and_retry(self, request, reason, wait: float):
        if stopping(self.crawler):
            return None  # ending: the page is left to the next run, as a failed fetch
        retry = self._retry(request, reason)
        if retry is not None and wait > 0:
            self.crawler.stats.inc_value("caravan/retry/waits")
            self.crawler.stats.inc_value("caravan/retry/seconds", wait)
            logger.info("retrying %s in %.1f s (%s)", request.url, wait, reason)
            if not await self._wait(wait):
                logger.info("not retrying %s: the crawl is stopping", request.url)
                return None
        return retry

    async def _wait(self, seconds: float) -> bool:
        """Sleep, but not past a stop (a Retry-After of 300 s held Ctrl-C and SIGTERM that long):
        False when the crawl began to end meanwhile."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if stopping(self.crawler):
                return False
            await asyncio.sleep(min(left, STOP_CHECK))
        return not stopping(self.crawler)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = self._backoff(request)
        if response.status in (429, 503):
            asked = retry_after_seconds(header(response.headers, "Retry-After"))
            if asked is not None and asked > self.max_retry_after:
                logger.warning("%s asks us to come back in %.0f s; leaving it to the next run", request.url, asked)
                return response
            wait = asked if asked is not None else wait
        return await self._wait_and_retry(request, response_status_message(response.status), wait) or response

    async def process_exception(self, request, exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        if isinstance(exception, UNREACHABLE) and not self.crawler.stats.get_value("response_received_count"):
            # Nothing of the site has answered yet: it is down or the address is wrong. Say so
            # now rather than after minutes of backoff for every start request.
            message = f"{urlsplit(request.url).netloc} could not be reached ({type(exception).__name__}: {exception})"
            if not self.unreachable:
                self.unreachable = True
                self.crawler.signals.send_catch_log(site_unreachable, message=message)  # the pipeline's outcome
                logger.error("%s", message)
                schedule_close(self.crawler, "site_unreachable")
            return None
        return await self._wait_and_retry(request, exception, self._backoff(request))


class TooLarge(IgnoreRequest):
    """A body over DOWNLOAD_MAXSIZE once decompressed (a gzip bomb)."""


class BoundedDecompression(HttpCompressionMiddleware):
    """Scrapy's decompression, with its size limit, minus one leak: the IgnoreRequest it raises
    chains the decoding error, whose traceback holds the frames and so the partly decoded body
    (DOWNLOAD_MAXSIZE bytes) until the garbage collector happens by: 50 gzip bombs held ~800 MiB."""

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as error:
            message = str(error)
        raise TooLarge(message)  # outside the except block: no __context__, no frames kept


class OffOrigin(IgnoreRequest):
    """A request or redirect that would leave the crawl's origin (scheme, host and port)."""


class AlreadyFetched(IgnoreRequest):
    """A second request for an article or discovery URL in one run (a JOBDIR queue replayed)."""


class OriginGuard:
    """Keep the crawl on the origins it was given: OffsiteMiddleware compares host names only,
    so a redirect to another port or scheme of the same host would be followed.

    Sits before RedirectMiddleware (a higher number sees responses first); every refused
    redirect reaches the request's errback as OffOrigin, where it is counted.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        # Every origin the run was given (one per edition crawled), from the settings.
        origins = RunSpec.from_settings(crawler.settings).origins.values()
        self.origins = {(o.scheme, o.host, o.port) for o in origins}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def _key(url: str):
        parts = urlsplit(url)
        try:
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            port = None
        return parts.scheme, (parts.hostname or "").lower(), port

    def process_request(self, request):
        origins = self.origins
        if origins and self._key(request.url) not in origins:
            self.crawler.stats.inc_value("caravan/refused/off_origin")
            raise OffOrigin(f"{request.url} is not on the crawl's origin")

    def process_response(self, request, response):
        origins = self.origins
        location = header(response.headers, "Location")
        # A redirect that is not followed (an article's: the spider judges where it points) is no risk.
        if origins and 300 <= response.status < 400 and location and not request.meta.get("dont_redirect"):
            target = urljoin(request.url, location.strip())
            if self._key(target) not in origins:
                self.crawler.stats.inc_value("caravan/refused/redirect")
                logger.warning("refused redirect from %s to %s: it leaves the crawl's origin", request.url, target)
                raise OffOrigin(f"redirect to {target} leaves the crawl's origin")
        return response


class OncePerRun:
    """Fetch each article and each discovery URL at most once per run.

    The scheduler's duplicate filter is off (see settings.py), and a resumed JOBDIR queue holds
    requests that the new run plans again; retries and redirects of one request pass.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.seen: set = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if request.meta.get("retry_times") or request.meta.get("redirect_times"):
            return None
        article_id = request.meta.get("article_id")
        key = ("article", request.meta["edition"], article_id) if article_id is not None \
            else ("url", request.url)
        if article_id is None and not request.meta.get("discovery"):
            return None
        if key in self.seen:
            self.crawler.stats.inc_value("caravan/skipped/already_fetched")
            raise AlreadyFetched(f"{request.url} was already fetched in this run")
        self.seen.add(key)
        return None
