"""Deep or script-heavy markup parses whole, or is refused with a reason: never silently cut (issue 8, item 5);
a page that would cost a parse too much is refused with a reason too (issue 20, item 9)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
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


# --- what one page may cost a parse (issue 20, item 9) ----------------------------------------------
def test_a_page_of_many_tiny_elements_is_refused_before_it_is_parsed():
    # 40,000 tiny paragraphs in the article: trafilatura's cost grows faster than the elements
    # (1.1 million took a worker 3 GB and 2 minutes)
    record, reason = _seed(lambda h: h.replace(OPEN, OPEN + "<p>x</p>\n" * 40_000))
    assert record is None
    assert reason == "markup too large (more than 30,000 tags)"


def test_a_page_with_as_many_tags_as_the_largest_real_ones_keeps_every_word():
    # the largest of 1,601 real pages has 10,138 tags; closing tags and a '<' in a script are no tags
    record, reason = _seed(lambda h: h.replace("</article>", "</article>" + "<span></span>" * 20_000).replace(
        "</head>", "<script>" + "if (a < b && c < d) {}" * 10_000 + "</script></head>"))
    assert reason is None
    assert record["body"] == EXPECTED["body"]


def test_text_longer_than_a_parse_may_read_is_refused():
    paragraph = "<p>" + "Слово за словом складывается в очень длинный текст. " * 20_000 + "</p>"  # 1,040,000 characters
    record, reason = _seed(lambda h: h.replace(OPEN, OPEN + paragraph))
    assert record is None
    assert reason == "text too long (more than 1,000,000 characters)"
    # ...where as much text in a script is not read, and costs nothing
    record, reason = _seed(lambda h: h.replace("</head>", "<script>" + paragraph + "</script></head>"))
    assert reason is None and record["body"] == EXPECTED["body"]


def test_a_page_larger_than_a_parse_may_read_is_refused_unread():
    too_large = lambda h: h.replace("</head>", "<script>var x = '" + "x" * (16 * 1024 * 1024) + "';</script></head>")
    record, reason = _seed(too_large)
    assert record is None
    assert reason == "page too large (more than 16 MiB)"
    meta = json.loads((SEED / "meta.json").read_text())
    as_text = too_large((SEED / "page.html").read_text())
    assert explain(as_text, meta["url"]).reason == "page too large (more than 16 MiB)"


@pytest.mark.e2e
def test_extract_of_a_huge_standard_input_is_one_line():
    """`extract -` of 140 MB read it all and ended in a traceback after 3.2 GB: it reads no more
    than a page may be."""
    command = [sys.executable, "-m", "caravan_spider.cli", "extract", "-"]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:

        def feed():
            chunk = b"<p>tiny</p>\n" * (1024 * 1024 // 12)
            try:
                for _ in range(140):
                    process.stdin.write(chunk)
                process.stdin.close()
            except BrokenPipeError:  # it stopped reading: what it should do
                pass

        writer = threading.Thread(target=feed)
        writer.start()
        out, err = process.stdout.read(), process.stderr.read()  # (a few lines at most: no pipe fills up)
        writer.join()
        assert process.wait(timeout=60) == 3
    assert out == b""
    assert err.decode().splitlines() == ["stdin: not an article: page too large (more than 16 MiB)"]
