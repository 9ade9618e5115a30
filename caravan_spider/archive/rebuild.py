"""Re-extraction's writes: an article's row and revisions made again from its captures with the
current parser (`reextract`). The row is built as the crawl's store builds it (rows.article_row);
what the crawl learned of the article's life (first seen, last checked, lastmod, status) is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..record import FIELDS
from ..revisions import Stored, judge
from . import search_index
from .rows import article_row, revision_row
from .search_index import index_entry
from .tables import Key, Tables, insert_sql, utcnow


@dataclass
class Rebuilt:
    """An article re-extracted from its captures, ready to write (Archive.write_rebuilt); made
    where its pages were parsed, so the one writer only runs SQL."""

    key: Key
    revisions: list[dict]  # rows for `revisions`, oldest first
    row: dict | None  # the article's new row; None when no capture parses as an article any more
    doc_id: int | None  # the article's doc_id when the archive holds it, else None (a new one is made)
    status: str | None  # its status when held (reextract keeps it)
    row_changed: bool  # a reader sees a difference: updated_at moves
    unindex: list | None  # the index entry to remove (doc_id + lemmas); None: none, or it stays
    index: list | None  # the lemmas of title, lead and body to index; None: the entry stays as it is
    # Why the article is kept as stored (nothing written): a capture its row or a revision was made
    # from is no article to this parser. Re-extraction never deletes what the archive holds.
    kept: str | None = None


def plan_rebuild(key: Key, versions: list[tuple[dict, dict, str]], base: dict | None,
                 parser_version: str, steps: tuple[timedelta, ...]) -> Rebuilt:
    """What re-extracting an article changes, without SQL (so a worker process makes it): its
    revisions (each version against the one before, as a crawl judges them), its row, and its
    search index entry, lemmatised only when title, lead or body changed. `versions` are
    (capture, record, layout), oldest first, a capture's capture_id, fetched_at, etag, last_modified
    and source (what its rows say they came from); `base` is Archive.rebuild_base(key); `steps` the
    recheck schedule a new article is scheduled by (and a held one whose date changed)."""
    revisions, stored = [], None
    for capture, record, _ in versions:
        change = judge(stored, record)
        if change.new_revision:
            revisions.append(revision_row(record, capture["fetched_at"], change.content_hash,
                                          capture["capture_id"], parser_version, capture["source"]))
        stored = Stored(change.content_hash, record["views"])
    held = base is not None
    doc_id, status = (base["doc_id"], base["status"]) if held else (None, None)
    if not versions:  # nothing to write; a held article is kept as stored
        return Rebuilt(key, [], None, doc_id, status, False, None, None,
                       kept="no capture of it parses as an article" if held else None)
    capture, record, layout = versions[-1]  # the row is the newest capture's; its version the newest revision's
    change = judge(Stored(base["content_hash"], base["views"]) if held else None, record)
    row = article_row(record, fetched_at=capture["fetched_at"], capture_id=capture["capture_id"],
                      source=revisions[-1]["source"], etag=capture["etag"], last_modified=capture["last_modified"],
                      content_hash=change.content_hash, layout=layout, parser_version=parser_version,
                      first_seen_at=base["first_seen_at"] if held else versions[0][0]["fetched_at"],
                      checked_at=base["checked_at"] if held else capture["fetched_at"], steps=steps)
    if held and base["published_at"] == record["published_at"]:
        # The schedule the crawl set stands (it may have used another CARAVAN_RECHECK_SCHEDULE);
        # a date found or changed moves it, as a crawl of this capture would.
        del row["next_check_at"]
    if held and all(base[name] == record[name] for name in ("title", "lead", "body")):
        unindex = index = None  # the same text: the same lemmas are indexed already
    else:
        unindex = index_entry(base) if held else None
        index = index_entry({**record, "doc_id": None})[1:]
    return Rebuilt(key, revisions, row, doc_id, status, change.row_changed, unindex, index)


class Rebuild(Tables):
    def rebuild_article(self, key: Key, versions: list[tuple[dict, dict, str]], parser_version: str) -> None:
        """Replace an article's row and revisions with those re-extracted from its captures
        (oldest first), built as the crawl builds it from the newest; what the crawl learned (first
        seen, last checked, lastmod, status, and the schedule unless the date changed) is kept.
        `reextract` does the same in batches (plan_rebuild + write_rebuilt)."""
        self.write_rebuilt([plan_rebuild(key, versions, self.rebuild_base(key), parser_version, self.schedule)])

    def rebuild_base(self, key: Key) -> dict | None:
        """What plan_rebuild compares a re-extraction with: the article's row as it stands."""
        return self._article_row(key, f"{', '.join(FIELDS)}, doc_id, content_hash, first_seen_at, checked_at")

    def stored_captures(self, key: Key) -> set[int]:
        """The captures an article's row and its revisions were made from."""
        return {capture_id for (capture_id,) in self.db.conn.execute(
            "SELECT capture_id FROM articles WHERE edition = ? AND article_id = ? UNION "
            "SELECT capture_id FROM revisions WHERE edition = ? AND article_id = ?", [*key, *key])
            if capture_id is not None}

    def write_rebuilt(self, batch: list[Rebuilt]) -> None:
        """Write re-extracted articles (see plan_rebuild) in one transaction: plain SQL, as the
        rows come ready from where the pages were parsed (the parent of reextract's workers
        must stay lean, it is the one writer)."""
        execute = self.db.conn.execute
        with self.db.atomic():
            for rebuilt in batch:
                key = list(rebuilt.key)
                if rebuilt.kept:
                    continue
                if rebuilt.row is None:
                    # No capture of it parses, and the archive holds no article: coverage says so.
                    self._listing_state(*key, "not_article", "not an article when re-extracted", utcnow())
                    continue
                execute("DELETE FROM revisions WHERE edition = ? AND article_id = ?", key)
                if rebuilt.unindex is not None:
                    search_index.remove(self.db.conn, rebuilt.unindex)
                for revision in rebuilt.revisions:
                    execute(*insert_sql("revisions", revision))
                row = dict(rebuilt.row)
                if rebuilt.doc_id is None:
                    row.update(updated_at=utcnow(), doc_id=self._new_doc_id())
                    execute(*insert_sql("articles", {"rowid": row["doc_id"], **row}))
                else:
                    row.update(doc_id=rebuilt.doc_id, status=rebuilt.status)
                    if rebuilt.row_changed:
                        row["updated_at"] = utcnow()
                    self._update_article(rebuilt.key, row)
                if rebuilt.index is not None:
                    search_index.add(self.db.conn, row["doc_id"], rebuilt.index)
                if row["status"] == "live":  # e.g. a page that was not an article before is one now
                    self._listing_state(*key, "archived", None, row["fetched_at"])
