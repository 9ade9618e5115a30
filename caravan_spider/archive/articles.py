"""The article store: what a crawl's answer about an article does to it. A page that parsed (store),
a 304 (mark_unchanged), the site saying it is gone (unpublish), or back (_restore)."""

from __future__ import annotations

from collections.abc import Callable

from ..outcomes import Outcome
from ..revisions import Stored, content_hash, judge
from ..schedule import next_check
from . import search_index
from .capture_store import Capture
from .rows import FETCH_COLUMNS, article_row, revision_row
from .search_index import index_entry
from .tables import Key, Tables, insert_sql


class ArticleStore(Tables):
    def store(self, capture: Capture, record: dict | None, layout: str | None, parser_version: str,
              lastmod: str | None, entry: list | None = None, also: Callable[[str], None] | None = None) -> str:
        """Store one fetched article page in one transaction: its capture, and when it parsed,
        the article row, a revision if the content changed, the views seen, and the search index.

        Returns what happened: "new", "updated", "unchanged", "older" (a capture older than the row, an
        import's: placed among the revisions, see _store_older) or "not-article". The record's
        search index `entry` (see index_entry()) may come precomputed by a parse worker. `also(outcome)`
        runs inside the transaction: what the caller records of the page (import-wayback marks its list)
        commits with it or not at all.
        """
        lemmas = None
        if record is not None and judge(self._stored((record["edition"], record["article_id"])), record).new_revision:
            # pymorphy3 is the slow part of storing: done before the write transaction, not inside it.
            lemmas = self._index_entries(record, entry)
        try:
            with self.db.atomic():
                capture_id = self._insert_capture(capture)
                outcome = "not-article" if record is None else \
                    self._upsert_article(record, capture, capture_id, layout, parser_version, lastmod, lemmas)
                if also is not None:
                    also(outcome)
                return outcome
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
                                          "unpublished_reason, url, lastmod, fetched_at")
        crawled = capture.source == "crawl"
        if existing and not crawled and fetched_at < existing["fetched_at"]:  # an import of the past
            return self._store_older(key, record, capture, capture_id, parser_version)
        change = judge(Stored(existing["content_hash"], existing["views"]) if existing else None, record)
        row = article_row(record, fetched_at=fetched_at, capture_id=capture_id, source=capture.source,
                          etag=capture.etag,
                          last_modified=capture.last_modified, content_hash=change.content_hash, layout=layout,
                          parser_version=parser_version,
                          first_seen_at=existing["first_seen_at"] if existing else fetched_at,
                          checked_at=fetched_at, steps=self.schedule)
        row["lastmod"] = (self._answered_lastmod(key, lastmod, existing["lastmod"] if existing else None)
                          if crawled else existing and existing["lastmod"])  # an import answers no sitemap
        self._record_views(key, record, fetched_at, capture.run_id)
        self._listing_state(*key, "archived", None, fetched_at)
        if crawled and existing and existing["status"] == "unpublished":
            self._restore(key, existing, fetched_at, capture.run_id, capture_id)
        # The site's own answer says live; an import says nothing of the site today (unknown until
        # a crawl asks, see import-warc in the README), nor undoes what a crawl found.
        row["status"] = "live" if crawled else (existing["status"] if existing else "unknown")
        if not change.new_revision:
            changes = {name: row[name] for name in (*FETCH_COLUMNS, "lastmod", "views", "modified_at", "status")}
            if change.row_changed:
                changes["updated_at"] = fetched_at
            self._update_article(key, changes)
            return change.outcome
        doc_id = existing["doc_id"] if existing else self._new_doc_id()
        if lemmas is None:  # the index entry to replace is read before the row changes
            lemmas = self._index_entries(record)
        article = {**row, "updated_at": fetched_at, "doc_id": doc_id}
        if existing:
            self._update_article(key, article)
        else:
            self.db.conn.execute(*insert_sql("articles", {"rowid": doc_id, **article}))
        self.db.conn.execute(*insert_sql("revisions", revision_row(record, fetched_at, change.content_hash,
                                                                   capture_id, parser_version, capture.source)))
        self._index(doc_id, lemmas)
        return change.outcome

    def _record_views(self, key: Key, record: dict, at: str, run_id: int | None) -> None:
        if record.get("views") is not None:
            self.db.conn.execute(*insert_sql("views", {"edition": key[0], "article_id": key[1], "checked_at": at,
                                                       "views": record["views"], "run_id": run_id}))

    def _store_older(self, key: Key, record: dict, capture: Capture, capture_id: int, parser_version: str) -> Outcome:
        """A capture older than the one the article's row was made from (an import of the archive's
        past): the row, made from newer evidence, stays; the capture's version takes its place in
        time among the revisions, as a crawl then would have recorded it. Returns "older" when it
        adds to the article's history, "unchanged" when the version before it is the same."""
        at, digest = capture.fetched_at, content_hash(record)
        self.db.conn.execute("UPDATE articles SET first_seen_at = min(first_seen_at, ?) "
                             "WHERE edition = ? AND article_id = ?", [at, *key])
        self._record_views(key, record, at, capture.run_id)
        neighbours = "SELECT revision_id, content_hash FROM revisions WHERE edition = ? AND article_id = ? AND "
        before = self.db.conn.execute(neighbours + "fetched_at <= ? ORDER BY fetched_at DESC, revision_id DESC "
                                      "LIMIT 1", [*key, at]).fetchone()
        if before and before[1] == digest:
            return Outcome.UNCHANGED  # that version was recorded already, as of an earlier capture
        after = self.db.conn.execute(neighbours + "fetched_at > ? ORDER BY fetched_at, revision_id LIMIT 1",
                                     [*key, at]).fetchone()
        if after and after[1] == digest:
            # The version recorded next was there already: it was first seen earlier, by this capture.
            self.db.conn.execute("UPDATE revisions SET fetched_at = ?, capture_id = ?, source = ?, parser_version = ? "
                                 "WHERE revision_id = ?", [at, capture_id, capture.source, parser_version, after[0]])
        else:
            self.db.conn.execute(*insert_sql("revisions", revision_row(record, at, digest, capture_id, parser_version,
                                                                       capture.source)))
        return Outcome.OLDER

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
            if existing["status"] == "unknown":
                # Known only from an import: the site never showed it to a crawl, so this is no removal
                # witnessed (no status_changes event, no feed entry); the reason says so.
                changes.update(status="unpublished", unpublished_at=at, updated_at=at,
                               unpublished_reason=f"{reason} when first asked (archived from a web archive)")
            elif existing["status"] != "unpublished":
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
            elif existing["status"] == "unknown":  # known only from an import: the site shows it
                self.db["articles"].update(key, {"status": "live", "updated_at": checked_at})
            self.db["articles"].update(key, {
                "checked_at": checked_at, "lastmod": self._answered_lastmod(key, lastmod, existing["lastmod"]),
                "next_check_at": self._next_check(checked_at, existing["published_at"] or existing["first_seen_at"])})
            self._listing_state(*key, "archived", None, checked_at)
