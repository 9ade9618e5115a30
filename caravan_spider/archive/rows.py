"""A record as the archive's rows hold it, and back (articles.py, rebuild.py, reading.py)."""

from __future__ import annotations

import json

from ..record import JSON_FIELDS


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


def revision_row(record: dict, fetched_at: str, digest: str, capture_id: int, parser_version: str) -> dict:
    """A `revisions` row: a record's columns as stored (no year) and where they came from."""
    revision = {k: v for k, v in as_stored(record).items() if k != "year"}
    return {**revision, "status": "live", "fetched_at": fetched_at, "content_hash": digest,
            "capture_id": capture_id, "parser_version": parser_version}

