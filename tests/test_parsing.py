"""Parser tests on stored pages: tests/pages/<case>/ holds page.html, meta.json, expected.json."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from caravan_spider.parsing import FIELDS, NotAnArticle, explain, parse

PAGES = Path(__file__).resolve().parent / "pages"
CASES = sorted(p.name for p in PAGES.iterdir() if (p / "expected.json").exists())


def load(case: str):
    folder = PAGES / case
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    return (folder / "page.html").read_bytes(), meta, expected


def run(case: str):
    html, meta, _ = load(case)
    return explain(html, meta["url"], datetime.fromisoformat(meta["fetched_at"]), meta.get("content_type"))


def test_corpus_covers_every_layout_and_edge_page():
    layouts = {run(case).layout for case in CASES}
    assert layouts == {"today", "legacy-2015", "amp", "kazakh", "generic"}
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_page_gives_expected_record(case):
    _, _, expected = load(case)
    result = run(case)
    if "not_an_article" in expected:
        assert result.article is None
        assert result.reason == expected["not_an_article"]
        return
    assert result.reason is None
    got = result.article.to_dict()
    assert sorted(got) == sorted(FIELDS)  # no extra fields, none missing
    for field in FIELDS:
        assert got[field] == expected[field], field


def test_seed_page_body_is_complete_and_clean():
    seed = json.loads((Path(__file__).resolve().parent.parent / "caravan_spider/sample_site/seed_article.json")
                      .read_text("utf-8"))
    article = run("seed").article
    paragraphs = article.body.split("\n\n")
    assert paragraphs == [text for _, text in seed["blocks"]]
    for boilerplate in ["$ 507.05", "594.82", "-7 °C", "2026 Год", "21 Января", "В тренде", "Пенсия 2026",
                        "Правило двух стаканов", "Поделиться", "Министерство обороны РК", "Караван"]:
        assert boilerplate not in article.body, boilerplate
        assert boilerplate not in article.title and boilerplate not in article.lead
    assert article.lead not in article.body
    assert (article.published_at, article.views, article.image_credit) == (
        "2025-07-24T09:40:00+05:00", 7621, "Министерство обороны РК")


@pytest.mark.parametrize("case,absent", [
    ("today-ad-embed", ["Реклама", "Кредит наличными", "Посмотреть эту публикацию", "akimat_almaty", "Подписывайтесь"]),
    ("today-figure-read-also", ["Фото:", "Читайте также", "Смотрите также"]),
    ("legacy-2015", ["Комментарии", "Наконец-то", "Гость", "Фото:", "USD 185.50", "Перепечатка"]),
    ("kazakh-edition", ["Сондай-ақ оқыңыз", "Астанада жаңа аурухана", "Көп оқылған", "Бөлісу", "Сурет:"]),
    ("unknown-redesign", ["Читайте также", "USD 510.20", "-3 °C", "Похожие новости", "Поделиться", "Все права"]),
])
def test_boilerplate_never_reaches_the_text(case, absent):
    article = run(case).article
    text = "\n".join([article.title, article.lead or "", article.body])
    for phrase in absent:
        assert phrase not in text, phrase


def test_amp_copy_yields_the_canonical_article():
    amp, seed = run("amp").article, run("seed").article
    assert amp.url == seed.url == "https://www.caravan.kz/news/kazahstan-poslannik-mira-kak-nasha-strana-postroila-reputaciyu-mirotvorca-845713/"
    assert amp.article_id == 845713


def test_windows_1251_page_declared_only_in_meta_decodes():
    html, meta, expected = load("legacy-2015-windows-1251")
    assert meta["content_type"] == "text/html"  # no charset in the header
    html.decode("cp1251")  # the stored bytes really are windows-1251
    with pytest.raises(UnicodeDecodeError):
        html.decode("utf-8")
    assert parse(html, meta["url"]).title == expected["title"]


def test_relative_date_needs_the_fetch_time():
    html, meta, _ = load("relative-date-today")
    assert parse(html, meta["url"]).published_at is None  # unknown is null, never a guess
    assert parse(html, meta["url"], datetime.fromisoformat(meta["fetched_at"])).published_at == "2026-01-21T10:15:00+05:00"


@pytest.mark.parametrize("html,reason", [
    (b"", "no headline"),
    (b"\x00\xff<html><body><h1>", "no headline"),
    (b"<html><body><h1>Title only</h1><div class='FullArticle__text'><p>Short.</p></div></body></html>",
     "no article text (1 words)"),
])
def test_malformed_pages_are_rejected_with_a_reason(html, reason):
    with pytest.raises(NotAnArticle, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse(html, "https://www.caravan.kz/news/broken-123456/")


def test_explain_names_the_source_of_each_field_and_the_pruned_boilerplate():
    result = run("seed")
    assert result.layout == "today"
    assert result.sources["published_at"] == "json-ld datePublished"
    assert result.sources["views"] == "xpath //li[contains(@class,'FullArticle__views')]"
    assert ("//section[contains(@class,'Trending')]", 1) in result.pruned
    no_meta = run("today-no-metadata")
    assert no_meta.sources["published_at"] == "<time datetime>"
