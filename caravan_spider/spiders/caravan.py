"""The `caravan` spider: finds article URLs and fetches what the archive lacks. Parsing is elsewhere.

Discovery: robots.txt → sitemap index → post sitemaps (with <lastmod>); the RSS feed and the
first listing pages catch the newest articles; when the site has no sitemaps, listing pages
are followed to the end. Every link is reduced to its article's canonical path and post id,
so an AMP copy, a `utm_*` variant or `caravan.kz` without `www.` is fetched once.

Arguments (`-a name=value`): base_url (a mirror or the sample site), since (YYYY-MM-DD),
full (revisit everything, conditionally).
"""

from __future__ import annotations

import gzip
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from .. import __version__
from ..almaty import localize, now
from ..archive import Archive, Known
from ..items import ArticlePage, NotModified
from ..parsing.dates import parse_machine
from ..urls import ArticleRef, Origin, article_ref
from ..workers import cores, parse_page
from ..workers import pool as worker_pool
from ..workers import wrap as wrap_future


def _as_datetime(value) -> datetime | None:
    parsed = parse_machine(value) if isinstance(value, str) else value
    if isinstance(parsed, datetime):
        return parsed
    if isinstance(parsed, date):
        return localize(datetime(parsed.year, parsed.month, parsed.day))
    return None


class CaravanSpider(scrapy.Spider):
    name = "caravan"

    def __init__(self, base_url: str | None = None, since: str | None = None, full: str | bool = False,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._base_url = base_url
        self.since = _as_datetime(since) if since else None
        if since and self.since is None:
            raise ValueError(f"since={since!r} is not a date such as 2025-01-31")
        self.full = str(full).lower() in ("1", "true", "yes")
        self.seen: set[int] = set()
        self.known: dict[int, Known] = {}
        self.parse_pool = None  # worker processes, made in from_crawler
        self.robots_seen = False
        self.listing_fallback = False

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
        spider.origin = Origin(spider._base_url or settings.get("CARAVAN_BASE_URL"))
        spider.allowed_domains = [spider.origin.host]
        spider.recent_days = settings.getfloat("CARAVAN_RECENT_DAYS")
        spider.listing_pages = settings.getint("CARAVAN_LISTING_PAGES")
        # The archive is the source of truth for what is already held: a killed run
        # re-derives its work from it on the next start.
        archive = Archive(settings.get("CARAVAN_DB"))
        try:
            spider.known = archive.known()
        finally:
            archive.close()
        # Pages are parsed in worker processes while the reactor keeps downloading and the
        # pipeline keeps storing; CARAVAN_PARSE_WORKERS=0 parses in this thread instead.
        parse_workers = settings.get("CARAVAN_PARSE_WORKERS")
        jobs = cores() if str(parse_workers).lower() in ("", "auto", "none") else int(parse_workers)
        spider.parse_pool = worker_pool(jobs) if jobs > 0 else None
        return spider

    def closed(self, reason):
        if self.parse_pool is not None:
            self.parse_pool.shutdown(cancel_futures=True)

    @property
    def mode(self) -> str:
        return "full" if self.full else f"since {self.since:%Y-%m-%d}" if self.since else "incremental"

    async def start(self):
        if self.crawler.stats.get_value("caravan/locked"):
            raise CloseSpider("archive_locked")  # another run holds the archive (see pipelines.py)
        if self.settings.getbool("ROBOTSTXT_OBEY"):
            # RobotsTxtMiddleware fetches robots.txt anyway: read its Sitemap lines from
            # that response instead of asking the site twice.
            self.crawler.signals.connect(self._robots_received, signal=signals.response_received)
        else:
            yield scrapy.Request(self.origin.url("/robots.txt"), callback=self.parse_robots,
                                 errback=self.no_sitemaps, dont_filter=True, priority=30)
        yield scrapy.Request(self.origin.url("/feed/"), callback=self.parse_feed, errback=self.discovery_failed,
                             priority=20)
        for page in range(1, self.listing_pages + 1):
            yield self._listing(page, follow=False)

    # --- discovery ------------------------------------------------------------------------------
    def _robots_received(self, response, request, spider):
        if urlsplit(response.url).path != "/robots.txt" or urlsplit(response.url).hostname != self.origin.host:
            return
        self.crawler.signals.disconnect(self._robots_received, signal=signals.response_received)
        self.robots_seen = True
        if response.status != 200:
            self.logger.warning("robots.txt answered %s; looking for sitemaps at the usual places", response.status)
        for request in self.parse_robots(response):
            self.crawler.engine.crawl(request)

    def _unless_robots_seen(self):
        """Requests for the usual sitemap addresses when robots.txt never answered at all
        (RobotsTxtMiddleware lets the crawl go on after a network error)."""
        if not self.robots_seen:
            self.robots_seen = True
            self.logger.warning("robots.txt did not answer; looking for sitemaps at the usual places")
            for url in ("/sitemap_index.xml", "/wp-sitemap.xml"):
                yield scrapy.Request(self.origin.url(url), callback=self.parse_sitemap, errback=self.sitemap_failed,
                                     priority=10)

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
        if not sitemaps:
            self.logger.info("robots.txt names no sitemap; trying the usual WordPress addresses")
            sitemaps = [self.origin.url("/sitemap_index.xml"), self.origin.url("/wp-sitemap.xml")]
        for url in sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.sitemap_failed, priority=10)

    def no_sitemaps(self, failure):
        self.logger.warning("robots.txt could not be read (%s); following listing pages instead",
                            failure.getErrorMessage())
        yield from self._follow_listings()

    def sitemap_failed(self, failure):
        request = failure.request
        self.crawler.stats.inc_value("caravan/errors/sitemap")
        self.logger.warning("sitemap %s could not be read (%s)", request.url, failure.getErrorMessage())
        if not self.crawler.stats.get_value("caravan/sitemaps_read"):
            yield from self._follow_listings()

    def parse_sitemap(self, response):
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        try:
            sitemap = Sitemap(body)
        except Exception as error:  # lxml's own errors for what is not XML at all
            self.logger.warning("sitemap %s is not XML (%s)", response.url, error)
            return
        self.crawler.stats.inc_value("caravan/sitemaps_read")
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                url = self.origin.rebase(entry["loc"])
                if url:
                    yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.sitemap_failed, priority=10)
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
        yield from self._unless_robots_seen()
        for link in response.xpath("//item/link/text()").getall():
            yield from self._follow_article(link, response.url)

    def _listing(self, page: int, follow: bool) -> scrapy.Request:
        path = "/news/" if page == 1 else f"/news/page/{page}/"
        return scrapy.Request(self.origin.url(path), callback=self.parse_listing, errback=self.discovery_failed,
                              cb_kwargs={"page": page, "follow": follow}, priority=5)

    def parse_listing(self, response, page: int, follow: bool):
        yield from self._unless_robots_seen()
        links = response.xpath("//a/@href").getall()
        for link in links:
            yield from self._follow_article(link, response.url)
        if follow and any(article_ref(link) for link in links):
            yield self._listing(page + 1, follow=True)

    def discovery_failed(self, failure):
        self.crawler.stats.inc_value("caravan/errors/discovery")
        self.logger.warning("could not read %s (%s)", failure.request.url, failure.getErrorMessage())

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
        lastmod_at = _as_datetime(lastmod)
        if self.since and lastmod_at and lastmod_at < self.since:
            return None  # cannot have been published since: its last change is older
        why = None
        if known is None:
            why = "new"
        elif self.full:
            why = "full"
        elif lastmod_at and lastmod_at >= self._held_since(known):
            # A tie (same second as our fetch) may hold an edit we missed; asking costs a 304 at most.
            why = "lastmod"
        else:
            published = _as_datetime(known.published_at)
            if published and self.since and published >= self.since:
                why = "since"
            elif published and published >= now() - timedelta(days=self.recent_days):
                why = "recent"
        if why is None:
            self.crawler.stats.inc_value("caravan/skipped/unchanged")
            return None
        self.seen.add(ref.article_id)
        self.crawler.stats.inc_value(f"caravan/planned/{why}")
        headers = {}
        if known is not None and why != "new":
            # Conditional request: an unchanged page costs a 304, not a download.
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(
            self.origin.article_url(ref), callback=self.parse_article, errback=self.article_failed,
            headers=headers, priority=1,
            meta={"article_id": ref.article_id, "lastmod": lastmod, "handle_httpstatus_list": [304]},
        )

    @staticmethod
    def _held_since(known: Known) -> datetime:
        """The newest change the archived copy already includes."""
        moments = [m for m in (_as_datetime(known.lastmod), _as_datetime(known.fetched_at)) if m]
        return max(moments) if moments else datetime.min.replace(tzinfo=timezone.utc)

    # --- fetched ------------------------------------------------------------------------------------
    async def parse_article(self, response):
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        article_id = response.meta["article_id"]
        if response.status == 304:
            yield NotModified(article_id=article_id, url=response.url, fetched_at=fetched_at)
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        page = (response.body, response.url, fetched_at, content_type)
        if self.parse_pool is not None:
            parsed = await wrap_future(self.parse_pool.submit(parse_page, *page))
        else:
            parsed = parse_page(*page)
        record = parsed["record"]
        if record is None:
            self.logger.info("not an article: %s (%s)", response.url, parsed["reason"])
        yield ArticlePage(
            url=response.url, status=response.status, content_type=content_type,
            etag=(response.headers.get("ETag") or b"").decode("latin-1") or None,
            last_modified=(response.headers.get("Last-Modified") or b"").decode("latin-1") or None,
            fetched_at=fetched_at, body=response.body,
            article_id=record["article_id"] if record else article_id, lastmod=response.meta.get("lastmod"),
            record=record, reason=parsed["reason"], layout=parsed["layout"], lemmas=parsed["lemmas"],
            sha256=parsed["sha256"],
        )

    def article_failed(self, failure):
        request = failure.request
        response = getattr(failure.value, "response", None)
        kind = f"http_{response.status}" if response is not None else type(failure.value).__name__
        self.crawler.stats.inc_value("caravan/articles/failed")
        self.crawler.stats.inc_value(f"caravan/errors/{kind}")
        self.logger.error("article %s failed: %s (%s); the next run tries again",
                          request.meta.get("article_id"), kind, request.url)
