"""The article store: what a crawl's answer about an article does to it. A page that parsed (store),
a 304 (mark_unchanged), the site saying it is gone (unpublish), or back (_restore)."""

from __future__ import annotations

from ..revisions import Stored, judge
from ..schedule import next_check
from . import search_index
from .capture_store import Capture
from .rows import FETCH_COLUMNS, article_row, revision_row
from .search_index import index_entry
from .tables import Key, Tables, insert_sql


class ArticleStore(Tables):
    def store(self, capture: Capture, record: dict | None, layout: str | None, parser_version: str,
              lastmod: str | None, entry: list | None = None) -> str:
        """Store one fetched article page in one transaction: its capture, and when it parsed,
        the article row, a revision if the content changed, the views seen, and the search index.

        Returns what happened: "new", "updated", "unchanged" or "not-article". The record's
        search index `entry` (see index_entry()) may come precomputed by a parse worker.
        """
        lemmas = None
        if record is not None and judge(self._stored((record["edition"], record["article_id"])), record).new_revision:
            # pymorphy3 is the slow part of storing: done before the write transaction, not inside it.
            lemmas = self._index_entries(record, entry)
        try:
            with self.db.atomic():
                capture_id = self._insert_capture(capture)
                if record is None:
                    return "not-article"
                return self._upsert_article(record, capture, capture_id, layout, parser_version, lastmod, lemmas)
        except BaseException:
            # A dictionary trained in the rolled-back transaction is gone: read the state again.
            self._writing = None
            self._dictionaries.clear()
            raise

    def _stored(self, key: Key) -> Stored | None:
        row = self._article_row(key, "content_hash, views")
        return Stored(row["content_hash"], row["views"]) if row else None

    def _new_doc_id(self) -> int:
        # doc_id is also the article's rowid, given on insert: Datasette's `_search_<column>=`
        # filters match the search index's rowid against the table's rowid, not against fts_pk.
        return next(self.db.query("SELECT coalesce(max(doc_id), 0) + 1 AS n FROM articles"))["n"]

    def _next_check(self, checked_at: str, born: str | None) -> str:
        return next_check(checked_at, born, self.schedule)

    def _upsert_article(self, record: dict, capture: Capture, capture_id: int, layout: str | None,
                        parser_version: str, lastmod: str | None, lemmas: tuple | None = None) -> str:
        fetched_at = capture.fetched_at
        key = (record["edition"], record["article_id"])
        existing = self._article_row(key, "content_hash, views, first_seen_at, doc_id, status, unpublished_at, "
                                          "unpublished_reason, url, lastmod")
        change = judge(Stored(existing["content_hash"], existing["views"]) if existing else None, record)
        row = article_row(record, fetched_at=fetched_at, capture_id=capture_id, etag=capture.etag,
                          last_modified=capture.last_modified, content_hash=change.content_hash, layout=layout,
                          parser_version=parser_version,
                          first_seen_at=existing["first_seen_at"] if existing else fetched_at,
                          checked_at=fetched_at, steps=self.schedule)
        row["lastmod"] = self._answered_lastmod(key, lastmod, existing["lastmod"] if existing else None)
        if record.get("views") is not None:
            self.db.conn.execute(*insert_sql("views", {"edition": key[0], "article_id": key[1],
                                                       "checked_at": fetched_at, "views": record["views"],
                                                       "run_id": capture.run_id}))
        self._listing_state(*key, "archived", None, fetched_at)
        if existing and existing["status"] == "unpublished":
            self._restore(key, existing, fetched_at, capture.run_id, capture_id)
        if not change.new_revision:
            changes = {name: row[name] for name in (*FETCH_COLUMNS, "lastmod", "views", "modified_at")}
            if change.row_changed:
                changes["updated_at"] = fetched_at
            self._update_article(key, changes)
            return change.outcome
        doc_id = existing["doc_id"] if existing else self._new_doc_id()
        if lemmas is None:  # the index entry to replace is read before the row changes
            lemmas = self._index_entries(record)
        article = {**row, "updated_at": fetched_at, "doc_id": doc_id, "status": "live"}
        if existing:
            self._update_article(key, article)
        else:
            self.db.conn.execute(*insert_sql("articles", {"rowid": doc_id, **article}))
        self.db.conn.execute(*insert_sql("revisions", revision_row(record, fetched_at, change.content_hash,
                                                                   capture_id, parser_version)))
        self._index(doc_id, lemmas)
        return change.outcome

    def _answered_lastmod(self, key: Key, asked_with: str | None, recorded: str | None) -> str | None:
        """The sitemap lastmod a copy fetched now answers: the one it was asked with, else the last
        one the site listed for it (listed before this fetch, so the copy is at least that new),
        else the one recorded before. What the next run compares the sitemap's lastmod with."""
        if asked_with is not None:
            return asked_with
        listed = self.db.conn.execute("SELECT lastmod FROM listings WHERE edition = ? AND article_id = ?",
                                      list(key)).fetchone()
        return (listed and listed[0]) or recorded

    def _restore(self, key: Key, existing: dict, at: str, run_id: int | None, capture_id: int | None) -> None:
        """The site shows an unpublished article again: live, and the gap kept as an event."""
        self.db["articles"].update(key, {"status": "live", "unpublished_at": None, "unpublished_reason": None,
                                         "updated_at": at})
        self.db["status_changes"].insert({
            "edition": key[0], "article_id": key[1], "event": "restored", "at": at,
            "reason": existing["unpublished_reason"], "gap_started_at": existing["unpublished_at"],
            "url": existing["url"], "run_id": run_id, "capture_id": capture_id})

    def unpublish(self, capture: Capture | None, key: Key, reason: str, at: str, run_id: int | None) -> str | None:
        """The site says a known article is gone (404/410, a not-found page, a redirect elsewhere).
        Its text and revisions stay; the row says unpublished, since when and why. Stores the
        answer as a capture when given. Returns "unpublished" when this answer unpublished it,
        "still unpublished" when it already was, None when the archive holds no such article."""
        with self.db.atomic():
            existing = self._article_row(key, "status, published_at, first_seen_at, url")
            if existing is None:
                return None
            capture_id = self._insert_capture(capture) if capture else None
            changes = {"checked_at": at,
                       "next_check_at": self._next_check(at, existing["published_at"] or existing["first_seen_at"])}
            if existing["status"] != "unpublished":
                changes.update(status="unpublished", unpublished_at=at, unpublished_reason=reason, updated_at=at)
                self.db["status_changes"].insert({
                    "edition": key[0], "article_id": key[1], "event": "unpublished", "at": at, "reason": reason,
                    "gap_started_at": None, "url": existing["url"], "run_id": run_id, "capture_id": capture_id})
            self.db["articles"].update(key, changes)
            self._listing_state(*key, "unpublished", reason, at)
            return "unpublished" if existing["status"] != "unpublished" else "still unpublished"

    def _index_entries(self, record: dict, new: list | None = None) -> tuple[list | None, list]:
        """The index entry the article has now (None if it has none) and the one `record`
        needs (`new`, when a parse worker made it; its rowid filled in by _index); read and
        lemmatised outside the write transaction (one run writes at a time)."""
        old = self._article_row((record["edition"], record["article_id"]), "doc_id, article_id, edition, title, lead, body")
        return (index_entry(old) if old else None), (new if new is not None else index_entry({**record, "doc_id": None}))

    def _index(self, doc_id: int, lemmas: tuple[list | None, list]) -> None:
        """Replace an article's entry in the search index."""
        old, new = lemmas
        if old is not None:
            search_index.remove(self.db.conn, old)
        search_index.add(self.db.conn, doc_id, new[1:])

    def mark_unchanged(self, key: Key, checked_at: str, run_id: int | None = None,
                       lastmod: str | None = None) -> None:
        """A 304 Not Modified: the archive's copy is current (and the article is there again,
        if it had gone), and answers the lastmod it was asked with (see _answered_lastmod). The
        next check moves along the schedule."""
        with self.db.atomic():
            existing = self._article_row(key, "status, published_at, first_seen_at, unpublished_at, "
                                              "unpublished_reason, url, lastmod")
            if existing is None:
                return
            if existing["status"] == "unpublished":
                self._restore(key, existing, checked_at, run_id, None)
            self.db["articles"].update(key, {
                "checked_at": checked_at, "lastmod": self._answered_lastmod(key, lastmod, existing["lastmod"]),
                "next_check_at": self._next_check(checked_at, existing["published_at"] or existing["first_seen_at"])})
            self._listing_state(*key, "archived", None, checked_at)
