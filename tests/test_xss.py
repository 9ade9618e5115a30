"""A page cannot put a script into the reading room (issue 20, item 1): the parser keeps only http(s)
URLs, the templates link only http(s) URLs (whatever an older version stored), and every response
carries a Content-Security-Policy that the reading room's own pages keep to."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
import pytest

from caravan_spider.archive import Archive, Capture
from caravan_spider.parsing import PARSER_VERSION, explain

from conftest import PAGES
from test_datasette import Client

SEED = (PAGES / "seed" / "page.html").read_text("utf-8")
SEED_URL = "https://www.caravan.kz/news/kazahstan-poslannik-mira-kak-nasha-strana-postroila-reputaciyu-mirotvorca-845713/"
OG_IMAGE = '<meta property="og:image" content="https://www.caravan.kz/wp-content/uploads/images/845714.jpg">'
HOSTILE = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "\x01javascript:alert(1)",
           "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
           "http://"]
WHEN = datetime(2026, 1, 21, 12, 0)


def _escaped(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace("\x01", "&#1;")


@pytest.mark.parametrize("image", HOSTILE)
def test_an_image_url_that_is_not_http_is_dropped(image):
    assert OG_IMAGE in SEED
    html = SEED.replace(OG_IMAGE, f'<meta property="og:image" content="{_escaped(image)}">')
    result = explain(html, SEED_URL, WHEN)
    assert result.article.image_url is None
    assert result.sources["image_url"] == "dropped: not an http(s) URL (og:image)"
    assert result.article.title == explain(SEED, SEED_URL, WHEN).article.title  # the rest as before


def test_an_image_url_relative_to_the_page_or_the_scheme_stays():
    for given, expected in (("/wp-content/x.jpg", "https://www.caravan.kz/wp-content/x.jpg"),
                            ("//cdn.caravan.kz/x.jpg", "https://cdn.caravan.kz/x.jpg"),
                            ("HTTP://cdn.caravan.kz/x.jpg", "HTTP://cdn.caravan.kz/x.jpg")):
        html = SEED.replace(OG_IMAGE, f'<meta property="og:image" content="{given}">')
        assert explain(html, SEED_URL, WHEN).article.image_url == expected


@pytest.mark.parametrize("canonical", HOSTILE)
def test_a_canonical_link_that_is_not_http_is_not_the_articles_url(canonical):
    """Without an article path anywhere the post id comes from the markup (the shortlink), and the
    record's URL was the canonical link as given."""
    html = SEED.replace(f'<link rel="canonical" href="{SEED_URL}">', f'<link rel="canonical" href="{_escaped(canonical)}">')
    html = html.replace(f'<meta property="og:url" content="{SEED_URL}">', '<meta property="og:url" content="">')
    fetched = "https://mirror.example/?p=845713"
    article = explain(html, fetched, WHEN).article
    assert (article.article_id, article.url) == (845713, fetched)


def _store(db, **fields) -> None:
    """An article row as an older version may have stored it: whatever URLs its page gave."""
    record = {"url": "https://www.caravan.kz/news/x-999999/", "article_id": 999999, "edition": "ru", "language": "ru",
              "title": "Статья с чужими ссылками", "lead": None, "body": "Первый абзац статьи про школы Алматы.",
              "published_at": "2026-01-01", "modified_at": None, "category": None, "tags": None, "authors": None,
              "image_url": None, "image_credit": "Пресс-служба", "views": 1, "word_count": 6, "status": "live",
              **fields}
    archive = Archive(db)
    try:
        archive.store(Capture(edition="ru", article_id=999999, url="https://www.caravan.kz/news/x-999999/", status=200,
                              fetched_at="2026-01-01T00:00:00+00:00", body=b"<html></html>"),
                      record, "today", PARSER_VERSION, None)
    finally:
        archive.close()


def _links(html: str) -> list[str]:
    doc = lxml.html.fromstring(html)
    return [node.get(name) for name in ("href", "src", "action") for node in doc.xpath(f"//*[@{name}]")]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>"])
def test_the_article_page_links_only_http_urls_whatever_was_stored(datasette_dir, url):
    _store(datasette_dir / "caravan.db", url=url, image_url=url)
    ds = Client(datasette_dir)
    page = ds.get("/caravan/articles/ru,999999")
    assert page.status_code == 200
    for link in _links(page.text):
        assert urlsplit(link).scheme in ("", "http", "https"), link
    doc = lxml.html.fromstring(page.text)
    # What was stored is still shown, as text: the reader sees that it is not a web address.
    assert " ".join(doc.cssselect("figure")[0].text_content().split()) == "Photo: Пресс-служба"
    assert " ".join(doc.cssselect(".provenance p")[0].text_content().split()).startswith(
        f"Original: {url} (not a web address) · 1 capture")
    ds.close()


def test_the_feed_links_only_http_urls_whatever_was_stored(datasette_dir):
    """An entry's link is the article's page in the reading room (relative to the feed), never
    what the archive stored as its address."""
    db = datasette_dir / "caravan.db"
    _store(db, url="javascript:alert(1)")
    archive = Archive(db)
    try:
        archive.unpublish(None, ("ru", 999999), "http_410", "2026-02-01T00:00:00+00:00", None)
    finally:
        archive.close()
    ds = Client(datasette_dir)
    feed = ds.get("/caravan/recent_changes.atom")
    assert feed.status_code == 200
    assert re.findall(r'<link href="([^"]*)"', feed.text)[1:] == ["articles/ru,999999"]
    ds.close()


def test_an_http_image_and_original_stay_links(datasette_dir):
    _store(datasette_dir / "caravan.db", image_url="https://www.caravan.kz/wp-content/x.jpg")
    ds = Client(datasette_dir)
    doc = ds.html("/caravan/articles/ru,999999")
    assert [a.get("href") for a in doc.cssselect("figure a")] == ["https://www.caravan.kz/wp-content/x.jpg"]
    assert doc.cssselect(".provenance a")[0].get("href") == "https://www.caravan.kz/news/x-999999/"
    ds.close()


# --- Content-Security-Policy ---------------------------------------------------------------------
@pytest.fixture
def ds(datasette_dir):
    client = Client(datasette_dir)
    yield client
    client.close()


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy")
    assert header, response.url
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


EXPECTED_POLICY = {"default-src": ["'self'"], "style-src": ["'self'", "'unsafe-inline'"],
                   "img-src": ["'self'", "data:"], "object-src": ["'none'"], "base-uri": ["'none'"],
                   "form-action": ["'self'"], "frame-ancestors": ["'none'"]}


@pytest.mark.slow
def test_every_response_carries_the_policy(ds, crawled):
    article_id = crawled["site"].newest_first()[0].article_id
    for path in ("/", "/caravan/articles", f"/caravan/articles/ru,{article_id}", "/caravan/articles.json",
                 "/-/static/app.css", "/no/such/page", f"/-/changes/ru/{article_id}", f"/caravan/articles/{article_id}"):
        response = ds.get(path)
        policy = _policy(response)
        assert {k: v for k, v in policy.items() if k != "script-src"} == EXPECTED_POLICY, path
        assert policy["script-src"][0] == "'self'" and all(
            s.startswith("'sha256-") for s in policy["script-src"][1:]), path
        assert len(response.headers.get_list("content-security-policy")) == 1


@pytest.mark.slow
def test_the_reading_rooms_pages_keep_to_the_policy(ds, crawled):
    """Inline scripts run only when the policy names their hash; none may be an attribute
    (onclick=) or a javascript: link, and every script file is the reading room's own."""
    article_id = crawled["site"].newest_first()[0].article_id
    pages = ["/", "/caravan", "/caravan/articles", "/caravan/articles?_search=миротворец",
             "/caravan/articles?_view=table", f"/caravan/articles/ru,{article_id}", "/caravan/search?q=миротворец",
             "/caravan/captures", "/caravan/revisions", "/caravan?sql=select+1", "/caravan/recent_changes",
             f"/-/changes/ru/{article_id}", "/-/metadata", "/no/such/page"]
    for path in pages:
        response = ds.get(path)
        allowed = set(_policy(response)["script-src"])
        doc = lxml.html.fromstring(response.text)
        for script in doc.xpath("//script"):
            if script.get("src"):
                assert not urlsplit(script.get("src")).netloc, (path, script.get("src"))
                continue
            digest = base64.b64encode(hashlib.sha256((script.text or "").encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, (path, (script.text or "")[:80])
        assert not [n.tag for n in doc.iter() if isinstance(n.tag, str) and any(a.startswith("on") for a in n.attrib)]
        assert not [link for link in _links(response.text) if link.strip().lower().startswith("javascript:")]
