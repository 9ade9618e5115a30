"""What the spider hands to the pipeline: a fetched article page, or word that it has not changed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArticlePage:
    """One response to an article URL, with what the parser made of it."""

    url: str  # as fetched
    status: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str  # UTC, ISO 8601
    body: bytes  # as Scrapy hands it: already decoded from gzip/br by HttpCompressionMiddleware
    article_id: int  # from the URL; the record's own id wins when the page parses
    lastmod: str | None  # the sitemap's <lastmod>, when the URL came from a sitemap
    record: dict | None  # the article record, or None when the page is not an article
    reason: str | None  # why it is not an article
    layout: str | None
    edition: str = "ru"  # which edition was asked; the record's own edition wins when the page parses
    gone: str | None = None  # the site says the article is gone: http_404, http_410, not found page, redirect to …


@dataclass
class NotModified:
    """A conditional request answered 304: the archived copy is current."""

    article_id: int
    url: str
    fetched_at: str
    edition: str = "ru"


# Facts for the archive that are not items, sent as Scrapy signals (crawler.signals.send_catch_log),
# so that they never reach feed exports (`scrapy crawl caravan -O x.jsonl` gets article records only).
listed = object()  # listed=Listed(...): posts a discovery page named
fetch_failed = object()  # failed=FetchFailed(...): an article request that brought nothing


@dataclass
class Listed:
    """Posts one discovery page (a sitemap, the feed, a listing page) listed: what coverage accounts for."""

    edition: str
    source: str  # sitemap, feed or listing
    entries: list[tuple[int, str, str | None]]  # (article_id, canonical url, lastmod)
    listed_at: str


@dataclass
class FetchFailed:
    """An article request that brought nothing to archive (network error, 5xx, 404 of a new post)."""

    edition: str
    article_id: int
    url: str
    kind: str  # http_404, TimeoutError, ...
