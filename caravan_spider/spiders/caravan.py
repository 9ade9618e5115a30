"""The `caravan` spider: finds article URLs and fetches what the archive lacks. Parsing is elsewhere.

Discovery: robots.txt → sitemap index → post sitemaps (with <lastmod>); the RSS feed and the
first listing pages catch the newest articles; when the site has no sitemaps, listing pages
are followed to the end. Every link is reduced to its article's canonical path and post id,
so an AMP copy, a `utm_*` variant or `caravan.kz` without `www.` is fetched once.

Both editions are crawled by default: the Russian one (www.caravan.kz, /news/) and the Kazakh
one (kaz.caravan.kz, /art/), each from its own origin; post ids are per edition, so the spider
knows an article by (edition, article_id).

Besides new and changed articles, each run re-asks (conditionally) the archived articles whose
next check is due (schedule.py). A known article that answers 404/410, a not-found page or a
redirect to something else is reported as gone, and the archive marks it unpublished. Every post
a discovery page lists is reported for coverage (the `listed` signal, see items.py).

Arguments (`-a name=value`): edition (ru, kk or all), base_url (a mirror or the sample site:
`URL` for the one chosen edition, or `ru=URL,kk=URL`), since (YYYY-MM-DD), full (revisit
everything, conditionally). They become the settings CARAVAN_EDITION, CARAVAN_BASE_URL /
CARAVAN_KK_BASE_URL, CARAVAN_SINCE and CARAVAN_FULL, from which every part of the crawl reads
the run's spec (crawlrun.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from .. import __version__, boilerplate, lastmods
from ..archive import Archive, Known, KnownArticles
from ..config import Config
from ..crawlrun import ORIGIN_SETTINGS, run_refused
from ..headers import header
from ..items import ArticlePage, BadEntries, Failure, Gone, Listed, NotModified, listed
from ..middlewares import AlreadyFetched, BadSettingsInOneLine, quiet_while_crawling
from ..parsing.dates import as_datetime
from ..parsing.rejections import Rejection
from ..schedule import is_due
from ..urls import MAX_POST_ID, ArticleRef, Origin, article_ref, base_urls, splittable
from ..whole import ends_early
from ..workers import parse_page, stop_now
from ..workers import pool as worker_pool
from ..workers import wrap as wrap_future

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5  # to the same article (a new slug); more is a loop


FULL_SPEED = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_DELAY_JITTER": 0,
              "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}


def not_article_recheck_due(known: Known, now: datetime, hours: float) -> bool:
    """CARAVAN_RECHECK_NOT_ARTICLE_HOURS after the first not-article answer, doubled for each further one."""
    last = as_datetime(known.fetched_at)
    wait = timedelta(hours=hours * 2 ** max(known.misses - 1, 0))
    return last is None or now >= last + min(wait, timedelta(days=30))


def why_fetch(known: Known | None, lastmod: str | None, *, now: datetime, since: datetime | None = None,
              full: bool = False, recheck_hours: float = 6.0, listed: bool = False) -> str | None:
    """Why an article should be fetched this run ("new", "lastmod", "recheck", "full", "since",
    "due", "relisted"), or None when the archive's copy will do; `listed`: a discovery page of
    this run names it. Pure: the clock is an argument."""
    said = lastmods.read(lastmod)
    if since and said and said.latest < since:
        return None  # cannot have been published since: its last change is older
    if known is None:
        return "new"
    if not known.is_article:
        # Its last answer was not an article (empty, «Страница не найдена», a 404): ask
        # again later, less often each time; a 404/410 is left alone until its lastmod moves.
        if said and lastmods.may_be_newer(said, None, known.fetched_at):
            return "lastmod"
        if not known.gone and not_article_recheck_due(known, now, recheck_hours):
            return "recheck"
        return None
    if full:
        return "full"
    if said and lastmods.may_be_newer(said, known.lastmod, known.fetched_at):
        # Any other lastmod than the one our copy answers may be an edit, whatever the site's
        # clock (lastmods.py); asking costs a 304 at most.
        return "lastmod"
    published = as_datetime(known.published_at)
    if published and since and published >= since:
        return "since"
    if known.status is not None and is_due(known.next_check_at, now):
        return "due"
    if known.status == "unpublished" and listed:
        return "relisted"  # the site lists it again: it may be back, whatever the schedule says
    return None


def discovery_step(method):
    """A discovery page's callback or errback: the page is done when what it yields is (its sitemaps and
    listing pages asked for). Discovery is over when no page is pending; then the plan is whole."""
    @functools.wraps(method)
    def step(self, *args, **kwargs):
        try:
            yield from method(self, *args, **kwargs) or ()
        finally:
            self.discovery_pending -= 1
    return step


class CaravanSpider(scrapy.Spider):
    name = "caravan"

    def __init__(self, base_url: str | None = None, since: str | None = None, full: str | bool = False,
                 edition: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The arguments as given; from_crawler makes them settings and the run's spec of those.
        self.arguments = {"CARAVAN_EDITION": edition, "CARAVAN_SINCE": since,
                          "CARAVAN_FULL": True if str(full).lower() in ("1", "true", "yes") else None}
        self._base_url = base_url
        self.refused: str | None = None
        self.seen: set[tuple[str, int]] = set()
        self.known = KnownArticles.of({})
        self.furniture: dict = {}
        self.layouts = "all"
        self.parse_pool = None  # worker processes, made in from_crawler
        self.robots_seen: set[str] = set()  # editions whose robots.txt answered (or never will)
        self.listing_fallback: set[str] = set()
        # Listing pages (edition, page) the page before links to, and those past page 1 that answered
        # 404 before it was read: a 404 ends the listing unless the page before says there is more.
        self.listing_linked: set[tuple[str, int]] = set()
        self.listing_missing: dict[tuple[str, int], Failure] = {}
        self.discovered: set[str] = set()  # discovery URLs asked for this run: a sitemap loop ends
        self.discovery_pending = 0  # discovery pages asked for whose callback or errback has not ended

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["project"]:
            contact = settings.get("CARAVAN_CONTACT_URL")
            settings.set("USER_AGENT", f"caravan-archive/{__version__} (+{contact})", priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        # Installed first: a bad setting below is reported in one line (the process then ends).
        quiet_while_crawling(crawler, BadSettingsInOneLine)
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # A spider argument is a setting given on the command line: the pipeline and the
        # middlewares read the run's spec from the settings, never from the spider.
        # (Scrapy freezes the settings right after from_crawler: this is the last moment.)
        for name, value in spider.arguments.items():
            if value is not None:
                settings.set(name, value, priority="cmdline")
        if spider._base_url:  # URL for the one chosen edition, or ru=URL,kk=URL
            chosen = base_urls([v for v in spider._base_url.split(",") if v.strip()],
                               settings.get("CARAVAN_EDITION") or "all")
            for code, url in chosen.items():
                if url:
                    settings.set(ORIGIN_SETTINGS[code], url, priority="cmdline")
        spider.config = config = Config.of(crawler)  # read and checked once, here; the run keeper reads it too
        spider.spec = config.spec
        spider.origins = spider.spec.origins
        if spider.spec.on_loopback and not settings.frozen:
            # A server on loopback (the sample site, a local mirror) is ours: full speed,
            # whether started by `caravan-archive crawl` or `scrapy crawl`; -s still wins.
            for name, value in FULL_SPEED.items():
                if settings.getpriority(name) <= SETTINGS_PRIORITIES["project"]:
                    settings.set(name, value, priority="spider")
        spider.allowed_domains = sorted({origin.host for origin in spider.origins.values()})
        spider.listing_pages = config.listing_pages
        spider.sitemap_maxsize = config.sitemap_maxsize
        spider.recheck_hours = config.recheck_not_article_hours
        spider.clock = config.clock
        # The archive is the source of truth for what is already held: a killed run
        # re-derives its work from it on the next start.
        archive = Archive(settings.get("CARAVAN_DB"))
        try:
            # URLs only of articles due for a recheck (with a day's margin: next_check_at is
            # compared as text here, exactly by _rechecks); --full rechecks every article.
            due_by = None if spider.spec.full else (spider.now() + timedelta(days=1)).isoformat()
            spider.known = archive.known(urls_due_by=due_by)
            spider.furniture = boilerplate.load(archive)  # learned at the end of earlier runs
        finally:
            archive.close()
        spider.layouts = config.layouts
        # Pages are parsed in worker processes while the reactor keeps downloading and the
        # pipeline keeps storing; CARAVAN_PARSE_WORKERS=0 parses in this thread instead.
        jobs = config.jobs
        spider.parse_pool = worker_pool(jobs) if jobs > 0 else None
        crawler.signals.connect(spider._run_refused, signal=run_refused)
        return spider

    def closed(self, reason):
        if self.parse_pool is not None:
            self._when_stopped_at_once(None)
            self.parse_pool.shutdown(cancel_futures=True)

    def _when_stopped_at_once(self, action) -> None:
        """Run `action` if the reactor stops before the spider closes (a second Ctrl-C, a stop past
        CARAVAN_STOP_GRACE); None: no longer."""
        from twisted.internet import reactor

        if getattr(self, "_stopped_at_once", None) is not None:
            reactor.removeSystemEventTrigger(self._stopped_at_once)
        self._stopped_at_once = reactor.addSystemEventTrigger("before", "shutdown", action) if action else None

    @property
    def mode(self) -> str:
        return self.spec.mode

    def _run_refused(self, reason: str, message: str) -> None:
        self.refused = reason  # the run keeper could not open or lock the archive

    @property
    def origin(self) -> Origin:
        """The origin of the first edition crawled (the only one, with --edition ru or kk)."""
        return self.spec.origin

    @property
    def base_url(self) -> str:
        """Where this run fetched from, as crawl_runs records it."""
        return self.spec.base_url

    def now(self) -> datetime:
        """The time the schedule is judged at: CARAVAN_CLOCK when set (tests), else now."""
        return self.clock or datetime.now(timezone.utc)

    async def start(self):
        if self.refused:
            raise CloseSpider(self.refused)  # archive_locked or archive_unavailable (see crawl.RunKeeper)
        if self.parse_pool is not None:  # pages being parsed are not waited for then
            self._when_stopped_at_once(lambda: stop_now(self.parse_pool))
        if self.settings.getbool("ROBOTSTXT_OBEY"):
            # RobotsTxtMiddleware fetches robots.txt anyway: read its Sitemap lines from
            # that response instead of asking the site twice.
            self.crawler.signals.connect(self._robots_received, signal=signals.response_received)
        # Rechecks are all planned before any discovery answer can plan the same article, at the
        # address the archive holds: a renamed article then answers with a redirect to itself,
        # which is followed, and a removed one with its 404. (Scrapy pulls start requests lazily.)
        for request in list(self._rechecks()):
            yield request
        for edition in self.origins:
            if not self.settings.getbool("ROBOTSTXT_OBEY"):
                yield self._discover(edition, "/robots.txt", self.parse_robots, self.no_sitemaps, priority=30)
            yield self._discover(edition, self.origins[edition].edition.feed, self.parse_feed, self.discovery_failed,
                                 priority=20, source="feed")
            for page in range(1, self.listing_pages + 1):
                yield self._listing(edition, page, follow=False)

    def _rechecks(self):
        """Archived articles the schedule says are due (all of them with --full), whether or not
        the site still lists them: a removed article is no longer in its sitemap."""
        now = self.now()
        for (edition, _), known in self.known.with_url():
            if known.status is None or edition not in self.origins or not known.url:
                continue
            if self.spec.full or is_due(known.next_check_at, now):
                ref = article_ref(known.url)
                request = self.plan(ref, None) if ref else None
                if request:
                    yield request

    def _discover(self, edition: str, url: str, callback, errback, priority: int, source: str = "sitemap",
                  guess: bool = False, **kwargs) -> scrapy.Request | None:
        """A discovery request of an edition, or None when this run already asked for that URL."""
        url = url if "://" in url else self.origins[edition].url(url)
        if url in self.discovered:
            self.crawler.stats.inc_value("caravan/skipped/discovery_repeat")
            return None
        self.discovered.add(url)
        self.discovery_pending += 1
        meta = {"discovery": True, "source": source, "guess": guess, "edition": edition}
        if source == "sitemap":
            meta["download_maxsize"] = self.sitemap_maxsize
        return scrapy.Request(url, callback=callback, errback=errback, priority=priority, meta=meta,
                              dont_filter=True, **kwargs)

    # --- discovery ------------------------------------------------------------------------------
    def _robots_received(self, response, request, spider):
        parts = urlsplit(response.url)
        edition = next((code for code, origin in self.origins.items()
                        if origin.base == f"{parts.scheme}://{parts.netloc}"), None)
        if parts.path != "/robots.txt" or edition is None or edition in self.robots_seen:
            return
        self.robots_seen.add(edition)
        if self.robots_seen >= set(self.origins):
            self.crawler.signals.disconnect(self._robots_received, signal=signals.response_received)
        if response.status != 200:
            self.logger.warning("robots.txt answered %s; looking for sitemaps at the usual places", response.status)
        for request in self._sitemaps_from_robots(response, edition):
            if request is not None:
                self.crawler.engine.crawl(request)

    def _unless_robots_seen(self, edition: str):
        """Requests for the usual sitemap addresses when robots.txt never answered at all
        (RobotsTxtMiddleware lets the crawl go on after a network error)."""
        if edition not in self.robots_seen:
            self.robots_seen.add(edition)
            self.logger.warning("robots.txt did not answer; looking for sitemaps at the usual places")
            for url in self.origins[edition].edition.sitemaps:
                yield self._discover(edition, url, self.parse_sitemap, self.sitemap_failed, priority=10, guess=True)

    def _follow_listings(self, edition: str):
        """Without sitemaps, listing pages are followed to the end (started once)."""
        if edition not in self.listing_fallback:
            self.listing_fallback.add(edition)
            yield self._listing(edition, self.listing_pages + 1, follow=True)

    @discovery_step
    def parse_robots(self, response):
        yield from self._sitemaps_from_robots(response, response.meta["edition"])

    def _sitemaps_from_robots(self, response, edition: str):
        self.robots_seen.add(edition)
        origin = self.origins[edition]
        body = response.body if response.status == 200 else b""
        sitemaps = [origin.rebase(u) for u in sitemap_urls_from_robots(body, base_url=response.url)]
        sitemaps = [u for u in sitemaps if u]
        guess = not sitemaps
        if guess:
            self.logger.info("robots.txt names no sitemap; trying the usual WordPress addresses")
            sitemaps = [origin.url(path) for path in origin.edition.sitemaps]
        for url in sitemaps:
            yield self._discover(edition, url, self.parse_sitemap, self.sitemap_failed, priority=10, guess=guess)

    @discovery_step
    def no_sitemaps(self, failure):
        self.logger.warning("robots.txt could not be read (%s); following listing pages instead",
                            failure.getErrorMessage())
        yield from self._follow_listings(failure.request.meta["edition"])

    @discovery_step
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
                          source="sitemap", edition=request.meta["edition"])
        edition = request.meta["edition"]
        if not self.crawler.stats.get_value(f"caravan/sitemaps_read/{edition}"):
            yield from self._follow_listings(edition)

    def _sitemap_unreadable(self, response, why: str):
        yield Failure(response.url, "sitemap_unreadable", f"sitemap {response.url} {why}", source="sitemap",
                      edition=response.meta["edition"])
        edition = response.meta["edition"]
        if not self.crawler.stats.get_value(f"caravan/sitemaps_read/{edition}"):
            yield from self._follow_listings(edition)

    def _listed(self, edition: str, source: str, refs: list[tuple[ArticleRef, str | None]]) -> None:
        """Coverage: the posts a discovery page listed (those of its edition), sent to the pipeline."""
        entries = {ref.article_id: (ref.article_id, ref.url, lastmod) for ref, lastmod in refs
                   if ref.edition == edition}
        if entries:
            self.crawler.signals.send_catch_log(
                signal=listed, listed=Listed(edition, source, list(entries.values()),
                                             datetime.now(timezone.utc).isoformat(timespec="seconds")))

    @discovery_step
    def parse_sitemap(self, response):
        edition = response.meta["edition"]
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
        self.crawler.stats.inc_value(f"caravan/sitemaps_read/{edition}")
        bad = BadKinds()
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                url = self.origins[edition].rebase(entry["loc"]) if bad.splittable(entry["loc"]) else None
                request = self._discover(edition, url, self.parse_sitemap, self.sitemap_failed,
                                         priority=10) if url else None
                if request:
                    yield request
            yield from bad.items(response.url, "sitemap", edition)
            return
        refs = []
        now = max(self.now(), datetime.now(timezone.utc))  # a lastmod ahead of both is not believed
        for entry in sitemap:
            ref = self._entry_ref(entry["loc"], bad)
            if ref is None:
                continue
            lastmod = entry.get("lastmod") or None
            if lastmod is not None and lastmods.plausible(lastmod, now) is None:
                bad.bad_lastmod.append(f"{entry['loc']} {lastmod!r}")  # the entry stays, its lastmod says nothing
                lastmod = None
            refs.append((ref, lastmod))
        yield from bad.items(response.url, "sitemap", edition)
        self._listed(edition, "sitemap", refs)
        for ref, lastmod in refs:
            request = self.plan(ref, lastmod, edition)
            if request:
                yield request

    @discovery_step
    def parse_feed(self, response):
        edition = response.meta["edition"]
        self.crawler.stats.inc_value("caravan/discovery/read")
        yield from self._unless_robots_seen(edition)
        yield from self._follow_articles(edition, "feed", response.xpath("//item/link/text()").getall(), response.url)

    def _listing(self, edition: str, page: int, follow: bool) -> scrapy.Request | None:
        # A 404 past page 1 says the listing has fewer pages than CARAVAN_LISTING_PAGES (a small
        # site, a mirror), not that it could not be read: page 1 answering 404 still says so.
        return self._discover(edition, self.origins[edition].listing_url(page), self.parse_listing,
                              self.discovery_failed, priority=5, source="listing", guess=follow or page > 1,
                              cb_kwargs={"page": page, "follow": follow})

    @discovery_step
    def parse_listing(self, response, page: int, follow: bool):
        edition = response.meta["edition"]
        self.crawler.stats.inc_value("caravan/discovery/read")
        yield from self._unless_robots_seen(edition)
        links = response.xpath("//a/@href").getall()
        following = self.origins[edition].listing_url(page + 1)
        if any(self.origins[edition].rebase(link, response.url) == following for link in links if "page/" in link):
            self.listing_linked.add((edition, page + 1))
            missing = self.listing_missing.pop((edition, page + 1), None)
            if missing is not None:  # it answered 404 though this page links to it: a broken site
                yield missing
        yield from self._follow_articles(edition, "listing", links, response.url)
        if follow and any(article_ref(link) for link in links):
            request = self._listing(edition, page + 1, follow=True)
            if request:
                yield request

    @discovery_step
    def discovery_failed(self, failure):
        request = failure.request
        if failure.check(AlreadyFetched):
            return
        kind = failure_kind(failure)
        source = request.meta.get("source", "listing")
        problem = Failure(request.url, kind, f"{source} {request.url} could not be read ({failure.getErrorMessage()})",
                          source=source, edition=request.meta["edition"])
        if request.meta.get("guess") and kind == "http_404":
            # The listing walk ran past its last page, unless the page before links to this one
            # (then, if that page is read later, parse_listing reports this one).
            where = (request.meta["edition"], request.cb_kwargs.get("page"))
            if where not in self.listing_linked:
                self.listing_missing[where] = problem
                return
        yield problem

    def _follow_articles(self, edition: str, source: str, links: list[str], page_url: str):
        origin = self.origins[edition]
        refs, bad = [], BadKinds()
        for link in links:
            url = origin.rebase(link, page_url) if bad.splittable(link) else None
            ref = self._entry_ref(url, bad) if url else None
            if ref:
                refs.append((ref, None))
        yield from bad.items(page_url, source, edition)
        self._listed(edition, source, refs)
        for ref, _ in refs:
            request = self.plan(ref, None, edition)
            if request:
                yield request

    def _entry_ref(self, loc: str, bad: BadKinds) -> ArticleRef | None:
        """The article a discovery entry names, or None: not an article URL (counted), or a bad
        entry (noted in `bad`, which names it) that must not stop the entries after it."""
        if not bad.splittable(loc):
            return None
        ref = article_ref(loc)
        if ref is None:
            self.crawler.stats.inc_value("caravan/discovered/not_article_url")
        elif ref.article_id > MAX_POST_ID:
            bad.bad_post_id.append(loc)  # no archive can key it: skipped
            return None
        return ref

    # --- what to fetch --------------------------------------------------------------------------
    def plan(self, ref: ArticleRef, lastmod: str | None, edition: str | None = None) -> scrapy.Request | None:
        """A request for the article when the archive lacks it, may hold an old copy, or the
        schedule says it is due for a check."""
        if (edition and ref.edition != edition) or ref.edition not in self.origins or ref.key in self.seen:
            return None  # e.g. a link to the other edition, which this crawl does not include
        known = self.known.get(ref.key)
        said = lastmods.read(lastmod)
        if self.spec.since and said and said.latest < self.spec.since:
            return None  # cannot have been published since: not a skip of something due
        why = why_fetch(known, lastmod, now=self.now(), since=self.spec.since, full=self.spec.full,
                        recheck_hours=self.recheck_hours, listed=edition is not None)
        if why is None:
            self.crawler.stats.inc_value("caravan/skipped/unchanged")
            return None
        self.seen.add(ref.key)
        self.crawler.stats.inc_value(f"caravan/planned/{why}")
        headers = {}
        if known is not None and known.is_article and why != "new":
            # Conditional request: an unchanged page costs a 304, not a download.
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        # 404/410 and redirects come to parse_article: for a known article they say it is gone.
        return scrapy.Request(
            self.origins[ref.edition].article_url(ref), callback=self.parse_article, errback=self.article_failed,
            headers=headers, priority=1,
            meta={"article_id": ref.article_id, "edition": ref.edition, "lastmod": lastmod, "dont_redirect": True,
                  "handle_httpstatus_list": [304, 404, 410, *REDIRECTS],
                  "expect_article": known is None or known.status == "live"},
        )

    # --- fetched ------------------------------------------------------------------------------------
    async def parse_article(self, response):
        fetched_at = datetime.now(timezone.utc)
        article_id, edition = response.meta["article_id"], response.meta["edition"]
        stamp = fetched_at.isoformat(timespec="seconds")
        if response.status == 304:
            self._answered(response)
            yield NotModified(article_id=article_id, url=response.url, fetched_at=stamp, edition=edition,
                              lastmod=response.meta.get("lastmod"))
            return
        if response.status in (404, 410):
            self._answered(response, f"http_{response.status}")
            yield Gone(article_id=article_id, url=response.url, status=response.status, fetched_at=stamp,
                       body=response.body, edition=edition)
            return
        if response.status in REDIRECTS:
            for item in self._redirected(response, article_id, edition, stamp):
                yield item  # an async generator has no yield from
            return
        broken = not_whole(response)
        if broken:
            yield Failure(response.url, "truncated", f"article {article_id}: {broken}", article_id, edition=edition)
            return
        if not response.body.strip():
            # Nothing answered: a fetch that failed (nothing stored, asked again next run), not a page.
            self._answered(response, "empty")
            yield Failure(response.url, "empty", f"article {article_id}: answered {response.status} with an empty "
                          "body; the next run tries again", article_id, edition=edition)
            return
        content_type = header(response.headers, "Content-Type")
        # The same arguments explain() takes in this thread, as data a worker can receive.
        page = (response.body, response.url, fetched_at.isoformat(), content_type,
                boilerplate.for_url(self.furniture, response.url), self.layouts)
        try:
            if self.parse_pool is not None:
                parsed = await wrap_future(self.parse_pool.submit(parse_page, *page, lines=True))
            else:
                parsed = parse_page(*page, lines=True)
        except Exception as error:  # a parser bug, a parse worker killed: this article failed
            # Counted and named like any failed fetch, so that the run's status says so; the
            # article is not archived, and the next run tries it again.
            yield Failure(response.url, "parse_error", f"article {article_id}: could not be parsed "
                          f"({type(error).__name__}: {str(error)[:200]}); the next run tries again",
                          article_id, edition=edition)
            return
        record, reason, layout = parsed["record"], parsed["reason"], parsed["layout"]
        if record is not None and (record["edition"], record["article_id"]) != (edition, article_id):
            # The page names another post as itself (a wrong canonical link, a redirect to
            # another post): storing it would overwrite that post's row with this page.
            yield Failure(response.url, "canonical_conflict",
                          f"article {article_id} at {response.url} calls itself article {record['article_id']} "
                          f"({record['url']}); neither is changed", article_id, edition=edition)
            return
        gone = None
        self._answered(response, None if record is not None else reason.rejection)
        if record is None:
            self.logger.info("not an article: %s (%s)", response.url, reason)
            if reason.rejection is Rejection.NOT_FOUND:
                gone = Rejection.NOT_FOUND.value  # for an archived article: it was unpublished
        yield ArticlePage(
            url=response.url, status=response.status, content_type=content_type,
            etag=header(response.headers, "ETag"),
            last_modified=header(response.headers, "Last-Modified"),
            fetched_at=stamp, body=response.body, article_id=article_id, lastmod=response.meta.get("lastmod"),
            record=record, reason=reason, layout=layout, edition=edition, gone=gone,
            index_entry=parsed["index_entry"], sha256=parsed["sha256"], lines=parsed["lines"],
        )

    def _answered(self, response, no_article: Rejection | str | None = None) -> None:
        """Count an answer to an article URL the archive expected an article at (a new post, a live
        article), and why it was none (the parser's Rejection, or the site's answer: http_404, empty, redirect
        elsewhere): the run fails when most are none (crawl.RunKeeper.outcome)."""
        if response.meta.get("expect_article"):
            self.crawler.stats.inc_value("caravan/answers")
            if no_article:
                self.crawler.stats.inc_value("caravan/answers/no_article")
                self.crawler.stats.inc_value(f"caravan/answers/no_article/{no_article}")

    def _redirected(self, response, article_id: int, edition: str, stamp: str):
        """A redirect to the same article under a new address is followed; to anything else it
        says the article is gone (the answer is kept as its capture). A redirect to the same article
        is never a removal: one that comes back to an address of its chain, or goes on past
        MAX_REDIRECTS, is a failed fetch (the next run asks again), as is one off the origin."""
        location = (response.headers.get("Location") or b"").decode("latin-1")
        target = response.urljoin(location) if splittable(location) else location
        ref = article_ref(target)
        origin = self.origins[edition]
        url = origin.rebase(target)
        hops = response.meta.get("redirect_times", 0)  # Scrapy's own counter: OncePerRun lets it pass
        same = ref is not None and ref.key == (edition, article_id)
        if same and url:
            chain = [*response.meta.get("redirect_chain", [response.url]), url]
            if url not in chain[:-1] and hops < MAX_REDIRECTS:
                yield response.request.replace(url=url, meta={**response.meta, "redirect_times": hops + 1,
                                                              "redirect_chain": chain})
                return
            why = "redirect loop" if url in chain[:-1] else f"more than {MAX_REDIRECTS} redirects to itself"
            yield Failure(response.url, "redirect_loop", f"article {article_id}: {why} {' → '.join(chain)}; "
                          "the next run tries again", article_id, edition=edition)
            return
        if url is None and (same or (edition, article_id) not in self.known):
            # Off the crawl's origins: refused, as OriginGuard does, when it names the article itself
            # (no removal) or nothing archived could be unpublished.
            self.crawler.stats.inc_value("caravan/refused/redirect")
            self.logger.warning("refused redirect from %s to %s: it leaves the crawl's origin", response.url, target)
            yield Failure(response.url, "off_origin_redirect", f"article {article_id}: redirect to {target} leaves "
                          "the crawl's origin", article_id, edition=edition)
            return
        gone = f"redirect to {(urlsplit(target).path or '/') if url else target}"
        self._answered(response, "redirect elsewhere")
        yield ArticlePage(
            url=response.url, status=response.status,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None, etag=None,
            last_modified=None, fetched_at=stamp, body=response.body, article_id=article_id,
            lastmod=response.meta.get("lastmod"), record=None, reason=gone, layout=None, edition=edition, gone=gone,
            location=location or None)

    def article_failed(self, failure):
        request = failure.request
        if failure.check(AlreadyFetched):
            return
        kind = failure_kind(failure)
        yield Failure(request.url, kind, f"article {request.meta.get('article_id')} failed: {kind} ({request.url}); "
                                         "the next run tries again", request.meta.get("article_id"),
                      edition=request.meta["edition"])


@dataclass
class BadKinds:
    """The bad entries one discovery page held, by kind (see items.BadEntries)."""

    bad_loc: list[str] = field(default_factory=list)  # skipped: no URL
    bad_post_id: list[str] = field(default_factory=list)  # skipped: a post id beyond MAX_POST_ID
    bad_lastmod: list[str] = field(default_factory=list)  # kept, without its <lastmod>

    def splittable(self, loc: str) -> bool:
        """Whether urlsplit reads the entry's URL; one it refuses is noted as a bad_loc."""
        if splittable(loc):
            return True
        self.bad_loc.append(loc)
        return False

    def items(self, url: str, source: str, edition: str):
        for kind, entries in vars(self).items():
            if entries:
                yield BadEntries(url, kind, entries, source, edition=edition)


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
    return ends_early(header(response.headers, "Content-Type"), response.body)
