"""The record is defined once (caravan_spider/record.py); every copy of it must agree, or a test here fails."""

from __future__ import annotations

import importlib.util
import json
import shutil

import sqlite_utils
from datasette.utils import parse_metadata

from caravan_spider import parsing
from caravan_spider.archive import Archive
from caravan_spider.record import (DESCRIPTIONS, FIELDS, JSON_FIELDS, REVISION_FIELDS, Article, column_types,
                                   json_schema, readme_table)
from caravan_spider.revisions import content_hash
from conftest import ROOT

# What the archive keeps beside the record: its own bookkeeping, not part of an exported line.
ARTICLE_BOOKKEEPING = {"year": int, "layout": str, "parser_version": str, "content_hash": str, "first_seen_at": str,
                       "fetched_at": str, "checked_at": str, "updated_at": str, "lastmod": str, "etag": str,
                       "last_modified": str, "capture_id": int, "unpublished_at": str, "unpublished_reason": str,
                       "next_check_at": str, "doc_id": int, "source": str}
REVISION_BOOKKEEPING = {"revision_id": int, "fetched_at": str, "content_hash": str, "capture_id": int,
                        "parser_version": str, "source": str}
spec = importlib.util.spec_from_file_location("sync_record", ROOT / "scripts/sync_record.py")
sync = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync)


def test_the_record_has_its_fields_in_export_order():
    assert FIELDS == ("url", "article_id", "edition", "language", "title", "lead", "body", "published_at",
                      "modified_at", "category", "tags", "authors", "image_url", "image_credit", "views", "word_count",
                      "status")
    assert parsing.Article is Article and parsing.FIELDS is FIELDS  # the parser re-exports, never redefines
    assert JSON_FIELDS == ("tags", "authors")
    assert all(DESCRIPTIONS[name] for name in FIELDS)


def test_revision_fields_are_those_the_content_hash_has_always_covered():
    # Changing this set changes every content_hash already stored: existing articles would all
    # get a spurious revision on their next fetch.
    assert REVISION_FIELDS == ("url", "language", "title", "lead", "body", "published_at", "category", "tags",
                               "authors", "image_url", "image_credit")
    record = {"url": "https://www.caravan.kz/news/x-1/", "language": "ru", "title": "Т", "lead": None, "body": "Б",
              "published_at": "2025-01-01", "category": None, "tags": ["a"], "authors": None, "image_url": None,
              "image_credit": None}
    # The hash the code before record.py gave this record.
    assert content_hash(record) == "a65e754b0e2a760abd3e35826fc75081791a516538da2f6eab68afbcfe0f1b75"


def test_the_shipped_json_schema_is_the_one_the_record_makes():
    shipped = json.loads((ROOT / "caravan_spider/schema/article.schema.json").read_text("utf-8"))
    assert shipped == json_schema(), "run scripts/sync_record.py"
    assert list(shipped["properties"]) == list(FIELDS)


def test_the_json_schema_types_follow_the_annotations():
    properties = json_schema()["properties"]
    assert properties["article_id"] == {"type": "integer", "minimum": 1,
                                        "description": "WordPress post id; identifies the article within its edition"}
    assert properties["language"]["enum"] == ["ru", "kk", None]
    assert properties["edition"]["enum"] == ["ru", "kk"] and properties["status"]["enum"] == ["live", "unpublished", "unknown"]
    assert properties["tags"]["type"] == ["array", "null"] and properties["tags"]["items"] == {"type": "string"}
    assert properties["body"]["type"] == "string" and properties["lead"]["type"] == ["string", "null"]


def test_migrated_tables_hold_exactly_the_record_columns(tmp_path):
    archive = Archive(tmp_path / "a.db")
    try:
        columns = column_types()
        assert columns["views"] is int and columns["tags"] is str and columns["language"] is str
        assert archive.db["articles"].columns_dict == {**columns, **ARTICLE_BOOKKEEPING}
        assert archive.db["revisions"].columns_dict == {**columns, **REVISION_BOOKKEEPING}
    finally:
        archive.close()


def test_datasette_describes_each_record_column_as_the_record_does():
    metadata = parse_metadata((ROOT / "caravan_spider/reading_room/metadata.yml").read_text("utf-8"))
    described = metadata["databases"]["caravan"]["tables"]["articles"]["columns"]
    assert {name: described.get(name) for name in FIELDS} == DESCRIPTIONS, "run scripts/sync_record.py"
    assert set(described) == set(column_types()) | set(ARTICLE_BOOKKEEPING)  # every column, nothing stale


def test_the_readme_table_is_the_one_the_record_makes():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"-->\n{readme_table()}\n<!-- /record-table -->" in readme, "run scripts/sync_record.py"


def test_sync_rewrites_a_drifted_copy_and_check_names_it(tmp_path, capsys):
    for path in ("caravan_spider/schema/article.schema.json", "README.md", "caravan_spider/reading_room/metadata.yml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    metadata = tmp_path / "caravan_spider/reading_room/metadata.yml"
    original = metadata.read_text("utf-8")
    metadata.write_text(original.replace("          views: View count when last fetched\n", ""), "utf-8")
    assert sync.main(["--check", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "differs from the record: caravan_spider/reading_room/metadata.yml\n"
    assert sync.main(["--root", str(tmp_path)]) == 0
    assert metadata.read_text("utf-8") == original
    assert sync.main(["--check", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().err == "rewritten: caravan_spider/reading_room/metadata.yml\n"  # from the run before --check


def test_a_migrated_archive_from_before_keeps_its_columns(tmp_path):
    # Opening again applies no migration twice and changes no column.
    path = tmp_path / "a.db"
    Archive(path).close()
    before = sqlite_utils.Database(path)["articles"].columns_dict
    Archive(path).close()
    assert sqlite_utils.Database(path)["articles"].columns_dict == before
