"""Datasette plugin for the Caravan.kz archive: Russian-aware search and readable article bodies."""

from datasette import hookimpl
from markupsafe import Markup, escape

from caravan_spider.search import fts_query
from caravan_spider.text import paragraphs


def _has_lemma_index(conn) -> bool:
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    return bool(row and "lemmas" in row[0])


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    # Runs after Datasette registered its own escape_fts(), which its search box wraps
    # around the query: replacing it makes «фестивалей» find «фестиваль» (see search.py).
    conn.create_function("ru_fts_query", 1, fts_query)
    if _has_lemma_index(conn):
        conn.create_function("escape_fts", 1, fts_query)


@hookimpl
def render_cell(value, column, table, database, datasette):
    """Article bodies shown as paragraphs; every paragraph's text escaped."""
    if column != "body" or table not in ("articles", "revisions") or not isinstance(value, str):
        return None
    return Markup("".join(f"<p>{escape(p)}</p>" for p in paragraphs(value)))
