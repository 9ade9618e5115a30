"""The search index `articles_fts`: every statement that writes it or asks it, written here once
(the archive's writers, `Archive.search`, the reading room's counts and Datasette's search clause).

It is an external-content FTS5 table on `articles` keyed by doc_id (m6a), holding the lemmas of
title, lead and body (search.py), never the readable text. The migrations that made it keep
their own statements: they are history.
"""

from __future__ import annotations

import sqlite3

from ..search import fts_query, lemmas_of, snippet

# An entry is [doc_id, title lemmas, lead lemmas, body lemmas] (index_entry()).
_ADD = "INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)"
# External content: an entry is removed by handing FTS5 exactly the lemmas it indexed (a plain
# DELETE would tokenize the readable text instead).
_REMOVE = "INSERT INTO articles_fts (articles_fts, rowid, title, lead, body) VALUES ('delete', ?, ?, ?, ?)"

# Best matches among the newest :ranked ones (see Search.search), each with the text a snippet needs.
_RANKED = ("SELECT articles.edition, articles.article_id, articles.published_at, articles.title, articles.url, "
           "articles.lead, articles.body FROM articles_fts JOIN articles ON articles.doc_id = articles_fts.rowid "
           "WHERE articles_fts MATCH :q AND (:edition IS NULL OR articles.edition = :edition) "
           "AND articles_fts.rowid >= (SELECT coalesce(min(rowid), 0) FROM "
           "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q AND (:edition IS NULL OR (SELECT edition "
           "FROM articles WHERE doc_id = articles_fts.rowid) = :edition) ORDER BY rowid DESC LIMIT :ranked)) "
           "ORDER BY rank LIMIT :limit")

# Datasette's clause for `?_search=` on the articles table (datasette/filters.py, fts_pk doc_id),
# with and without `_searchmode=raw`, and the same search as a walk down the dates (the reading room).
DATASETTE_SEARCH = "doc_id in (select rowid from articles_fts where articles_fts match {match})"
WALK_SEARCH = ("exists (select 1 from articles_fts where articles_fts.rowid = articles.doc_id "
               "and articles_fts match {match})")


def index_entry(row: dict) -> list:
    """What the index holds for an article: its doc_id (its article_id before m6a) and the lemmas
    of title, lead and body (Kazakh ones as written, see search.py)."""
    edition = row.get("edition") or "ru"  # rows m4a indexed, before editions, were all Russian
    return [row.get("doc_id", row["article_id"]), *(lemmas_of(row.get(k), edition) if row.get(k) is not None else None
                                                   for k in ("title", "lead", "body"))]


def add(conn: sqlite3.Connection, doc_id: int, lemmas: list) -> None:
    """Index an article: `lemmas` of title, lead and body (an index_entry() without its doc_id)."""
    conn.execute(_ADD, [doc_id, *lemmas])


def remove(conn: sqlite3.Connection, entry: list) -> None:
    """Remove an article's entry: `entry` is the index_entry() it was indexed with."""
    conn.execute(_REMOVE, entry)


def count_sql(match: str, limit: str, articles: bool = False) -> str:
    """How many entries match `match` (an SQL expression: a parameter, escape_fts(:search)), counted
    up to `limit` and no further; with `articles`, only entries whose article the table holds."""
    joined = " JOIN articles ON articles.doc_id = articles_fts.rowid" if articles else ""
    return f"SELECT count(*) FROM (SELECT 1 FROM articles_fts{joined} WHERE articles_fts MATCH {match} LIMIT {limit})"


class Search:
    """Archive.search: the archive's own search (the CLI's `search`)."""

    # Ranking scores every match (bm25, ~8 µs each): a word found in 200,000 articles took 1.6 s.
    # Only the newest SEARCH_RANKED matches are ranked (doc ids grow with time), which bounds a
    # search to a few milliseconds whatever the archive's size.
    SEARCH_RANKED = 1000

    def search(self, query: str, limit: int = 10, edition: str | None = None) -> list[dict]:
        """Best matches for a query in any word form, among its newest SEARCH_RANKED matches;
        each with its `snippet`: segments of the lead or body around the matched words (see
        search.snippet)."""
        found = list(self.db.query(_RANKED, {"q": fts_query(query), "edition": edition,
                                             "ranked": self.SEARCH_RANKED, "limit": limit}))
        for row in found:
            row["snippet"] = snippet(query, row.pop("lead"), row.pop("body"))
        return found
