"""Why a page is no article is a Rejection member and its detail, read as the text the archive has always stored."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from caravan_spider import workers
from caravan_spider.parsing import Rejected, Rejection, explain

from conftest import ROOT

PAGES = ROOT / "tests" / "pages"


def _page(case: str) -> tuple:
    meta = json.loads((PAGES / case / "meta.json").read_text("utf-8"))
    return (PAGES / case / "page.html").read_bytes(), meta["url"], meta["fetched_at"], meta["content_type"]


@pytest.mark.parametrize("case, rejection, detail", [
    ("not-found-200", Rejection.NOT_FOUND, "«Страница не найдена»"),
    ("empty-article", Rejection.NO_TEXT, "0 words"),
    ("tag-page", Rejection.TAG_PAGE, None),
])
def test_a_rejection_is_its_member_and_detail_and_reads_as_the_stored_text(case, rejection, detail):
    html, url, fetched_at, content_type = _page(case)
    reason = explain(html, url, datetime.fromisoformat(fetched_at), content_type).reason
    assert (type(reason), reason.rejection, reason.detail) == (Rejected, rejection, detail)
    expected = json.loads((PAGES / case / "expected.json").read_text("utf-8"))["not_an_article"]
    assert (reason, str(reason), f"{reason}") == (expected, expected, expected)


def test_a_rejection_keeps_its_member_through_a_parse_worker():
    """The spider reads the member of what a worker sends back (the not-found page of an archived
    article unpublishes it): pickled as text alone, it would arrive without one."""
    executor = workers.pool(1)
    try:
        _, reason, _ = executor.submit(workers.extract, *_page("not-found-200")).result(timeout=120)
    finally:
        executor.shutdown()
    assert (type(reason), reason.rejection, reason.detail) == (Rejected, Rejection.NOT_FOUND, "«Страница не найдена»")


def test_only_pages_the_parser_did_not_understand_count_as_failed_parses():
    # drift.py counts these against coverage (formerly by the prefixes no headline, no article text, no post id)
    assert {r for r in Rejection if r.failed_parse} == {Rejection.NO_POST_ID, Rejection.NO_HEADLINE, Rejection.NO_TEXT}
