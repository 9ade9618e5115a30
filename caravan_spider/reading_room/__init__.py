"""The archive's reading room: a Datasette plugin installed with the package.

Registered through the `datasette` entry point (pyproject.toml), so it loads wherever Datasette
runs: `datasette archive/` and `datasette archive/caravan.db` alike. It brings the archive's
metadata (facets, canned queries, descriptions), the templates that make `articles` a list and an
article page, search that knows Russian word forms, with the matched words highlighted, and what
changed between an article's revisions (/-/changes/<edition>/<article_id>).
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from pathlib import Path

import sqlite_utils
import yaml
from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from caravan_spider.archive import migrations
from caravan_spider.diff import changes
from caravan_spider.search import fts_query, highlight, plain, snippet
from caravan_spider.text import paragraphs

METADATA = yaml.safe_load((Path(__file__).parent / "metadata.yml").read_text("utf-8"))
LIST_WORDS = 12  # words of a body shown in a table cell before "more"


@lru_cache(maxsize=64)
def _archive_state(path: str, mtime: float) -> str | None:
    """"current" for an archive of this version, "outdated" for one an older version made (readers
    never migrate it, and the reading room's columns are not there yet), None for any other file."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name IN "
                                            "('articles', 'articles_fts', 'crawl_runs', '_sqlite_migrations')")}
        if len(names) != 4:
            return None
        return "outdated" if migrations.pending(sqlite_utils.Database(conn)) else "current"
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _archive_names(datasette, state: str = "current") -> list[str]:
    names = []
    for name, db in datasette.databases.items():
        if db.path and Path(db.path).is_file() and _archive_state(db.path, _stamp(db.path)) == state:
            names.append(name)
    return names


def _stamp(path: str) -> float:
    """When the archive last changed: in WAL mode its -wal file changes first."""
    return max(Path(p).stat().st_mtime for p in (path, path + "-wal") if Path(p).exists())


@hookimpl
def get_metadata(datasette, key, database, table):
    """The archive's metadata for every archive Datasette opened; a local metadata.yml wins. An
    archive made by an older version is shown as plain tables, with what to do about it."""
    config = METADATA["databases"]["caravan"]
    top = {k: v for k, v in METADATA.items() if k != "databases"}
    databases = {name: config for name in _archive_names(datasette)}
    for name in _archive_names(datasette, "outdated"):
        path = datasette.databases[name].path
        databases[name] = {"description_html": f"This archive was made by an older caravan-archive: run "
                                               f"<code>caravan-archive crawl --db {escape(path)}</code> once to "
                                               "upgrade it (the reading room needs its new columns)."}
    return {**top, "databases": databases}


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
        if view_name == "row" and table == "articles" and request is not None and database in _archive_names(datasette):
            # An article is (edition, article_id): its row is /<db>/articles/<edition>,<article_id>.
            edition, _, article_id = request.url_vars.get("pks", "").rpartition(",")
            key = {"edition": edition or "ru", "id": article_id}
            db = datasette.get_database(database)
            counts = (await db.execute(
                "SELECT (SELECT count(*) FROM captures WHERE edition = :edition AND article_id = :id) AS captures, "
                "(SELECT count(*) FROM revisions WHERE edition = :edition AND article_id = :id) AS revisions, "
                "(SELECT count(*) FROM status_changes WHERE edition = :edition AND article_id = :id) AS events",
                key)).first()
            context["caravan_counts"] = dict(counts)
            context["caravan_changes"] = f"/-/changes/{escape(key['edition'])}/{escape(article_id)}"
            row = (await db.execute("SELECT tags, authors FROM articles WHERE edition = :edition AND article_id = :id",
                                    key)).first()
            for key in ("tags", "authors"):
                context[f"caravan_{key}"] = json.loads(row[key]) if row and row[key] else []
        return context

    return inner


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Bodies in tables: the first words, the whole text one click away, always escaped. An
    article's content_hash links to what changed between its revisions."""
    if column == "content_hash" and table == "articles" and isinstance(value, str) and "edition" in row.keys():
        href = f"/-/changes/{escape(row['edition'])}/{int(row['article_id'])}"
        return Markup(f'<a href="{href}">what changed</a> <small>{escape(value[:12])}</small>')
    if column != "body" or table not in ("articles", "revisions") or not isinstance(value, str):
        return None
    words = value.split()
    if len(words) <= LIST_WORDS:
        return body_html(value)
    return Markup(f"<details class=\"caravan-body\"><summary>{escape(' '.join(words[:LIST_WORDS]))}…</summary>"
                  f"{body_html(value)}</details>")


async def article_changes(datasette, request):
    """Consecutive revisions of one article compared field by field, the body word by word."""
    edition, article_id = request.url_vars["edition"], int(request.url_vars["article_id"])
    names = _archive_names(datasette)
    if not names:
        raise NotFound("No caravan-archive database is open")
    database = names[0]
    db = datasette.get_database(database)
    article = (await db.execute("SELECT title, status, unpublished_at, unpublished_reason FROM articles "
                                "WHERE edition = ? AND article_id = ?", [edition, article_id])).first()
    if article is None:
        raise NotFound(f"No article {edition}/{article_id} in the archive")
    revisions = [dict(r) for r in await db.execute(
        "SELECT * FROM revisions WHERE edition = ? AND article_id = ? ORDER BY fetched_at, revision_id",
        [edition, article_id])]
    events = [dict(r) for r in await db.execute(
        "SELECT event, at, reason, gap_started_at FROM status_changes WHERE edition = ? AND article_id = ? "
        "ORDER BY at, event_id", [edition, article_id])]
    steps = [{"number": n, "fetched_at": newer["fetched_at"], "before_at": older["fetched_at"],
              "changes": changes(older, newer)}
             for n, (older, newer) in enumerate(zip(revisions, revisions[1:]), start=2)]
    html = await datasette.render_template("article_changes.html", {
        "database": database, "row_path": f"{edition},{article_id}", "edition": edition, "article_id": article_id,
        "title": article["title"], "status": article["status"], "unpublished_at": article["unpublished_at"],
        "unpublished_reason": article["unpublished_reason"], "revisions": revisions, "steps": steps,
        "events": events}, request=request)
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/-/changes/(?P<edition>ru|kk)/(?P<article_id>\d+)$", article_changes)]
