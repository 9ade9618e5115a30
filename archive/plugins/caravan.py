"""Datasette plugin for the Caravan.kz archive: Russian-aware search, readable article bodies, and
what changed between an article's revisions (/-/changes/<edition>/<article_id>)."""

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from caravan_spider.diff import changes

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
def render_cell(row, value, column, table, database, datasette):
    """Article bodies shown as paragraphs; every paragraph's text escaped. An article's
    content_hash links to what changed between its revisions."""
    if column == "content_hash" and table == "articles" and isinstance(value, str):
        href = f"/-/changes/{escape(row['edition'])}/{int(row['article_id'])}"
        return Markup(f'<a href="{href}">what changed</a> <small>{escape(value[:12])}</small>')
    if column != "body" or table not in ("articles", "revisions") or not isinstance(value, str):
        return None
    return Markup("".join(f"<p>{escape(p)}</p>" for p in paragraphs(value)))


async def article_changes(datasette, request):
    """Consecutive revisions of one article compared field by field, the body word by word."""
    edition, article_id = request.url_vars["edition"], int(request.url_vars["article_id"])
    db = datasette.get_database("caravan")
    article = (await db.execute("SELECT title, status, unpublished_at, unpublished_reason FROM articles "
                                "WHERE edition = ? AND article_id = ?", [edition, article_id])).first()
    if article is None:
        raise NotFound(f"No article {edition}/{article_id} in the archive")
    revisions = [dict(r) for r in await db.execute(
        "SELECT * FROM revisions WHERE edition = ? AND article_id = ? ORDER BY fetched_at, revision_id",
        [edition, article_id])]
    events = [dict(r) for r in await db.execute(
        "SELECT event, at, reason, gap_started_at FROM article_events WHERE edition = ? AND article_id = ? "
        "ORDER BY at, event_id", [edition, article_id])]
    steps = [{"number": n, "fetched_at": newer["fetched_at"], "before_at": older["fetched_at"],
              "changes": changes(older, newer)}
             for n, (older, newer) in enumerate(zip(revisions, revisions[1:]), start=2)]
    html = await datasette.render_template("article_changes.html", {
        "database": "caravan", "row_path": f"{edition},{article_id}", "edition": edition, "article_id": article_id,
        "title": article["title"], "status": article["status"], "unpublished_at": article["unpublished_at"],
        "unpublished_reason": article["unpublished_reason"], "revisions": revisions, "steps": steps,
        "events": events}, request=request)
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/-/changes/(?P<edition>ru|kk)/(?P<article_id>\d+)$", article_changes)]
