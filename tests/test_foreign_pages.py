"""A page that is no page of the site never becomes an article row: another publisher's page served at
an article address (its canonical link on its own host, its own name) and a parked domain's page.
Both are refused only on positive evidence: a mirror's page, a syndicated article that carries the
site's name and an article about domain sales stay articles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from caravan_spider.parsing import Rejection, explain
from caravan_spider.site import CARAVAN

from test_site import GAZETTE, story

URL = "https://www.caravan.kz/news/rynok-akcii-301465/"
TEXT = ("Stocks rose on Tuesday as investors weighed fresh data on inflation and the outlook for interest rates, "
        "with technology shares leading the gains across the major indexes in New York.",
        "Bond yields slipped and the dollar weakened against most currencies, while oil prices climbed for a "
        "third day as traders watched supply talks among the largest producers.",
        "Analysts said the moves reflected a growing belief that the central bank would hold rates steady at "
        "its next meeting, after a run of softer readings on wages and consumer prices.")


def foreign_page(canonical: str | None = "https://www.wsj.com/finance/stocks/stocks-rise-on-tuesday-4f2a1b",
                 site_name: str | None = "WSJ", title: str = "Stocks Rise as Investors Weigh Inflation Data - WSJ",
                 og_url: str | None = None, lang: str = "en-US") -> str:
    """An article page of another publisher (the Wall Street Journal's, by default)."""
    head = [f"<title>{title}</title>"]
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if og_url:
        head.append(f'<meta property="og:url" content="{og_url}">')
    if site_name:
        head.append(f'<meta property="og:site_name" content="{site_name}">')
    paragraphs = "".join(f"<p>{p}</p>" for p in TEXT)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{"".join(head)}</head><body>'
            f"<article><h1>Stocks Rise as Investors Weigh Inflation Data</h1>{paragraphs}</article></body></html>")


def test_another_publishers_page_at_an_article_address_is_refused_with_its_host():
    result = explain(foreign_page(), URL)
    assert result.article is None
    assert (result.reason.rejection, result.reason.detail) == (Rejection.FOREIGN_PAGE, "www.wsj.com")
    assert result.reason == "another site's page (www.wsj.com)"
    assert not Rejection.FOREIGN_PAGE.failed_parse  # the site served a wrong page: no drift of our parser


@pytest.mark.parametrize("where", ["canonical", "og:url"])
def test_either_address_the_page_gives_for_itself_is_the_evidence(where):
    address = "https://www.wsj.com/finance/stocks/stocks-rise-on-tuesday-4f2a1b"
    html = foreign_page(canonical=address) if where == "canonical" else foreign_page(canonical=None, og_url=address)
    assert explain(html, URL).reason.rejection is Rejection.FOREIGN_PAGE


@pytest.mark.parametrize("canonical, page_url", [
    # a mirror's page names the mirror, or the real site: ours
    ("http://127.0.0.1:8123/news/rynok-akcii-301465/", "http://127.0.0.1:8123/news/rynok-akcii-301465/"),
    ("https://www.caravan.kz/news/rynok-akcii-301465/", "http://127.0.0.1:8123/news/rynok-akcii-301465/"),
    ("https://m.caravan.kz/news/rynok-akcii-301465/", URL),
    # no evidence: no address, or one that is no web address
    (None, URL), ("/news/rynok-akcii-301465/", URL), ("javascript:alert(1)", URL),
])
def test_a_page_that_names_the_site_or_the_host_it_came_from_is_read(canonical, page_url):
    result = explain(foreign_page(canonical=canonical), page_url)
    assert result.reason is None and result.article.article_id == 301465


@pytest.mark.parametrize("site_name, title", [
    ("Караван", "Stocks Rise as Investors Weigh Inflation Data - WSJ"),  # the site's og:site_name
    (None, "Stocks Rise as Investors Weigh Inflation Data | Караван"),  # the site's suffix of <title>
    ("Caravan.kz", "Stocks Rise as Investors Weigh Inflation Data"),
])
def test_a_syndicated_article_that_carries_the_sites_name_stays_an_article(site_name, title):
    """Its canonical link names the original publisher; the page is the site's all the same."""
    result = explain(foreign_page(site_name=site_name, title=title), URL)
    assert result.reason is None
    assert (result.article.article_id, result.article.title) == (301465, "Stocks Rise as Investors Weigh Inflation Data")


def test_the_sites_names_are_its_editions_data():
    assert CARAVAN.names == ("Караван", "Caravan.kz", "caravan.kz", "Caravan", "Керуен")
    assert GAZETTE.names == ("Gazette", "La Gazette")


def test_another_site_reads_its_own_names_and_hosts_from_its_spec():
    """The toy site's page names the toy site: read; the same page on the toy site's address but
    naming Caravan.kz (canonical and name) is another site's page there."""
    url = "https://www.gazette.test/stories/1234/market-hall-stays-open/"
    own = story().replace("<head>", '<head><link rel="canonical" href="https://gazette.test/stories/1234/">')
    assert explain(own, url, site=GAZETTE).article.article_id == 1234
    theirs = story().replace("<head>", '<head><link rel="canonical" href="https://www.caravan.kz/news/x-1234/">'
                                       '<meta property="og:site_name" content="Караван">').replace("| Gazette", "")
    assert explain(theirs, url, site=GAZETTE).reason == "another site's page (www.caravan.kz)"
    assert explain(theirs, url).reason is None  # to Caravan.kz it is its own page
    # a Caravan-like site without the names: a WSJ page naming «Караван» is foreign to it
    nameless = replace(CARAVAN, editions=tuple(replace(e, names=("Nobody",)) for e in CARAVAN.editions))
    assert explain(foreign_page(site_name="Караван"), URL, site=nameless).reason.rejection is Rejection.FOREIGN_PAGE


PARKED_WORDS = "The domain name caravan.kz may be for sale. Click here to inquire about this domain and make an offer today."


@pytest.mark.parametrize("title, heading", [
    ("caravan.kz is for sale", "caravan.kz is for sale"),
    ("caravan.kz is for sale!", "Make an offer"),
    ("Parked page", "This domain is for sale"),
    ("Buy this domain", "caravan.kz"),
    ("Домен продаётся", "caravan.kz"),
    ("caravan.kz", "Домен caravan.kz продается"),
])
def test_a_parked_domains_page_is_refused(title, heading):
    html = (f"<html><head><title>{title}</title></head><body><h1>{heading}</h1><p>{PARKED_WORDS}</p>"
            f"<p>{PARKED_WORDS}</p></body></html>")
    result = explain(html, URL)
    assert (result.article, result.reason) == (None, Rejection.PARKED_DOMAIN.because())
    assert result.reason == "parked domain page"


def test_an_article_about_domain_sales_is_an_article():
    headline = "Домен caravan.kz продаётся: кто его купит и зачем"
    paragraphs = "".join(f"<p>{p}</p>" for p in (
        "Владельцы старых казахстанских сайтов всё чаще выставляют домены на продажу, рассказали участники рынка.",
        "Фраза «домен продаётся» на заглушке сайта давно стала привычной для тех, кто ищет новости в сети.",
        "Эксперты советуют проверять историю домена перед покупкой и не платить посредникам вперёд."))
    html = (f"<html lang='ru'><head><title>{headline} | Караван</title>"
            f"<meta property='og:site_name' content='Караван'></head>"
            f"<body><article><h1>{headline}</h1>{paragraphs}<p>Домен продаётся</p></article></body></html>")
    result = explain(html, URL)
    assert result.reason is None and result.article.title == headline
