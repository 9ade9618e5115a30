"""Learned furniture (boilerplate.py): the captures it learns from, the line hashes it keeps, and
the lines it learned per edition."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from .capture_store import CaptureLines
from .tables import Tables


class Furniture(Tables):
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
