"""The archive package's shape: the names callers import from caravan_spider.archive, and the
search index's statements written in one module."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import caravan_spider

ROOT = Path(caravan_spider.__file__).parent.parent
# An import from caravan_spider.archive, absolute or relative (`..archive` in the spider).
IMPORT = re.compile(r"from (?:caravan_spider\.|\.+)archive import ([\w, ]+)")


def test_every_name_imported_from_the_archive_is_there():
    names = {name.strip() for folder in ("caravan_spider", "tests", "benchmarks", "scripts")
             for path in (ROOT / folder).rglob("*.py")
             for match in IMPORT.finditer(path.read_text(encoding="utf-8"))
             for name in match[1].split(",") if name.strip()}
    archive = importlib.import_module("caravan_spider.archive")
    assert {"Archive", "Capture", "Known", "KnownArticles", "index_entry", "migrations", "plan_rebuild"} <= names
    assert sorted(name for name in names if not hasattr(archive, name)) == []


def test_the_search_index_is_asked_and_written_in_one_module():
    # The migrations keep the statements they ran (history); the reading room's metadata.yml holds
    # Datasette's canned query, which cannot import Python.
    writers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "caravan_spider").rglob("*.py")
                     if re.search(r"(?i)(from|into|match|join)\s+articles_fts|articles_fts\s+match",
                                  path.read_text(encoding="utf-8")))
    assert writers == ["caravan_spider/archive/schema.py", "caravan_spider/archive/search_index.py"]


def test_an_article_page_is_the_capture_the_archive_keeps_with_the_parse_added(tmp_path):
    from dataclasses import fields

    from caravan_spider.archive import Archive, Capture
    from caravan_spider.items import ArticlePage

    capture = [field.name for field in fields(Capture)]
    assert [field.name for field in fields(ArticlePage)] == [*capture, "lastmod", "record", "reason", "layout",
                                                              "gone", "index_entry"]
    page = ArticlePage(url="https://www.caravan.kz/news/x-7/", status=200, fetched_at="2026-01-01T00:00:00+00:00",
                       body=b"<html>not an article</html>", edition="ru", article_id=7, content_type="text/html",
                       lastmod=None, record=None, reason="no article text", layout=None)
    assert "not an article" not in repr(page)  # logs hold no page bytes
    archive = Archive(tmp_path / "caravan.db")
    assert archive.store(page, page.record, page.layout, "v", page.lastmod) == "not-article"
    stored = next(archive.db.query("SELECT edition, article_id, url, status, content_type, size FROM captures"))
    assert stored == {"edition": "ru", "article_id": 7, "url": "https://www.caravan.kz/news/x-7/", "status": 200,
                      "content_type": "text/html", "size": 27}
    archive.close()
