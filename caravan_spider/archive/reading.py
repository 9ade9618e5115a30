"""Reading the archive: article records for export (streamed, filtered), captures for WARC and
re-extraction, and counts."""

from __future__ import annotations

from collections.abc import Iterator

from ..record import FIELDS, JSON_FIELDS
from .rows import as_record
from .tables import Key, Tables


class Reading(Tables):
    def iter_articles(self, since: str | None = None, until: str | None = None, category: str | None = None,
                      language: str | None = None, updated_since: str | None = None,
                      edition: str | None = None) -> Iterator[dict]:
        """Article records, newest first, streamed from a cursor (constant memory)."""
        where, params = self._article_filter(since, until, category, language, updated_since, edition)
        sql = (f"SELECT {', '.join(FIELDS)} FROM articles WHERE {where} "
               "ORDER BY published_at DESC, edition, article_id DESC")
        for row in self.db.query(sql, params):
            yield as_record(row)

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

    def fetched_at(self, key: Key) -> str | None:
        """When the capture an article's row was made from was fetched (a WACZ's page time)."""
        row = self._article_row(key, "fetched_at")
        return row and row["fetched_at"]

    def article_record(self, key: Key) -> dict | None:
        row = self._article_row(key, ", ".join(FIELDS))
        return as_record(row) if row else None

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

    def count(self, table: str = "articles") -> int:
        return self.db[table].count

    def latest_capture(self, article_id: int, edition: str) -> dict | None:
        """The newest successful capture of an article (what `fixture` turns into a test page)."""
        return next(self.db.query("SELECT * FROM captures WHERE edition = ? AND article_id = ? AND status = 200 "
                                  "ORDER BY fetched_at DESC, capture_id DESC LIMIT 1", [edition, article_id]), None)
