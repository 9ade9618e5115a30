"""Crawl problems: each fetch that gave nothing to archive, once, by kind; and texts held back as
suspiciously short until seen again."""

from __future__ import annotations

from .tables import Tables, utcnow


class Problems(Tables):
    def record_problem(self, run_id: int | None, source: str, kind: str, url: str, article_id: int | None,
                       detail: str, content_hash: str | None = None, *, edition: str) -> None:
        with self.db.atomic():
            self.db["crawl_problems"].insert({
                "run_id": run_id, "recorded_at": utcnow(), "source": source, "kind": kind, "url": url,
                "edition": edition, "article_id": article_id, "detail": detail, "content_hash": content_hash})

    def problems(self, run_id: int) -> list[dict]:
        if "crawl_problems" not in self.db.table_names():  # an archive older than m1a, opened read-only
            return []
        return list(self.db.query("SELECT * FROM crawl_problems WHERE run_id = ? ORDER BY problem_id", [run_id]))

    def held_words(self, article_id: int, edition: str) -> int | None:
        """Words of the archived text of an article, or None when it is not held."""
        row = self._article_row((edition, article_id), "word_count")
        return row["word_count"] if row else None

    def was_held_back(self, article_id: int, digest: str, edition: str) -> bool:
        """True when this very text was held back before: seen twice, a shortening is real."""
        return bool(next(self.db.query(
            "SELECT 1 FROM crawl_problems WHERE edition = ? AND article_id = ? AND kind = 'much_shorter' "
            "AND content_hash = ?", [edition, article_id, digest]), None))
