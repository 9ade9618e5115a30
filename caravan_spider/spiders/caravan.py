"""The `caravan` spider: finds article URLs and fetches what the archive lacks. Parsing is elsewhere.

Discovery: robots.txt → sitemap index → post sitemaps (with <lastmod>); the RSS feed and the
first listing pages catch the newest articles; when the site has no sitemaps, listing pages
are followed to the end. Every link is reduced to its article's canonical path and post id,
so an AMP copy, a `utm_*` variant or `caravan.kz` without `www.` is fetched once.

Arguments (`-a name=value`): base_url (a mirror or the sample site), since (YYYY-MM-DD),
full (revisit everything, conditionally). They become the settings CARAVAN_BASE_URL, CARAVAN_SINCE
and CARAVAN_FULL, from which every part of the crawl reads the run's spec (crawlrun.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from .. import __version__, boilerplate
from ..almaty import now
from ..archive import Archive, Known
from ..crawlrun import RunSpec, run_refused
from ..items import ArticlePage, Failure, Gone, NotModified
from ..middlewares import AlreadyFetched
from ..headers import header
from ..parsing.dates import as_datetime
from ..urls import ArticleRef, article_ref
from ..workers import cores, parse_page
from ..workers import pool as worker_pool
from ..workers import wrap as wrap_future


# Where a WordPress site keeps its sitemap index when robots.txt names none (Yoast SEO, then core).
FALLBACK_SITEMAPS = ("/sitemap_index.xml", "/wp-sitemap.xml")

FULL_SPEED = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_DELAY_JITTER": 0,
              "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}


class CaravanSpider(scrapy.Spider):
    name = "caravan"

    def __init__(self, base_url: str | None = None, since: str | None = None, full: str | bool = False,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The arguments as given; from_crawler makes them settings and the run's spec of those.
        self.arguments = {"CARAVAN_BASE_URL": base_url, "CARAVAN_SINCE": since,
                          "CARAVAN_FULL": True if str(full).lower() in ("1", "true", "yes") else None}
        self.refused: str | None = None
        self.seen: set[int] = set()
        self.known: dict[int, Known] = {}
        self.furniture: dict = {}
        self.layouts = "all"
        self.parse_pool = None  # worker processes, made in from_crawler
        self.robots_seen = False
        self.listing_fallback = False
        self.discovered: set[str] = set()  # discovery URLs asked for this run: a sitemap loop ends

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["project"]:
            contact = settings.get("CARAVAN_CONTACT_URL")
            settings.set("USER_AGENT", f"caravan-archive/{__version__} (+{contact})", priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # A spider argument is a setting given on the command line: the pipeline and the
        # middlewares read the run's spec from the settings, never from the spider.
        # (Scrapy freezes the settings right after from_crawler: this is the last moment.)
        for name, value in spider.arguments.items():
            if value is not None:
                settings.set(name, value, priority="cmdline")
        spider.spec = RunSpec.from_settings(settings)
        spider.origin = spider.spec.origin
        if spider.spec.on_loopback and not settings.frozen:
            # A server on loopback (the sample site, a local mirror) is ours: full speed,
            # whether started by `caravan-archive crawl` or `scrapy crawl`; -s still wins.
            for name, value in FULL_SPEED.items():
                if settings.getpriority(name) <= SETTINGS_PRIORITIES["project"]:
                    settings.set(name, value, priority="spider")
        spider.allowed_domains = [spider.origin.host]
        spider.recent_days = settings.getfloat("CARAVAN_RECENT_DAYS")
        spider.listing_pages = settings.getint("CARAVAN_LISTING_PAGES")
        spider.sitemap_maxsize = settings.getint("CARAVAN_SITEMAP_MAXSIZE")
        spider.recheck_hours = settings.getfloat("CARAVAN_RECHECK_NOT_ARTICLE_HOURS")
        # The archive is the source of truth for what is already held: a killed run
        # re-derives its work from it on the next start.
        archive = Archive(settings.get("CARAVAN_DB"))
        try:
            spider.known = archive.known()
            spider.furniture = boilerplate.load(archive)  # learned at the end of earlier runs
        finally:
            archive.close()
        spider.layouts = settings.get("CARAVAN_LAYOUTS")
        # Pages are parsed in worker processes while the reactor keeps downloading and the
        # pipeline keeps storing; CARAVAN_PARSE_WORKERS=0 parses in this thread instead.
        parse_workers = settings.get("CARAVAN_PARSE_WORKERS")
        jobs = cores() if str(parse_workers).lower() in ("", "auto", "none") else int(parse_workers)
        spider.parse_pool = worker_pool(jobs) if jobs > 0 else None
        crawler.signals.connect(spider._run_refused, signal=run_refused)
        return spider

    def closed(self, reason):
        if self.parse_pool is not None:
            self.parse_pool.shutdown(cancel_futures=True)

    @property
    def mode(self) -> str:
        return self.spec.mode

    def _run_refused(self, reason: str, message: str) -> None:
        self.refused = reason  # the pipeline could not open or lock the archive

    async def start(self):
        if self.refused:
            raise CloseSpider(self.refused)  # archive_locked or archive_unavailable (see pipelines.py)
        if self.settings.getbool("ROBOTSTXT_OBEY"):
            # RobotsTxtMiddleware fetches robots.txt anyway: read its Sitemap lines from
            # that response instead of asking the site twice.
            self.crawler.signals.connect(self._robots_received, signal=signals.response_received)
        else:
            yield self._discover("/robots.txt", self.parse_robots, self.no_sitemaps, priority=30)
        yield self._discover("/feed/", self.parse_feed, self.discovery_failed, priority=20, source="feed")
        for page in range(1, self.listing_pages + 1):
            yield self._listing(page, follow=False)

    def _discover(self, url: str, callback, errback, priority: int, source: str = "sitemap", guess: bool = False,
                  **kwargs) -> scrapy.Request | None:
        """A discovery request, or None when this run already asked for that URL."""
        url = url if "://" in url else self.origin.url(url)
        if url in self.discovered:
            self.crawler.stats.inc_value("caravan/skipped/discovery_repeat")
            return None
        self.discovered.add(url)
        meta = {"discovery": True, "source": source, "guess": guess}
        if source == "sitemap":
            meta["download_maxsize"] = self.sitemap_maxsize
        return scrapy.Request(url, callback=callback, errback=errback, priority=priority, meta=meta,
                              dont_filter=True, **kwargs)

    # --- discovery ------------------------------------------------------------------------------
    def _robots_received(self, response, request, spider):
        if urlsplit(response.url).path != "/robots.txt" or urlsplit(response.url).hostname != self.origin.host:
            return
        self.crawler.signals.disconnect(self._robots_received, signal=signals.response_received)
        self.robots_seen = True
        if response.status != 200:
            self.logger.warning("robots.txt answered %s; looking for sitemaps at the usual places", response.status)
        for request in self.parse_robots(response):
            if request is not None:
                self.crawler.engine.crawl(request)

    def _unless_robots_seen(self):
        """Requests for the usual sitemap addresses when robots.txt never answered at all
        (RobotsTxtMiddleware lets the crawl go on after a network error)."""
        if not self.robots_seen:
            self.robots_seen = True
            self.logger.warning("robots.txt did not answer; looking for sitemaps at the usual places")
            for url in FALLBACK_SITEMAPS:
                yield self._discover(url, self.parse_sitemap, self.sitemap_failed, priority=10, guess=True)

    def _follow_listings(self):
        """Without sitemaps, listing pages are followed to the end (started once)."""
        if not self.listing_fallback:
            self.listing_fallback = True
            yield self._listing(self.listing_pages + 1, follow=True)

    def parse_robots(self, response):
        self.robots_seen = True
        body = response.body if response.status == 200 else b""
        sitemaps = [self.origin.rebase(u) for u in sitemap_urls_from_robots(body, base_url=response.url)]
        sitemaps = [u for u in sitemaps if u]
        guess = not sitemaps
        if guess:
            self.logger.info("robots.txt names no sitemap; trying the usual WordPress addresses")
            sitemaps = [self.origin.url(path) for path in FALLBACK_SITEMAPS]
        for url in sitemaps:
            yield self._discover(url, self.parse_sitemap, self.sitemap_failed, priority=10, guess=guess)

    def no_sitemaps(self, failure):
        self.logger.warning("robots.txt could not be read (%s); following listing pages instead",
                            failure.getErrorMessage())
        yield from self._follow_listings()

    def sitemap_failed(self, failure):
        request = failure.request
        if failure.check(AlreadyFetched):
            return
        kind = failure_kind(failure)
        if request.meta.get("guess") and kind == "http_404":
            # One of the usual addresses we tried on the off chance: absence is no fault.
            self.logger.info("no sitemap at %s", request.url)
        else:
            yield Failure(request.url, kind, f"sitemap {request.url} could not be read ({failure.getErrorMessage()})",
                          source="sitemap")
        if not self.crawler.stats.get_value("caravan/sitemaps_read"):
            yield from self._follow_listings()

    def _sitemap_unreadable(self, response, why: str):
        yield Failure(response.url, "sitemap_unreadable", f"sitemap {response.url} {why}", source="sitemap")
        if not self.crawler.stats.get_value("caravan/sitemaps_read"):
            yield from self._follow_listings()

    def parse_sitemap(self, response):
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:  # bounded: a small .gz can expand to gigabytes
                body = gunzip(body, max_size=self.sitemap_maxsize)
            except Exception as error:  # _DecompressionMaxSizeExceeded, or not gzip after all
                yield from self._sitemap_unreadable(
                    response, f"could not be decompressed within CARAVAN_SITEMAP_MAXSIZE "
                              f"({self.sitemap_maxsize} B): {type(error).__name__}")
                return
        try:
            sitemap = Sitemap(body)
        except Exception as error:  # lxml's own errors for what is not XML at all
            yield from self._sitemap_unreadable(response, f"is not XML ({error})")
            return
        if sitemap.type not in ("sitemapindex", "urlset"):
            yield from self._sitemap_unreadable(response, f"is not a sitemap (root element <{sitemap.type}>)")
            return
        self.crawler.stats.inc_value("caravan/sitemaps_read")
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                url = self.origin.rebase(entry["loc"])
                request = self._discover(url, self.parse_sitemap, self.sitemap_failed, priority=10) if url else None
                if request:
                    yield request
            return
        for entry in sitemap:
            ref = article_ref(entry["loc"])
            if ref is None:
                self.crawler.stats.inc_value("caravan/discovered/not_article_url")
                continue
            request = self.plan(ref, entry.get("lastmod"))
            if request:
                yield request

    def parse_feed(self, response):
        self.crawler.stats.inc_value("caravan/discovery/read")
        yield from self._unless_robots_seen()
        for link in response.xpath("//item/link/text()").getall():
            yield from self._follow_article(link, response.url)

    def _listing(self, page: int, follow: bool) -> scrapy.Request | None:
        path = "/news/" if page == 1 else f"/news/page/{page}/"
        return self._discover(path, self.parse_listing, self.discovery_failed, priority=5, source="listing",
                              guess=follow, cb_kwargs={"page": page, "follow": follow})

    def parse_listing(self, response, page: int, follow: bool):
        self.crawler.stats.inc_value("caravan/discovery/read")
        yield from self._unless_robots_seen()
        links = response.xpath("//a/@href").getall()
        for link in links:
            yield from self._follow_article(link, response.url)
        if follow and any(article_ref(link) for link in links):
            request = self._listing(page + 1, follow=True)
            if request:
                yield request

    def discovery_failed(self, failure):
        request = failure.request
        if failure.check(AlreadyFetched):
            return
        kind = failure_kind(failure)
        if request.meta.get("guess") and kind == "http_404":
            return  # the listing walk ran past its last page
        source = request.meta.get("source", "listing")
        yield Failure(request.url, kind, f"{source} {request.url} could not be read ({failure.getErrorMessage()})",
                      source=source)

    def _follow_article(self, link: str, page_url: str):
        url = self.origin.rebase(link, page_url)
        ref = article_ref(url) if url else None
        if ref:
            request = self.plan(ref, None)
            if request:
                yield request

    # --- what to fetch --------------------------------------------------------------------------
    def plan(self, ref: ArticleRef, lastmod: str | None) -> scrapy.Request | None:
        """A request for the article when the archive lacks it or may hold an old copy."""
        if ref.article_id in self.seen:
            return None
        known = self.known.get(ref.article_id)
        lastmod_at = as_datetime(lastmod)
        since = self.spec.since
        if since and lastmod_at and lastmod_at < since:
            return None  # cannot have been published since: its last change is older
        why = None
        if known is None:
            why = "new"
        elif not known.is_article:
            # Its last answer was not an article (empty, «Страница не найдена», a 404): ask
            # again later, less often each time; a 404/410 is left alone until its lastmod moves.
            if lastmod_at and lastmod_at >= self._held_since(known):
                why = "lastmod"
            elif not known.gone and self._recheck_due(known):
                why = "recheck"
        elif self.spec.full:
            why = "full"
        elif lastmod_at and lastmod_at >= self._held_since(known):
            # A tie (same second as our fetch) may hold an edit we missed; asking costs a 304 at most.
            why = "lastmod"
        else:
            published = as_datetime(known.published_at)
            if published and since and published >= since:
                why = "since"
            elif published and published >= now() - timedelta(days=self.recent_days):
                why = "recent"
        if why is None:
            self.crawler.stats.inc_value("caravan/skipped/unchanged")
            return None
        self.seen.add(ref.article_id)
        self.crawler.stats.inc_value(f"caravan/planned/{why}")
        headers = {}
        if known is not None and known.is_article and why != "new":
            # Conditional request: an unchanged page costs a 304, not a download.
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(
            self.origin.article_url(ref), callback=self.parse_article, errback=self.article_failed,
            headers=headers, priority=1,
            meta={"article_id": ref.article_id, "lastmod": lastmod, "handle_httpstatus_list": [304, 404, 410]},
        )

    def _recheck_due(self, known: Known) -> bool:
        """CARAVAN_RECHECK_NOT_ARTICLE_HOURS after the first such answer, doubled for each further one."""
        last = as_datetime(known.fetched_at)
        wait = timedelta(hours=self.recheck_hours * 2 ** max(known.misses - 1, 0))
        return last is None or datetime.now(timezone.utc) >= last + min(wait, timedelta(days=30))

    @staticmethod
    def _held_since(known: Known) -> datetime:
        """The newest change the archived copy already includes."""
        moments = [m for m in (as_datetime(known.lastmod), as_datetime(known.fetched_at)) if m]
        return max(moments) if moments else datetime.min.replace(tzinfo=timezone.utc)

    # --- fetched ------------------------------------------------------------------------------------
    async def parse_article(self, response):
        fetched_at = datetime.now(timezone.utc)
        article_id = response.meta["article_id"]
        stamp = fetched_at.isoformat(timespec="seconds")
        if response.status == 304:
            yield NotModified(article_id=article_id, url=response.url, fetched_at=stamp)
            return
        if response.status in (404, 410):
            yield Gone(article_id=article_id, url=response.url, status=response.status, fetched_at=stamp,
                       body=response.body)
            return
        broken = not_whole(response)
        if broken:
            yield Failure(response.url, "truncated", f"article {article_id}: {broken}", article_id)
            return
        content_type = header(response.headers, "Content-Type")
        parsed = {"record": None, "reason": "empty response", "layout": None, "index_entry": None, "sha256": None}
        if response.body.strip():
            # The same arguments explain() takes in this thread, as data a worker can receive.
            page = (response.body, response.url, fetched_at.isoformat(), content_type,
                    boilerplate.for_url(self.furniture, response.url), self.layouts)
            if self.parse_pool is not None:
                parsed = await wrap_future(self.parse_pool.submit(parse_page, *page))
            else:
                parsed = parse_page(*page)
        record, reason, layout = parsed["record"], parsed["reason"], parsed["layout"]
        if record is not None and record["article_id"] != article_id:
            # The page names another post as itself (a wrong canonical link, a redirect to
            # another post): storing it would overwrite that post's row with this page.
            yield Failure(response.url, "canonical_conflict",
                          f"article {article_id} at {response.url} calls itself article {record['article_id']} "
                          f"({record['url']}); neither is changed", article_id)
            return
        if record is None:
            self.logger.info("not an article: %s (%s)", response.url, reason)
        yield ArticlePage(
            url=response.url, status=response.status, content_type=content_type,
            etag=header(response.headers, "ETag"),
            last_modified=header(response.headers, "Last-Modified"),
            fetched_at=stamp, body=response.body, article_id=article_id, lastmod=response.meta.get("lastmod"),
            record=record, reason=reason, layout=layout, index_entry=parsed["index_entry"], sha256=parsed["sha256"],
        )

    def article_failed(self, failure):
        request = failure.request
        if failure.check(AlreadyFetched):
            return
        kind = failure_kind(failure)
        yield Failure(request.url, kind, f"article {request.meta.get('article_id')} failed: {kind} ({request.url}); "
                                         "the next run tries again", request.meta.get("article_id"))


def failure_kind(failure) -> str:
    """A short, countable name for why a request gave no usable response."""
    from ..middlewares import OffOrigin, TooLarge

    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(OffOrigin):
        return "off_origin_redirect"
    if failure.check(TooLarge):
        return "too_large"
    if failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(failure.value):
        return "too_large"
    name = type(failure.value).__name__
    return {"DownloadCancelledError": "too_large", "ResponseDataLossError": "truncated"}.get(name, name)


def not_whole(response) -> str | None:
    """Why a response is not the whole page, or None. A cut page must never become the article,
    nor lend its ETag to the next run's conditional request."""
    if "partial" in response.flags or "dataloss" in response.flags:
        return "the connection closed before the body was known to be whole (no Content-Length)"
    content_type = (header(response.headers, "Content-Type") or "").lower()
    body = response.body
    if body.strip() and "html" in content_type and b"</html>" not in body[-8192:].lower():
        return f"the page ends without </html> ({len(body)} bytes received)"
    return None
