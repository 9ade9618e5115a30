"""The archive's reading room: a Datasette plugin installed with the package.

Registered through the `datasette` entry point (pyproject.toml), so it loads wherever Datasette
runs: `datasette archive/` and `datasette archive/caravan.db` alike. It brings the archive's
metadata (facets, canned queries, descriptions), the templates that make `articles` a list and an
article page, search that knows Russian word forms, with the matched words highlighted, and what
changed between an article's revisions (/-/changes/<edition>/<article_id>).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sqlite3
import stat
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import datasette as datasette_package
import sqlite_utils
import yaml
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import await_me_maybe, tilde_decode, to_css_class
from datasette.utils.asgi import NotFound, Response
from jinja2 import BaseLoader, TemplateNotFound
from markupsafe import Markup, escape

from caravan_spider.archive import migrations, search_index
from caravan_spider.diff import changes
from caravan_spider.search import QUERY_MAX_CHARS, SCAN_CHARS, check_query, fts_query, highlight, plain, snippet
from caravan_spider.site import CARAVAN
from caravan_spider.text import paragraphs
from caravan_spider.urls import web_url

METADATA = yaml.safe_load((Path(__file__).parent / "metadata.yml").read_text("utf-8"))
LIST_WORDS = 12  # words of a body shown in a table cell before "more"
# Tables whose rows are about one archived article each: their article_id cell links to it.
ARTICLE_ID_TABLES = ("revisions", "status_changes", "views")
SEARCH_COUNT_CAP = 1000  # a search page counts its matches up to this, then says "more than"
# Arguments after which Datasette's own count and facets of a search are left alone.
EXACT_ARGS = ("_exact", "_nocount", "_nofacet", "_facet")
# A search with no other argument than these is counted by the page (search_count).
LEAN_COUNTABLE = {"_search", "_size", "_next", "_sort", "_sort_desc", "_view", "_labels", "_shape", "_col", "_nocol"}
# An article's row address when article_id alone was the key (archives before the Kazakh edition).
OLD_ARTICLE_ADDRESS = re.compile(r"/(?P<database>[^/]+)/articles/(?P<article_id>[0-9]+)(?P<format>\.json|\.csv)?")


def _inline_scripts() -> list[str]:
    """The inline scripts of Datasette's templates and ours, which the policy runs by their hash (no
    other inline script runs, nor any javascript: link). A script that prints a template variable
    is listed for each value it can take."""
    values = {"{{ datasette_allow_facet }}": ("true", "false")}
    found = set()
    for folder in (Path(datasette_package.__file__).parent / "templates", Path(__file__).parent / "templates"):
        for template in sorted(folder.glob("*.html")):
            for script in re.findall(r"<script>(.*?)</script>", template.read_text("utf-8"), re.S):
                variable = next((v for v in values if v in script), None)
                if variable:
                    found.update(script.replace(variable, value) for value in values[variable])
                elif "{{" not in script and "{%" not in script:
                    found.add(script)
    return sorted(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in found)


# Sent with every response: the reading room's pages load only their own files, run only the inline
# scripts above, are framed by no other site, and a link a page smuggled in (javascript:) runs nothing.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", f"script-src 'self' {' '.join(_inline_scripts())}",
    "style-src 'self' 'unsafe-inline'",  # Datasette's pages and ours colour and size elements inline
    "img-src 'self' data:",  # app.css draws its icons with data: SVGs
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"]).encode()


def with_policy(send):
    """The ASGI `send` of a response, with the policy among its headers (unless it has one)."""
    async def sending(message):
        if message["type"] == "http.response.start" and not any(
                name.lower() == b"content-security-policy" for name, _ in message.get("headers", [])):
            message = {**message, "headers": [*message.get("headers", []),
                                              (b"content-security-policy", CONTENT_SECURITY_POLICY)]}
        await send(message)

    return sending


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
        stamp = _stamp(str(db.path)) if db.path else None
        if stamp is not None and _archive_state(str(db.path), stamp) == state:
            names.append(name)
    return names


def _stamp(path: str) -> float | None:
    """When the archive last changed (in WAL mode its -wal file changes first); None when it is
    not a file. Asked several times per page: two stat calls, no more."""
    try:
        main = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(main.st_mode):
        return None
    try:
        return max(main.st_mtime, os.stat(path + "-wal").st_mtime)
    except OSError:
        return main.st_mtime


def lean_search(path: str, query_string: bytes, archives: list[str]) -> bytes | None:
    """The query string a search of an archive's articles table is answered with: without
    Datasette's count (the page counts up to SEARCH_COUNT_CAP itself, when only the search
    narrows the list; other filters keep Datasette's exact count) and without facets; a later
    page of the list without facets; None to leave the request as it is."""
    database, _, rest = path.lstrip("/").partition("/")
    if database not in archives or rest.split(".", 1)[0] != "articles" or "/" in rest:
        return None
    args = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    keys = {key for key, _ in args}
    if any(key.startswith(EXACT_ARGS) for key in keys):
        return None
    # Appended, not re-encoded: the reader's own arguments reach Datasette byte for byte.
    if any(key.startswith("_search") and value.strip() for key, value in args):
        return query_string + (b"&_nofacet=1&_nocount=1" if keys <= LEAN_COUNTABLE else b"&_nofacet=1")
    if "_next" in keys:
        # A later page of the list: its facets are the first page's, recounted past the cursor
        # (2.7 s at 300,000 articles). The page links back to the first.
        return query_string + b"&_nofacet=1"
    return None


def search_refused(path: str, query_string: bytes, archives: list[str]) -> str | None:
    """Why a search of an archive is not made (a query longer than a search takes: see
    search.check_query), or None. Asked before Datasette runs it, so that the reader reads why."""
    if path.lstrip("/").partition("/")[0] not in archives:
        return None
    for key, value in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
        if key.startswith("_search") or key == "q":
            try:
                check_query(value)
            except ValueError as error:
                return str(error)
    return None


def old_article_address(datasette, path: str) -> str | None:
    """Where an article's address from before the Kazakh edition now is: `/db/articles/845713`
    (one key; Datasette answers 500 to one part of a two-part key) is `/db/articles/ru,845713`,
    as every article archived then was Russian; None for any other path. The database is named
    as Datasette routes it (tilde-encoded: caravan.v2 is caravan~2Ev2), under its base_url; the
    address returned is Datasette's own, so ASCII (a Location header is bytes)."""
    base_url = datasette.setting("base_url")
    if not path.startswith(base_url):
        return None
    match = OLD_ARTICLE_ADDRESS.fullmatch("/" + path[len(base_url):])
    if match is None:
        return None
    route = tilde_decode(match["database"])
    archives = _archive_names(datasette)
    for name, db in datasette.databases.items():
        if db.route == route and name in archives:
            return datasette.urls.row(name, "articles", f"ru,{match['article_id']}",
                                      format=match["format"][1:] if match["format"] else None)
    return None


# The names Datasette asks for a page's template (row-<database>-<table>.html, with the database's
# CSS class), and the reading room's template each stands for when the database is an archive.
ARCHIVE_TEMPLATES = {
    "table-{database}-articles.html": "archive-table-articles.html",
    "row-{database}-articles.html": "archive-row-articles.html",
    "query-{database}-search.html": "archive-query-search.html",
    "query-{database}-recent_changes.html": "archive-query-recent-changes.html",
}


class ArchiveTemplates(BaseLoader):
    """Datasette chooses a page's template by the database's name: for every archive, whatever its
    file is called (caravan.db, a.db), those names are the reading room's templates; a database
    that is not an archive keeps Datasette's pages. A template of that name in a template
    directory (archive/templates/) still wins."""

    def __init__(self, loader, datasette):
        self.loader, self.datasette = loader, datasette

    def archive_template(self, name: str) -> str | None:
        for database in _archive_names(self.datasette):
            for pattern, own in ARCHIVE_TEMPLATES.items():
                if name == pattern.format(database=to_css_class(database)):
                    return own
        return None

    def get_source(self, environment, template):
        try:
            return self.loader.get_source(environment, template)
        except TemplateNotFound:
            own = self.archive_template(template)
            if own is None:
                raise
        source, filename, uptodate = self.loader.get_source(environment, own)
        # Reloaded when the database stops being an archive (or the file changes).
        return source, filename, lambda: self.archive_template(template) == own and (uptodate is None or uptodate())

    def list_templates(self):
        """Datasette lists the templates when it makes its app (for pages/ routes)."""
        return self.loader.list_templates()


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.loader = ArchiveTemplates(env.loader, datasette)


@hookimpl
def asgi_wrapper(datasette):
    """Searches of the articles table without a full count and facets (see lean_search),
    article addresses from before the Kazakh edition redirected (see old_article_address), and
    the Content-Security-Policy on every response."""
    def wrap(app):
        async def lean(scope, receive, send):
            if scope.get("type") == "http":
                send = with_policy(send)
            if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
                path = scope.get("path", "")
                moved = "/articles/" in path and old_article_address(datasette, path)
                if moved:
                    query = scope.get("query_string", b"").decode("latin-1")
                    location = scope.get("root_path", "") + moved + (f"?{query}" if query else "")
                    await send({"type": "http.response.start", "status": 301,
                                "headers": [(b"location", location.encode("latin-1")),
                                            (b"content-type", b"text/plain; charset=utf-8")]})
                    body = f"Moved to {moved}\n".encode() if scope["method"] == "GET" else b""  # HEAD: none
                    await send({"type": "http.response.body", "body": body})
                    return
                if len(scope.get("query_string", b"")) > QUERY_MAX_CHARS:  # no argument is longer then
                    refused = search_refused(path, scope["query_string"], _archive_names(datasette))
                    if refused:
                        await Response.text(refused + "\n", status=400).asgi_send(send)
                        return
                if scope["method"] == "GET" and (b"_search" in scope.get("query_string", b"")
                                                 or b"_next" in scope.get("query_string", b"")):
                    changed = lean_search(scope.get("path", ""), scope["query_string"], _archive_names(datasette))
                    if changed is not None:
                        scope = {**scope, "query_string": changed}
            await app(scope, receive, send)

        return lean

    return wrap


async def search_count(datasette, database: str, query: str) -> tuple[int, bool]:
    """How many articles match a search, counted up to SEARCH_COUNT_CAP: (count, more), where
    more says there are more than that. The index drives (its rows are the articles' doc_ids),
    so the count stops at the cap instead of listing every match first."""
    row = (await datasette.get_database(database).execute(
        search_index.count_sql("ru_fts_query(:q)", ":limit", articles=True),
        {"q": query, "limit": SEARCH_COUNT_CAP + 1})).first()
    return min(row[0], SEARCH_COUNT_CAP), row[0] > SEARCH_COUNT_CAP


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


COMMON_SEARCH = 5000  # matches from which a search walks the dates instead of sorting every match
SQLITE_MAX_INTEGER = 2 ** 63 - 1


@hookimpl(wrapper=True)
def filters_from_request(request, database, table, datasette):
    """A table search for a common word, newest first: Datasette sorts every match by date
    (0.3 s for a word in most of 300,000 articles); walking the date index down and asking the
    search index about each article stops after a page (a few ms), with the same rows. Only
    where nothing else needs every match: no count (lean_search), no facets, the default order."""
    results = yield
    if not (table == "articles" and request.args.get("_search") and request.args.get("_nocount")
            and request.args.get("_nofacet") and not request.args.get("_sort")
            and request.args.get("_sort_desc", "published_at") == "published_at"
            and database in _archive_names(datasette)):
        return results

    def walking(result):
        async def inner():
            arguments = await await_me_maybe(result)
            for match in ("escape_fts(:search)", ":search"):
                clause = search_index.DATASETTE_SEARCH.format(match=match)
                if arguments and clause in arguments.where_clauses and await _common(datasette, database, match,
                                                                                    arguments.params):
                    walk = search_index.WALK_SEARCH.format(match=match)
                    arguments.where_clauses[arguments.where_clauses.index(clause)] = walk
            return arguments
        return inner

    return [walking(result) for result in results]


async def _common(datasette, database: str, match: str, params: dict) -> bool:
    """Whether a search matches at least COMMON_SEARCH articles (read from the index, ~1 ms)."""
    try:
        count = (await datasette.get_database(database).execute(
            search_index.count_sql(match, str(COMMON_SEARCH)), {"search": params.get("search", "")})).first()[0]
    except (sqlite3.Error, QueryInterrupted):
        return False  # a query FTS5 rejects: Datasette's own clause shows the error
    return count >= COMMON_SEARCH


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
    """The lead's first line, cut at `words` words; read from its first SCAN_CHARS characters."""
    head = (text or "")[:SCAN_CHARS]
    line = head.strip().split("\n", 1)[0]
    cut = line.split()
    more = len(cut) > words or (len(text or "") > SCAN_CHARS and "\n" not in head.strip())
    return " ".join(cut[:words]) + ("…" if more else "")


def moment(value: str | None) -> str:
    """An ISO 8601 time as a reader reads it: 2026-01-02 06:30 UTC, 2026-01-02 10:15 (+05:00); a
    bare date as it is."""
    if not value or "T" not in value:
        return value or ""
    day, _, rest = value.partition("T")
    offset = rest[8:].lstrip(".0123456789")
    return f"{day} {rest[:5]}" + (" UTC" if offset in ("+00:00", "Z") else f" ({offset})" if offset else "")


def body_html(text: str | None) -> Markup:
    return Markup("".join(f"<p>{escape(p)}</p>" for p in paragraphs(text or "")))


# A body is plain text: a subheading is known by its shape. At most this many words, no sentence
# punctuation at its end, not a list item ("- "), and followed by more text.
SUBHEADING_WORDS = 10
SENTENCE_ENDS = ".!?…:;,"
CLOSING_MARKS = "»\"')”“"


def is_subheading(paragraph: str, last: bool) -> bool:
    words = paragraph.split()
    return (not last and 0 < len(words) <= SUBHEADING_WORDS and not paragraph.startswith("- ")
            and not paragraph.rstrip(CLOSING_MARKS + " ").endswith(tuple(SENTENCE_ENDS)))


def article_html(text: str | None) -> Markup:
    """An article's body as a reader reads it: paragraphs, and its subheadings as headings."""
    parts = paragraphs(text or "")
    return Markup("".join(f"<h2>{escape(p)}</h2>" if is_subheading(p, n == len(parts) - 1) else f"<p>{escape(p)}</p>"
                          for n, p in enumerate(parts)))


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    async def inner():
        query = ""
        if request is not None:
            query = request.args.get("_search") or request.args.get("q") or next(
                (request.args[k] for k in request.args if k.startswith("_search_")), "")
        async def caravan_snippet(query: str, *texts: str | None) -> Markup:
            # In Datasette's SQL threads, not on the event loop: every other request goes on meanwhile.
            return await datasette.get_database(database).execute_fn(lambda conn: snippet_html(query, *texts))

        async def caravan_marked(query: str, text: str | None) -> Markup:
            # A title with the matched word forms marked, also off the event loop.
            return await datasette.get_database(database).execute_fn(lambda conn: highlight_html(query, text))

        context = {"caravan_query": query, "caravan_snippet": caravan_snippet, "caravan_highlight": highlight_html,
                   "caravan_marked": caravan_marked,
                   "caravan_first_line": first_line, "caravan_body": body_html, "caravan_article": article_html, "caravan_web_url": web_url,
                   "caravan_moment": moment,
                   "caravan_changes_path": lambda edition, article_id: changes_path(datasette, database, edition,
                                                                                    article_id)}
        current = database in _archive_names(datasette)
        if current and view_name == "table" and table == "articles" and request is not None and query.strip() and (
                request.args.get("_nocount") or request.args.get("_nofacet")):
            # Datasette was asked not to count or facet (lean_search): the page says so, links to
            # the exact figures, and counts up to the cap itself when only the search narrows the list.
            context["caravan_exact_url"] = _address_without(request, ("_nocount", "_nofacet", "_next"),
                                                            [("_exact", "1")])
            if request.args.get("_nocount") and set(request.args) <= LEAN_COUNTABLE | {"_nocount", "_nofacet"}:
                try:
                    context["caravan_search_count"] = await search_count(datasette, database, request.args["_search"])
                except (sqlite3.Error, QueryInterrupted):  # a query FTS5 rejects: Datasette shows the error
                    pass
        if current and view_name == "table" and table == "articles" and request is not None and not query.strip() and (
                request.args.get("_next") and request.args.get("_nofacet")):
            context["caravan_first_page_url"] = _address_without(request, ("_nofacet", "_next"))
        if current and template == f"query-{to_css_class(database)}-search.html" and query.strip():
            # The search page (the canned query `search`): how many articles match, up to the cap.
            try:
                context["caravan_search_count"] = await search_count(datasette, database, query)
            except (sqlite3.Error, QueryInterrupted):  # a query FTS5 rejects: the page shows the error
                pass
        if current and view_name == "row" and table == "articles" and request is not None:
            # An article is (edition, article_id): its row is /<db>/articles/<edition>,<article_id>.
            edition, _, article_id = request.url_vars.get("pks", "").rpartition(",")
            key = {"edition": edition or CARAVAN.main.code, "id": article_id}
            db = datasette.get_database(database)
            counts = (await db.execute(
                "SELECT (SELECT count(*) FROM captures WHERE edition = :edition AND article_id = :id) AS captures, "
                "(SELECT count(*) FROM revisions WHERE edition = :edition AND article_id = :id) AS revisions, "
                "(SELECT count(*) FROM status_changes WHERE edition = :edition AND article_id = :id) AS events",
                key)).first()
            context["caravan_counts"] = dict(counts)
            context["caravan_changes"] = changes_path(datasette, database, key["edition"], article_id)
            row = (await db.execute("SELECT tags, authors FROM articles WHERE edition = :edition AND article_id = :id",
                                    key)).first()
            for key in ("tags", "authors"):
                context[f"caravan_{key}"] = json.loads(row[key]) if row and row[key] else []
        return context

    return inner


def _address_without(request, names: tuple[str, ...], added: list[tuple[str, str]] = ()) -> str:
    """This page's address without the arguments `names` (those the reading room added), plus `added`."""
    kept = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k not in names]
    kept += added
    return f"{request.path}?{urlencode(kept)}" if kept else request.path


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Bodies in tables: the first words, the whole text one click away, always escaped. An
    article's content_hash links to what changed between its revisions; an article id in a table
    about articles, and a title in a canned query, link to the article."""
    if column == "article_id" and table in ARTICLE_ID_TABLES and isinstance(value, int) and "edition" in row.keys() \
            and database in _archive_names(datasette):
        href = datasette.urls.row(database, "articles", f"{row['edition']},{value}")
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if column == "title" and table is None and isinstance(value, str) and {"edition", "article_id"} <= set(row.keys()) \
            and database in _archive_names(datasette):
        # A canned query's title (most_viewed, articles_of_a_day): the archived article, which outlives the site's page.
        href = datasette.urls.row(database, "articles", f"{row['edition']},{row['article_id']}")
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    if column == "content_hash" and table == "articles" and isinstance(value, str) and "edition" in row.keys():
        href = changes_path(datasette, database, row["edition"], int(row["article_id"]))
        return Markup(f'<a href="{href}">what changed</a> <small>{escape(value[:12])}</small>')
    if column != "body" or table not in ("articles", "revisions") or not isinstance(value, str):
        return None
    words = value.split()
    if len(words) <= LIST_WORDS:
        return body_html(value)
    return Markup(f"<details class=\"caravan-body\"><summary>{escape(' '.join(words[:LIST_WORDS]))}…</summary>"
                  f"{body_html(value)}</details>")


def changes_path(datasette, database: str, edition: str, article_id) -> str:
    """Where what changed in an article is shown: /-/changes/<edition>/<article_id>, naming the
    database when it is not the first archive served (`datasette a.db b.db`)."""
    path = f"/-/changes/{escape(edition)}/{escape(article_id)}"
    names = _archive_names(datasette)
    return path if not names or database == names[0] else f"{path}?{urlencode({'database': database})}"


async def article_changes(datasette, request):
    """Consecutive revisions of one article compared field by field, the body word by word."""
    edition, article_id = request.url_vars["edition"], int(request.url_vars["article_id"])
    names = _archive_names(datasette)
    if not names:
        raise NotFound("No caravan-archive database is open")
    if article_id > SQLITE_MAX_INTEGER:  # no such post id can be in an archive (nor asked of SQLite)
        raise NotFound(f"No article {edition}/{article_id} in the archive")
    database = request.args.get("database") or names[0]
    if database not in names:
        raise NotFound(f"No caravan-archive database named {database}")
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
    # Compared in Datasette's SQL threads, not on the event loop (a long body takes up to a second).
    steps = await db.execute_fn(lambda conn: [
        {"number": n, "fetched_at": newer["fetched_at"], "before_at": older["fetched_at"],
         "modified_at": newer["modified_at"] if newer["modified_at"] != older["modified_at"] else None,
         "changes": changes(older, newer)} for n, (older, newer) in enumerate(zip(revisions, revisions[1:]), start=2)])
    html = await datasette.render_template("article_changes.html", {
        "database": database, "row_path": f"{edition},{article_id}", "edition": edition, "article_id": article_id,
        "title": article["title"], "status": article["status"], "unpublished_at": article["unpublished_at"],
        "unpublished_reason": article["unpublished_reason"], "revisions": revisions, "steps": steps,
        "events": events, "caravan_moment": moment}, request=request)
    return Response.html(html)


@hookimpl(trylast=True)
def register_output_renderer(datasette):
    """datasette-atom's feed (registered after it, so this one answers .atom), and an empty feed
    where it fails: a query without rows, as recent_changes is on an archive with no change yet."""
    from datasette_atom import can_render_atom, render_atom

    def render(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
        if rows:
            return render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data)
        from feedgen.feed import FeedGenerator

        feed = FeedGenerator()
        feed.id(request.url)
        feed.link(href=request.url, rel="self")
        feed.updated("1970-01-01T00:00:00+00:00")  # nothing has changed
        queries = (datasette.metadata(database=database) or {}).get("queries", {}) if query_name else {}
        feed.title((queries.get(query_name) or {}).get("title") or sql)
        return Response(feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200)

    return {"extension": "atom", "render": render, "can_render": can_render_atom}


@hookimpl
def register_routes():
    editions = "|".join(re.escape(code) for code in CARAVAN.codes)
    return [(rf"^/-/changes/(?P<edition>{editions})/(?P<article_id>\d+)$", article_changes)]
