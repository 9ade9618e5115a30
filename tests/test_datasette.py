"""Datasette over the crawled archive, through Datasette's own test client: the reading room
(templates and plugin installed with the package), search, canned queries, no write path."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
import sys

import lxml.html
import pytest
from datasette.app import Datasette

from caravan_spider.archive import Archive, Capture
from caravan_spider.parsing import PARSER_VERSION
from caravan_spider.text import words

from conftest import rows


class Client:
    """Datasette's own test client, driven synchronously: `datasette archive/` (a
    configuration directory) or `datasette archive/caravan.db` (files)."""

    def __init__(self, config_dir=None, files=()):
        self.datasette = Datasette(config_dir=config_dir) if config_dir else Datasette(files=[str(f) for f in files])
        asyncio.run(self.datasette.invoke_startup())

    def get(self, path):
        return asyncio.run(self.datasette.client.get(path))

    def post(self, path, data):
        return asyncio.run(self.datasette.client.post(path, data=data))

    def close(self):
        """Close the archive's connections rather than leave them to the garbage collector."""
        for database in self.datasette.databases.values():
            database.close()

    def html(self, path):
        response = self.get(path)
        assert response.status_code == 200, response.text[:500]
        return lxml.html.fromstring(response.text)


@pytest.fixture
def ds(datasette_dir):
    return Client(datasette_dir)


@pytest.fixture
def ds_file(crawled, tmp_path):
    """`datasette caravan.db`: no configuration directory, only the installed plugin."""
    db = tmp_path / "caravan.db"
    shutil.copy(crawled["db"], db)
    return Client(files=[db])


def text(node) -> str:
    return " ".join(node.text_content().split())


def get_json(ds, path):
    response = ds.get(path)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_metadata_and_default_sort(ds, crawled):
    data = get_json(ds, "/-/metadata.json")
    assert data["title"] == "Caravan.kz archive" and data["license"].startswith("Articles ©")
    table = get_json(ds, "/caravan/articles.json?_shape=objects&_col=published_at&_size=5")
    newest = [a.article_id for a in crawled["site"].newest_first()[:5]]
    assert [r["article_id"] for r in table["rows"]] == newest


def test_facets(ds, crawled):
    data = get_json(ds, "/caravan/articles.json?_size=0")
    facets = data["facet_results"]
    assert set(facets) == {"edition", "status", "category", "tags", "language", "year"}
    assert {f["value"]: f["count"] for f in facets["status"]["results"]} == {"live": 50}
    years = {f["value"]: f["count"] for f in facets["year"]["results"]}
    assert years[2015] == 8 and sum(years.values()) == 50
    assert {f["value"]: f["count"] for f in facets["language"]["results"]} == {"ru": 50}
    tags = {f["value"]: f["count"] for f in facets["tags"]["results"]}
    site_tags = {}
    for a in crawled["site"].articles.values():
        for name, _ in a.tags:
            site_tags[name] = site_tags.get(name, 0) + 1
    assert tags == site_tags


@pytest.mark.parametrize("query,expected_titles", [
    ("миротворец", {"Казахстан - посланник мира: как наша страна построила репутацию миротворца",
                    "Казахстанский офицер стал миротворцем года по версии ООН"}),
    ("фестивалей", {"В Алматы пройдет международный фестиваль уличной музыки"}),
    ("миротворцем ООН", {"Казахстанский офицер стал миротворцем года по версии ООН",
                         "Казахстан - посланник мира: как наша страна построила репутацию миротворца"}),
])
@pytest.mark.parametrize("mode", ["config_dir", "file"])
def test_search_box_finds_every_word_form(ds, ds_file, mode, query, expected_titles):
    ds = ds if mode == "config_dir" else ds_file
    data = get_json(ds, f"/caravan/articles.json?_search={query}&_shape=objects&_col=title")
    assert {r["title"] for r in data["rows"]} == expected_titles
    page = ds.get(f"/caravan/articles?_search={query}")
    assert f'value="{query}"' in page.text  # the box shows what the reader typed


def _matches(db, query: str) -> int:
    from caravan_spider.search import fts_query

    [row] = rows(db, "SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH ?", [fts_query(query)])
    return row["n"]


def test_a_search_of_the_table_counts_up_to_a_cap_and_computes_no_facets(ds, crawled, monkeypatch):
    """At 300,000 articles Datasette's count and facets of a common word take seconds: a search
    asks for neither, and the page says how many match (exactly, or "more than" the cap) and
    that facets are off, with a link to both."""
    from caravan_spider import reading_room

    matching = _matches(crawled["db"], "Алматы")
    assert matching == 7
    data = get_json(ds, "/caravan/articles.json?_search=Алматы&_col=title")
    assert data["filtered_table_rows_count"] is None and data["facet_results"] == {} and len(data["rows"]) == 7
    page = ds.html("/caravan/articles?_search=Алматы")
    assert text(page.cssselect("h3.caravan-count")[0]) == (
        '7 articles where search matches "Алматы" sorted by published_at descending')
    [note] = page.cssselect("p.caravan-facets-off")
    assert text(note) == ("Facets are not computed for a search: they count every match, seconds for a common "
                          "word. Count every match and show facets.")
    assert note.cssselect("a")[0].get("href") == "/caravan/articles?_search=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B&_exact=1"
    assert not page.cssselect(".facet-info")
    monkeypatch.setattr(reading_room, "SEARCH_COUNT_CAP", 6)
    page = ds.html("/caravan/articles?_search=Алматы")
    assert text(page.cssselect("h3.caravan-count")[0]).startswith('More than 6 articles where search matches')
    monkeypatch.setattr(reading_room, "SEARCH_COUNT_CAP", 7)
    page = ds.html("/caravan/articles?_search=Алматы")
    assert text(page.cssselect("h3.caravan-count")[0]).startswith('7 articles where search matches')
    # _exact=1: Datasette's own count and facets, as without the reading room.
    exact = get_json(ds, "/caravan/articles.json?_search=Алматы&_exact=1&_size=0")
    assert exact["filtered_table_rows_count"] == 7
    assert {f["value"]: f["count"] for f in exact["facet_results"]["status"]["results"]} == {"live": 7}
    page = ds.html("/caravan/articles?_search=Алматы&_exact=1")
    assert text(page.cssselect("h3.caravan-count")[0]).startswith('7 articles where search matches')
    assert not page.cssselect("p.caravan-facets-off") and page.cssselect(".facet-info")
    # Another filter besides the search: Datasette counts exactly; facets stay off.
    filtered = get_json(ds, "/caravan/articles.json?_search=Алматы&status=live&_size=0")
    assert filtered["filtered_table_rows_count"] == 7 and filtered["facet_results"] == {}
    # Asking for a facet by name gets it.
    asked = get_json(ds, "/caravan/articles.json?_search=Алматы&_facet=category&_size=0")
    assert sum(f["count"] for f in asked["facet_results"]["category"]["results"]) == 7
    # Without a search nothing changes: count and facets of the whole table.
    whole = get_json(ds, "/caravan/articles.json?_size=0")
    assert whole["filtered_table_rows_count"] == 50 and set(whole["facet_results"]) == {
        "edition", "status", "category", "tags", "language", "year"}


def _plan(db, query: dict) -> list[str]:
    """SQLite's plan for a query Datasette ran (its JSON's `query`)."""
    from caravan_spider.search import fts_query

    conn = sqlite3.connect(db)
    conn.create_function("escape_fts", 1, fts_query)
    try:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query['sql']}", query["params"])]
    finally:
        conn.close()


def _pages(ds, path: str) -> list[list[int]]:
    """Every page of a table listing, following Datasette's `next` cursor."""
    pages, url = [], path
    while url:
        data = get_json(ds, url)
        pages.append([row["article_id"] for row in data["rows"]])
        url = data["next_url"] and data["next_url"].split("localhost", 1)[-1]
    return pages


def test_a_search_for_a_common_word_walks_the_dates_and_finds_the_same_pages(ds, crawled, monkeypatch):
    """Datasette sorts every match of a table search by date (0.3 s for a word in most of 300,000
    articles); for a common word the reading room walks the dates down instead: same rows, pages."""
    from caravan_spider import reading_room

    monkeypatch.setattr(reading_room, "COMMON_SEARCH", 3)
    assert _matches(crawled["db"], "Алматы") == 7 and _matches(crawled["db"], "миротвор*") == 2
    walked = get_json(ds, "/caravan/articles.json?_search=Алматы&_size=3")["query"]
    assert "exists (select 1 from articles_fts where articles_fts.rowid = articles.doc_id" in walked["sql"]
    assert "USE TEMP B-TREE FOR ORDER BY" not in _plan(crawled["db"], walked)
    exact = _pages(ds, "/caravan/articles.json?_search=Алматы&_size=3&_shape=objects&_exact=1")
    assert [len(page) for page in exact] == [3, 3, 1]
    assert _pages(ds, "/caravan/articles.json?_search=Алматы&_size=3&_shape=objects") == exact
    # A rare word, another order, or a count asked for: Datasette's own search.
    for path in ("/caravan/articles.json?_search=миротвор*", "/caravan/articles.json?_search=Алматы&_sort=views",
                 "/caravan/articles.json?_search=Алматы&_exact=1"):
        assert "doc_id in (select rowid from articles_fts" in get_json(ds, path)["query"]["sql"], path


def test_a_later_page_of_the_list_skips_facets_and_links_to_the_first(ds, crawled):
    # Facets past the cursor took 2.7 s at 300,000 articles; the first page has them. (The page
    # itself is read from idx_articles_newest at that size; SQLite sorts 50 rows instead.)
    first = get_json(ds, "/caravan/articles.json?_size=5&_shape=objects")
    assert set(first["facet_results"]) == {"edition", "status", "category", "tags", "language", "year"}
    later = get_json(ds, first["next_url"].split("localhost", 1)[-1])
    assert later["facet_results"] == {}
    assert [r["article_id"] for r in first["rows"] + later["rows"]] == [
        r["article_id"] for r in get_json(ds, "/caravan/articles.json?_size=10&_shape=objects")["rows"]]
    page = ds.html(f"/caravan/articles?_size=5&_next={first['next']}")
    [note] = page.cssselect("p.caravan-facets-off")
    assert (text(note), note.cssselect("a")[0].get("href")) == ("Facets are counted on the first page.",
                                                                 "/caravan/articles?_size=5")
    assert not page.cssselect(".facet-info")


def test_facets_that_take_too_long_are_named_not_left_out(datasette_dir):
    """A facet past facet_time_limit_ms (a limit already passed: -1) says so on the page."""
    import json

    settings = json.loads((datasette_dir / "settings.json").read_text())
    (datasette_dir / "settings.json").write_text(json.dumps({**settings, "facet_time_limit_ms": -1}))
    page = Client(datasette_dir).html("/caravan/articles")
    assert not page.cssselect(".facet-info")
    assert [text(p) for p in page.cssselect("details.caravan-more p.facets-timed-out")] == [
        "These facets took too long and are not shown: edition, status, category, language, year, tags"]


def test_the_search_page_says_how_many_articles_match(ds, crawled, monkeypatch):
    from caravan_spider import reading_room

    page = ds.html("/caravan/search?q=фестивалей")
    [count] = page.cssselect("p.caravan-count")
    assert text(count) == "1 article matches. Every match, newest first"
    assert count.cssselect("a")[0].get("href") == (
        "/caravan/articles?_search=%D1%84%D0%B5%D1%81%D1%82%D0%B8%D0%B2%D0%B0%D0%BB%D0%B5%D0%B9")
    assert _matches(crawled["db"], "год") == 42
    page = ds.html("/caravan/search?q=год")
    assert text(page.cssselect("p.caravan-count")[0]) == (
        "42 articles match: the best 20 are shown. Every match, newest first")
    assert len(page.cssselect("ol.caravan-list > li")) == 20
    monkeypatch.setattr(reading_room, "SEARCH_COUNT_CAP", 30)
    page = ds.html("/caravan/search?q=год")
    assert text(page.cssselect("p.caravan-count")[0]) == (
        "More than 30 articles match: the best 20 of the newest 30 are shown. Every match, newest first "
        "(sorting them all may take seconds)")
    page = ds.html("/caravan/search?q=zzzqqq")
    assert text(page.cssselect("p.caravan-count")[0]) == "0 articles match."


def test_canned_queries(ds, crawled):
    site = crawled["site"]
    seed = site.articles[845713]
    day = get_json(ds, "/caravan/articles_of_a_day.json?day=2025-07-24&_shape=objects")
    assert [r["article_id"] for r in day["rows"]] == [845713]
    top = get_json(ds, "/caravan/most_viewed.json?since=&_shape=objects")
    assert top["rows"][0]["views"] == max(a.views for a in site.articles.values())
    revisions = get_json(ds, "/caravan/revisions_of_an_article.json?article_id=845713&_shape=objects")
    assert [r["title"] for r in revisions["rows"]] == [seed.title]
    tags = get_json(ds, "/caravan/tags_by_count.json?_shape=objects")
    assert sum(r["articles"] for r in tags["rows"]) == sum(len(a.tags) for a in site.articles.values())
    search = get_json(ds, "/caravan/search.json?q=фестивалей&_shape=objects")
    assert [r["article_id"] for r in search["rows"]] == [
        a.article_id for a in site.articles.values() if "фестиваль" in a.title]
    # JSON gets the snippet as text; the page marks the matched word forms.
    assert search["rows"][0]["snippet"].startswith("Фестиваль продлится три дня")
    page = ds.html("/caravan/search?q=фестивалей")
    assert [m.text for m in page.cssselect("ol.caravan-list p.snippet mark")] == ["Фестиваль", "фестиваля"]


def test_bodies_are_paragraphs_and_always_escaped(datasette_dir):
    archive = Archive(datasette_dir / "caravan.db")
    record = {"url": "https://www.caravan.kz/news/xss-999999/", "article_id": 999999, "edition": "ru", "language": "ru",
              "title": "<script>alert(1)</script>", "lead": None,
              "body": "Первый абзац <b>жирный</b>.\n\n<script>alert('x')</script> второй абзац.",
              "published_at": "2026-01-01", "modified_at": None, "category": None, "tags": None,
              "authors": None, "image_url": None, "image_credit": None, "views": 1, "word_count": 6,
              "status": "live"}
    capture = Capture(edition="ru", article_id=999999, url=record["url"], status=200, fetched_at="2026-01-01T00:00:00+00:00",
                      body=b"<html></html>")
    archive.store(capture, record, "today", PARSER_VERSION, None)
    archive.close()
    client = Client(datasette_dir)
    page = client.get("/caravan/articles/ru,999999").text  # articles are (edition, article_id)
    assert "<p>Первый абзац &lt;b&gt;жирный&lt;/b&gt;.</p><p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; второй абзац.</p>" in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "<script>alert" not in page
    listing = client.get("/caravan/articles?_search=абзац").text
    assert "<mark>абзац</mark>" in listing and "&lt;b&gt;жирный&lt;/b&gt;" in listing and "<b>жирный" not in listing


def test_there_is_no_write_path(ds, datasette_dir):
    response = ds.get("/caravan.json?sql=delete+from+articles")
    assert response.status_code == 400
    before = _every_row(datasette_dir / "caravan.db")
    response = ds.post("/caravan/search", data={"q": "x"})
    # Datasette 0.65.5 has no POST for a canned query that is not marked `write: true`: it fails
    # with a 500 before running anything. What matters is that nothing was written.
    assert response.status_code == 500
    assert _every_row(datasette_dir / "caravan.db") == before
    assert len(before["articles"]) == 50


def _every_row(db) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: conn.execute(f"SELECT * FROM [{name}]").fetchall() for name in tables}
    finally:
        conn.close()


def test_articles_open_on_a_search_box_and_a_compact_list(ds, crawled):
    site = crawled["site"]
    page = ds.html("/caravan/articles")
    content = page.cssselect("section.content")[0]
    # Search box first, then the list; descriptions, filters and facets one click away.
    order = [el.tag + "." + el.get("class", "") for el in content.iterchildren()]
    assert order[:3] == ["div.page-header", "form.caravan-search", "h3.caravan-count"]
    # The box asks the search page (the canned query), fast for a common word at any archive size.
    [box] = content.cssselect("form.caravan-search")
    assert box.get("action") == "/caravan/search" and box.cssselect("input[name=q]")
    assert text(content.cssselect("h3.caravan-count")[0]) == "50 articles sorted by published_at descending"
    details = content.cssselect("details.caravan-more")[0]
    assert details.get("open") is None
    assert details.cssselect("dl.column-descriptions dt")[0].text == "url"
    assert {f.get("data-column") for f in details.cssselect(".facet-info")} == {"edition", "status", "category", "tags", "language", "year"}
    items = content.cssselect("ol.caravan-list > li")
    newest = site.newest_first()[:20]
    assert [text(li.cssselect("a.headline")[0]) for li in items] == [a.title for a in newest]
    first, record = items[0], newest[0].expected_record()
    assert first.cssselect("a.headline")[0].get("href") == f"/caravan/articles/ru,{record['article_id']}"
    assert text(first.cssselect(".meta")[0]) == (f"{record['published_at'][:10]} · {record['category']} · "
                                                 f"{record['views']:,} views")
    assert text(first.cssselect("p.lead")[0]) == record["lead"]
    # No table of bodies: no body's paragraphs appear on the list.
    assert not content.cssselect("table.rows-and-columns")
    assert not any(a.expected_record()["body"].split("\n\n")[0] in page.text_content() for a in newest)


def test_every_column_is_one_click_away_as_a_table(ds):
    page = ds.html("/caravan/articles?_view=table&_size=2")
    assert len(page.cssselect("table.rows-and-columns tbody tr")) == 2
    summaries = page.cssselect("td.col-body details.caravan-body summary")
    assert len(summaries) == 2 and all(s.text_content().endswith("…") for s in summaries)


def test_an_article_page_reads_like_an_article(ds, crawled):
    chosen = next(a for a in crawled["site"].newest_first() if a.tags and a.authors and a.image_credit and a.category)
    record, article_id = chosen.expected_record(), chosen.article_id
    page = ds.html(f"/caravan/articles/ru,{article_id}")  # an article is (edition, article_id)
    article = page.cssselect("article.caravan-article")[0]
    assert text(article.cssselect("h1")[0]) == record["title"]
    assert text(article.cssselect("p.lead")[0]) == " ".join(record["lead"].split())
    assert [text(p) for p in article.cssselect("div.body > *")] == [" ".join(p.split())
                                                                    for p in record["body"].split("\n\n")]
    published = record["published_at"][:16].replace("T", " ")
    assert text(article.cssselect(".meta")[0]) == f"{published} · {record['category']} · {record['views']:,} views · ru"
    assert [a.text for a in article.cssselect("p.tags a")] == record["tags"]
    assert text(article.cssselect("figure")[0]) == f"Photo: {record['image_credit']}"
    assert text(article.cssselect("p.credit")[0]) == "By " + ", ".join(record["authors"])
    links = {a.text_content().strip(): a.get("href") for a in article.cssselect(".provenance a")}
    assert links["Original on www.caravan.kz"] == record["url"]
    assert links["1 capture"] == f"/caravan/captures?edition=ru&article_id={article_id}"
    assert links["1 revision"] == f"/caravan/revisions?edition=ru&article_id={article_id}&_sort=fetched_at"
    assert links["what changed"] == f"/-/changes/ru/{article_id}"
    # The stored fields stay available, folded away.
    assert page.cssselect("details.caravan-more table.rows-and-columns td.col-content_hash")


def test_an_article_address_from_before_the_kazakh_edition_leads_to_the_article(ds, crawled):
    # Articles were keyed by article_id alone: Datasette answered 500 to such links (one key part of two).
    article_id = crawled["site"].newest_first()[0].article_id
    for old, new in ((f"/caravan/articles/{article_id}", f"/caravan/articles/ru,{article_id}"),
                     (f"/caravan/articles/{article_id}.json?_shape=objects",
                      f"/caravan/articles/ru,{article_id}.json?_shape=objects")):
        response = ds.get(old)
        assert (response.status_code, response.headers["location"]) == (301, new)
    assert get_json(ds, f"/caravan/articles/ru,{article_id}.json?_shape=objects")["rows"][0]["article_id"] == article_id
    assert ds.get("/caravan/articles/1.json").status_code == 301  # to the 404 of an article never archived
    assert ds.get("/caravan/articles/ru,1.json").status_code == 404
    assert ds.get(f"/caravan/captures/{article_id}").status_code != 301  # other tables keep their own keys


def test_an_old_article_address_leads_to_the_article_whatever_the_archive_is_named_or_served_under(crawled,
                                                                                                  tmp_path):
    # Datasette names a database after its file and addresses it tilde-encoded: caravan.v2 is
    # /caravan~2Ev2, архив is /~D0~B0…; a Location header is bytes, so a Cyrillic name must be
    # encoded, not crash the response. Link checkers ask with HEAD; a deployment may set base_url.
    article_id = crawled["site"].newest_first()[0].article_id
    files = [tmp_path / "архив.db", tmp_path / "caravan.v2.db"]
    for file in files:
        shutil.copy(crawled["db"], file)
    cyrillic = "/~D0~B0~D1~80~D1~85~D0~B8~D0~B2"
    client = Client(files=files)
    try:
        for old, new in ((f"/архив/articles/{article_id}", f"{cyrillic}/articles/ru,{article_id}"),
                         (f"{cyrillic}/articles/{article_id}.json?_shape=objects",
                          f"{cyrillic}/articles/ru,{article_id}.json?_shape=objects"),
                         (f"/caravan~2Ev2/articles/{article_id}", f"/caravan~2Ev2/articles/ru,{article_id}"),
                         (f"/caravan.v2/articles/{article_id}", f"/caravan~2Ev2/articles/ru,{article_id}")):
            response = client.get(old)
            assert (response.status_code, response.headers["location"]) == (301, new)
            assert client.get(new).status_code == 200
        response = asyncio.run(client.datasette.client.request("HEAD", f"/caravan~2Ev2/articles/{article_id}"))
        assert (response.status_code, response.headers["location"]) == (301, f"/caravan~2Ev2/articles/ru,{article_id}")
    finally:
        client.close()
    served = Datasette(files=[str(files[1])], settings={"base_url": "/archive/"})
    try:
        asyncio.run(served.invoke_startup())
        response = asyncio.run(served.client.get(f"/caravan~2Ev2/articles/{article_id}.csv"))  # client adds base_url
        assert (response.status_code, response.headers["location"]) == (
            301, f"/archive/caravan~2Ev2/articles/ru,{article_id}.csv")
    finally:
        for database in served.databases.values():
            database.close()


def test_what_changed_is_read_from_the_archive_the_article_is_in(crawled, tmp_path):
    # `datasette a.db b.db`: the changes page read the first archive whichever article linked to it.
    article_id = crawled["site"].newest_first()[0].article_id
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    for db in (first, second):
        shutil.copy(crawled["db"], db)
    conn = sqlite3.connect(second)
    conn.execute("UPDATE articles SET title = 'Заголовок второго архива' WHERE article_id = ?", [article_id])
    conn.commit()
    conn.close()
    ds = Client(files=[first, second])
    try:
        links = {db: ds.html(f"/{db}/articles/ru,{article_id}").xpath(
            "//div[@class='provenance']//a[text()='what changed']/@href")
                 for db in ("a", "b")}
        assert links == {"a": [f"/-/changes/ru/{article_id}"], "b": [f"/-/changes/ru/{article_id}?database=b"]}
        assert "Заголовок второго архива" in ds.get(links["b"][0]).text
        assert "Заголовок второго архива" not in ds.get(links["a"][0]).text
        assert ds.get(f"/-/changes/ru/{article_id}?database=c").status_code == 404
    finally:
        ds.close()


def test_internal_tables_are_hidden_and_not_the_default_query(ds, ds_file):
    for client in (ds, ds_file):
        tables = {t["name"]: t["hidden"] for t in get_json(client, "/caravan.json")["tables"]}
        assert {name for name, hidden in tables.items() if not hidden} == {
            "articles", "captures", "crawl_runs", "crawl_problems", "furniture", "revisions", "views", "status_changes",
            "listings", "wayback_captures"}
        assert tables["_sqlite_migrations"] and tables["articles_fts"] and tables["articles_fts_data"]
        assert tables["capture_lines"] and tables["capture_dictionaries"]
        page = client.html("/caravan")
        assert page.cssselect("textarea#sql-editor")[0].text == "select * from articles"


def test_a_database_file_gets_the_same_reading_room(ds_file, crawled):
    """`datasette caravan.db`: metadata, facets, templates and search from the installed plugin."""
    data = get_json(ds_file, "/caravan/articles.json?_size=0")
    assert set(data["facet_results"]) == {"edition", "status", "category", "tags", "language", "year"}
    page = ds_file.html("/caravan/articles?_search=миротворцы")
    marks = [m.text for m in page.cssselect("ol.caravan-list p.snippet mark")]
    assert sorted(marks) == ["миротворца", "миротворцем"]
    names = [p["name"] for p in get_json(ds_file, "/-/plugins.json")]
    assert sorted(names) == ["caravan-archive", "datasette-atom"]  # ours registered once, by its entry point


@pytest.mark.parametrize("query,expected", [
    ("миротвор*", lambda text: any(w.lower().startswith("миротвор") for w in words(text))),
    ("школа OR больница", lambda text: bool({"школу", "школа", "школы", "школе", "больницу", "больница", "больницы",
                                             "больнице"} & {w.lower() for w in words(text)})),
])
def test_prefix_and_or_queries(ds, crawled, query, expected):
    site = crawled["site"]
    found = get_json(ds, f"/caravan/articles.json?_search={query}&_shape=objects&_col=title&_size=100")
    texts = {a.title: " ".join(filter(None, [r["title"], r["lead"], r["body"]]))
             for a in site.articles.values() for r in [a.expected_record()]}
    wanted = {title for title, text in texts.items() if expected(text)}
    assert wanted and {r["title"] for r in found["rows"]} == wanted


def test_column_search_searches_one_column_in_every_word_form(ds, ds_file, crawled):
    site = crawled["site"]
    in_title = {a.article_id for a in site.articles.values() if "Алматы" in words(a.title)}
    for client in (ds, ds_file):
        data = get_json(client, "/caravan/articles.json?_search_title=Алматы&_shape=objects&_col=title&_size=100")
        assert {r["article_id"] for r in data["rows"]} == in_title and in_title
    # A word form only in bodies is not in any title.
    lead_only = get_json(ds, "/caravan/articles.json?_search_title=KAZBAT&_shape=objects")
    assert lead_only["rows"] == []


def test_a_table_search_sorts_its_matches_without_reading_their_rows(ds, crawled, tmp_path):
    # Datasette's own SQL for `?_search=`: the sort key comes from the doc_id index (m8i), not from
    # each matching row past its body (a word in most of 300,000 articles ran out of time).
    sql = get_json(ds, "/caravan/articles.json?_search=Алматы&_nocount=1")["query"]["sql"]
    assert "order by published_at desc" in sql
    conn = sqlite3.connect(crawled["db"])
    conn.create_function("escape_fts", 1, lambda text: text)
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", {"search": "x"})]
    assert plan[0] == "SEARCH articles USING INDEX idx_articles_doc_id_published (doc_id=?)"
    conn.close()
    # doc_id is the search index's rowid: still one article each, kept by a trigger now.
    db = tmp_path / "caravan.db"
    shutil.copy(crawled["db"], db)
    conn = sqlite3.connect(db)
    (taken,) = conn.execute("SELECT doc_id FROM articles LIMIT 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="^UNIQUE constraint failed: articles.doc_id$"):
        conn.execute("UPDATE articles SET doc_id = :taken WHERE doc_id = (SELECT max(doc_id) FROM articles "
                     "WHERE doc_id != :taken)", {"taken": taken})
    with pytest.raises(sqlite3.IntegrityError, match="^UNIQUE constraint failed: articles.doc_id$"):
        conn.execute("INSERT INTO articles (edition, article_id, doc_id, status) VALUES ('kk', 1, ?, 'live')", [taken])
    conn.execute("UPDATE articles SET doc_id = doc_id, title = title WHERE doc_id = ?", [taken])  # itself: allowed
    conn.close()


@pytest.mark.e2e
def test_sqlite_utils_search_finds_the_index(crawled):
    result = subprocess.run([sys.executable, "-m", "sqlite_utils", "search", str(crawled["db"]), "articles",
                             "миротворец", "-c", "article_id", "--csv"], capture_output=True, text=True, check=True)
    assert sorted(result.stdout.split()[1:]) == ["845713", "846328"]


def test_an_edited_article_leaves_no_trace_of_its_old_words_in_the_index(archive_copy):
    archive = Archive(archive_copy)
    try:
        record = archive.article_record(("ru", 845713))
        assert [m["article_id"] for m in archive.search("KAZBAT")] == [845713]
        edited = {**record, "body": record["body"].replace("KAZBAT", "КАЗБАТ")}
        capture = Capture(edition="ru", article_id=845713, url=record["url"], status=200,
                          fetched_at="2030-01-01T00:00:00+00:00", body=b"<html>edited</html>")
        assert archive.store(capture, edited, "today", PARSER_VERSION, None) == "updated"
        assert archive.search("KAZBAT") == []
        [match] = archive.search("казбат")
        assert ("КАЗБАТ", True) in match["snippet"]
        assert len(rows(archive_copy, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'kazbat'")) == 0
    finally:
        archive.close()


def test_an_archive_made_before_the_linked_index_gets_it(crawled, tmp_path):
    """m4a rebuilds the search index of an existing archive from its articles."""
    import sqlite_utils

    from caravan_spider.archive import migrations

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m4a_search_index_on_articles")
    assert "content=" not in old["articles_fts"].schema
    columns = ", ".join(old["articles"].columns_dict)
    old["articles"].insert_all(rows(crawled["db"], f"SELECT {columns} FROM articles"))
    old.close()
    archive = Archive(path)
    try:
        assert 'content="articles"' in archive.db["articles_fts"].schema
        assert [m["article_id"] for m in archive.search("KAZBAT")] == [845713]
        assert {m["article_id"] for m in archive.search("миротворцы")} == {845713, 846328}
    finally:
        archive.close()


@pytest.mark.parametrize("name", ["a", "архив.2026"])
def test_the_reading_room_is_the_same_whatever_the_archive_file_is_named(crawled, tmp_path, name):
    """`datasette a.db`: the list, the article page and the search page, as for caravan.db (the
    templates were chosen by the database's name, so any other name showed raw tables)."""
    db = tmp_path / f"{name}.db"
    shutil.copy(crawled["db"], db)
    newest = crawled["site"].newest_first()[0]
    ds = Client(files=[db])
    try:
        route = ds.datasette.urls.database(name)  # архив.2026 is /~D0~B0…~2E2026
        listing = ds.html(f"{route}/articles")
        assert [text(a) for a in listing.cssselect("ol.caravan-list a.headline")][:1] == [newest.title]
        assert listing.cssselect("form.caravan-search")[0].get("action") == f"{route}/search"
        article = ds.html(f"{route}/articles/ru,{newest.article_id}")
        assert text(article.cssselect("article.caravan-article h1")[0]) == newest.title
        found = ds.html(f"{route}/search?q=фестивалей")
        assert [m.text for m in found.cssselect("ol.caravan-list p.snippet mark")] == ["Фестиваль", "фестиваля"]
    finally:
        ds.close()
    # A database that is not an archive keeps Datasette's own pages, whatever its tables are named.
    other = tmp_path / "caravan.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO articles VALUES (1, 'not an archive')")
    conn.commit()
    conn.close()
    ds = Client(files=[other])
    try:
        assert not ds.html("/caravan/articles").cssselect("ol.caravan-list")
        assert not ds.html("/caravan/articles/1").cssselect("article.caravan-article")
    finally:
        ds.close()


def _store_versions(db, versions: list[tuple[str, str, str | None]], article_id: int = 999999) -> None:
    """An article archived in several versions: (fetched_at, body, modified_at) each."""
    archive = Archive(db)
    try:
        for fetched_at, body, modified_at in versions:
            record = {"url": f"https://www.caravan.kz/news/x-{article_id}/", "article_id": article_id, "edition": "ru",
                      "language": "ru", "title": "Статья в восемь абзацев", "lead": None, "body": body,
                      "published_at": "2026-01-01", "modified_at": modified_at, "category": None, "tags": None,
                      "authors": None, "image_url": None, "image_credit": None, "views": 1,
                      "word_count": len(body.split()), "status": "live"}
            archive.store(Capture(edition="ru", article_id=article_id, url=record["url"], status=200, fetched_at=fetched_at,
                                  body=b"<html></html>"), record, "today", PARSER_VERSION, None)
    finally:
        archive.close()


def _unpublish(db, article_id: int) -> None:
    """The site answered 410 for an archived Russian article on 2026-02-01."""
    archive = Archive(db)
    try:
        archive.unpublish(None, ("ru", article_id), "http_410", "2026-02-01T00:00:00+00:00", None)
    finally:
        archive.close()


def test_what_changed_shows_the_changed_paragraphs_with_one_around_and_says_when(datasette_dir):
    """A one-paragraph edit of an eight-paragraph article: the changed paragraph, the one before and
    after, the rest counted, not the whole unchanged body; when it was archived and when the site
    says it was modified; the title leads to the archived article."""
    before = [f"Абзац номер {n} остаётся прежним." for n in range(1, 9)]
    after = before[:4] + ["Абзац номер 5 теперь исправлен редакцией."] + before[5:]
    _store_versions(datasette_dir / "caravan.db", [
        ("2026-01-01T00:00:00+00:00", "\n\n".join(before), "2026-01-01T09:00:00+05:00"),
        ("2026-01-02T06:30:00+00:00", "\n\n".join(after), "2026-01-02T10:15:00+05:00")])
    ds = Client(datasette_dir)
    try:
        page = ds.html("/-/changes/ru/999999")
    finally:
        ds.close()
    [title] = page.cssselect("h1 a")
    assert (text(title), title.get("href")) == ("Статья в восемь абзацев", "/caravan/articles/ru,999999")
    [heading] = page.cssselect("h2.revision")
    assert text(heading) == "Revision 2: archived 2026-01-02 06:30 UTC; the site says modified 2026-01-02 10:15 (+05:00)"
    [body] = page.xpath("//tr[td[1]='body']/td[2]")
    assert [(p.get("class"), text(p)) for p in body.cssselect("p")] == [
        ("unchanged", "3 unchanged paragraphs"),
        (None, "Абзац номер 4 остаётся прежним."),
        (None, "Абзац номер 5 остаётся прежним. теперь исправлен редакцией."),
        (None, "Абзац номер 6 остаётся прежним."),
        ("unchanged", "2 unchanged paragraphs")]
    [changed] = body.xpath("p[del]")
    assert [d.text for d in changed.cssselect("del")] == ["остаётся прежним."]
    assert [i.text for i in changed.cssselect("ins")] == ["теперь исправлен редакцией."]


def test_canned_queries_open_on_their_answer_and_recent_changes_on_a_list_of_archived_articles(datasette_dir):
    """A reader opening a canned query sees its answer, not a wall of SQL (one click shows it);
    recent_changes is a list (what, when, the title leading to the archived copy, what changed)
    without the feed's atom_* columns, which the feed still gets; the feed links the archived copy
    too, which an unpublished article's live address no longer is."""
    from caravan_spider.reading_room import METADATA

    db = datasette_dir / "caravan.db"
    _store_versions(db, [("2026-01-01T00:00:00+00:00", "Первая версия.", None),
                         ("2026-01-02T06:30:00+00:00", "Вторая версия.", None)])
    _unpublish(db, 999999)
    ds = Client(datasette_dir)
    try:
        for name in METADATA["databases"]["caravan"]["queries"]:
            page = ds.html(f"/caravan/{name}")
            assert not page.cssselect("#sql-editor, #sql-query"), name
            assert [a.text for a in page.cssselect("span.show-hide-sql a")] in ([], ["show"]), name
        assert ds.html("/caravan/most_viewed?_show_sql=1").cssselect("#sql-query, #sql-editor")
        page = ds.html("/caravan/recent_changes")
        assert "atom_" not in page.text_content()
        items = page.cssselect("ol.caravan-changes > li")
        assert [(text(li.cssselect(".what")[0]), text(li.cssselect("time")[0]), text(li.cssselect("a.headline")[0]),
                 li.cssselect("a.headline")[0].get("href"), li.xpath("a[text()='what changed']/@href"))
                for li in items] == [
            ("Unpublished (http_410)", "2026-02-01 00:00 UTC", "Статья в восемь абзацев", "/caravan/articles/ru,999999",
             ["/-/changes/ru/999999"]),
            ("Edited", "2026-01-02 06:30 UTC", "Статья в восемь абзацев", "/caravan/articles/ru,999999",
             ["/-/changes/ru/999999"])]
        data = get_json(ds, "/caravan/recent_changes.json?_shape=objects")
        assert [r["atom_title"] for r in data["rows"]] == ["Unpublished: Статья в восемь абзацев",
                                                           "Edited: Статья в восемь абзацев"]
        feed = ds.get("/caravan/recent_changes.atom")
        assert feed.status_code == 200
        assert re.findall(r'<link href="([^"]*)"', feed.text)[1:] == ["articles/ru,999999", "articles/ru,999999"]
    finally:
        ds.close()


def test_ids_in_revisions_and_status_changes_lead_to_their_article(datasette_dir, crawled):
    article_id = crawled["site"].newest_first()[2].article_id
    _unpublish(datasette_dir / "caravan.db", article_id)
    ds = Client(datasette_dir)
    try:
        for table in ("revisions", "status_changes"):
            page = ds.html(f"/caravan/{table}?article_id={article_id}")
            cells = page.cssselect("td.col-article_id")
            assert cells and [(text(c), c.cssselect("a")[0].get("href")) for c in cells] == [
                (str(article_id), f"/caravan/articles/ru,{article_id}")] * len(cells), table
    finally:
        ds.close()


def test_subheadings_read_as_headings(ds, crawled):
    """Every subheading of every sample article is a heading on its page; its paragraphs, list
    items and quotes stay paragraphs."""
    for article in crawled["site"].articles.values():
        page = ds.html(f"/caravan/articles/ru,{article.article_id}")
        body = page.cssselect("article.caravan-article div.body")[0]
        assert [text(h) for h in body.cssselect("h2")] == [c for kind, c in article.blocks if kind == "h2"]
        assert [(el.tag, text(el)) for el in body] == [
            ("h2" if kind == "h2" else "p", " ".join(p.split()))
            for kind, p in zip([k for k, c in article.blocks for _ in (c if k == "ul" else [c])],
                               article.body_paragraphs())]


def test_an_unpublished_article_says_so_plainly(datasette_dir, crawled):
    article_id = crawled["site"].newest_first()[2].article_id
    _unpublish(datasette_dir / "caravan.db", article_id)
    notice = ("Unpublished: the site has not shown this article since 2026-02-01 00:00 UTC (http_410). "
              "This is the archived copy.")
    ds = Client(datasette_dir)
    try:
        page = ds.html(f"/caravan/articles/ru,{article_id}")
        assert [text(p) for p in page.cssselect("article.caravan-article > p.caravan-notice")] == [notice]
        assert "unpublished" not in text(page.cssselect("article.caravan-article > .meta")[0])
        changes = ds.html(f"/-/changes/ru/{article_id}")
        assert [text(p) for p in changes.cssselect("p.caravan-notice")] == [notice]
    finally:
        ds.close()


def test_a_match_in_the_title_alone_is_marked_there_and_shows_the_lead(ds, crawled):
    """«автобусы» is in titles only: the title shows why the article matched, and the lead is shown
    (on the search page, the searched list and in the CLI) rather than a snippet that looks unrelated."""
    from conftest import in_process

    matching = {a.title: a.expected_record()["lead"] for a in crawled["site"].articles.values()
                if "автобусы" in a.title}
    assert len(matching) >= 2 and not any("автобус" in (a.expected_record()["lead"] + a.expected_record()["body"]).lower()
                                          for a in crawled["site"].articles.values())
    for path in ("/caravan/search?q=автобусы", "/caravan/articles?_search=автобусы"):
        items = ds.html(path).cssselect("ol.caravan-list > li")
        assert len(items) == len(matching), path
        for li in items:
            headline = li.cssselect("a.headline")[0]
            assert [m.text for m in headline.cssselect("mark")] == ["автобусы"], path
            assert text(li.cssselect("p.snippet")[0]) == matching[text(headline)], path
    found = in_process("search", "автобусы", "--db", str(crawled["db"]))
    assert found.returncode == 0
    titles = [line.split("  ", 2)[2] for line in found.stdout.splitlines() if line[:1].isdigit()]
    assert sorted(titles) == sorted(t.replace("автобусы", "[автобусы]") for t in matching)


@pytest.mark.e2e
def test_datasette_serves_the_reading_room_as_run_from_the_command_line(crawled, tmp_path):
    """`datasette a.db` makes its app after the plugins' startup (the test client, before it):
    the reading room's template loader must list templates too, or the server never starts."""
    import socket
    import time
    import urllib.request

    db = tmp_path / "a.db"
    shutil.copy(crawled["db"], db)
    newest = crawled["site"].newest_first()[0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "datasette", str(db), "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/a/articles/ru,{newest.article_id}",
                                            timeout=10) as response:
                    page = lxml.html.fromstring(response.read().decode())
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()[-2000:]
                assert time.monotonic() < deadline, "datasette did not answer in 60 s"
                time.sleep(0.2)
        assert text(page.cssselect("article.caravan-article h1")[0]) == newest.title
    finally:
        server.terminate()
        server.communicate(timeout=30)  # and closes its stderr


def test_titles_in_canned_queries_lead_to_the_archived_article(ds, crawled):
    """most_viewed and articles_of_a_day list titles: each leads to the article in the archive
    (which outlives the site's page); the url column still gives the site's address."""
    top = max(crawled["site"].articles.values(), key=lambda a: a.views)
    page = ds.html("/caravan/most_viewed?since=")
    first = page.cssselect("tbody tr")[0]
    title = first.cssselect("td.col-title a")[0]
    assert (text(title), title.get("href")) == (top.title, f"/caravan/articles/ru,{top.article_id}")
    assert text(first.cssselect("td.col-url")[0]) == top.expected_record()["url"]
    day = ds.html("/caravan/articles_of_a_day?day=2025-07-24")
    assert [a.get("href") for a in day.cssselect("td.col-title a")] == ["/caravan/articles/ru,845713"]
