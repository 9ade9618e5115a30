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
    lemmas: str | None = None  # of the record's search text, when a parse worker made them
    sha256: str | None = None  # of the body, when a parse worker computed it


@dataclass
class NotModified:
    """A conditional request answered 304: the archived copy is current."""

    article_id: int
    url: str
    fetched_at: str
