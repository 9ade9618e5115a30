"""Scrapy settings for caravan-archive. Every one can be overridden with `-s NAME=VALUE`
(or `caravan-archive crawl --set NAME=VALUE`). The defaults are for the live site: polite.

caravan-archive's own settings (CARAVAN_*: what to crawl, the recheck schedule, how a run is judged,
furniture learning, retries' waits) are the fields of config.Config, each described there with its
default; they are set here from it, CARAVAN_DB apart."""

import os

from caravan_spider.config import Config

BOT_NAME = "caravan_spider"
SPIDER_MODULES = ["caravan_spider.spiders"]
NEWSPIDER_MODULE = "caravan_spider.spiders"

# --- Identity: say who we are and where to complain ----------------------------------------
# The User-Agent is "caravan-archive/<version> (+CARAVAN_CONTACT_URL)" (see the spider's
# update_settings) unless USER_AGENT is set explicitly.

# --- Politeness ---------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Scrapy's retries, but each after a wait: Retry-After on 429/503, else exponential backoff.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "caravan_spider.middlewares.PoliteRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "caravan_spider.middlewares.BoundedDecompression": 590,  # the same, without keeping refused bodies
    # Never leave the origin (scheme, host, port): sees redirects before RedirectMiddleware (600).
    "caravan_spider.middlewares.OriginGuard": 650,
    # Each article and discovery URL once per run, also when a JOBDIR queue is replayed.
    "caravan_spider.middlewares.OncePerRun": 50,
}

# --- Limits: what one response may cost ---------------------------------------------------------
# DOWNLOAD_MAXSIZE bounds a page both as received and after gzip/br decompression (Scrapy's
# HttpCompressionMiddleware stops decoding there): a gzip bomb is refused at 16 MiB, not 4 GiB.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# A body shorter than its Content-Length is an error (retried), never a page.
DOWNLOAD_FAIL_ON_DATALOSS = True

# --- The archive --------------------------------------------------------------------------------
CARAVAN_DB = "archive/caravan.db"
globals().update(Config().settings())  # every other CARAVAN_* setting, at its default (config.py)
# Items (and requests) of one response processed at once. Storing is synchronous (one SQLite
# writer), so more buys nothing, and Scrapy starts this many asyncio tasks for every response:
# at its default of 100, 5 % of a crawl's CPU went to starting them.
CONCURRENT_ITEMS = 1

# --- Extraction ---------------------------------------------------------------------------------
ITEM_PIPELINES = {"caravan_spider.pipelines.ArchivePipeline": 300}
# Telnet is off, and so is the remote-control extension that would otherwise listen beside it.
# They are left out of Scrapy's base list rather than set to None in EXTENSIONS: Scrapy imports
# every class named there to compare names, and the remote control's module imports aiohttp
# (0.2 s of CPU at every run's start).
# (Scrapy 2.19's list without those two; a test compares it with Scrapy's at every upgrade.)
EXTENSIONS_BASE = {f"scrapy.extensions.{name}": 0 for name in (
    "corestats.CoreStats", "logcount.LogCount", "memusage.MemoryUsage", "memdebug.MemoryDebugger",
    "closespider.CloseSpider", "feedexport.FeedExporter", "logstats.LogStats", "spiderstate.SpiderState",
    "throttle.AutoThrottle")}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {"caravan_spider.progress.Progress": 500, "caravan_spider.closing.StopInTime": 500}

# --- Resuming -----------------------------------------------------------------------------------
# The archive, not Scrapy's request fingerprints, says what is done: the spider deduplicates by
# article id against the archive. A fingerprint file kept in JOBDIR would outlive a killed run
# and silently skip the articles whose responses never reached the archive.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

# --- Plumbing -------------------------------------------------------------------------------------
COMMANDS_MODULE = "caravan_spider.commands"  # `scrapy crawl` exits with the run's outcome, as `crawl` does
LOG_LEVEL = "INFO"
LOG_FORMATTER = "caravan_spider.logformatter.LogFormatter"  # items named, never dumped (page bytes)
LOG_COLOR = not os.environ.get("NO_COLOR")  # https://no-color.org: any non-empty value turns colour off
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"  # a page that is not an article is counted in the summary, not a warning
LOGSTATS_INTERVAL = 0  # progress.py reports instead
FEED_EXPORT_ENCODING = "utf-8"  # `scrapy crawl caravan -O x.jsonl`: UTF-8 text like `export`, not \u escapes
