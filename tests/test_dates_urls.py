"""Dates in Almaty time and canonical article URLs."""

from datetime import datetime

import pytest

from caravan_spider.almaty import ALMATY
from caravan_spider.parsing.dates import as_datetime, parse_machine, parse_visible, to_iso
from caravan_spider.urls import Origin, article_ref

FETCHED = datetime(2026, 1, 21, 0, 30, tzinfo=ALMATY)


@pytest.mark.parametrize("text,expected", [
    ("24 Июля 2025", "2025-07-24"),
    ("24 июля 2025, 09:40", "2025-07-24T09:40:00+05:00"),
    ("12.03.2016, 14:05", "2016-03-12T14:05:00+06:00"),
    ("29 февраля 2024 г., 23:59", "2024-02-29T23:59:00+06:00"),  # the last minute of UTC+6
    ("1 марта 2024 г., 00:30", "2024-03-01T00:30:00+05:00"),
    ("24 шілде 2025", "2025-07-24"),
    ("2025 жылғы 24 шілде, 09:40", "2025-07-24T09:40:00+05:00"),
    ("Сегодня, 10:15", "2026-01-21T10:15:00+05:00"),
    ("Вчера, 18:40", "2026-01-20T18:40:00+05:00"),
    ("Бүгін, 08:00", "2026-01-21T08:00:00+05:00"),
    ("31.02.2020", None),
    ("скоро", None),
])
def test_visible_dates(text, expected):
    assert to_iso(parse_visible(text, FETCHED)) == expected


@pytest.mark.parametrize("value,expected", [
    ("2025-07-24T04:40:00Z", "2025-07-24T09:40:00+05:00"),
    ("2023-07-24T04:40:00+00:00", "2023-07-24T10:40:00+06:00"),
    ("2025-07-24", "2025-07-24"),
    ("2025-07-24T09:40:00", "2025-07-24T09:40:00+05:00"),  # naive means Almaty wall time
    ("not a date", None),
])
def test_machine_dates(value, expected):
    assert to_iso(parse_machine(value)) == expected


@pytest.mark.parametrize("value,expected", [
    ("2025-07-24T04:40:00Z", "2025-07-24T09:40:00+05:00"),
    ("2025-07-24", "2025-07-24T00:00:00+05:00"),  # a bare date: its midnight in Almaty
    ("2016-03-12", "2016-03-12T00:00:00+06:00"),
    (datetime(2026, 1, 21, 0, 30, tzinfo=ALMATY), "2026-01-21T00:30:00+05:00"),
    ("not a date", None),
    (None, None),
])
def test_as_datetime_is_an_instant_to_compare(value, expected):
    moment = as_datetime(value)
    assert (moment.isoformat() if moment else None) == expected


@pytest.mark.parametrize("url", [
    "https://www.caravan.kz/news/tesnye-svyazi-811549/",
    "https://caravan.kz/news/tesnye-svyazi-811549",
    "https://caravan.kz/amp/news/tesnye-svyazi-811549",
    "http://www.caravan.kz/news/tesnye-svyazi-811549/?utm_source=rss&utm_medium=rss#comments",
    "http://127.0.0.1:8000/news/tesnye-svyazi-811549/",
])
def test_every_form_of_an_article_url_has_one_canonical_url(url):
    ref = article_ref(url)
    assert (ref.article_id, ref.url) == (811549, "https://www.caravan.kz/news/tesnye-svyazi-811549/")


@pytest.mark.parametrize("url", ["https://www.caravan.kz/news/page/2/", "https://www.caravan.kz/tag/almaty/",
                                 "https://www.caravan.kz/info/about/", "https://www.caravan.kz/news/"])
def test_other_urls_are_not_articles(url):
    assert article_ref(url) is None


def test_kazakh_edition_and_sport():
    assert article_ref("https://kaz.caravan.kz/art/zhana-mektep-112233/").url == \
        "https://kaz.caravan.kz/art/zhana-mektep-112233/"
    assert article_ref("https://www.caravan.kz/sport/futbol-9999").url == "https://www.caravan.kz/sport/futbol-9999/"


def test_a_mirror_keeps_the_crawl_on_its_own_host():
    origin = Origin("http://127.0.0.1:8000", "ru")
    assert origin.rebase("https://caravan.kz/news/x-1234/") == "http://127.0.0.1:8000/news/x-1234/"
    assert origin.rebase("/tag/almaty/", "http://127.0.0.1:8000/news/") == "http://127.0.0.1:8000/tag/almaty/"
    assert origin.rebase("https://example.com/news/x-1234/") is None
    assert origin.rebase("mailto:editor@caravan.kz") is None
    with pytest.raises(ValueError, match="is not an http"):
        Origin("caravan.kz", "ru")


def test_a_header_is_text_or_none():
    from scrapy.http import Headers

    from caravan_spider.headers import header

    headers = Headers({"ETag": '"v1"', "Content-Type": b"text/html; charset=windows-1251", "X-Empty": b"",
                       "X-Latin": "café".encode("latin-1")})
    assert header(headers, "etag") == '"v1"'
    assert header(headers, "Content-Type") == "text/html; charset=windows-1251"
    assert header(headers, "X-Empty") is None and header(headers, "Last-Modified") is None
    assert header(headers, "X-Latin") == "café"  # HTTP header bytes are ISO-8859-1: never a decoding error
