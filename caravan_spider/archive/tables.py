"""What every part of the archive shares: the article key, the clock, and the plain statements
that read and write one article's row."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

Key = tuple[str, int]  # (edition, article_id): the two editions number their posts independently


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def insert_sql(table: str, row: dict) -> tuple[str, list]:
    return (f"INSERT INTO {table} ({', '.join(f'[{c}]' for c in row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()))


class Tables:
    """The connection every part of Archive works on (opened by database.Archive)."""

    path: Path
    db: sqlite_utils.Database

    def _article_row(self, key: Key, columns: str = "*") -> dict | None:
        return next(self.db.query(f"SELECT {columns} FROM articles WHERE edition = ? AND article_id = ?", list(key)),
                    None)

    def _update_article(self, key: Key, changes: dict) -> None:
        """Set columns of an article row: sqlite-utils' update without reading the table's schema
        every time (the crawl's store path runs in Scrapy's thread, the one serial part)."""
        self.db.conn.execute(f"UPDATE articles SET {', '.join(f'[{c}] = ?' for c in changes)} "
                             "WHERE edition = ? AND article_id = ?", [*changes.values(), *key])
