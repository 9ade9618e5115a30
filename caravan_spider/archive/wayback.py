"""import-wayback's list of captures (importing/wayback.py): what a CDX server listed and what became
of each, kept in the archive so that a killed import, run again, fetches only what it had not imported."""

from __future__ import annotations

from .tables import Tables, utcnow


class WaybackList(Tables):
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
