"""Editions are data (caravan_spider/site.py): a site or an edition is one spec plus its layouts.

A toy site with editions of its own (hosts, article paths, listings, a layout) works through the
same code as Caravan.kz: its URL rules, which edition a URL is, the choices and the parser. A third
edition added to a copy of CARAVAN shows up in the CLI's choices, the reading room's route, the
record's schema and the URL rules without another line of code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest

from caravan_spider.parsing import explain
from caravan_spider.parsing.layouts.base import Layout
from caravan_spider.site import CARAVAN, ArticlePath, Edition, Site
from caravan_spider.urls import Origin, article_ref, base_urls, edition_of
from conftest import ROOT


class Broadsheet(Layout):
    """The toy site's one layout generation: <article class="story"> with its own title, date and text."""

    name = "broadsheet"
    MARKERS = ("//article[contains(@class,'story')]",)
    BODY = ("//div[contains(@class,'story__text')]",)
    TITLE = ("//h1[contains(@class,'story__title')]",)
    DATE = ("//time[contains(@class,'story__date')]",)


class Journal(Broadsheet):
    """The French edition's generation: the same markup, a layout of its own."""

    name = "journal"


BROADSHEET, JOURNAL = Broadsheet(), Journal()
STORIES = ArticlePath(r"^/stories/(?P<id>\d+)(?:/(?P<slug>[a-z0-9-]+))?/?$",
                      canonical="/stories/{id}/{slug}/", canonical_without_slug="/stories/{id}/")
GAZETTE = Site("Gazette", (
    Edition("en", origin="https://www.gazette.test",
            hosts=frozenset({"gazette.test", "www.gazette.test"}), article_path=STORIES, listing="/latest/",
            feed="/rss.xml", sitemaps=("/sitemap.xml",), language="en", language_tags=("en",),
            not_found=("story not found",), names=("Gazette",), layouts=(BROADSHEET,)),
    Edition("fr", origin="https://fr.gazette.test", hosts=frozenset({"fr.gazette.test"}),
            article_path=ArticlePath(r"^/articles/(?P<slug>[a-z0-9-]+)-(?P<id>\d+)\.html$",
                                     canonical="/articles/{slug}-{id}.html", canonical_without_slug="/articles/{id}.html"),
            listing="/dernieres/", feed="/flux.xml", sitemaps=("/plan.xml",), language="fr", language_tags=("fr",),
            not_found=("article introuvable",), names=("La Gazette",), layouts=(JOURNAL,)),
    Edition("de", origin="https://de.gazette.test", hosts=frozenset({"de.gazette.test"}),
            article_path=STORIES, listing="/neu/", feed="/rss.xml", sitemaps=(), language="de",
            language_tags=("de",), not_found=(), names=("Gazette",), layouts=()),  # no layout of its own: the generic one reads it
))

PARAGRAPHS = ("The council voted on Tuesday to keep the old market hall open for another ten years, after a long "
              "debate in which traders, neighbours and the mayor each spoke twice.",
              "Repairs to the roof begin in spring; the stalls stay open while the builders work above them.")


def story(lang: str | None = None) -> str:
    declared = f' lang="{lang}"' if lang else ""
    return (f"<html{declared}><head><title>Market hall stays open | Gazette</title></head><body>"
            "<article class='story'><h1 class='story__title'>Market hall stays open</h1>"
            "<time class='story__date' datetime='2026-01-20T09:30:00+01:00'>20 January 2026</time>"
            f"<div class='story__text'><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div></article></body></html>")


def test_the_toy_sites_article_addresses_follow_its_spec():
    ref = article_ref("http://gazette.test/stories/1234/market-hall-stays-open?utm_source=x", GAZETTE)
    assert (ref.edition, ref.article_id, ref.url, ref.path) == (
        "en", 1234, "https://www.gazette.test/stories/1234/market-hall-stays-open/", "/stories/1234/market-hall-stays-open/")
    ref = article_ref("https://fr.gazette.test/articles/la-halle-reste-ouverte-77.html", GAZETTE)
    assert (ref.edition, ref.article_id, ref.url) == ("fr", 77, "https://fr.gazette.test/articles/la-halle-reste-ouverte-77.html")
    # A path both editions use is the edition's whose host it is; on any other host (a mirror) the main edition's.
    assert article_ref("https://de.gazette.test/stories/5/", GAZETTE).url == "https://de.gazette.test/stories/5/"
    assert article_ref("http://127.0.0.1:8000/stories/5", GAZETTE).url == "https://www.gazette.test/stories/5/"
    # The French path is the French edition's on any host.
    assert article_ref("http://127.0.0.1:8001/articles/x-9.html", GAZETTE).edition == "fr"
    # Caravan's addresses are no articles of this site, and the other way round.
    assert article_ref("https://www.caravan.kz/news/x-845713/", GAZETTE) is None
    assert article_ref("https://www.gazette.test/stories/1234/") is None
    assert [edition_of(url, GAZETTE) for url in ("https://de.gazette.test/stories/5/", "https://fr.gazette.test/",
                                                 "https://fr.gazette.test/articles/x-9.html")] == ["de", "en", "fr"]


def test_the_toy_sites_origins_and_choices_follow_its_spec():
    origin = Origin("http://127.0.0.1:8001", "fr", GAZETTE)
    assert origin.listing_url(1) == "http://127.0.0.1:8001/dernieres/"
    assert origin.listing_url(3) == "http://127.0.0.1:8001/dernieres/page/3/"
    assert origin.rebase("https://fr.gazette.test/articles/x-9.html") == "http://127.0.0.1:8001/articles/x-9.html"
    assert origin.rebase("https://www.caravan.kz/news/x-845713/") is None
    assert (origin.edition.feed, origin.edition.sitemaps) == ("/flux.xml", ("/plan.xml",))
    assert Origin(None, "de", GAZETTE).base == "https://de.gazette.test"
    assert base_urls(["fr=http://127.0.0.1:8001"], "all", GAZETTE) == {"en": None, "fr": "http://127.0.0.1:8001",
                                                                      "de": None}
    with pytest.raises(ValueError) as refused:
        base_urls([], "kk", GAZETTE)
    assert str(refused.value) == "edition 'kk' is not en, fr, de or all"
    with pytest.raises(ValueError) as refused:
        base_urls(["http://127.0.0.1:8001"], "all", GAZETTE)
    assert str(refused.value) == ("http://127.0.0.1:8001 is ambiguous with --edition all: add --edition en, fr or de, "
                                  "or write en=http://127.0.0.1:8001, fr=http://127.0.0.1:8001 or de=http://127.0.0.1:8001")
    assert (GAZETTE.codes, GAZETTE.languages, GAZETTE.main.code) == (("en", "fr", "de"), ("en", "fr", "de"), "en")


def test_the_toy_sites_pages_are_read_by_its_editions_layouts():
    page = story()
    french = explain(page, "http://127.0.0.1:8001/articles/la-halle-reste-ouverte-77.html", site=GAZETTE)
    article = french.article
    assert (french.layout, article.edition, article.article_id, article.url, article.language) == (
        "journal", "fr", 77, "https://fr.gazette.test/articles/la-halle-reste-ouverte-77.html", "fr")
    # (Dates are given in Almaty time, as every record's are: the time zone is not in the spec yet.)
    assert (article.title, article.body, article.published_at) == (
        "Market hall stays open", "\n\n".join(PARAGRAPHS), "2026-01-20T13:30:00+05:00")
    assert french.sources["language"] == "edition" and french.sources["title"].startswith("xpath //h1[contains(")
    # The same page on the English edition is read by its own generation, in its language, unless the
    # page declares one of the site's languages.
    english = explain(page, "https://www.gazette.test/stories/1234/", site=GAZETTE)
    assert (english.layout, english.article.edition, english.article.language) == ("broadsheet", "en", "en")
    assert explain(story("de"), "https://www.gazette.test/stories/1234/", site=GAZETTE).article.language == "de"
    # The German edition has no layout of its own: the generic layout reads the same page.
    german = explain(page, "https://de.gazette.test/stories/1234/", site=GAZETTE)
    assert (german.layout, german.article.edition, german.article.title) == ("generic", "de", "Market hall stays open")
    # Caravan's layouts never read the toy site's pages, nor the toy layout Caravan's.
    assert explain(page, "https://www.caravan.kz/news/x-845713/").layout == "generic"


def test_caravans_layouts_are_its_editions_generations():
    assert [layout.name for layout in CARAVAN.edition("ru").generations] == ["amp", "today", "legacy-2015"]
    assert [layout.name for layout in CARAVAN.edition("kk").generations] == ["amp", "kazakh"]
    # A page of no known article is tried with every edition's layouts.
    assert [layout.name for layout in CARAVAN.layouts] == ["amp", "today", "legacy-2015", "kazakh"]
    assert [CARAVAN.language_of(layout) for layout in CARAVAN.layouts] == ["ru", "ru", "ru", "kk"]


THIRD_EDITION = textwrap.dedent("""
    import json
    from dataclasses import replace

    import caravan_spider.site as site

    uz = replace(site.CARAVAN.edition("kk"), code="uz", origin="https://uz.caravan.kz",
                 hosts=frozenset({"uz.caravan.kz"}), language="uz", language_tags=("uz",), listing="/uz/")
    site.CARAVAN = replace(site.CARAVAN, editions=(*site.CARAVAN.editions, uz))

    from caravan_spider import reading_room, record, urls
    from caravan_spider.cli import cli
    from caravan_spider.config import Config

    def choices(command, option):
        return list(next(p for p in cli.commands[command].params if p.name == option).type.choices)

    ref = urls.article_ref("https://uz.caravan.kz/news/yangilik-123/")
    print(json.dumps({
        "crawl": choices("crawl", "edition"), "fixture": choices("fixture", "edition"),
        "export": choices("export", "edition"), "language": choices("export", "language"),
        "search": choices("search", "edition"), "route": reading_room.register_routes()[0][0],
        "schema": record.json_schema()["properties"]["edition"]["enum"],
        "ref": [ref.edition, ref.url], "base_urls": urls.base_urls(["uz=http://127.0.0.1:8003"], "uz"),
        "listing": urls.Origin(None, "uz").listing_url(2)}))
    # Its origin setting (as --base-url uz=URL makes it) is read, kept, and crawled from.
    mirror = Config.from_settings({"CARAVAN_EDITION": "uz", "CARAVAN_UZ_BASE_URL": "http://127.0.0.1:8003"})
    print(json.dumps({"origin": mirror.spec.origins["uz"].base,
                      "setting": mirror.settings().get("CARAVAN_UZ_BASE_URL"),
                      "again": Config.from_json(mirror.to_json()).spec.origins["uz"].base,
                      "default": Config().spec.origins["uz"].base}))
""")


def test_a_third_edition_added_to_caravans_spec_is_everywhere_the_editions_are():
    # A fresh interpreter: the CLI's options and the record's types are made when their modules load.
    done = subprocess.run([sys.executable, "-c", THIRD_EDITION], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    derived, config = map(json.loads, done.stdout.splitlines())
    assert config == {"origin": "http://127.0.0.1:8003", "setting": "http://127.0.0.1:8003",
                      "again": "http://127.0.0.1:8003", "default": "https://uz.caravan.kz"}
    assert derived == {
        "crawl": ["ru", "kk", "uz", "all"], "fixture": ["ru", "kk", "uz"], "export": ["ru", "kk", "uz"],
        "language": ["ru", "kk", "uz"], "search": ["ru", "kk", "uz"],
        "route": r"^/-/changes/(?P<edition>ru|kk|uz)/(?P<article_id>\d+)$", "schema": ["ru", "kk", "uz"],
        "ref": ["uz", "https://uz.caravan.kz/news/yangilik-123/"], "base_urls": {"uz": "http://127.0.0.1:8003"},
        "listing": "https://uz.caravan.kz/uz/page/2/"}


def test_caravans_spec_gives_todays_choices():
    from caravan_spider.cli import cli
    from caravan_spider.reading_room import register_routes

    crawl = next(p for p in cli.commands["crawl"].params if p.name == "edition")
    assert list(crawl.type.choices) == ["ru", "kk", "all"]
    assert register_routes()[0][0] == r"^/-/changes/(?P<edition>ru|kk)/(?P<article_id>\d+)$"
    assert CARAVAN.codes == ("ru", "kk") and CARAVAN.languages == ("ru", "kk")
