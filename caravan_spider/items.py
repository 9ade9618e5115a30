"""What the spider hands to the pipeline: a fetched article page, or word that it has not changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from .archive import Capture


@dataclass(frozen=True, kw_only=True)
class ArticlePage(Capture):
    """One response to an article URL (the Capture the archive keeps: url, status, headers, body,
    article_id from the requested URL, edition asked, ...), with what the parser made of it. A
    record of another post than the one asked is a Failure, never an ArticlePage."""

    lastmod: str | None  # the sitemap's <lastmod>, when the URL came from a sitemap
    record: dict | None  # the article record, or None when the page is not an article
    reason: str | None  # why it is not an article
    layout: str | None
    gone: str | None = None  # the site says the article is gone: http_404, http_410, not found page, redirect to …
    index_entry: list | None = None  # the record's search index entry (archive.index_entry), when a parse worker made it


@dataclass
class NotModified:
    """A conditional request answered 304: the archived copy is current."""

    article_id: int
    url: str
    fetched_at: str
    edition: str = field(kw_only=True)  # always said: a default of "ru" once filed a kk sitemap's failure under ru
    lastmod: str | None = None  # the sitemap's <lastmod> it was asked with: the copy answers it


# Facts for the archive that are not items, sent as Scrapy signals (crawler.signals.send_catch_log),
# so that they never reach feed exports (`scrapy crawl caravan -O x.jsonl` gets article records only).
listed = object()  # listed=Listed(...): posts a discovery page named


@dataclass
class Listed:
    """Posts one discovery page (a sitemap, the feed, a listing page) listed: what coverage accounts for."""

    edition: str
    source: str  # sitemap, feed or listing
    entries: list[tuple[int, str, str | None]]  # (article_id, canonical url, lastmod)
    listed_at: str


@dataclass
class Gone:
    """An article URL answered 404 or 410: an archived article becomes unpublished (and is rechecked
    on its schedule); any other is not asked again until a sitemap says it changed."""

    article_id: int
    url: str
    status: int
    fetched_at: str
    body: bytes = field(repr=False)
    edition: str = field(kw_only=True)


@dataclass
class Failure:
    """A fetch that gave nothing to archive: an article (article_id set) or a discovery URL.

    kind is short and countable (http_500, truncated, canonical_conflict, off_origin, ...);
    detail says what happened to this one.
    """

    url: str
    kind: str
    detail: str
    article_id: int | None = None
    source: str = "article"  # article, sitemap, feed or listing
    edition: str = field(kw_only=True)


@dataclass
class BadEntries:
    """Entries of a discovery page that was read (a sitemap, the feed, a listing page) that cannot be
    used as they are: `kind` bad_post_id (the entry is skipped: no archive can key it) or bad_lastmod
    (its <lastmod> is ignored, the entry kept). Counted and named; the page itself did not fail."""

    url: str  # the discovery page
    kind: str
    entries: list[str]  # each named: its loc, and for bad_lastmod the value
    source: str = "sitemap"
    edition: str = field(kw_only=True)

    # What became of the entries of each kind, and why (one line each, singular and plural).
    WHAT = {"bad_loc": ("skipped", "skipped", "its address is no URL"),
            "bad_post_id": ("skipped", "skipped", "its post id is beyond 2^63 - 1"),
            "bad_lastmod": ("kept without its <lastmod>", "kept without their <lastmod>",
                            "no date, or not a plausible one")}
    NAMED = 10  # entries named in the line; the rest counted

    @property
    def detail(self) -> str:
        count = len(self.entries)
        one, many, why = self.WHAT[self.kind]
        named = ", ".join(self.entries[:self.NAMED]) + (f" and {count - self.NAMED} more" if count > self.NAMED else "")
        return (f"{self.source} {self.url}: {count} {'entry' if count == 1 else 'entries'} "
                f"{one if count == 1 else many} ({why}): {named}")
