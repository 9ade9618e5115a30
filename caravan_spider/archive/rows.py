"""An article's row and its revisions' rows, built in one place for both paths that write them: the
crawl's store (articles.py) and re-extraction from the captures (rebuild.py). What a row holds
follows from the record, the capture it came from and the schedule, whichever path writes it."""

from __future__ import annotations

import json
from datetime import timedelta

from ..record import JSON_FIELDS
from ..schedule import next_check


def as_stored(record: dict) -> dict:
    """A record as stored: lists as JSON text, plus the year for facets."""
    row = {k: (json.dumps(v, ensure_ascii=False) if k in JSON_FIELDS and v is not None else v)
           for k, v in record.items()}
    row["year"] = int(record["published_at"][:4]) if record.get("published_at") else None
    return row


def as_record(row: dict) -> dict:
    """A stored row back as a record: JSON text back to lists (the inverse of as_stored)."""
    for key in JSON_FIELDS:
        row[key] = json.loads(row[key]) if row[key] is not None else None
    return row


def revision_row(record: dict, fetched_at: str, digest: str, capture_id: int, parser_version: str,
                 source: str) -> dict:
    """A `revisions` row: a record's columns as stored (no year) and where they came from (the
    capture, and its source: crawl, warc or wayback)."""
    revision = {k: v for k, v in as_stored(record).items() if k != "year"}
    return {**revision, "status": "live", "fetched_at": fetched_at, "content_hash": digest,
            "capture_id": capture_id, "parser_version": parser_version, "source": source}


# The columns a fetch sets whatever it found (article_row()), as the crawl's store writes them when
# the content is unchanged; the record's content columns change only with a new revision.
FETCH_COLUMNS = ("fetched_at", "checked_at", "etag", "last_modified", "capture_id", "layout", "parser_version",
                 "next_check_at")


def article_row(record: dict, *, fetched_at: str, capture_id: int, source: str, etag: str | None,
                last_modified: str | None, content_hash: str, layout: str | None, parser_version: str,
                first_seen_at: str, checked_at: str, steps: tuple[timedelta, ...]) -> dict:
    """The columns of an `articles` row that a parsed capture decides: the record as stored, its
    content hash, the capture it came from and its validators, where the version it shows came from
    (`source`: crawl, warc, wayback: the capture of its newest revision, which a fetch that finds it
    unchanged does not move), when the article was first seen and last checked, and when the schedule wants it
    checked again: counted from its date, or from when it was first seen when the page gives none.
    The article's life (doc_id, status, updated_at, lastmod) is the writer's."""
    return {**as_stored(record), "content_hash": content_hash, "layout": layout, "parser_version": parser_version,
            "fetched_at": fetched_at, "capture_id": capture_id, "source": source, "etag": etag,
            "last_modified": last_modified, "first_seen_at": first_seen_at, "checked_at": checked_at,
            "next_check_at": next_check(checked_at, record.get("published_at") or first_seen_at, steps)}
