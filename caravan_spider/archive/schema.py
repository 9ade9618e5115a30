"""The archive's schema, as the migrations that made it: history, never edited (a change is a new
migration at the end of the list).

Tables: `articles` (the current version of each article), `revisions` (every distinct version),
`captures` (raw responses, never altered), `crawl_runs` (one row per run), and the full-text
index `articles_fts`. The record columns of `articles` and `revisions` are those of `record.Article`:
a new field there needs a migration here that adds its column to both tables (tests/test_record.py
fails until it exists).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

from ..schedule import DEFAULT_SCHEDULE, next_check, parse_schedule
from .search_index import index_entry


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
def m22c_run_config(db: sqlite_utils.Database) -> None:
    # The configuration each run was given (config.Config as the settings it amounts to, JSON): what
    # `reextract` learns furniture with, as the crawl did. NULL for runs made before.
    db["crawl_runs"].add_column("config", str)


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
