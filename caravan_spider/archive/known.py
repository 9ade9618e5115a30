"""What an incremental crawl knows before it asks the site: every article the archive has met,
read from covering indexes and packed one str an article (a run holds 300,000 and more)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from .tables import Key, Tables


class Known(NamedTuple):
    """What the archive holds of an article: what an incremental crawl compares with. A tuple:
    a run holds one per archived article (300,000 and more) in memory."""

    lastmod: str | None
    etag: str | None
    last_modified: str | None
    published_at: str | None
    fetched_at: str | None  # when the archived copy was fetched: a lastmod before it is old news
    url: str | None = None  # canonical URL, for a recheck the listings no longer lead to
    next_check_at: str | None = None  # when the schedule (schedule.py) wants it asked again
    status: str | None = None  # live or unpublished; None: the site's answers were never an article
    is_article: bool = True  # False: every answer so far was not an article (empty, not found, 404)
    misses: int = 0  # how many such answers since the last article
    gone: bool = False  # the last answer was 404 or 410


# The columns of an article a run compares with, in Known's order (url apart: only rechecks need it).
_PACKED = ("lastmod", "etag", "last_modified", "published_at", "fetched_at", "next_check_at", "status")
_SEPARATOR = "\x1f"
# The rows whose values hold the separator or a NUL (m8r9's partial index, and the query that reads it).
_UNPACKABLE = ("instr(lastmod, char(31)) OR instr(etag, char(31)) OR instr(last_modified, char(31)) "
               "OR instr(published_at, char(31)) OR instr(lastmod, char(0)) OR instr(etag, char(0)) "
               "OR instr(last_modified, char(0)) OR instr(published_at, char(0))")


class KnownArticles(Mapping):
    """What the archive knows, by (edition, article_id), each entry made a Known only when asked:
    an hourly run asks about the few hundred articles the site lists, not the 300,000 it holds."""

    def __init__(self, packed: dict[str, dict[int, str]], urls: dict[Key, str], others: dict[Key, Known]):
        self._packed = packed  # edition -> article_id -> the _PACKED columns joined by _SEPARATOR
        self._urls = urls  # the URL of each article a recheck may ask
        self._others = others  # whole Known tuples: URLs never an article, articles that do not pack

    @classmethod
    def of(cls, known: dict[Key, Known]) -> KnownArticles:
        """From whole Known tuples (tests)."""
        return cls({}, {key: held.url for key, held in known.items() if held.url}, dict(known))

    def __getitem__(self, key: Key) -> Known:
        held = self._others.get(key)
        if held is not None:
            return held
        edition, article_id = key
        values = [value or None for value in self._packed[edition][article_id].split(_SEPARATOR)]
        return Known(*values[:5], self._urls.get(key), *values[5:])

    def __contains__(self, key: object) -> bool:
        return key in self._others or (isinstance(key, tuple) and len(key) == 2
                                       and key[1] in self._packed.get(key[0], ()))

    def __iter__(self) -> Iterator[Key]:
        for edition, articles in self._packed.items():
            for article_id in articles:
                yield edition, article_id
        yield from self._others  # never packed too (known() leaves them out of _packed)

    def __len__(self) -> int:
        return sum(map(len, self._packed.values())) + len(self._others)

    def with_url(self) -> Iterator[tuple[Key, Known]]:
        """The articles holding their URL (those a recheck may ask), in key order."""
        for key in sorted(self._urls):
            yield key, self[key]


class KnownQueries(Tables):
    def known(self, urls_due_by: str | None = None) -> KnownArticles:
        """Every article the archive has met, by (edition, article_id): articles, and article URLs
        that were not articles (a «Страница не найдена» page), not fetched again until they change.
        Read from covering indexes (m6b), not from the article rows.

        With urls_due_by (an ISO instant), only articles due by then carry their URL (what a
        recheck asks): at 300,000 articles the URLs are a fifth of what a run holds in memory."""
        conn = self.db.conn
        packed = {}
        edition = ""
        # The editions, by skipping through the index (two or three steps, not 300,000 rows).
        while (edition := conn.execute("SELECT min(edition) FROM articles WHERE edition > ?",
                                       [edition]).fetchone()[0]) is not None:
            # One str a row (sqlite3 makes a Python object per column: 2.7 s at 300,000 rows for
            # whole tuples); KnownArticles unpacks the few a run asks about. printf writes NULL as
            # '' and is cheaper than coalesce and ||. char 31 never occurs in our timestamps or a
            # status; a site's value holding it or a NUL (a header, a lastmod) is read whole below.
            packed[sys.intern(edition)] = dict(conn.execute(
                f"SELECT article_id, printf('{_SEPARATOR.join(['%s'] * len(_PACKED))}', {', '.join(_PACKED)}) "
                "FROM articles INDEXED BY idx_articles_known_by_edition WHERE edition = ?", [edition]))
        urls = {(sys.intern(edition), article_id): url for edition, article_id, url in conn.execute(
            "SELECT edition, article_id, url FROM articles INDEXED BY idx_articles_known_by_edition "
            "WHERE url IS NOT NULL AND (:due IS NULL OR next_check_at IS NULL OR next_check_at <= :due)",
            {"due": urls_due_by})}
        # Articles with a value holding the separator or a NUL, read whole (m8r9: an index of the few).
        others = {}
        for edition, article_id, *values in conn.execute(
                f"SELECT edition, article_id, {', '.join(_PACKED)} FROM articles INDEXED BY idx_articles_unpackable "
                f"WHERE {_UNPACKABLE}"):
            key = (sys.intern(edition), article_id)
            del packed[key[0]][article_id]
            others[key] = Known(*values[:5], urls.get(key), *values[5:])
        for edition, article_id, fetched_at, status, misses in conn.execute(
                # SQLite's bare columns: status comes from the row holding max(fetched_at). Only
                # captures of non-articles (few) are read beyond the index.
                "SELECT edition, article_id, max(fetched_at), status, count(*) FROM captures AS c "
                "INDEXED BY idx_captures_edition_article_fetched WHERE article_id IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM articles INDEXED BY idx_articles_known_by_edition "
                "WHERE articles.edition = c.edition AND articles.article_id = c.article_id) "
                "GROUP BY edition, article_id"):
            others[(edition, article_id)] = Known(None, None, None, None, fetched_at, is_article=False,
                                                  misses=misses, gone=status in (404, 410))
        return KnownArticles(packed, urls, others)
