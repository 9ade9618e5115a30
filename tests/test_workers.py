"""A parse worker hands the pipeline exactly what parsing in Scrapy's thread does."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from caravan_spider import workers
from caravan_spider.archive import index_entry
from caravan_spider.parsing import explain
from caravan_spider.parsing.furniture import Furniture

from conftest import ROOT

CASE = ROOT / "tests" / "pages" / "amp"


def test_a_worker_parses_with_the_learned_furniture_as_the_thread_does():
    meta = json.loads((CASE / "meta.json").read_text())
    html = (CASE / "page.html").read_bytes()
    when = datetime.fromisoformat(meta["fetched_at"])
    plain = explain(html, meta["url"], when, meta["content_type"]).article.to_dict()
    paragraph = plain["body"].split("\n\n")[1]
    furniture = Furniture(frozenset({paragraph}), "learned furniture (test)")
    result = explain(html, meta["url"], when, meta["content_type"], furniture, "all")
    expected = result.article.to_dict()
    assert paragraph not in expected["body"]  # the furniture reached the parser
    page = (html, meta["url"], when.isoformat(), meta["content_type"], furniture, "all")
    with workers.pool(1) as pool:
        parsed = pool.submit(workers.parse_page, *page).result()
    assert parsed == {"record": expected, "reason": None, "layout": result.layout, "index_entry": index_entry(expected),
                      "sha256": hashlib.sha256(html).hexdigest()}
    assert workers.parse_page(*page) == parsed
