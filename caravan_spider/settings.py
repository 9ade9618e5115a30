"""Scrapy settings for caravan-archive. Every one can be overridden with `-s NAME=VALUE`
(or `caravan-archive crawl --set NAME=VALUE`). The defaults are for the live site: polite."""

import os

BOT_NAME = "caravan_spider"
SPIDER_MODULES = ["caravan_spider.spiders"]
NEWSPIDER_MODULE = "caravan_spider.spiders"

# --- Identity: say who we are and where to complain ----------------------------------------
# The User-Agent is "caravan-archive/<version> (+CARAVAN_CONTACT_URL)" (see the spider's
# update_settings) unless USER_AGENT is set explicitly.
CARAVAN_CONTACT_URL = "https://github.com/caravan-archive/caravan-archive"

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
CARAVAN_RETRY_BACKOFF = 5.0  # seconds before the first retry; doubled for each further one
CARAVAN_RETRY_BACKOFF_MAX = 120.0
CARAVAN_MAX_RETRY_AFTER = 600  # seconds; a longer Retry-After leaves the page to the next run

# --- Limits: what one response may cost ---------------------------------------------------------
# DOWNLOAD_MAXSIZE bounds a page both as received and after gzip/br decompression (Scrapy's
# HttpCompressionMiddleware stops decoding there): a gzip bomb is refused at 16 MiB, not 4 GiB.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Sitemaps may be larger (the protocol allows 50 MB uncompressed); a .xml.gz sitemap is opened with
# scrapy.utils.gz.gunzip(max_size=...) up to this size.
CARAVAN_SITEMAP_MAXSIZE = 50 * 1024 * 1024
# A body shorter than its Content-Length is an error (retried), never a page.
DOWNLOAD_FAIL_ON_DATALOSS = True

# --- The archive --------------------------------------------------------------------------------
CARAVAN_DB = "archive/caravan.db"
CARAVAN_BASE_URL = "https://www.caravan.kz"  # the Russian edition; or a mirror / the sample site: -a base_url=...
CARAVAN_KK_BASE_URL = "https://kaz.caravan.kz"  # the Kazakh edition («Керуен»); -a base_url=kk=...
CARAVAN_EDITION = "all"  # ru, kk or all (-a edition=..., crawl --edition)
CARAVAN_SINCE = None  # YYYY-MM-DD: (re)visit articles published since then (-a since=..., crawl --since)
CARAVAN_FULL = False  # revisit every article, conditionally (-a full=true, crawl --full)
# Re-ask archived articles (conditionally) on a decaying schedule: the wait before the next check
# is the longest step the article's age has reached (see schedule.py). m, h, d, w units.
CARAVAN_RECHECK_SCHEDULE = "1h,6h,1d,3d,7d,30d,90d,365d"
CARAVAN_CLOCK = None  # ISO datetime a run takes as "now" for the schedule (tests); None: the real time
CARAVAN_LISTING_PAGES = 2  # listing pages read every run, for the newest articles
CARAVAN_DRIFT_MIN_COVERAGE = 0.9  # title, body, published_at must be found in this share of articles
CARAVAN_DRIFT_MIN_PAGES = 5  # ...judged once a run has fetched at least this many article pages
# Worker processes that parse pages (and make their lemmas) off the reactor thread, so that
# downloading, parsing and storing overlap: "auto" is one per core, 0 parses in the reactor thread.
CARAVAN_PARSE_WORKERS = "auto"
# Items (and requests) of one response processed at once. Storing is synchronous (one SQLite
# writer), so more buys nothing, and Scrapy starts this many asyncio tasks for every response:
# at its default of 100, 5 % of a crawl's CPU went to starting them.
CONCURRENT_ITEMS = 1
# Planned article fetches that may fail (listed, retried next run) before the run is `incomplete`,
# and beyond which it `failed`.
CARAVAN_TOLERATED_FAILED_SHARE = 0.05
CARAVAN_MAX_FAILED_SHARE = 0.5
# A text with fewer words than this share of the archived one is held back (not stored) until a
# later fetch gives the same text again: a cut page must not replace a whole one.
CARAVAN_MUCH_SHORTER_RATIO = 0.5
# An article URL whose last answer was not an article (empty, «Страница не найдена») is asked
# again this many hours later, then after twice as long each time (at most 30 days).
CARAVAN_RECHECK_NOT_ARTICLE_HOURS = 1.0

# --- Extraction ---------------------------------------------------------------------------------
# Furniture learned from the archive's own captures at the end of every run (boilerplate.py): a
# line on more than MIN_SHARE of an edition's pages fetched in the WINDOW_DAYS before the newest
# capture (and on at least MIN_PAGES pages) is dropped from the text on every layout.
CARAVAN_FURNITURE_MIN_SHARE = 0.3
CARAVAN_FURNITURE_WINDOW_DAYS = 7.0
CARAVAN_FURNITURE_MIN_PAGES = 5
# "all": the known layouts first, the generic one for the rest; "generic": the known layouts
# switched off, to see what the generic path alone makes of the site.
CARAVAN_LAYOUTS = "all"
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
# Ctrl-C or SIGTERM: requests in flight are waited for this many seconds, then the crawl stops at once
# (the run is recorded interrupted either way; systemd kills a unit 90 s after its stop).
CARAVAN_STOP_GRACE = 5.0
CARAVAN_PROGRESS_INTERVAL = 5.0  # seconds between progress lines in the log (INFO); a terminal gets a bar
CARAVAN_SUMMARY = True  # print the run's summary when the crawl ends (caravan-archive crawl prints its own)

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
