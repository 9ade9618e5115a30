"""The archive's reading room: a Datasette plugin installed with the package.

Registered through the `datasette` entry point (pyproject.toml), so it loads wherever Datasette
runs: `datasette archive/` and `datasette archive/caravan.db` alike. It brings the archive's
metadata (facets, canned queries, descriptions), the templates that make `articles` a list and an
article page, and search that knows Russian word forms, with the matched words highlighted.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from pathlib import Path

import yaml
from datasette import hookimpl
from markupsafe import Markup, escape

from caravan_spider.search import fts_query, highlight, plain, snippet
from caravan_spider.text import paragraphs

METADATA = yaml.safe_load((Path(__file__).parent / "metadata.yml").read_text("utf-8"))
LIST_WORDS = 12  # words of a body shown in a table cell before "more"


@lru_cache(maxsize=64)
def _is_archive(path: str, mtime: float) -> bool:
    """An archive made by caravan-archive (whatever its file name): its search index is ours."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name IN "
                                            "('articles', 'articles_fts', 'crawl_runs', '_sqlite_migrations')")}
        return len(names) == 4
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _archive_names(datasette) -> list[str]:
    names = []
    for name, db in datasette.databases.items():
        if db.path and Path(db.path).is_file() and _is_archive(db.path, Path(db.path).stat().st_mtime):
            names.append(name)
    return names


@hookimpl
def get_metadata(datasette, key, database, table):
    """The archive's metadata for every archive Datasette opened; a local metadata.yml wins."""
    config = METADATA["databases"]["caravan"]
    top = {k: v for k, v in METADATA.items() if k != "databases"}
    return {**top, "databases": {name: config for name in _archive_names(datasette)}}


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    # Runs after Datasette registered its own escape_fts(), which its search box wraps around
    # the query: replacing it makes «фестивалей» find «фестиваль» (see search.py), also in
    # `_search_title=` column search, since the expression carries no column filter.
    conn.create_function("ru_fts_query", 1, fts_query, deterministic=True)
    conn.create_function("caravan_snippet", 3, _snippet_text, deterministic=True)
    if database in _archive_names(datasette):
        conn.create_function("escape_fts", 1, fts_query, deterministic=True)


def _snippet_text(query, lead, body) -> str:
    return plain(snippet(query or "", lead, body))


def snippet_html(query: str, *texts: str | None) -> Markup:
    """A snippet with the matched word forms in <mark>; every piece of text escaped."""
    return Markup("".join(f"<mark>{escape(t)}</mark>" if hit else str(escape(t)) for t, hit in snippet(query, *texts)))


def highlight_html(query: str, text: str | None) -> Markup:
    """The whole text, escaped, with the matched word forms in <mark>."""
    return Markup("".join(f"<mark>{escape(t)}</mark>" if hit else str(escape(t)) for t, hit in highlight(query, text)))


def first_line(text: str | None, words: int = 40) -> str:
    """The lead's first line, cut at `words` words."""
    line = (text or "").strip().split("\n", 1)[0]
    cut = line.split()
    return " ".join(cut[:words]) + ("…" if len(cut) > words else "")


def body_html(text: str | None) -> Markup:
    return Markup("".join(f"<p>{escape(p)}</p>" for p in paragraphs(text or "")))


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    async def inner():
        query = ""
        if request is not None:
            query = request.args.get("_search") or request.args.get("q") or next(
                (request.args[k] for k in request.args if k.startswith("_search_")), "")
        context = {"caravan_query": query, "caravan_snippet": snippet_html, "caravan_highlight": highlight_html, "caravan_first_line": first_line,
                   "caravan_body": body_html}
        if view_name == "row" and table == "articles" and request is not None:
            article_id = request.url_vars.get("pks")
            db = datasette.get_database(database)
            counts = (await db.execute(
                "SELECT (SELECT count(*) FROM captures WHERE article_id = :id) AS captures, "
                "(SELECT count(*) FROM revisions WHERE article_id = :id) AS revisions", {"id": article_id})).first()
            context["caravan_counts"] = dict(counts)
            row = (await db.execute("SELECT tags, authors FROM articles WHERE article_id = ?", [article_id])).first()
            for key in ("tags", "authors"):
                context[f"caravan_{key}"] = json.loads(row[key]) if row and row[key] else []
        return context

    return inner


@hookimpl
def render_cell(value, column, table, database, datasette):
    """Bodies in tables: the first words, the whole text one click away, always escaped."""
    if column != "body" or table not in ("articles", "revisions") or not isinstance(value, str):
        return None
    words = value.split()
    if len(words) <= LIST_WORDS:
        return body_html(value)
    return Markup(f"<details class=\"caravan-body\"><summary>{escape(' '.join(words[:LIST_WORDS]))}…</summary>"
                  f"{body_html(value)}</details>")
