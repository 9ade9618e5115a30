"""Coverage: every post the site listed (sitemaps, feed, listing pages) and what became of it."""

from __future__ import annotations

from collections.abc import Iterator

from .tables import Tables

STATES = ("archived", "not_article", "failed", "pending", "unpublished")


class Coverage(Tables):
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
