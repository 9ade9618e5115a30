"""`caravan-archive fixture`: an archived capture becomes a tests/pages/<case>/ folder the parser tests read."""

from __future__ import annotations

import json
from datetime import datetime

from caravan_spider.archive import Archive
from caravan_spider.parsing import explain

from conftest import article_records, in_process, rows


def test_fixture_writes_page_meta_and_expected_record_from_the_capture(archive_copy, tmp_path):
    capture = rows(archive_copy, "SELECT * FROM captures WHERE article_id = 845713 ORDER BY capture_id DESC")[0]
    result = in_process("fixture", "845713", "--case", "seed-from-archive", "--db", str(archive_copy),
                 "--pages", str(tmp_path))
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "seed-from-archive"
    assert sorted(p.name for p in folder.iterdir()) == ["expected.json", "meta.json", "page.html"]
    archive = Archive(archive_copy, create=False, read_only=True)
    try:
        fetched = archive.decompress_capture(capture)
    finally:
        archive.close()
    assert (folder / "page.html").read_bytes() == fetched
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    assert meta == {"url": capture["url"], "fetched_at": capture["fetched_at"],
                    "content_type": capture["content_type"]}
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    assert expected == article_records(archive_copy)[845713]  # what the archive holds
    # ...and what tests/test_parsing.py will read from the folder
    again = explain((folder / "page.html").read_bytes(), meta["url"], datetime.fromisoformat(meta["fetched_at"]),
                    meta["content_type"])
    assert again.article.to_dict() == expected
    assert "«Казахстан - посланник мира" in result.stdout and "Check expected.json" in result.stdout


def test_fixture_never_overwrites_and_names_a_missing_article(archive_copy, tmp_path):
    (tmp_path / "taken").mkdir()
    taken = in_process("fixture", "845713", "--case", "taken", "--db", str(archive_copy), "--pages", str(tmp_path))
    assert taken.returncode == 1
    assert taken.stderr.strip() == f"{tmp_path / 'taken'} already exists: a fixture is never rewritten; choose another --case"
    assert list((tmp_path / "taken").iterdir()) == []
    missing = in_process("fixture", "1", "--db", str(archive_copy), "--pages", str(tmp_path))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith(f"{archive_copy} holds no capture of article 1 of the ru edition")
    assert not (tmp_path / "article-1").exists()
