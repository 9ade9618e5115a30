"""Deep or script-heavy markup parses whole, or is refused with a reason: never silently cut (issue 8, item 5)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from caravan_spider.parsing import explain

from conftest import PAGES

SEED = PAGES / "seed"
OPEN = '<article class="FullArticle">'


def _seed(transform) -> tuple[dict | None, str | None]:
    meta = json.loads((SEED / "meta.json").read_text())
    html = transform((SEED / "page.html").read_text())
    result = explain(html.encode(), meta["url"], datetime.fromisoformat(meta["fetched_at"]), meta["content_type"])
    return (result.article.to_dict() if result.article else None), result.reason


EXPECTED = json.loads((SEED / "expected.json").read_text())


@pytest.mark.parametrize("transform", [
    lambda h: h.replace(OPEN, "<div>" * 300 + OPEN).replace("</article>", "</article>" + "</div>" * 300),
    lambda h: re.sub(OPEN, OPEN + "<div>" * 300, h).replace("</article>", "</div>" * 300 + "</article>"),
    lambda h: h.replace(OPEN, OPEN + "<font>" * 300),
    lambda h: h.replace("</head>", "<script>var x = '" + "x" * (10 * 1024 * 1024) + "';</script></head>"),
], ids=["300-divs-around", "300-divs-inside", "300-unclosed-font", "10MB-inline-script"])
def test_deep_or_heavy_markup_keeps_every_word(transform):
    record, reason = _seed(transform)
    assert reason is None
    assert record["word_count"] == EXPECTED["word_count"] == 566
    assert record["body"] == EXPECTED["body"]


def test_markup_deeper_than_the_parser_can_hold_is_refused_with_a_reason():
    record, reason = _seed(lambda h: h.replace(OPEN, "<div>" * 3000 + OPEN))
    assert record is None
    assert reason == "markup not parsed whole (Excessive depth in document: 2048, use XML_PARSE_HUGE option)"
