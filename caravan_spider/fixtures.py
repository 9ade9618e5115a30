"""A stored page fixture (tests/pages/<case>/) made from an archived capture.

page.html is the capture's body byte for byte, meta.json its URL, fetch time and Content-Type,
expected.json what the current parser makes of it: for a person to check against the page and
commit. The first thing to do when the real site is reachable.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .parsing import explain


class FixtureError(Exception):
    """Why no fixture was written, in one line."""


def write_fixture(capture: dict, folder: Path) -> dict:
    """Write page.html, meta.json and expected.json into `folder` (which must not exist yet)."""
    if folder.exists():
        raise FixtureError(f"{folder} already exists: a fixture is never rewritten; choose another --case")
    body = capture["body"]  # as fetched (the caller decompressed it)
    meta = {"url": capture["url"], "fetched_at": capture["fetched_at"], "content_type": capture["content_type"]}
    result = explain(body, meta["url"], datetime.fromisoformat(meta["fetched_at"]), meta["content_type"])
    expected = result.article.to_dict() if result.article else {"not_an_article": result.reason}
    folder.mkdir()  # in the pages folder, which exists: no other folder is made
    (folder / "page.html").write_bytes(body)
    for name, data in (("meta.json", meta), ("expected.json", expected)):
        (folder / name).write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=name == "expected.json")
                                   + "\n", "utf-8")
    return expected
