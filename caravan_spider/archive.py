"""The archive: every SQL statement of the project lives here.

Tables: `articles` (the current version of each article), `revisions` (every distinct version),
`captures` (raw responses, never altered), `crawl_runs` (one row per run), and the full-text
index `articles_fts`. Schema changes are new migrations, never edits to old ones.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from .parsing import FIELDS
from .search import fts_query, lemmas_of

DEFAULT_DB = "archive/caravan.db"
# Fields whose change makes a new revision; views and modified_at alone do not.
CONTENT_FIELDS = ("url", "language", "title", "lead", "body", "published_at", "category", "tags", "authors",
                  "image_url", "image_credit")
JSON_FIELDS = ("tags", "authors")

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


ARCHIVE_TABLES = {"articles", "revisions", "captures", "crawl_runs"}


class NotAnArchive(Exception):
    """The file exists but is not a caravan-archive database."""


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(record: dict) -> str:
    """Hash of what a reader sees; whitespace is normalised so cosmetic edits do not count."""
    content = {k: " ".join(str(record.get(k)).split()) if isinstance(record.get(k), str) else record.get(k)
               for k in CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Known:
    """What the archive holds of an article: what an incremental crawl compares with."""

    lastmod: str | None
    etag: str | None
    last_modified: str | None
    published_at: str | None
    fetched_at: str | None  # when the archived copy was fetched: a lastmod before it is old news
    is_article: bool = True  # False: every answer so far was not an article (empty, not found, 404)
    misses: int = 0  # how many such answers since the last article
    gone: bool = False  # the last answer was 404 or 410


class ArchiveLocked(Exception):
    pass


class Archive:
    """The archive file. create=False: it must exist already; read_only=True: opened with
    SQLite's mode=ro, never migrated nor switched to WAL (readers never write)."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB, create: bool = True, read_only: bool = False):
        self.path = Path(path)
        self._lock_file = None
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
        if not read_only:
            self.db.execute("PRAGMA journal_mode=WAL")
            migrations.apply(self.db)

    def close(self) -> None:
        self.release()
        if hasattr(self, "db"):
            self.db.close()

    # --- one run at a time ----------------------------------------------------------------
    def acquire(self, run_id: int | None = None) -> None:
        """Take the archive's run lock; the kernel drops it when the process dies, so a
        killed run never leaves a stale lock behind."""
        lock_path = Path(str(self.path) + ".lock")
        handle = open(lock_path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().split()
            handle.close()
            who = f"crawl run {holder[0]} (pid {holder[1]})" if len(holder) == 2 else "another process"
            raise ArchiveLocked(f"{self.path} is locked by {who}; wait for it to finish or stop it") from None
        handle.truncate(0)
        handle.write(f"{run_id or '?'} {os.getpid()}\n")
        handle.flush()
        self._lock_file = handle

    def release(self) -> None:
        if self._lock_file:
            self._lock_file.close()
            self._lock_file = None

    # --- crawl runs ---------------------------------------------------------------------------
    def begin_run(self, base_url: str, mode: str) -> int:
        with self.db.atomic():
            # A run still marked running was killed: nobody holds the lock we now hold.
            self.db.execute(
                "UPDATE crawl_runs SET status = 'killed', message = 'the process ended without finishing the run' "
                "WHERE status = 'running'"
            )
            table = self.db["crawl_runs"]
            table.insert({"started_at": utcnow(), "status": "running", "pid": os.getpid(), "base_url": base_url,
                          "mode": mode})
            run_id = table.last_pk
        if self._lock_file:
            self._lock_file.truncate(0)
            self._lock_file.write(f"{run_id} {os.getpid()}\n")
            self._lock_file.flush()
        return run_id

    def finish_run(self, run_id: int, status: str, figures: dict) -> None:
        row = {"finished_at": utcnow(), "status": status}
        for key, value in figures.items():
            row[key] = json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else value
        with self.db.atomic():
            self.db["crawl_runs"].update(run_id, row)

    def runs(self, limit: int = 10) -> list[dict]:
        return list(self.db.query("SELECT * FROM crawl_runs ORDER BY run_id DESC LIMIT ?", [limit]))

    # --- what an incremental crawl needs -----------------------------------------------------
    def known(self) -> dict[int, Known]:
        """Every article id the archive has met: articles, and article URLs that were not
        articles (a «Страница не найдена» page), which are not fetched again until they change."""
        known = {
            row["article_id"]: Known(None, None, None, None, row["fetched_at"], is_article=False,
                                     misses=row["misses"], gone=row["status"] in (404, 410))
            for row in self.db.query(
                # SQLite's bare columns: status comes from the row holding max(fetched_at).
                "SELECT article_id, max(fetched_at) AS fetched_at, status, count(*) AS misses FROM captures "
                "WHERE article_id NOT IN (SELECT article_id FROM articles) GROUP BY article_id")
        }
        known.update({
            row["article_id"]: Known(row["lastmod"], row["etag"], row["last_modified"], row["published_at"],
                                     row["fetched_at"])
            for row in self.db.query(
                "SELECT article_id, lastmod, etag, last_modified, published_at, fetched_at FROM articles")
        })
        return known

    def record_problem(self, run_id: int | None, source: str, kind: str, url: str, article_id: int | None,
                       detail: str, content_hash: str | None = None) -> None:
        with self.db.atomic():
            self.db["crawl_problems"].insert({
                "run_id": run_id, "recorded_at": utcnow(), "source": source, "kind": kind, "url": url,
                "article_id": article_id, "detail": detail, "content_hash": content_hash})

    def problems(self, run_id: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM crawl_problems WHERE run_id = ? ORDER BY problem_id", [run_id]))

    def held_words(self, article_id: int) -> int | None:
        """Words of the archived text of an article, or None when it is not held."""
        row = next(self.db.query("SELECT word_count FROM articles WHERE article_id = ?", [article_id]), None)
        return row["word_count"] if row else None

    def was_held_back(self, article_id: int, digest: str) -> bool:
        """True when this very text was held back before: seen twice, a shortening is real."""
        return bool(next(self.db.query(
            "SELECT 1 FROM crawl_problems WHERE article_id = ? AND kind = 'much_shorter' AND content_hash = ?",
            [article_id, digest]), None))

    # --- storing --------------------------------------------------------------------------------
    def store(self, capture: dict, record: dict | None, layout: str | None, parser_version: str,
              lastmod: str | None) -> str:
        """Store one fetched article page in one transaction: its capture, and when it parsed,
        the article row, a revision if the content changed, and the search index.

        Returns what happened: "new", "updated", "unchanged" or "not-article".
        """
        with self.db.atomic():
            capture_id = self._insert_capture(capture)
            if record is None:
                return "not-article"
            return self._upsert_article(record, capture, capture_id, layout, parser_version, lastmod)

    def _insert_capture(self, capture: dict) -> int:
        body: bytes = capture["body"]
        table = self.db["captures"]
        table.insert({
            "article_id": capture.get("article_id"), "url": capture["url"], "status": capture["status"],
            "content_type": capture.get("content_type"), "etag": capture.get("etag"),
            "last_modified": capture.get("last_modified"), "fetched_at": capture["fetched_at"],
            "sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "compression": "gzip",
            "body": gzip.compress(body, compresslevel=6, mtime=0), "note": capture.get("note"),
            "run_id": capture.get("run_id"),
        })
        return table.last_pk

    @staticmethod
    def _row(record: dict) -> dict:
        """A record as stored: lists as JSON text, plus the year for facets."""
        row = {k: (json.dumps(v, ensure_ascii=False) if k in JSON_FIELDS and v is not None else v)
               for k, v in record.items()}
        row["year"] = int(record["published_at"][:4]) if record.get("published_at") else None
        return row

    def _insert_revision(self, row: dict, fetched_at: str, digest: str, capture_id: int, parser_version: str):
        revision = {k: v for k, v in row.items() if k != "year"}
        self.db["revisions"].insert({**revision, "fetched_at": fetched_at, "content_hash": digest,
                                     "capture_id": capture_id, "parser_version": parser_version})

    def _upsert_article(self, record: dict, capture: dict, capture_id: int, layout: str | None,
                        parser_version: str, lastmod: str | None) -> str:
        fetched_at = capture["fetched_at"]
        digest = content_hash(record)
        row = self._row(record)
        existing = next(self.db.query("SELECT content_hash, views, first_seen_at FROM articles WHERE article_id = ?",
                                      [record["article_id"]]), None)
        bookkeeping = {"fetched_at": fetched_at, "checked_at": fetched_at, "lastmod": lastmod,
                       "etag": capture.get("etag"), "last_modified": capture.get("last_modified"),
                       "capture_id": capture_id, "layout": layout, "parser_version": parser_version}
        if existing and existing["content_hash"] == digest:
            changes = {**bookkeeping, "views": record["views"], "modified_at": record["modified_at"]}
            if existing["views"] != record["views"]:
                changes["updated_at"] = fetched_at
            self.db["articles"].update(record["article_id"], changes)
            return "unchanged"
        self.db["articles"].upsert(
            {**row, **bookkeeping, "content_hash": digest, "updated_at": fetched_at,
             "first_seen_at": existing["first_seen_at"] if existing else fetched_at},
            pk="article_id",
        )
        self._insert_revision(row, fetched_at, digest, capture_id, parser_version)
        self._index(record)
        return "updated" if existing else "new"

    def _index(self, record: dict) -> None:
        article_id = record["article_id"]
        self.db.execute("DELETE FROM articles_fts WHERE rowid = ?", [article_id])
        text = " ".join(filter(None, [record["title"], record.get("lead"), record["body"]]))
        self.db.execute(
            "INSERT INTO articles_fts (rowid, title, lead, body, lemmas) VALUES (?, ?, ?, ?, ?)",
            [article_id, record["title"], record.get("lead"), record["body"], lemmas_of(text)],
        )

    def rebuild_article(self, article_id: int, versions: list[tuple[dict, dict, str]], parser_version: str) -> None:
        """Replace an article's row and revisions with those re-extracted from its captures
        (oldest first); bookkeeping from the crawl (first seen, lastmod, validators) is kept."""
        with self.db.atomic():
            existing = next(self.db.query("SELECT * FROM articles WHERE article_id = ?", [article_id]), None)
            self.db.execute("DELETE FROM revisions WHERE article_id = ?", [article_id])
            self.db.execute("DELETE FROM articles_fts WHERE rowid = ?", [article_id])
            if not versions:
                self.db.execute("DELETE FROM articles WHERE article_id = ?", [article_id])
                return
            previous = None
            for capture, record, _ in versions:
                digest = content_hash(record)
                if digest != previous:
                    self._insert_revision(self._row(record), capture["fetched_at"], digest, capture["capture_id"],
                                          parser_version)
                previous = digest
            capture, record, layout = versions[-1]
            row = {**self._row(record), "content_hash": previous, "layout": layout, "parser_version": parser_version,
                   "fetched_at": capture["fetched_at"], "capture_id": capture["capture_id"]}
            if existing is None:
                row.update(first_seen_at=versions[0][0]["fetched_at"], checked_at=capture["fetched_at"],
                           updated_at=utcnow(), etag=capture["etag"], last_modified=capture["last_modified"])
            elif existing["content_hash"] != previous or existing["views"] != record["views"]:
                row["updated_at"] = utcnow()
            self.db["articles"].upsert(row, pk="article_id")
            self._index(record)

    def mark_unchanged(self, article_id: int, checked_at: str) -> None:
        """A 304 Not Modified: the archive's copy is current."""
        with self.db.atomic():
            self.db.execute("UPDATE articles SET checked_at = ? WHERE article_id = ?", [checked_at, article_id])

    # --- reading --------------------------------------------------------------------------------
    def iter_articles(self, since: str | None = None, until: str | None = None, category: str | None = None,
                      language: str | None = None, updated_since: str | None = None) -> Iterator[dict]:
        """Article records, newest first, streamed from a cursor (constant memory)."""
        where, params = ["1 = 1"], []
        # A date (YYYY-MM-DD) is compared with the day the site printed (Almaty time); a
        # datetime is an instant, compared as one whatever the offsets (julianday is in UTC).
        def bound(column: str, op: str, value: str | None, day_column: str) -> tuple[str, str | None]:
            if value and len(value) == 10:
                return f"{day_column} {op} ?", value
            return f"julianday({column}) {op} julianday(?)", value

        for clause, value in (bound("published_at", ">=", since, "substr(published_at, 1, 10)"),
                              bound("published_at", "<=", until, "substr(published_at, 1, 10)"),
                              ("category = ?", category), ("language = ?", language),
                              bound("updated_at", ">=", updated_since, "substr(updated_at, 1, 10)")):
            if value:
                where.append(clause)
                params.append(value)
        sql = (f"SELECT {', '.join(FIELDS)} FROM articles WHERE {' AND '.join(where)} "
               "ORDER BY published_at DESC, article_id DESC")
        for row in self.db.query(sql, params):
            yield self._record(row)

    def article_record(self, article_id: int) -> dict | None:
        row = next(self.db.query(f"SELECT {', '.join(FIELDS)} FROM articles WHERE article_id = ?", [article_id]), None)
        return self._record(row) if row else None

    @staticmethod
    def _record(row: dict) -> dict:
        """A stored row back as a record: JSON text back to lists (the inverse of _row)."""
        for key in JSON_FIELDS:
            row[key] = json.loads(row[key]) if row[key] is not None else None
        return row

    def iter_captures(self) -> Iterator[dict]:
        yield from self.db.query("SELECT * FROM captures ORDER BY capture_id")

    def captures_by_article(self) -> Iterator[tuple[int, list[dict]]]:
        """Successful captures grouped by article, oldest first; one article in memory at a time."""
        # Ids first: the caller writes between reads, and a cursor left open on the same
        # connection would lock the tables it writes to.
        ids = [r["article_id"] for r in self.db.query(
            "SELECT DISTINCT article_id FROM captures WHERE status = 200 AND article_id IS NOT NULL ORDER BY 1")]
        for article_id in ids:
            yield article_id, list(self.db.query(
                "SELECT * FROM captures WHERE article_id = ? AND status = 200 ORDER BY fetched_at, capture_id",
                [article_id]))

    def search(self, query: str, limit: int = 10) -> list[dict]:
        """Best matches for a query in any word form, with a snippet of the body."""
        return list(self.db.query(
            "SELECT articles.article_id, articles.published_at, articles.title, articles.url, "
            "snippet(articles_fts, 2, '«', '»', '…', 16) AS snippet "
            "FROM articles_fts JOIN articles ON articles.article_id = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?", [fts_query(query), limit]))

    def capture_sizes(self, run_id: int) -> tuple[int, int]:
        """Bytes of the run's captures as fetched, and as stored compressed."""
        row = next(self.db.query("SELECT coalesce(sum(size), 0) AS raw, coalesce(sum(length(body)), 0) AS stored "
                                 "FROM captures WHERE run_id = ?", [run_id]))
        return row["raw"], row["stored"]

    def count(self, table: str = "articles") -> int:
        return self.db[table].count
