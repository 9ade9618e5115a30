"""The archive: every SQL statement of the project lives here.

The name is deliberate: this module is the code of the archive, and the `archive/` folder at the
top of the repository is where the archive lives (`archive/caravan.db`, the default) together with
Datasette's configuration for serving it (`datasette archive/`). One thing, seen as code and as data.

Tables: `articles` (the current version of each article), `revisions` (every distinct version),
`captures` (raw responses, never altered), `crawl_runs` (one row per run), and the full-text
index `articles_fts`. Schema changes are new migrations, never edits to old ones.

The record columns of `articles` and `revisions` are those of `record.Article`: a new field there needs a
migration here that adds its column to both tables (tests/test_record.py fails until it exists).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import sqlite_utils
from sqlite_utils.migrations import Migrations

from . import captures as capture_codec
from .record import FIELDS, JSON_FIELDS
from .schedule import DEFAULT_SCHEDULE, next_check, parse_schedule
from .revisions import Stored, content_hash, judge  # noqa: F401  content_hash: callers hash records from here
from .runlock import ArchiveLocked, RunLock  # ArchiveLocked: callers catch it from here
from .search import fts_query, lemmas_of, snippet
from .settings import CARAVAN_DB

DEFAULT_DB = CARAVAN_DB  # the one default, in settings.py (where `-s CARAVAN_DB=...` overrides it)


class OutdatedArchive(Exception):
    """A reader met an archive whose schema is older than this program's (readers never migrate)."""

migrations = Migrations("caravan")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    record = {"url": str, "language": str, "title": str, "lead": str, "body": str, "published_at": str,
              "modified_at": str, "category": str, "tags": str, "authors": str, "image_url": str,
              "image_credit": str, "views": int, "word_count": int}
    db["articles"].create(
        {"article_id": int, **record, "year": int, "layout": str, "parser_version": str, "content_hash": str,
         "first_seen_at": str, "fetched_at": str, "checked_at": str, "updated_at": str, "lastmod": str,
         "etag": str, "last_modified": str, "capture_id": int},
        pk="article_id",
    )
    db["articles"].create_index(["published_at"])
    db["articles"].create_index(["updated_at"])
    db["revisions"].create(
        {"revision_id": int, "article_id": int, "fetched_at": str, "content_hash": str, "capture_id": int,
         "parser_version": str, **record},
        pk="revision_id",
    )
    db["revisions"].create_index(["article_id", "fetched_at"])
    db["captures"].create(
        {"capture_id": int, "article_id": int, "url": str, "status": int, "content_type": str, "etag": str,
         "last_modified": str, "fetched_at": str, "sha256": str, "size": int, "compression": str,
         "body": bytes, "note": str, "run_id": int},
        pk="capture_id",
    )
    db["captures"].create_index(["article_id"])
    db["crawl_runs"].create(
        {"run_id": int, "started_at": str, "finished_at": str, "status": str, "pid": int, "base_url": str,
         "mode": str, "requests": int, "responses_by_status": str, "articles_new": int, "articles_updated": int,
         "articles_unchanged": int, "articles_failed": int, "not_articles": int, "bytes_downloaded": int,
         "errors_by_kind": str, "coverage": str, "message": str},
        pk="run_id",
    )
    # A standalone FTS5 index keyed by article_id: the readable text plus its Russian lemmas,
    # so a search for «миротворец» finds «миротворца» (see search.py).
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, lemmas, "
        "tokenize='unicode61 remove_diacritics 2')"
    )


@migrations()
def m002_captures_never_altered(db: sqlite_utils.Database) -> None:
    # A capture is the evidence behind every article row and revision: refuse to change it.
    db.execute("CREATE TRIGGER captures_never_altered BEFORE UPDATE ON captures "
               "BEGIN SELECT RAISE(ABORT, 'captures are never altered'); END")


@migrations()
def m2a_furniture(db: sqlite_utils.Database) -> None:
    # Lines an edition repeats on many pages (ticker, weather, menus, «В тренде» headlines), learned
    # from the captures by boilerplate.py and handed to the parser, which drops them on every layout.
    db["furniture"].create(
        {"edition": str, "line": str, "pages": int, "share": float, "window_start": str, "window_end": str,
         "window_pages": int, "min_share": float, "learned_at": str},
        pk=("edition", "line"),
    )


@migrations()
def m4a_search_index_on_articles(db: sqlite_utils.Database) -> None:
    # The index becomes an external-content table on `articles` (rowid = article_id), so that
    # Datasette and `sqlite-utils search caravan.db articles` find it; it indexes the lemmas
    # of title, lead and body column by column, so `_search_title=` searches the title.
    db.execute("DROP TABLE IF EXISTS articles_fts")
    db.execute(
        'CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, content="articles", '
        "content_rowid=\"article_id\", tokenize='unicode61 remove_diacritics 2')"
    )
    for row in db.query("SELECT article_id, title, lead, body FROM articles"):
        db.execute("INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)", index_entry(row))


def index_entry(row: dict) -> list:
    """What the index holds for an article: its doc_id (its article_id before m6a) and the lemmas
    of title, lead and body (Kazakh ones as written, see search.py)."""
    edition = row.get("edition") or "ru"
    return [row.get("doc_id", row["article_id"]), *(lemmas_of(row.get(k), edition) if row.get(k) is not None else None
                                                   for k in ("title", "lead", "body"))]


@migrations()
def m1a_crawl_problems(db: sqlite_utils.Database) -> None:
    # Each fetch that gave nothing to archive, once, by kind: what `runs` lists and what the
    # next run retries; also canonical conflicts and text held back as suspiciously short.
    db["crawl_problems"].create(
        {"problem_id": int, "run_id": int, "recorded_at": str, "source": str, "kind": str, "url": str,
         "article_id": int, "detail": str, "content_hash": str},
        pk="problem_id",
    )
    db["crawl_problems"].create_index(["run_id"])
    db["crawl_problems"].create_index(["article_id"])


@migrations()
def m5a_capture_dictionaries(db: sqlite_utils.Database) -> None:
    # Captures are stored with zstd and a dictionary trained on earlier captures (see captures.py);
    # each capture names its dictionary, NULL for gzip captures and those stored before the first.
    db["capture_dictionaries"].create(
        {"dictionary_id": int, "created_at": str, "captures": int, "samples": int, "size": int, "content": bytes},
        pk="dictionary_id",
    )
    db.execute("ALTER TABLE captures ADD COLUMN dictionary_id INTEGER REFERENCES capture_dictionaries(dictionary_id)")


@migrations()
def m5b_facet_indexes(db: sqlite_utils.Database) -> None:
    # Datasette's facets count these columns over the whole table; an article row spans a page
    # or more, so without an index a facet reads the whole table (2 s at 300,000 articles).
    for column in ("category", "language", "year"):
        db["articles"].create_index([column], if_not_exists=True)


@migrations()
def m5c_known_indexes(db: sqlite_utils.Database) -> None:
    # What an incremental run loads first (Archive.known): read from these covering indexes it
    # takes ~0.3 s at 300,000 articles; from the rows (a page or more each) it took 7 s.
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_known "
               "ON articles (article_id, lastmod, etag, last_modified, published_at, fetched_at)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_captures_article_fetched ON captures (article_id, fetched_at)")


@migrations()
def m6a_editions_and_the_life_of_articles(db: sqlite_utils.Database) -> None:
    """Articles keyed by (edition, article_id); status, unpublished_*, next_check_at; tables
    `views`, `status_changes` and `listings`. Rows of an archive made before are all of the
    Russian edition (the Kazakh one was never crawled) and live."""
    edition_of_url = "CASE WHEN url LIKE 'https://kaz.caravan.kz/%' THEN 'kk' ELSE 'ru' END"
    articles = db["articles"]
    for name, kind in (("edition", str), ("status", str), ("unpublished_at", str), ("unpublished_reason", str),
                       ("next_check_at", str), ("doc_id", int)):
        articles.add_column(name, kind)
    # doc_id is the rowid of the article in articles_fts, which was article_id until now.
    db.execute(f"UPDATE articles SET edition = {edition_of_url}, status = 'live', doc_id = article_id")
    steps = parse_schedule(DEFAULT_SCHEDULE)
    for row in list(db.query("SELECT article_id, published_at, first_seen_at, checked_at FROM articles")):
        due = next_check(row["checked_at"], row["published_at"] or row["first_seen_at"], steps)
        db.execute("UPDATE articles SET next_check_at = ? WHERE article_id = ?", [due, row["article_id"]])
    # The search index's rows are keyed by doc_id from now on (article_id is no longer unique).
    db.execute("DROP TABLE IF EXISTS articles_fts")
    articles.transform(pk=("edition", "article_id"), not_null={"edition", "status", "doc_id"})
    db.execute(
        'CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, content="articles", '
        "content_rowid=\"doc_id\", tokenize='unicode61 remove_diacritics 2')"
    )
    for row in list(db.query("SELECT doc_id, article_id, edition, title, lead, body FROM articles")):
        db.execute("INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)", index_entry(row))
    articles.create_index(["published_at"], if_not_exists=True)
    articles.create_index(["updated_at"], if_not_exists=True)
    articles.create_index(["doc_id"], unique=True, if_not_exists=True)
    articles.create_index(["next_check_at"], if_not_exists=True)

    revisions = db["revisions"]
    revisions.add_column("edition", str)
    revisions.add_column("status", str)
    db.execute(f"UPDATE revisions SET edition = {edition_of_url}, status = 'live'")
    revisions.create_index(["edition", "article_id", "fetched_at"])
    # captures may not be updated (m002): the column's default says what old rows were.
    db["captures"].add_column("edition", str, not_null_default="ru")
    db["captures"].create_index(["edition", "article_id"])
    for name in ("articles_unpublished", "articles_restored"):
        db["crawl_runs"].add_column(name, int)
    db["crawl_runs"].add_column("editions", str)

    # One row per fetch that saw a view count: how readership grows.
    db["views"].create({"edition": str, "article_id": int, "checked_at": str, "views": int, "run_id": int})
    db["views"].create_index(["edition", "article_id", "checked_at"])
    db.execute("INSERT INTO views (edition, article_id, checked_at, views) "
               "SELECT edition, article_id, fetched_at, views FROM articles WHERE views IS NOT NULL")
    # When an article went away (unpublished) and came back (restored): the gaps in its life.
    db["status_changes"].create(
        {"event_id": int, "edition": str, "article_id": int, "event": str, "at": str, "reason": str,
         "gap_started_at": str, "url": str, "run_id": int, "capture_id": int},
        pk="event_id",
    )
    db["status_changes"].create_index(["edition", "article_id", "at"])
    db["status_changes"].create_index(["at"])
    # Coverage: every post the site listed and what became of it; a state without a reason
    # (other than archived) cannot be stored.
    db.execute("""CREATE TABLE listings (
        edition TEXT NOT NULL, article_id INTEGER NOT NULL, url TEXT NOT NULL, sources TEXT NOT NULL,
        first_listed_at TEXT NOT NULL, last_listed_at TEXT NOT NULL, lastmod TEXT,
        state TEXT NOT NULL CHECK (state IN ('archived', 'not_article', 'failed', 'pending', 'unpublished')),
        reason TEXT CHECK ((state = 'archived') = (reason IS NULL)), state_at TEXT NOT NULL,
        PRIMARY KEY (edition, article_id))""")
    db["listings"].create_index(["state"])
    db.execute("INSERT INTO listings SELECT edition, article_id, url, 'archive', first_seen_at, first_seen_at, "
               "lastmod, 'archived', NULL, fetched_at FROM articles")
    db.execute("INSERT OR IGNORE INTO listings SELECT edition, article_id, url, 'archive', min(fetched_at), "
               "max(fetched_at), NULL, 'not_article', 'not an article when fetched', max(fetched_at) "
               "FROM captures WHERE article_id IS NOT NULL GROUP BY edition, article_id")


@migrations()
def m6b_known_indexes_by_edition(db: sqlite_utils.Database) -> None:
    # m5c's covering indexes, keyed as articles are since m6a: (edition, article_id), with the
    # schedule's columns, so Archive.known reads no article row.
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_known_by_edition ON articles (edition, article_id, "
               "lastmod, etag, last_modified, published_at, fetched_at, url, next_check_at, status)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_captures_edition_article_fetched "
               "ON captures (edition, article_id, fetched_at)")


@migrations()
def m7i_problems_by_edition(db: sqlite_utils.Database) -> None:
    # Post ids of the two editions may collide: a problem names its article by (edition, id) as
    # articles do. Rows recorded before were all of the Russian edition (m6a).
    db["crawl_problems"].add_column("edition", str, not_null_default="ru")
    db["crawl_problems"].create_index(["edition", "article_id"])
    # m5c's indexes are keyed by article_id alone; since m6b every reader goes through
    # (edition, article_id), so they only cost writes.
    db.execute("DROP INDEX IF EXISTS idx_articles_known")
    db.execute("DROP INDEX IF EXISTS idx_captures_article_fetched")


@migrations()
def m7s_status_facet_index(db: sqlite_utils.Database) -> None:
    # The articles page's status facet counts the whole table: without an index it reads every
    # row to its last column (0.3 s at 300,000 articles; 0.1 s from the index). edition is the
    # primary key's first column, counted from that index already.
    db["articles"].create_index(["status"], if_not_exists=True)


@migrations()
def m7p_captures_stored_again(db: sqlite_utils.Database) -> None:
    # A capture's bytes as fetched are never altered, but how they are stored may improve: early
    # captures are stored again with a better dictionary (Archive.compact_captures). Only body,
    # compression and dictionary_id may change, and only to zstd with a dictionary.
    db.execute("DROP TRIGGER IF EXISTS captures_never_altered")
    kept = ("capture_id", "edition", "article_id", "url", "status", "content_type", "etag", "last_modified",
            "fetched_at", "sha256", "size", "note", "run_id")
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in kept)
    db.execute(f"CREATE TRIGGER captures_never_altered BEFORE UPDATE ON captures WHEN {changed} "
               "OR NEW.compression IS NOT 'zstd' OR NEW.dictionary_id IS NULL "
               "BEGIN SELECT RAISE(ABORT, 'captures are never altered'); END")
    # Which captures an early dictionary holds, read without reading the captures (a page each).
    db["captures"].create_index(["dictionary_id"], if_not_exists=True)


@migrations()
def m8i_search_sorted_by_date_from_the_index(db: sqlite_utils.Database) -> None:
    # A table search (Datasette: `doc_id IN (matches) ORDER BY published_at DESC`) sorted every
    # match reading published_at from its row, past the body's overflow pages: a word in most of
    # 300,000 articles ran into the 3 s time limit. With published_at in the doc_id index the sort
    # reads no row (0.3 s). Its uniqueness moves to a trigger: doc_id is the search index's rowid.
    db.execute("DROP INDEX IF EXISTS idx_articles_doc_id")
    db.execute("CREATE INDEX idx_articles_doc_id_published ON articles (doc_id, published_at)")
    for event in ("INSERT", "UPDATE OF doc_id"):
        db.execute(f"CREATE TRIGGER articles_doc_id_unique_{event.split()[0].lower()} BEFORE {event} ON articles "
                   "WHEN EXISTS (SELECT 1 FROM articles WHERE doc_id = NEW.doc_id AND rowid IS NOT NEW.rowid) "
                   "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: articles.doc_id'); END")


@migrations()
def m8j_articles_newest_first_from_the_index(db: sqlite_utils.Database) -> None:
    # The articles list is newest first, then (edition, article_id) on later pages (Datasette's
    # cursor): in this order from the index, a later page and a search walking the dates (the
    # reading room's filters_from_request) read 21 rows, not every article (3 s time limit at
    # 300,000). doc_id is there for the search index, asked about each article walked.
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_newest ON articles "
               "(published_at DESC, edition, article_id, doc_id)")


@migrations()
def m8r9_articles_whose_values_hold_the_packing_separator(db: sqlite_utils.Database) -> None:
    # Archive.known packs an article's columns into one str by printf, char 31 between them. A
    # site's values may hold char 31 (a header byte 0x1f, a sitemap's &#31;) or a NUL (where printf
    # ends a value): those few rows are read whole instead, found by this index (nearly always
    # empty) without scanning the others.
    db.execute("CREATE INDEX idx_articles_unpackable ON articles (edition, article_id) WHERE "
               "instr(lastmod, char(31)) OR instr(etag, char(31)) OR instr(last_modified, char(31)) "
               "OR instr(published_at, char(31)) OR instr(lastmod, char(0)) OR instr(etag, char(0)) "
               "OR instr(last_modified, char(0)) OR instr(published_at, char(0))")


@migrations()
def m9l_capture_lines(db: sqlite_utils.Database) -> None:
    # The lines of each capture that furniture learning counts (boilerplate.py), as hashes: made
    # by the parse that stored the capture, so that learning reads them instead of parsing every
    # page of its window again every run. A cache of the window's captures only (learning drops
    # older rows): `version` is the parser's LINES_MADE_BY, and missing or other rows are made
    # again from the capture.
    db["capture_lines"].create({"capture_id": int, "version": int, "hashes": bytes}, pk="capture_id",
                               foreign_keys=[("capture_id", "captures", "capture_id")],
                               not_null={"version", "hashes"})


@migrations()
def m20w_capture_location(db: sqlite_utils.Database) -> None:
    # A redirect's answer is its status and where it points: a capture keeps its Location header as
    # received (a WARC export wrote `302 OK` without it, a replay tool could not follow it). NULL for
    # captures stored before. m7p's trigger names every column that never changes: this one too.
    db["captures"].add_column("location", str)
    db.execute("DROP TRIGGER IF EXISTS captures_never_altered")
    kept = ("capture_id", "edition", "article_id", "url", "status", "content_type", "etag", "last_modified",
            "fetched_at", "sha256", "size", "note", "run_id", "location")
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in kept)
    db.execute(f"CREATE TRIGGER captures_never_altered BEFORE UPDATE ON captures WHEN {changed} "
               "OR NEW.compression IS NOT 'zstd' OR NEW.dictionary_id IS NULL "
               "BEGIN SELECT RAISE(ABORT, 'captures are never altered'); END")


@migrations()
def m23i_the_archives_past(db: sqlite_utils.Database) -> None:
    # Captures imported from web archives (issue 23: import-warc, import-wayback): every capture,
    # revision and article row says where it came from (`source`: crawl, warc or wayback; what was
    # there before is the crawl's), a capture also which file record or archive address
    # (`source_ref`). m20w's trigger names every column that never changes: these too.
    for table in ("captures", "revisions", "articles"):
        db[table].add_column("source", str, not_null_default="crawl")
    db["captures"].add_column("source_ref", str)
    db.execute("DROP TRIGGER IF EXISTS captures_never_altered")
    kept = ("capture_id", "edition", "article_id", "url", "status", "content_type", "etag", "last_modified",
            "fetched_at", "sha256", "size", "note", "run_id", "location", "source", "source_ref")
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in kept)
    db.execute(f"CREATE TRIGGER captures_never_altered BEFORE UPDATE ON captures WHEN {changed} "
               "OR NEW.compression IS NOT 'zstd' OR NEW.dictionary_id IS NULL "
               "BEGIN SELECT RAISE(ABORT, 'captures are never altered'); END")
    # import-wayback's work list, kept in the archive so that a killed import resumes where it was:
    # one row per capture the CDX server listed (by original URL and 14-digit timestamp).
    db.execute("""CREATE TABLE wayback_captures (
        url TEXT NOT NULL, timestamp TEXT NOT NULL, edition TEXT NOT NULL, article_id INTEGER NOT NULL,
        digest TEXT, cdx TEXT NOT NULL, listed_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL CHECK (state IN ('pending', 'imported', 'skipped', 'failed')), detail TEXT,
        state_at TEXT NOT NULL, PRIMARY KEY (url, timestamp))""")
    db["wayback_captures"].create_index(["state"])


ARCHIVE_TABLES = {"articles", "revisions", "captures", "crawl_runs"}


class NotAnArchive(Exception):
    """The file exists but is not a caravan-archive database."""


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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


Key = tuple[str, int]  # (edition, article_id): the two editions number their posts independently

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
STATES = ("archived", "not_article", "failed", "pending", "unpublished")


@dataclass(frozen=True)
class Capture:
    """One response to an article URL as the archive keeps it, whatever the parser made of it."""

    url: str
    status: int
    fetched_at: str  # UTC, ISO 8601
    body: bytes = field(repr=False)  # decoded from gzip/br by Scrapy; never in a repr (logs hold no page bytes)
    article_id: int | None = None
    edition: str = "ru"  # the edition the article belongs to (post ids are per edition)
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # of body, when the parse worker has made it already
    run_id: int | None = None
    note: str | None = None
    lines: CaptureLines | None = None  # the page's lines as learning counts them, when the parse made them
    location: str | None = None  # a redirect's Location header, as received
    source: str = "crawl"  # where it came from: crawl, warc or wayback (an import of the archive's past)
    source_ref: str | None = None  # an import's record: file and offset, or the web archive's address


class CaptureLines(NamedTuple):
    """A page's lines that furniture learning counts, as parsing.furniture.line_hashes() stores them."""

    version: int  # parsing.furniture.LINES_MADE_BY where they were made
    hashes: bytes


class Compacted(NamedTuple):
    """What Archive.compact_captures did: captures stored again, their bytes before and after,
    the dictionary they use now, and captures left as they were because they do not match their digest."""

    captures: int
    before: int
    after: int
    dictionary_id: int | None
    damaged: int


@dataclass(frozen=True)
class CrawlRun:
    """A crawl_runs row: how a run ended and what it did (counts as stored, None while running)."""

    run_id: int
    status: str
    message: str | None
    started_at: str | None
    finished_at: str | None
    base_url: str | None
    mode: str | None
    requests: int | None
    articles_new: int | None
    articles_updated: int | None
    articles_unchanged: int | None
    articles_failed: int | None
    not_articles: int | None
    articles_unpublished: int | None = None
    articles_restored: int | None = None
    editions: str | None = None  # the editions crawled, e.g. "ru,kk"


@dataclass
class Rebuilt:
    """An article re-extracted from its captures, ready to write (Archive.write_rebuilt); made
    where its pages were parsed, so the one writer only runs SQL."""

    key: Key
    revisions: list[dict]  # rows for `revisions`, oldest first
    row: dict | None  # the article's new row; None when no capture parses as an article any more
    doc_id: int | None  # the article's doc_id when the archive holds it, else None (a new one is made)
    status: str | None  # its status when held (reextract keeps it)
    row_changed: bool  # a reader sees a difference: updated_at moves
    unindex: list | None  # the index entry to remove (doc_id + lemmas); None: none, or it stays
    index: list | None  # the lemmas of title, lead and body to index; None: the entry stays as it is
    # Why the article is kept as stored (nothing written): a capture its row or a revision was made
    # from is no article to this parser. Re-extraction never deletes what the archive holds.
    kept: str | None = None


def _insert_sql(table: str, row: dict) -> tuple[str, list]:
    return (f"INSERT INTO {table} ({', '.join(f'[{c}]' for c in row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()))


def plan_rebuild(key: Key, versions: list[tuple[dict, dict, str]], base: dict | None,
                 parser_version: str) -> Rebuilt:
    """What re-extracting an article changes, without SQL (so a worker process makes it): its
    revisions (each version against the one before, as a crawl judges them), its row, and its
    search index entry, lemmatised only when title, lead or body changed. `versions` are
    (capture, record, layout), oldest first; `base` is Archive.rebuild_base(key)."""
    revisions, stored = [], None
    for capture, record, _ in versions:
        change = judge(stored, record)
        if change.new_revision:
            revisions.append(Archive._revision(Archive._row(record), capture["fetched_at"], change.content_hash,
                                               capture["capture_id"], parser_version, capture.get("source", "crawl")))
        stored = Stored(change.content_hash, record["views"])
    held = base is not None
    doc_id, status = (base["doc_id"], base["status"]) if held else (None, None)
    if not versions:  # nothing to write; a held article is kept as stored
        return Rebuilt(key, [], None, doc_id, status, False, None, None,
                       kept="no capture of it parses as an article" if held else None)
    capture, record, layout = versions[-1]
    change = judge(Stored(base["content_hash"], base["views"]) if held else None, record)
    row = {**Archive._row(record), "content_hash": change.content_hash, "layout": layout,
           "parser_version": parser_version, "fetched_at": capture["fetched_at"], "capture_id": capture["capture_id"],
           "source": capture.get("source", "crawl")}
    if not held:
        row.update(first_seen_at=versions[0][0]["fetched_at"], checked_at=capture["fetched_at"],
                   etag=capture["etag"], last_modified=capture["last_modified"])
    if held and all(base[name] == record[name] for name in ("title", "lead", "body")):
        unindex = index = None  # the same text: the same lemmas are indexed already
    else:
        unindex = index_entry(base) if held else None
        index = index_entry({**record, "doc_id": None})[1:]
    return Rebuilt(key, revisions, row, doc_id, status, change.row_changed, unindex, index)


class Archive:
    """The one place for SQL. The run lock (runlock.py) and the revision policy (revisions.py) live
    in their own modules; this class asks them and reads and writes the tables.

    create=False: the file must exist already; read_only=True: opened with SQLite's mode=ro,
    never migrated nor switched to WAL (readers never write)."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB, create: bool = True, read_only: bool = False):
        self.path = Path(path)
        self.lock = RunLock(self.path)
        if (read_only or not create) and not self.path.exists():
            raise FileNotFoundError(f"{self.path} does not exist: run `caravan-archive crawl --db {self.path}` first")
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"{self.path.parent} is not a directory: create it first")
        try:
            if read_only:
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            else:
                conn = sqlite3.connect(self.path, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            tables = set(self.db.table_names())
        except sqlite3.OperationalError as error:
            raise NotAnArchive(f"{self.path} cannot be opened ({error})") from None
        except sqlite3.DatabaseError as error:
            raise NotAnArchive(f"{self.path} is not a caravan-archive database ({error})") from None
        if (read_only or not create or tables) and not ARCHIVE_TABLES <= tables:
            self.db.close()
            raise NotAnArchive(f"{self.path} is not a caravan-archive database (it has no "
                               f"{', '.join(sorted(ARCHIVE_TABLES - tables))} table)")
        self.db.execute("PRAGMA busy_timeout=10000")
        if read_only and migrations.pending(self.db):
            self.db.close()
            raise OutdatedArchive(f"{self.path} was made by an older caravan-archive: run "
                                  f"`caravan-archive crawl --db {self.path}` once to upgrade it")
        if not read_only:
            self.db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses
            # nothing committed; a power loss may lose the last commits (never corrupts the file),
            # and the next run fetches those pages again.
            self.db.execute("PRAGMA synchronous=NORMAL")
            migrations.apply(self.db)
        self.schedule = parse_schedule(DEFAULT_SCHEDULE)  # the pipeline sets CARAVAN_RECHECK_SCHEDULE's
        self._dictionaries: dict[int, capture_codec.zstd.ZstdDict] = {}
        self._writing: tuple[int | None, int | None, int] | None = None  # (dictionary id, trained at, captures)
        self._train_again_at = 0  # captures before training is tried again, after one found too few samples

    def close(self) -> None:
        self.release()
        if hasattr(self, "db"):
            self.db.close()

    # --- one run at a time ----------------------------------------------------------------
    def acquire(self, run_id: int | None = None) -> None:
        """Take the archive's run lock (runlock.py), or raise ArchiveLocked naming its holder."""
        self.lock.acquire(run_id)

    def release(self) -> None:
        self.lock.release()

    def check_writable(self) -> None:
        """Take SQLite's write lock and let it go: raises sqlite3.OperationalError (database is
        locked) when another process keeps writing longer than busy_timeout."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("ROLLBACK")

    # --- crawl runs ---------------------------------------------------------------------------
    def begin_run(self, base_url: str, mode: str, editions: str | None = None) -> int:
        with self.db.atomic():
            # A run still marked running was killed: nobody holds the lock we now hold.
            self.db.execute(
                "UPDATE crawl_runs SET status = 'killed', message = 'the process ended without finishing the run' "
                "WHERE status = 'running'"
            )
            table = self.db["crawl_runs"]
            table.insert({"started_at": utcnow(), "status": "running", "pid": os.getpid(), "base_url": base_url,
                          "mode": mode, "editions": editions})
            run_id = table.last_pk
        self.lock.name_run(run_id)
        return run_id

    def finish_run(self, run_id: int, status: str, figures: dict) -> None:
        row = {"finished_at": utcnow(), "status": status}
        for key, value in figures.items():
            row[key] = json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else value
        with self.db.atomic():
            # What the run did to the life of articles, from the events it recorded.
            for event, column in (("unpublished", "articles_unpublished"), ("restored", "articles_restored")):
                row[column] = next(self.db.query("SELECT count(*) AS n FROM status_changes WHERE run_id = ? "
                                                 "AND event = ?", [run_id, event]))["n"]
            self.db["crawl_runs"].update(run_id, row)

    def run(self, run_id: int) -> CrawlRun:
        """One run as its crawl_runs row tells it; KeyError when there is no such run."""
        row = next(self.db.query("SELECT * FROM crawl_runs WHERE run_id = ?", [run_id]), None)
        if row is None:
            raise KeyError(f"no crawl run {run_id} in {self.path}")
        return CrawlRun(**{name: row[name] for name in CrawlRun.__dataclass_fields__})

    # crawl_runs columns that hold JSON objects (finish_run writes them), decoded for --json output.
    RUN_JSON_COLUMNS = ("responses_by_status", "errors_by_kind", "coverage")

    def runs(self, limit: int = 10) -> list[dict]:
        return list(self.db.query("SELECT * FROM crawl_runs ORDER BY run_id DESC LIMIT ?", [limit]))

    # --- what an incremental crawl needs -----------------------------------------------------
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

    # --- coverage: what the site listed --------------------------------------------------------
    def record_listed(self, entries: list[tuple[str, int, str, str | None]], source: str, at: str) -> None:
        """Posts the site listed (edition, article_id, canonical url, lastmod) in one source
        (sitemap, feed, listing); a new one starts in the state the archive already explains.
        The URL is the one last listed: a renamed article's slug changes, its id does not."""
        with self.db.atomic():
            self.db.conn.executemany(
                """INSERT INTO listings (edition, article_id, url, sources, first_listed_at, last_listed_at, lastmod,
                                         state, reason, state_at)
                SELECT :edition, :article_id, :url, :source, :at, :at, :lastmod,
                       coalesce(CASE a.status WHEN 'live' THEN 'archived' WHEN 'unknown' THEN 'archived'
                                              WHEN 'unpublished' THEN 'unpublished' END,
                                CASE WHEN c.n THEN 'not_article' END, 'pending'),
                       CASE WHEN a.status IN ('live', 'unknown') THEN NULL
                            WHEN a.status = 'unpublished' THEN a.unpublished_reason
                            WHEN c.n THEN 'not an article when last fetched' ELSE 'listed; not fetched yet' END, :at
                FROM (SELECT 1) LEFT JOIN articles AS a ON a.edition = :edition AND a.article_id = :article_id
                LEFT JOIN (SELECT count(*) AS n FROM captures WHERE edition = :edition AND article_id = :article_id) AS c
                ON 1
                WHERE true
                ON CONFLICT (edition, article_id) DO UPDATE SET last_listed_at = :at, url = :url,
                    lastmod = coalesce(:lastmod, lastmod),
                    sources = CASE WHEN instr(',' || sources || ',', ',' || :source || ',') THEN sources
                                   ELSE sources || ',' || :source END""",
                [{"edition": e, "article_id": i, "url": u, "lastmod": m, "source": source, "at": at}
                 for e, i, u, m in entries])

    def listing_state(self, edition: str, article_id: int, state: str, reason: str | None, at: str) -> None:
        """What became of a listed post that the archive does not hold as an article (a held
        article stays archived or unpublished whatever one failed fetch says); a post never
        listed has no row to update."""
        with self.db.atomic():
            if self._article_row((edition, article_id), "1") is None:
                self._listing_state(edition, article_id, state, reason, at)

    def _listing_state(self, edition: str, article_id: int, state: str, reason: str | None, at: str) -> None:
        self.db.execute("UPDATE listings SET state = ?, reason = ?, state_at = ? WHERE edition = ? AND article_id = ?",
                        [state, None if state == "archived" else reason, at, edition, article_id])

    def coverage(self, edition: str | None = None) -> Iterator[dict]:
        """Every listed post with its state and reason, by edition and id."""
        sql = ("SELECT article_id, edition, url, state, reason, sources, first_listed_at, last_listed_at, state_at "
               "FROM listings" + (" WHERE edition = ?" if edition else "") + " ORDER BY edition, article_id")
        yield from self.db.query(sql, [edition] if edition else [])

    def coverage_summary(self) -> list[dict]:
        return list(self.db.query("SELECT edition, state, count(*) AS posts FROM listings "
                                  "GROUP BY edition, state ORDER BY edition, state"))

    def record_problem(self, run_id: int | None, source: str, kind: str, url: str, article_id: int | None,
                       detail: str, content_hash: str | None = None, edition: str = "ru") -> None:
        with self.db.atomic():
            self.db["crawl_problems"].insert({
                "run_id": run_id, "recorded_at": utcnow(), "source": source, "kind": kind, "url": url,
                "edition": edition, "article_id": article_id, "detail": detail, "content_hash": content_hash})

    def problems(self, run_id: int) -> list[dict]:
        if "crawl_problems" not in self.db.table_names():  # an archive older than m1a, opened read-only
            return []
        return list(self.db.query("SELECT * FROM crawl_problems WHERE run_id = ? ORDER BY problem_id", [run_id]))

    def held_words(self, article_id: int, edition: str = "ru") -> int | None:
        """Words of the archived text of an article, or None when it is not held."""
        row = self._article_row((edition, article_id), "word_count")
        return row["word_count"] if row else None

    def was_held_back(self, article_id: int, digest: str, edition: str = "ru") -> bool:
        """True when this very text was held back before: seen twice, a shortening is real."""
        return bool(next(self.db.query(
            "SELECT 1 FROM crawl_problems WHERE edition = ? AND article_id = ? AND kind = 'much_shorter' "
            "AND content_hash = ?", [edition, article_id, digest]), None))

    # --- storing --------------------------------------------------------------------------------
    def holds_capture(self, edition: str, article_id: int, fetched_at: str, sha256: str) -> bool:
        """Whether the archive holds this very capture already (an import of it again is skipped)."""
        return self.db.conn.execute(
            "SELECT 1 FROM captures INDEXED BY idx_captures_edition_article_fetched WHERE edition = ? AND "
            "article_id = ? AND fetched_at = ? AND sha256 = ?", [edition, article_id, fetched_at, sha256]).fetchone() \
            is not None

    def store(self, capture: Capture, record: dict | None, layout: str | None, parser_version: str,
              lastmod: str | None, entry: list | None = None) -> str:
        """Store one fetched article page in one transaction: its capture, and when it parsed,
        the article row, a revision if the content changed, the views seen, and the search index.

        Returns what happened: "new", "updated", "unchanged", "older" (a capture older than the row, an
        import's: placed among the revisions, see _store_older) or "not-article". The record's
        search index `entry` (see index_entry()) may come precomputed by a parse worker.
        """
        lemmas = None
        if record is not None and judge(self._stored((record["edition"], record["article_id"])), record).new_revision:
            # pymorphy3 is the slow part of storing: done before the write transaction, not inside it.
            lemmas = self._index_entries(record, entry)
        try:
            with self.db.atomic():
                capture_id = self._insert_capture(capture)
                if record is None:
                    return "not-article"
                return self._upsert_article(record, capture, capture_id, layout, parser_version, lastmod, lemmas)
        except BaseException:
            # A dictionary trained in the rolled-back transaction is gone: read the state again.
            self._writing = None
            self._dictionaries.clear()
            raise

    def _insert_capture(self, capture: Capture) -> int:
        body = capture.body
        dictionary_id = self._dictionary_for_next(body)
        cursor = self.db.conn.execute(*_insert_sql("captures", {
            "edition": capture.edition,
            "article_id": capture.article_id, "url": capture.url, "status": capture.status,
            "content_type": capture.content_type, "etag": capture.etag,
            "last_modified": capture.last_modified, "fetched_at": capture.fetched_at,
            "sha256": capture.sha256 or hashlib.sha256(body).hexdigest(), "size": len(body),
            "compression": "zstd", "dictionary_id": dictionary_id,
            "body": capture_codec.compress(body, self._dictionary(dictionary_id)), "note": capture.note,
            "run_id": capture.run_id, "location": capture.location, "source": capture.source,
            "source_ref": capture.source_ref,
        }))
        self._writing = (self._writing[0], self._writing[1], self._writing[2] + 1)
        if capture.lines is not None:
            self.db.conn.execute("INSERT INTO capture_lines (capture_id, version, hashes) VALUES (?, ?, ?)",
                                 [cursor.lastrowid, capture.lines.version, capture.lines.hashes])
        return cursor.lastrowid

    def _dictionary_for_next(self, body: bytes) -> int | None:
        """The dictionary the next capture is stored with; trains a new one when due (inside
        the caller's transaction, so a killed run leaves no half-made dictionary)."""
        if self._writing is None:
            current = next(self.db.query("SELECT dictionary_id, captures FROM capture_dictionaries "
                                         "ORDER BY dictionary_id DESC LIMIT 1"), None)
            count = next(self.db.query("SELECT count(*) AS n FROM captures"))["n"]
            self._writing = (current and current["dictionary_id"], current and current["captures"], count)
        dictionary_id, trained_at, count = self._writing
        if capture_codec.due(count + 1, trained_at) and count + 1 >= self._train_again_at:
            samples = capture_codec.samples(itertools.chain([body], self._newest_bodies()))
            content = capture_codec.train(samples)
            if content is None:  # too few pages to learn from yet: tried again once the archive has doubled
                self._train_again_at = 2 * (count + 1)
                return dictionary_id
            table = self.db["capture_dictionaries"]
            table.insert({"created_at": utcnow(), "captures": count + 1, "samples": len(samples),
                          "size": len(content), "content": content})
            dictionary_id = table.last_pk
            self._dictionaries[dictionary_id] = capture_codec.load(content)
            self._writing = (dictionary_id, count + 1, count)
        return dictionary_id

    def _newest_bodies(self) -> Iterator[bytes]:
        """Capture bodies as fetched, newest first, read one at a time (what dictionaries learn from;
        a damaged one is no sample, and compaction counts it)."""
        ids = [capture_id for (capture_id,) in self.db.conn.execute(
            "SELECT capture_id FROM captures ORDER BY capture_id DESC LIMIT ?", [capture_codec.MAX_SAMPLES])]
        for capture_id in ids:
            with contextlib.suppress(capture_codec.CaptureFormatError):
                yield self.decompress_capture(next(self.db.query(
                    "SELECT compression, dictionary_id, body FROM captures WHERE capture_id = ?", [capture_id])))

    def _dictionary(self, dictionary_id: int | None):
        if dictionary_id is None:
            return None
        if dictionary_id not in self._dictionaries:
            row = next(self.db.query("SELECT content FROM capture_dictionaries WHERE dictionary_id = ?",
                                     [dictionary_id]), None)
            if row is None:
                raise capture_codec.CaptureFormatError(
                    f"capture dictionary {dictionary_id} is missing from {self.path}; the archive is damaged")
            try:
                self._dictionaries[dictionary_id] = capture_codec.load(row["content"])
            except ValueError as error:  # its bytes are no zstd dictionary: damage, like a cut capture
                raise capture_codec.CaptureFormatError(
                    f"capture dictionary {dictionary_id} cannot be read ({error}); the archive is damaged: "
                    "restore it from a backup") from None
        return self._dictionaries[dictionary_id]

    def compact_captures(self, limit: int = capture_codec.COMPACT_PER_RUN, batch: int = 200) -> Compacted:
        """Store again, with a dictionary trained on the archive as it now is, the captures stored
        before it had a good one (none, gzip, or one trained on fewer than EARLY_SAMPLES pages):
        what a run does at its end. Each capture's bytes are checked against its sha256 and the new
        form is read back before it replaces the old, a few hundred per transaction (a run killed
        midway leaves every capture readable); dictionaries no capture needs any more are dropped."""
        early_ids = [capture_id for (capture_id,) in self.db.conn.execute(
            "SELECT capture_id FROM captures WHERE dictionary_id IS NULL OR dictionary_id IN "
            "(SELECT dictionary_id FROM capture_dictionaries WHERE samples < ?) ORDER BY capture_id LIMIT ?",
            [capture_codec.EARLY_SAMPLES, limit])]
        target = self._compaction_dictionary() if early_ids else None
        if target is None:
            return Compacted(0, 0, 0, None, 0)
        dictionary = self._dictionary(target)
        done = before = after = damaged = 0
        for at in range(0, len(early_ids), batch):
            chunk = early_ids[at:at + batch]
            updates = []
            for row in self.db.query(f"SELECT capture_id, compression, dictionary_id, body, sha256 FROM captures "
                                     f"WHERE capture_id IN ({', '.join('?' * len(chunk))}) AND "
                                     f"dictionary_id IS NOT ?", [*chunk, target]):
                try:
                    body = self.decompress_capture(row)
                except capture_codec.CaptureFormatError:
                    damaged += 1  # unreadable: left as stored, counted as damaged
                    continue
                if row["sha256"] and hashlib.sha256(body).hexdigest() != row["sha256"]:
                    damaged += 1  # never re-store what does not match its digest
                    continue
                stored = capture_codec.compress(body, dictionary)
                if capture_codec.decompress_capture("zstd", stored, dictionary) != body:
                    damaged += 1
                    continue
                updates.append((stored, target, row["capture_id"]))
                before, after = before + len(row["body"]), after + len(stored)
            with self.db.atomic():
                self.db.conn.executemany("UPDATE captures SET compression = 'zstd', dictionary_id = ?, body = ? "
                                         "WHERE capture_id = ?", [(d, b, i) for b, d, i in updates])
            done += len(updates)
        with self.db.atomic():
            self.db.execute("DELETE FROM capture_dictionaries WHERE dictionary_id < ? AND NOT EXISTS "
                            "(SELECT 1 FROM captures WHERE captures.dictionary_id = capture_dictionaries.dictionary_id)",
                            [target])
        self._writing = None  # the next capture asks again which dictionary is current
        return Compacted(done, before, after, target, damaged)

    def _compaction_dictionary(self) -> int | None:
        """The dictionary early captures are stored again with: the newest when it was trained on
        EARLY_SAMPLES pages or on every capture the archive holds, else a new one trained on the
        newest captures (None while the archive holds fewer than TRAIN_FIRST)."""
        newest = next(self.db.query("SELECT dictionary_id, captures, samples FROM capture_dictionaries "
                                    "ORDER BY dictionary_id DESC LIMIT 1"), None)
        count = next(self.db.query("SELECT count(*) AS n FROM captures"))["n"]
        if newest and (newest["samples"] >= capture_codec.EARLY_SAMPLES or newest["captures"] >= count):
            return newest["dictionary_id"]
        if count < capture_codec.TRAIN_FIRST:
            return None
        samples = capture_codec.samples(self._newest_bodies())
        content = capture_codec.train(samples)
        if content is None:  # too few pages to learn from: the early captures stay as they are
            return newest and newest["dictionary_id"]
        with self.db.atomic():
            table = self.db["capture_dictionaries"]
            table.insert({"created_at": utcnow(), "captures": count, "samples": len(samples), "size": len(content),
                          "content": content})
        self._dictionaries[table.last_pk] = capture_codec.load(content)
        return table.last_pk

    def decompress_capture(self, capture: dict) -> bytes:
        """A stored capture's body as fetched (every reader of captures goes through here)."""
        try:
            return capture_codec.decompress_capture(capture["compression"], capture["body"],
                                                    self._dictionary(capture.get("dictionary_id")))
        except capture_codec.CaptureFormatError as error:
            which = f"capture {capture['capture_id']}" if capture.get("capture_id") else "a capture"
            raise capture_codec.CaptureFormatError(f"{which} in {self.path}: {error}") from None

    @staticmethod
    def _row(record: dict) -> dict:
        """A record as stored: lists as JSON text, plus the year for facets."""
        row = {k: (json.dumps(v, ensure_ascii=False) if k in JSON_FIELDS and v is not None else v)
               for k, v in record.items()}
        row["year"] = int(record["published_at"][:4]) if record.get("published_at") else None
        return row

    def _insert_revision(self, row: dict, fetched_at: str, digest: str, capture_id: int, parser_version: str,
                         source: str = "crawl"):
        self.db.conn.execute(*_insert_sql("revisions", self._revision(row, fetched_at, digest, capture_id,
                                                                      parser_version, source)))

    @staticmethod
    def _revision(row: dict, fetched_at: str, digest: str, capture_id: int, parser_version: str,
                  source: str = "crawl") -> dict:
        """A `revisions` row: an article row's record columns (no year) and where they came from."""
        revision = {k: v for k, v in row.items() if k != "year"}
        return {**revision, "status": "live", "fetched_at": fetched_at, "content_hash": digest,
                "capture_id": capture_id, "parser_version": parser_version, "source": source}

    def _article_row(self, key: Key, columns: str = "*") -> dict | None:
        return next(self.db.query(f"SELECT {columns} FROM articles WHERE edition = ? AND article_id = ?", list(key)),
                    None)

    def _stored(self, key: Key) -> Stored | None:
        row = self._article_row(key, "content_hash, views")
        return Stored(row["content_hash"], row["views"]) if row else None

    def _new_doc_id(self) -> int:
        # doc_id is also the article's rowid, given on insert: Datasette's `_search_<column>=`
        # filters match the search index's rowid against the table's rowid, not against fts_pk.
        return next(self.db.query("SELECT coalesce(max(doc_id), 0) + 1 AS n FROM articles"))["n"]

    def _next_check(self, checked_at: str, born: str | None) -> str:
        return next_check(checked_at, born, self.schedule)

    def _upsert_article(self, record: dict, capture: Capture, capture_id: int, layout: str | None,
                        parser_version: str, lastmod: str | None, lemmas: tuple | None = None) -> str:
        fetched_at = capture.fetched_at
        key = (record["edition"], record["article_id"])
        row = self._row(record)
        existing = self._article_row(key, "content_hash, views, first_seen_at, doc_id, status, unpublished_at, "
                                          "unpublished_reason, url, lastmod, fetched_at")
        if existing and capture.source != "crawl" and fetched_at < existing["fetched_at"]:  # an import of the past
            return self._store_older(key, record, capture, capture_id, parser_version)
        change = judge(Stored(existing["content_hash"], existing["views"]) if existing else None, record)
        first_seen = existing["first_seen_at"] if existing else fetched_at
        lastmod = (self._answered_lastmod(key, lastmod, existing["lastmod"] if existing else None)
                   if capture.source == "crawl" else existing and existing["lastmod"])  # an import answers no sitemap
        bookkeeping = {"fetched_at": fetched_at, "checked_at": fetched_at, "lastmod": lastmod,
                       "etag": capture.etag, "last_modified": capture.last_modified,
                       "capture_id": capture_id, "layout": layout, "parser_version": parser_version,
                       "next_check_at": self._next_check(fetched_at, record.get("published_at") or first_seen)}
        if record.get("views") is not None:
            self.db.conn.execute(*_insert_sql("views", {"edition": key[0], "article_id": key[1],
                                                        "checked_at": fetched_at, "views": record["views"],
                                                        "run_id": capture.run_id}))
        self._listing_state(*key, "archived", None, fetched_at)
        crawled = capture.source == "crawl"
        if crawled and existing and existing["status"] == "unpublished":
            self._restore(key, existing, fetched_at, capture.run_id, capture_id)
        # The site's own answer says live; an import says nothing of the site today (unknown until
        # a crawl asks, see import-warc in the README), nor undoes what a crawl found.
        status = "live" if crawled else (existing["status"] if existing else "unknown")
        if not change.new_revision:
            changes = {**bookkeeping, "views": record["views"], "modified_at": record["modified_at"],
                       "status": status}
            if change.row_changed:
                changes["updated_at"] = fetched_at
            self._update_article(key, changes)
            return change.outcome
        doc_id = existing["doc_id"] if existing else self._new_doc_id()
        if lemmas is None:  # the index entry to replace is read before the row changes
            lemmas = self._index_entries(record)
        article = {**row, **bookkeeping, "content_hash": change.content_hash, "updated_at": fetched_at,
                   "first_seen_at": first_seen, "doc_id": doc_id, "status": status, "source": capture.source}
        if existing:
            self._update_article(key, article)
        else:
            self.db.conn.execute(*_insert_sql("articles", {"rowid": doc_id, **article}))
        self._insert_revision(row, fetched_at, change.content_hash, capture_id, parser_version, capture.source)
        self._index(doc_id, lemmas)
        return change.outcome

    def _store_older(self, key: Key, record: dict, capture: Capture, capture_id: int, parser_version: str) -> str:
        """A capture older than the one the article's row was made from (an import of the archive's
        past): the row, made from newer evidence, stays; the capture's version takes its place in
        time among the revisions, as a crawl then would have recorded it. Returns "older" when it
        adds to the article's history, "unchanged" when the version before it is the same."""
        at, digest = capture.fetched_at, content_hash(record)
        self.db.conn.execute("UPDATE articles SET first_seen_at = min(first_seen_at, ?) "
                             "WHERE edition = ? AND article_id = ?", [at, *key])
        if record.get("views") is not None:
            self.db.conn.execute(*_insert_sql("views", {"edition": key[0], "article_id": key[1], "checked_at": at,
                                                        "views": record["views"], "run_id": capture.run_id}))
        neighbours = "SELECT revision_id, content_hash FROM revisions WHERE edition = ? AND article_id = ? AND "
        before = self.db.conn.execute(neighbours + "fetched_at <= ? ORDER BY fetched_at DESC, revision_id DESC "
                                      "LIMIT 1", [*key, at]).fetchone()
        if before and before[1] == digest:
            return "unchanged"  # that version was recorded already, as of an earlier capture
        after = self.db.conn.execute(neighbours + "fetched_at > ? ORDER BY fetched_at, revision_id LIMIT 1",
                                     [*key, at]).fetchone()
        if after and after[1] == digest:
            # The version recorded next was there already: it was first seen earlier, by this capture.
            self.db.conn.execute("UPDATE revisions SET fetched_at = ?, capture_id = ?, source = ?, parser_version = ? "
                                 "WHERE revision_id = ?", [at, capture_id, capture.source, parser_version, after[0]])
        else:
            self._insert_revision(self._row(record), at, digest, capture_id, parser_version, capture.source)
        return "older"

    def _answered_lastmod(self, key: Key, asked_with: str | None, recorded: str | None) -> str | None:
        """The sitemap lastmod a copy fetched now answers: the one it was asked with, else the last
        one the site listed for it (listed before this fetch, so the copy is at least that new),
        else the one recorded before. What the next run compares the sitemap's lastmod with."""
        if asked_with is not None:
            return asked_with
        listed = self.db.conn.execute("SELECT lastmod FROM listings WHERE edition = ? AND article_id = ?",
                                      list(key)).fetchone()
        return (listed and listed[0]) or recorded

    def _update_article(self, key: Key, changes: dict) -> None:
        """Set columns of an article row: sqlite-utils' update without reading the table's schema
        every time (the crawl's store path runs in Scrapy's thread, the one serial part)."""
        self.db.conn.execute(f"UPDATE articles SET {', '.join(f'[{c}] = ?' for c in changes)} "
                             "WHERE edition = ? AND article_id = ?", [*changes.values(), *key])

    def _restore(self, key: Key, existing: dict, at: str, run_id: int | None, capture_id: int | None) -> None:
        """The site shows an unpublished article again: live, and the gap kept as an event."""
        self.db["articles"].update(key, {"status": "live", "unpublished_at": None, "unpublished_reason": None,
                                         "updated_at": at})
        self.db["status_changes"].insert({
            "edition": key[0], "article_id": key[1], "event": "restored", "at": at,
            "reason": existing["unpublished_reason"], "gap_started_at": existing["unpublished_at"],
            "url": existing["url"], "run_id": run_id, "capture_id": capture_id})

    def unpublish(self, capture: Capture | None, key: Key, reason: str, at: str, run_id: int | None) -> str | None:
        """The site says a known article is gone (404/410, a not-found page, a redirect elsewhere).
        Its text and revisions stay; the row says unpublished, since when and why. Stores the
        answer as a capture when given. Returns "unpublished" when this answer unpublished it,
        "still unpublished" when it already was, None when the archive holds no such article."""
        with self.db.atomic():
            existing = self._article_row(key, "status, published_at, first_seen_at, url")
            if existing is None:
                return None
            capture_id = self._insert_capture(capture) if capture else None
            changes = {"checked_at": at,
                       "next_check_at": self._next_check(at, existing["published_at"] or existing["first_seen_at"])}
            if existing["status"] == "unknown":
                # Known only from an import: the site never showed it to a crawl, so this is no removal
                # witnessed (no status_changes event, no feed entry); the reason says so.
                changes.update(status="unpublished", unpublished_at=at, updated_at=at,
                               unpublished_reason=f"{reason} when first asked (archived from a web archive)")
            elif existing["status"] != "unpublished":
                changes.update(status="unpublished", unpublished_at=at, unpublished_reason=reason, updated_at=at)
                self.db["status_changes"].insert({
                    "edition": key[0], "article_id": key[1], "event": "unpublished", "at": at, "reason": reason,
                    "gap_started_at": None, "url": existing["url"], "run_id": run_id, "capture_id": capture_id})
            self.db["articles"].update(key, changes)
            self._listing_state(*key, "unpublished", reason, at)
            return "unpublished" if existing["status"] != "unpublished" else "still unpublished"

    def _index_entries(self, record: dict, new: list | None = None) -> tuple[list | None, list]:
        """The index entry the article has now (None if it has none) and the one `record`
        needs (`new`, when a parse worker made it; its rowid filled in by _index); read and
        lemmatised outside the write transaction (one run writes at a time)."""
        old = self._article_row((record["edition"], record["article_id"]), "doc_id, article_id, edition, title, lead, body")
        return (index_entry(old) if old else None), (new if new is not None else index_entry({**record, "doc_id": None}))

    def _index(self, doc_id: int, lemmas: tuple[list | None, list]) -> None:
        """Replace an article's entry in the search index. The index has external content:
        the old entry is removed by handing FTS5 exactly the lemmas it indexed (a plain
        DELETE would tokenize the readable text instead)."""
        old, new = lemmas
        if old is not None:
            self.db.execute("INSERT INTO articles_fts (articles_fts, rowid, title, lead, body) "
                            "VALUES ('delete', ?, ?, ?, ?)", old)
        self.db.execute("INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)", [doc_id, *new[1:]])

    def rebuild_article(self, key: Key, versions: list[tuple[dict, dict, str]], parser_version: str) -> None:
        """Replace an article's row and revisions with those re-extracted from its captures
        (oldest first); bookkeeping from the crawl (first seen, lastmod, validators, status,
        schedule) is kept. `reextract` does the same in batches (plan_rebuild + write_rebuilt)."""
        self.write_rebuilt([plan_rebuild(key, versions, self.rebuild_base(key), parser_version)])

    def rebuild_base(self, key: Key) -> dict | None:
        """What plan_rebuild compares a re-extraction with: the article's row as it stands."""
        return self._article_row(key, f"{', '.join(FIELDS)}, doc_id, content_hash")

    def stored_captures(self, key: Key) -> set[int]:
        """The captures an article's row and its revisions were made from."""
        return {capture_id for (capture_id,) in self.db.conn.execute(
            "SELECT capture_id FROM articles WHERE edition = ? AND article_id = ? UNION "
            "SELECT capture_id FROM revisions WHERE edition = ? AND article_id = ?", [*key, *key])
            if capture_id is not None}

    def write_rebuilt(self, batch: list[Rebuilt]) -> None:
        """Write re-extracted articles (see plan_rebuild) in one transaction: plain SQL, as the
        rows come ready from where the pages were parsed (the parent of reextract's workers
        must stay lean, it is the one writer)."""
        execute = self.db.conn.execute
        with self.db.atomic():
            for rebuilt in batch:
                key = list(rebuilt.key)
                if rebuilt.kept:
                    continue
                if rebuilt.row is None:
                    # No capture of it parses, and the archive holds no article: coverage says so.
                    self._listing_state(*key, "not_article", "not an article when re-extracted", utcnow())
                    continue
                execute("DELETE FROM revisions WHERE edition = ? AND article_id = ?", key)
                if rebuilt.unindex is not None:
                    execute("INSERT INTO articles_fts (articles_fts, rowid, title, lead, body) "
                            "VALUES ('delete', ?, ?, ?, ?)", rebuilt.unindex)
                for revision in rebuilt.revisions:
                    execute(*_insert_sql("revisions", revision))
                row = dict(rebuilt.row)
                if rebuilt.doc_id is None:
                    row.update(updated_at=utcnow(), doc_id=self._new_doc_id(),
                               next_check_at=self._next_check(row["checked_at"], row["published_at"]))
                    execute(*_insert_sql("articles", {"rowid": row["doc_id"], **row}))
                else:
                    row.update(doc_id=rebuilt.doc_id, status=rebuilt.status)
                    if rebuilt.row_changed:
                        row["updated_at"] = utcnow()
                    self._update_article(rebuilt.key, row)
                if rebuilt.index is not None:
                    execute("INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
                            [row["doc_id"], *rebuilt.index])
                if row["status"] == "live":  # e.g. a page that was not an article before is one now
                    self._listing_state(*key, "archived", None, row["fetched_at"])

    def mark_unchanged(self, key: Key, checked_at: str, run_id: int | None = None,
                       lastmod: str | None = None) -> None:
        """A 304 Not Modified: the archive's copy is current (and the article is there again,
        if it had gone), and answers the lastmod it was asked with (see _answered_lastmod). The
        next check moves along the schedule."""
        with self.db.atomic():
            existing = self._article_row(key, "status, published_at, first_seen_at, unpublished_at, "
                                              "unpublished_reason, url, lastmod")
            if existing is None:
                return
            if existing["status"] == "unpublished":
                self._restore(key, existing, checked_at, run_id, None)
            elif existing["status"] == "unknown":  # known only from an import: the site shows it
                self.db["articles"].update(key, {"status": "live", "updated_at": checked_at})
            self.db["articles"].update(key, {
                "checked_at": checked_at, "lastmod": self._answered_lastmod(key, lastmod, existing["lastmod"]),
                "next_check_at": self._next_check(checked_at, existing["published_at"] or existing["first_seen_at"])})
            self._listing_state(*key, "archived", None, checked_at)

    # --- reading --------------------------------------------------------------------------------
    def iter_articles(self, since: str | None = None, until: str | None = None, category: str | None = None,
                      language: str | None = None, updated_since: str | None = None,
                      edition: str | None = None) -> Iterator[dict]:
        """Article records, newest first, streamed from a cursor (constant memory)."""
        where, params = self._article_filter(since, until, category, language, updated_since, edition)
        sql = (f"SELECT {', '.join(FIELDS)} FROM articles WHERE {where} "
               "ORDER BY published_at DESC, edition, article_id DESC")
        for row in self.db.query(sql, params):
            yield self._record(row)

    @staticmethod
    def _article_filter(since: str | None, until: str | None, category: str | None, language: str | None,
                        updated_since: str | None, edition: str | None = None,
                        table: str = "articles") -> tuple[str, list]:
        where, params = ["1 = 1"], []

        def bound(column: str, op: str, value: str | None) -> str:
            # A date (YYYY-MM-DD) is compared with the day the row's own text says (Almaty time for
            # published_at); a date-time is an instant, compared as one whatever the offsets.
            if value and len(value) == 10:
                return f"substr({{t}}.{column}, 1, 10) {op} ?"
            return f"julianday({{t}}.{column}) {op} julianday(?)"

        if isinstance(category, (tuple, list)):  # the spellings of one category (cli._category)
            where.append(f"{table}.category IN ({', '.join('?' * len(category))})")
            params.extend(category)
            category = None
        for clause, value in ((bound("published_at", ">=", since), since),
                              (bound("published_at", "<=", until), until),
                              ("{t}.category = ?", category), ("{t}.language = ?", language),
                              (bound("updated_at", ">=", updated_since), updated_since),
                              ("{t}.edition = ?", edition)):
            if value:
                where.append(clause.format(t=table))
                params.append(value)
        return " AND ".join(where), params

    def categories(self) -> list[str]:
        """Every category an article has, sorted (read from the facet index m5b made)."""
        return [row["category"] for row in self.db.query(
            "SELECT DISTINCT category FROM articles WHERE category IS NOT NULL ORDER BY category")]

    def iter_article_json(self, since: str | None = None, until: str | None = None, category: str | None = None,
                          language: str | None = None, updated_since: str | None = None,
                          edition: str | None = None, batch: int = 500) -> Iterator[tuple[int, bytes]]:
        """The same records as iter_articles as JSON Lines, in chunks of (records, UTF-8 bytes):
        SQLite makes each line (json_object, newline included) and hands it over as bytes, so
        Python neither builds dicts nor decodes and re-encodes the text; a chunk is one write.
        Memory stays that of one chunk whatever the archive's size."""
        where, params = self._article_filter(since, until, category, language, updated_since, edition)
        fields = ", ".join(f"'{name}', json({name})" if name in JSON_FIELDS else f"'{name}', {name}"
                           for name in FIELDS)
        sql = (f"SELECT CAST(json_object({fields}) || char(10) AS BLOB) FROM articles WHERE {where} "
               "ORDER BY published_at DESC, edition, article_id DESC")
        cursor = self.db.conn.execute(sql, params)
        join = b"".join
        while rows := cursor.fetchmany(batch):
            yield len(rows), join([line for (line,) in rows])

    def article_record(self, key: Key) -> dict | None:
        row = self._article_row(key, ", ".join(FIELDS))
        return self._record(row) if row else None

    @staticmethod
    def _record(row: dict) -> dict:
        """A stored row back as a record: JSON text back to lists (the inverse of _row)."""
        for key in JSON_FIELDS:
            row[key] = json.loads(row[key]) if row[key] is not None else None
        return row

    def iter_captures(self, since: str | None = None, until: str | None = None, category: str | None = None,
                      language: str | None = None, updated_since: str | None = None,
                      edition: str | None = None) -> Iterator[dict]:
        """Captures in the order fetched, each with `canonical_url`: the URL of the record it
        gave (its revision), else of its article. With a filter, only captures of the
        articles it selects; without, every capture, pages that were not articles included."""
        filtered = any((since, until, category, language, updated_since, edition))
        where, params = self._article_filter(since, until, category, language, updated_since, edition)
        yield from self.db.query(
            "SELECT captures.*, coalesce(revisions.url, articles.url) AS canonical_url FROM captures "
            f"{'JOIN' if filtered else 'LEFT JOIN'} articles ON articles.edition = captures.edition "
            "AND articles.article_id = captures.article_id "
            "LEFT JOIN revisions ON revisions.capture_id = captures.capture_id "
            f"WHERE {where} ORDER BY captures.capture_id", params)

    def captures_by_article(self) -> Iterator[tuple[Key, list[dict]]]:
        """Successful captures grouped by article, oldest first; one article in memory at a time."""
        # Keys first: the caller writes between reads, and a cursor left open on the same
        # connection would lock the tables it writes to.
        for key in self.captured_articles():
            yield key, self.article_captures(key)

    def captured_articles(self) -> list[Key]:
        """Every article with a successful capture, in the archive's order (edition, id)."""
        return [(edition, article_id) for edition, article_id in self.db.conn.execute(
            "SELECT DISTINCT edition, article_id FROM captures WHERE status = 200 AND article_id IS NOT NULL "
            "ORDER BY 1, 2")]

    def article_captures(self, key: Key) -> list[dict]:
        """An article's successful captures, oldest first."""
        return list(self.db.query("SELECT * FROM captures WHERE edition = ? AND article_id = ? AND status = 200 "
                                  "ORDER BY fetched_at, capture_id", list(key)))

    # Ranking scores every match (bm25, ~8 µs each): a word found in 200,000 articles took 1.6 s.
    # Only the newest SEARCH_RANKED matches are ranked (doc ids grow with time), which bounds a
    # search to a few milliseconds whatever the archive's size.
    SEARCH_RANKED = 1000

    def search(self, query: str, limit: int = 10, edition: str | None = None) -> list[dict]:
        """Best matches for a query in any word form, among its newest SEARCH_RANKED matches;
        each with its `snippet`: segments of the lead or body around the matched words (see
        search.snippet)."""
        found = list(self.db.query(
            "SELECT articles.edition, articles.article_id, articles.published_at, articles.title, articles.url, "
            "articles.lead, articles.body FROM articles_fts JOIN articles ON articles.doc_id = articles_fts.rowid "
            "WHERE articles_fts MATCH :q AND (:edition IS NULL OR articles.edition = :edition) "
            "AND articles_fts.rowid >= (SELECT coalesce(min(rowid), 0) FROM "
            "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q AND (:edition IS NULL OR (SELECT edition "
            "FROM articles WHERE doc_id = articles_fts.rowid) = :edition) ORDER BY rowid DESC LIMIT :ranked)) "
            "ORDER BY rank LIMIT :limit",
            {"q": fts_query(query), "edition": edition, "ranked": self.SEARCH_RANKED, "limit": limit}))
        for row in found:
            row["snippet"] = snippet(query, row.pop("lead"), row.pop("body"))
        return found

    def capture_sizes(self, run_id: int | None = None) -> tuple[int, int]:
        """Bytes of the run's captures (of every capture without a run) as fetched, and as stored
        compressed (dictionaries not counted)."""
        row = next(self.db.query("SELECT coalesce(sum(size), 0) AS raw, coalesce(sum(length(body)), 0) AS stored "
                                 "FROM captures WHERE ? IS NULL OR run_id = ?", [run_id, run_id]))
        return row["raw"], row["stored"]

    def dictionary_sizes(self) -> tuple[int, int]:
        """How many capture dictionaries the archive holds, and their bytes."""
        row = next(self.db.query("SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM capture_dictionaries"))
        return row["n"], row["bytes"]

    def count(self, table: str = "articles") -> int:
        return self.db[table].count

    # --- learned furniture (boilerplate.py) ---------------------------------------------------------
    def last_fetch(self) -> str | None:
        """When the newest successful capture was fetched."""
        return next(self.db.query("SELECT max(fetched_at) AS t FROM captures WHERE status = 200"))["t"]

    def capture_lines_between(self, start: str, end: str, version: int) -> list[tuple[int, str, bytes | None]]:
        """(capture id, url, line hashes of `version` or None) of the successful captures fetched in
        [start, end], in the archive's order."""
        return self.db.conn.execute(
            "SELECT c.capture_id, c.url, CASE WHEN l.version = ? THEN l.hashes END FROM captures AS c "
            "LEFT JOIN capture_lines AS l ON l.capture_id = c.capture_id "
            "WHERE c.status = 200 AND c.fetched_at >= ? AND c.fetched_at <= ? ORDER BY c.capture_id",
            [version, start, end]).fetchall()

    def store_capture_lines(self, lines: Mapping[int, CaptureLines], keep: list[int]) -> None:
        """Line hashes made again from captures (capture id -> lines), replacing older versions;
        those of captures not in `keep` (older than the window learning reads) are dropped."""
        with self.db.atomic():
            self.db.conn.executemany("INSERT OR REPLACE INTO capture_lines (capture_id, version, hashes) "
                                     "VALUES (?, ?, ?)",
                                     [(capture_id, made.version, made.hashes) for capture_id, made in lines.items()])
            self.db.conn.execute("DELETE FROM capture_lines WHERE capture_id NOT IN (SELECT value FROM json_each(?))",
                                 [json.dumps(keep)])

    def captures_by_id(self, ids: list[int]) -> Iterator[dict]:
        """Captures one at a time (url, fetch time, content type and stored body), in the order given."""
        for capture_id in ids:
            yield next(self.db.query("SELECT capture_id, url, fetched_at, content_type, compression, dictionary_id, "
                                     "body FROM captures WHERE capture_id = ?", [capture_id]))

    def replace_furniture(self, edition: str, rows: list[dict]) -> None:
        """The furniture learned for an edition replaces what was learned before."""
        with self.db.atomic():
            self.db.execute("DELETE FROM furniture WHERE edition = ?", [edition])
            if rows:
                self.db["furniture"].insert_all([{**row, "edition": edition} for row in rows])

    def furniture_rows(self) -> list[dict]:
        if "furniture" not in self.db.table_names():
            return []  # an archive made before furniture was learned, opened read-only
        return list(self.db.query("SELECT * FROM furniture ORDER BY edition, pages DESC, line"))

    def latest_capture(self, article_id: int, edition: str = "ru") -> dict | None:
        """The newest successful capture of an article (what `fixture` turns into a test page)."""
        return next(self.db.query("SELECT * FROM captures WHERE edition = ? AND article_id = ? AND status = 200 "
                                  "ORDER BY fetched_at DESC, capture_id DESC LIMIT 1", [edition, article_id]), None)

    # --- import-wayback's list of captures (importing/wayback.py) --------------------------------------
    def wayback_list(self, entries: list[dict], at: str) -> int:
        """Captures a CDX server listed (url, timestamp, edition, article_id, digest, cdx, state, detail):
        new ones join the list; one listed before keeps its state. Returns how many were new."""
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO wayback_captures (url, timestamp, edition, article_id, digest, cdx, listed_at, "
                "state, detail, state_at) VALUES (:url, :timestamp, :edition, :article_id, :digest, :cdx, :at, :state, "
                ":detail, :at)", [{**entry, "at": at} for entry in entries])
            return self.db.conn.total_changes - before

    def wayback_to_fetch(self, max_attempts: int) -> list[dict]:
        """The listed captures not imported yet (pending, and failed ones with attempts left), oldest first."""
        return list(self.db.query(
            "SELECT url, timestamp, edition, article_id, attempts FROM wayback_captures WHERE state = 'pending' OR "
            "(state = 'failed' AND attempts < ?) ORDER BY timestamp, url", [max_attempts]))

    def wayback_state(self, url: str, timestamp: str, state: str, detail: str | None, attempts: int = 0) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE wayback_captures SET state = ?, detail = ?, attempts = attempts + ?, state_at = ? "
                            "WHERE url = ? AND timestamp = ?", [state, detail, attempts, utcnow(), url, timestamp])

    def wayback_counts(self) -> dict[str, int]:
        return {row["state"]: row["n"] for row in self.db.query(
            "SELECT state, count(*) AS n FROM wayback_captures GROUP BY state")}
