"""Parser tests on stored pages: tests/pages/<case>/ holds page.html, meta.json, expected.json."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import trafilatura

from caravan_spider.parsing import FIELDS, Furniture, NotAnArticle, explain, forget, parse

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


@pytest.mark.slow
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



# --- a page that names no encoding (issue 20, item 10) ---------------------------------------------------
UNKNOWN_ENCODING = "encoding unknown (none declared, not UTF-8, and no Cyrillic encoding reads as Russian)"


def _without_charset(html: bytes) -> bytes:
    bare = html.replace(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251" />', b"")
    assert b"charset" not in bare.lower()
    return bare


def _explained(html: bytes, content_type: str = "text/html"):
    _, meta, _ = load("legacy-2015-windows-1251")
    return explain(html, meta["url"], datetime.fromisoformat(meta["fetched_at"]), content_type)


def test_a_windows_1251_page_with_no_charset_anywhere_decodes():
    """No charset in the header, no <meta>, no BOM, not UTF-8: it was read as UTF-8, every Cyrillic
    letter a U+FFFD. The encoding in which its text reads as Russian is windows-1251."""
    html, meta, expected = load("legacy-2015-windows-1251")
    assert meta["content_type"] == "text/html"
    result = _explained(_without_charset(html))
    assert result.reason is None
    assert result.article.to_dict() == {field: expected[field] for field in FIELDS}


@pytest.mark.parametrize("encoding", ["koi8-r", "iso-8859-5", "ibm866", "mac-cyrillic"])
def test_a_page_in_another_cyrillic_encoding_with_no_charset_decodes(encoding):
    html, _, _ = load("legacy-2015-windows-1251")
    # (« » © are not in every one of them)
    text = _without_charset(html).decode("cp1251").translate({ord("«"): '"', ord("»"): '"', ord("©"): "(c)"})
    as_utf8 = _explained(text.encode("utf-8"), "text/html; charset=utf-8").article.to_dict()
    assert _explained(text.encode(encoding)).article.to_dict() == as_utf8
    assert "Караганд" in as_utf8["title"]


@pytest.mark.parametrize("text, encoding", [
    # a German page: its umlauts would be Cyrillic letters of fair frequency (ä д, ö ц, ü ь)
    ("Die Bundesregierung hat am Montag in Berlin neue Regeln für die Förderung von Wärmepumpen "
     "beschlossen. Künftig sollen Haushalte mit geringem Einkommen einen höheren Zuschuss erhalten. ", "cp1252"),
    ("Η κυβέρνηση ανακοίνωσε σήμερα νέα μέτρα για τη στήριξη των νοικοκυριών και των επιχειρήσεων "
     "της χώρας μέσα στον χειμώνα. ", "iso-8859-7"),
    # Kazakh in its own single-byte encoding: read as windows-1251 its letters ә, қ, ң, ө, ұ, ү, і are wrong
    ("Қазақстан Республикасының Үкіметі бүгін Астанада жаңа бағдарламаны таныстырды және "
     "өңірлердегі жұмыс орындарын көбейту туралы шешім қабылдады. ", "kz1048"),
])
def test_a_page_with_no_charset_that_reads_as_no_russian_is_refused(text, encoding):
    html = (f"<html><head><title>{text[:40]}</title></head><body><article><h1>{text[:40]}</h1>"
            f"<p>{text * 5}</p></article></body></html>").encode(encoding)
    result = _explained(html)
    assert (result.article, result.reason) == (None, UNKNOWN_ENCODING)


def test_a_utf8_page_with_a_damaged_byte_and_no_charset_stays_utf8():
    # one byte of «Алматы» lost: UTF-8 with one U+FFFD reads as Russian, windows-1251 («РђР»...») does not
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + "</article>").replace(
        b"<meta charset='utf-8'>", b"")
    damaged = html.replace("Алматы продолжают".encode(), "Алматы продолжают".encode()[1:], 1)
    article = explain(damaged, URL, content_type="text/html").article
    assert article.title == "Новые правила парковки в Алматы"
    assert article.body.split("\n\n")[1:] == PARAGRAPHS[1:]
    assert article.body.count("\ufffd") == 1


def test_relative_date_needs_the_fetch_time():
    html, meta, _ = load("relative-date-today")
    assert parse(html, meta["url"]).published_at is None  # unknown is null, never a guess
    assert parse(html, meta["url"], datetime.fromisoformat(meta["fetched_at"])).published_at == "2026-01-21T10:15:00+05:00"


@pytest.mark.parametrize("html,reason", [
    (b"", "no headline"),
    # (bytes that are not UTF-8 and name no charset: a lone 0xff is no Russian text in any encoding)
    (b"\x00\xff<html><body><h1>",
     "encoding unknown (none declared, not UTF-8, and no Cyrillic encoding reads as Russian)"),
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


# --- learned furniture and the generic path on the sample site ------------------------------------
def _latest_captures(db):
    from caravan_spider.archive import Archive

    archive = Archive(db, create=False)
    try:
        return [{**captures[-1], "html": archive.decompress_capture(captures[-1])}
                for _, captures in archive.captures_by_article()]
    finally:
        archive.close()


def test_furniture_is_learned_per_edition_from_the_captures(archive_copy):
    from caravan_spider import boilerplate
    from caravan_spider.archive import Archive

    archive = Archive(archive_copy, create=False)
    try:
        learned = boilerplate.learn(archive, min_share=0.3, window_days=7, min_pages=5)
        furniture = boilerplate.load(archive)
        stored = archive.furniture_rows()
    finally:
        archive.close()
    assert [(ln.edition, ln.pages) for ln in learned] == [("ru", 51)]
    lines = furniture["ru"].lines
    # the top bar, the menu, «В тренде» and the share buttons repeat on every page of the sample site
    for line in ("$ 507.05", "-7 °C", "Главная Новости Спорт О нас Поиск", "В тренде:",
                 "Правило двух стаканов: как избежать похмелья", "Поделиться: Telegram WhatsApp Facebook"):
        assert line in lines, line
    assert len(stored) == len(lines) and all(r["pages"] >= 5 and r["share"] > 0.3 for r in stored)
    # an article's own paragraphs are on one page: never learned
    seed = json.loads((Path(__file__).resolve().parent.parent / "caravan_spider/sample_site/seed_article.json")
                      .read_text("utf-8"))
    assert not lines & {text for _, text in seed["blocks"]}
    assert furniture["ru"].rule.startswith("learned furniture (ru: on >30% of 51 pages fetched ")


@pytest.mark.e2e
def test_workers_learn_the_furniture_one_process_learns(archive_copy):
    from caravan_spider import boilerplate, workers
    from caravan_spider.archive import Archive

    def learned(executor) -> tuple[list[dict], list[tuple]]:
        archive = Archive(archive_copy, create=False)
        try:
            archive.db.execute("DELETE FROM capture_lines")  # so that every page is read again
            archive.db.execute("DELETE FROM furniture")
            boilerplate.learn(archive, executor=executor)
            return _furniture(archive), _stored_lines(archive)
        finally:
            archive.close()

    alone = learned(None)
    with workers.pool(2) as executor:
        # Started first: until the pool is `ready` this process reads the pages itself, and the
        # workers would read none of these 51 (one chunk).
        executor.ready.result(timeout=120)
        assert learned(executor) == alone and len(alone[0]) > 20 and len(alone[1]) == 51


def test_page_lines_are_the_element_texts_of_the_body():
    """Learning counts the texts of a page's elements in one walk (furniture.spaced_texts); they are
    exactly element_text() of each element: tails, comments, scripts inside, long and composed text."""
    import lxml.html

    from caravan_spider.parsing.furniture import MAX_LINE, element_text, page_lines

    long_menu = "".join(f"<li><a href='/{k}/'>Раздел\u00a0{k}</a> |</li>" for k in range(120))
    html = (f"<html><head><title>t</title><script>var head = 1;</script></head><body>"
            f"<div class='top'>USD <b>512.30</b><!-- rate --> today <span>  Snow,\n -3 </span></div>"
            f"<ul class='menu'>{long_menu}</ul><script>var inBody = 2;</script>"
            f"<p>Cafe\u0301 e\u0301 {'ж' * (MAX_LINE - 8)}</p><p>{'e' + chr(0x301) * 2 * MAX_LINE}</p>"
            f"<div><p>x</p>tail of p<?pi here?>after pi</div></body></html>")
    doc = lxml.html.document_fromstring(html)
    expected = {text for node in doc.xpath("//body//*[not(self::script or self::style or self::noscript)]")
                if 2 <= len(text := element_text(node)) <= MAX_LINE}
    assert page_lines(doc) == expected
    assert {"USD 512.30 today Snow, -3", "Snow, -3", "Раздел 7 |", "x tail of p after pi"} <= expected
    assert f"Café é {'ж' * (MAX_LINE - 8)}" in expected  # composed by NFC: 300 characters, not 302


def test_nfc_composes_at_most_four_code_points_into_one():
    """page_lines skips texts over 4 × MAX_LINE without cleaning them: true while no character has a
    canonical decomposition longer than 4 (a new Unicode version that breaks it fails here)."""
    import sys
    import unicodedata

    assert max(len(unicodedata.normalize("NFD", chr(c))) for c in range(sys.maxunicode + 1)) == 4


def _furniture(archive) -> list[dict]:
    return sorted(({k: v for k, v in row.items() if k != "learned_at"} for row in archive.furniture_rows()),
                  key=lambda row: (row["edition"], row["line"]))


def _stored_lines(archive) -> list[tuple]:
    return archive.db.conn.execute("SELECT capture_id, version, hashes FROM capture_lines ORDER BY capture_id").fetchall()


def test_the_crawl_stores_each_captures_lines_and_learning_counts_them_as_parsing_the_captures_would(archive_copy):
    """The crawl's parse workers store the lines of each page beside its capture (as hashes), so that
    learning does not parse the window's pages again every run. From scratch (no hashes, nothing
    learned before) learning parses the captures, stores the same hashes and learns the same lines."""
    from caravan_spider import boilerplate
    from caravan_spider.archive import Archive
    from caravan_spider.parsing.furniture import LINES_MADE_BY

    archive = Archive(archive_copy, create=False)
    try:
        by_the_crawl, stored = _furniture(archive), _stored_lines(archive)
        captures = archive.db.conn.execute("SELECT count(*) FROM captures WHERE status = 200").fetchone()[0]
        assert len(stored) == captures == 51 and {version for _, version, _ in stored} == {LINES_MADE_BY}
        assert len(by_the_crawl) > 20
        assert boilerplate.learn(archive) == [boilerplate.Learned("ru", 51, len(by_the_crawl))]
        assert _furniture(archive) == by_the_crawl and _stored_lines(archive) == stored
        archive.db.execute("DELETE FROM capture_lines")
        archive.db.execute("DELETE FROM furniture")  # nothing to take the lines' texts from but the pages
        assert boilerplate.learn(archive) == [boilerplate.Learned("ru", 51, len(by_the_crawl))]
        assert _furniture(archive) == by_the_crawl and _stored_lines(archive) == stored
    finally:
        archive.close()


def test_lines_stored_by_another_version_are_made_again(archive_copy):
    from caravan_spider import boilerplate
    from caravan_spider.archive import Archive
    from caravan_spider.parsing.furniture import LINES_MADE_BY

    archive = Archive(archive_copy, create=False)
    try:
        by_the_crawl, stored = _furniture(archive), _stored_lines(archive)
        archive.db.execute("UPDATE capture_lines SET version = ?, hashes = x''", [LINES_MADE_BY ^ 1])
        boilerplate.learn(archive)
        assert _furniture(archive) == by_the_crawl and _stored_lines(archive) == stored
    finally:
        archive.close()


def test_only_the_lines_of_the_windows_captures_are_kept(archive_copy):
    """Learning reads a window of 7 days before the newest capture, and the next window starts no
    earlier: the hashes of older captures are dropped, so they cost about a week of pages."""
    from caravan_spider import boilerplate
    from caravan_spider.archive import Archive

    archive = Archive(archive_copy, create=False)
    try:
        archive.db.execute("DROP TRIGGER captures_never_altered")
        archive.db.execute("UPDATE captures SET fetched_at = '2020-01-21T07:00:00+00:00' WHERE capture_id <= 10")
        learned = boilerplate.learn(archive)
        kept = [capture_id for capture_id, _, _ in _stored_lines(archive)]
    finally:
        archive.close()
    assert [(ln.edition, ln.pages) for ln in learned] == [("ru", 41)]
    assert kept == list(range(11, 52))


def test_learning_from_stored_lines_reads_no_capture(archive_copy):
    """With every capture's lines stored and the frequent lines known from the last learning, the
    captures' bytes are not read at all: here they are made unreadable, and learning still learns."""
    from caravan_spider import boilerplate
    from caravan_spider.archive import Archive

    archive = Archive(archive_copy, create=False)
    try:
        by_the_crawl = _furniture(archive)
        archive.db.execute("DROP TRIGGER captures_never_altered")
        archive.db.execute("UPDATE captures SET body = x'00', dictionary_id = NULL")
        with pytest.raises(Exception, match="decompress"):
            archive.decompress_capture(next(archive.captures_by_id([1])))
        assert boilerplate.learn(archive) == [boilerplate.Learned("ru", 51, len(by_the_crawl))]
        assert _furniture(archive) == by_the_crawl
    finally:
        archive.close()


def test_the_stored_lines_of_a_page_change_only_with_lines_version():
    """Stored line hashes are a cache of page_lines(); if this fails, what a line is has changed:
    bump LINES_VERSION in parsing/furniture.py (archives then make their hashes again), and update
    the figures here."""
    import hashlib
    import unicodedata
    import zlib

    import lxml.etree

    from caravan_spider.boilerplate import capture_lines
    from caravan_spider.parsing.furniture import LINES_VERSION, hashes_of, line_hash
    from caravan_spider.parsing.page import Page

    page = Page((PAGES / "seed" / "page.html").read_bytes(), "https://www.caravan.kz/news/x-846082/")
    lines = capture_lines(page)
    assert (LINES_VERSION, len(hashes_of(lines.hashes))) == (5, 56)
    # the hashes are remade after an upgrade of what splits a page into lines, too
    assert lines.version == zlib.crc32(f"lines 5, lxml {lxml.etree.LXML_VERSION}, libxml2 {lxml.etree.LIBXML_VERSION}, "
                                       f"unicode {unicodedata.unidata_version}".encode())
    assert sorted(hashes_of(lines.hashes)) == list(hashes_of(lines.hashes))
    assert set(hashes_of(lines.hashes)) == {line_hash(line) for line in page.lines}
    assert line_hash("В тренде:") == 17200012149139767974
    assert hashlib.sha256(lines.hashes).hexdigest() == "12014f340e28501cb371b8835435892f458f7c921f48a2767bc7a6c328b9043a"


def test_learning_needs_enough_pages(archive_copy):
    from caravan_spider import boilerplate
    from caravan_spider.archive import Archive

    archive = Archive(archive_copy, create=False)
    try:
        assert [ln.lines for ln in boilerplate.learn(archive, min_pages=60)] == [0]
        assert boilerplate.load(archive) == {}
    finally:
        archive.close()


@pytest.mark.slow
def test_generic_path_with_learned_furniture_gives_every_field_and_a_clean_body(archive_copy):
    """With the known layouts switched off (CARAVAN_LAYOUTS=generic), the generic path and the furniture
    learned from the crawl give the records the known layouts give, and no furniture in the text."""
    from caravan_spider import boilerplate
    from caravan_spider.archive import Archive
    from caravan_spider.parsing.layouts.legacy2015 import Legacy2015

    archive = Archive(archive_copy, create=False)
    try:
        boilerplate.learn(archive)
        furniture = boilerplate.load(archive)
    finally:
        archive.close()
    compared, script_dates = Counter(), 0
    for capture in _latest_captures(archive_copy):
        html = capture["html"]
        when = datetime.fromisoformat(capture["fetched_at"])
        known = explain(html, capture["url"], when, capture["content_type"])
        generic = explain(html, capture["url"], when, capture["content_type"],
                          boilerplate.for_url(furniture, capture["url"]), layouts="generic")
        assert generic.layout == "generic"
        if known.article is None:
            assert generic.article is None
            continue
        compared[known.layout] += 1
        expected, got = known.article.to_dict(), generic.article.to_dict()
        if expected["published_at"] != got["published_at"]:
            # the 2015 pages that print only the day and write month and year with a script:
            # knowledge of that layout, not something a generic reader can see
            assert Legacy2015.SCRIPT_DATE.search(html.decode("cp1251", "replace")) and got["published_at"] is None
            script_dates += 1
            got["published_at"] = expected["published_at"]
        assert got == expected, capture["url"]
        text = "\n".join([got["title"], got["lead"] or "", got["body"]])
        for furniture_text in ("507.05", "594.82", "°C", "Главная", "В тренде", "Правило двух стаканов",
                               "Поделиться", "Подписывайтесь", "Все права защищены", "Читайте также",
                               "Смотрите также", "Реклама", "Просмотров", "Комментарии"):
            assert furniture_text not in text, (capture["url"], furniture_text)
        if known.layout == "today":  # --explain names the learned rule where it removed something
            assert any(rule.startswith("learned furniture (ru:") for rule, _ in generic.pruned)
    assert compared["today"] >= 30 and compared["legacy-2015"] >= 5
    assert script_dates <= 3


def test_learned_furniture_drops_what_no_class_name_gives_away():
    # A redesign whose furniture has class names no rule knows: only what the site repeats tells.
    page = (b"<html lang='ru'><head><meta charset='utf-8'><title>Acme</title></head><body>"
            b"<div class='x1'><p>USD 512.30</p><p>Snow in Almaty, -3</p></div>"
            b"<h1>" + "Заголовок статьи о погоде в Алматы".encode() + b"</h1><div class='x2'>"
            + "".join(f"<p>Абзац номер {n} этой статьи о погоде и ценах в городе Алматы.</p>" for n in range(5)).encode()
            + "<p>Горячие новости: курс тенге снова упал</p>".encode()
            + b"</div></body></html>")
    url = "https://www.caravan.kz/news/statya-777777/"
    furniture = Furniture(frozenset({"USD 512.30", "Snow in Almaty, -3", "Горячие новости: курс тенге снова упал"}),
                          "learned furniture (test)")
    plain = explain(page, url).article
    learned = explain(page, url, furniture=furniture)
    assert "Горячие новости" in plain.body
    assert "Горячие новости" not in learned.article.body and "USD" not in learned.article.body
    assert learned.article.body.count("Абзац номер") == 5
    assert ("learned furniture (test) (elements)", 3) in learned.pruned


def test_furniture_pruning_reads_the_texts_made_once_as_element_text_reads_them():
    """Pruning matches each element against the learned lines by the text Page.element_texts made in
    one walk of the untouched page (each element's text read again was most of pruning's CPU): it
    drops exactly what element_text() of the element, read as pruning reaches it, would drop."""
    from caravan_spider.parsing import Page, explain_page

    paragraphs = "".join(f"<p>Абзац номер {n} этой статьи о погоде и ценах в городе Алматы.</p>" for n in range(5))
    page = ("<html lang='ru'><head><meta charset='utf-8'><title>Заголовок статьи о погоде в Алматы</title></head><body>"
            "<div class='x1'><p>USD\u00a0 512.30</p><p>Cafe\u0301 <b>news</b><!-- c --> today</p>"
            "<div><span>Snow in Almaty, -3</span><span>Wind</span></div></div>"
            "<h1>Заголовок статьи о погоде в Алматы</h1>"
            f"<div class='x2'>{paragraphs}<div><p>Горячие <i>новости</i></p><p>Wind</p></div></div>"
            "</body></html>").encode()
    url = "https://www.caravan.kz/news/statya-777777/"
    furniture = Furniture(frozenset({"USD 512.30", "Café news today", "Snow in Almaty, -3", "Wind",
                                     "Горячие новости Wind"}), "learned furniture (test)")
    once = explain_page(Page(page, url), furniture)
    read_again = Page(page, url)
    read_again.element_texts = {}  # every element's text read with element_text(), as before
    again = explain_page(read_again, furniture)
    assert once.article.body == again.article.body == "\n\n".join(
        f"Абзац номер {n} этой статьи о погоде и ценах в городе Алматы." for n in range(5))
    # two lines of the first block (one composed by NFC, one with a no-break space), the two spans
    # inside its third child (whose own text «Snow in Almaty, -3 Wind» is not a line), and the block
    # after the text, whose lines are read together
    assert once.pruned == again.pruned
    assert ("learned furniture (test) (elements)", 5) in once.pruned


def test_a_learned_line_between_two_paragraphs_is_the_articles_subheading():
    # The Kazakh sample edition prints «Не белгілі» over a third of its articles: learned as repeated,
    # it was dropped from every one of them at the next re-extraction. Between paragraphs it is text
    # (test_learned_furniture_drops_what_no_class_name_gives_away: at the text's edges it is furniture).
    from caravan_spider.sample_site import render
    from caravan_spider.sample_site.model import SampleSite

    site = SampleSite(articles=30)
    article = next(a for a in site.articles.values() if a.layout == "today" and any(
        kind == "h2" and 0 < n < len(a.blocks) - 1 and a.blocks[n - 1][0] == a.blocks[n + 1][0] == "p"
        for n, (kind, _) in enumerate(a.blocks)))
    subheading = next(content for kind, content in article.blocks if kind == "h2")
    html = render.article_today(article, site.anchor)
    furniture = Furniture(frozenset({subheading}), "learned furniture (test)")
    learned = explain(html, article.url, furniture=furniture).article
    assert learned.body == article.expected_record()["body"] and subheading in learned.body.split("\n\n")


# --- the generic path on markup nobody here has seen -------------------------------------------------
URL = "https://www.caravan.kz/news/statya-777001/"
PARAGRAPHS = [f"Абзац {n}: в Алматы продолжают обсуждать новые правила парковки и цены на проезд в автобусах."
              for n in range(1, 7)]


def _page(body: str, head: str = "", body_class: str = "single") -> bytes:
    return (f"<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'>"
            f"<title>Новые правила парковки в Алматы | Караван</title>"
            f"<meta property='og:title' content='Новые правила парковки в Алматы'>{head}</head>"
            f"<body class='{body_class}'>{body}</body></html>").encode()


def _text() -> str:
    return "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


@pytest.mark.parametrize("wrapper", [
    # WordPress puts category-<slug> on <article>: «socialnaya» is not the class token «social»
    "<article class='post category-socialnaya-sfera tag-related'><h1>Новые правила парковки в Алматы</h1>{}</article>",
    "<main class='site-main has-related'><h1>Новые правила парковки в Алматы</h1>{}</main>",
    "<div class='post-content shareable'><h1>Новые правила парковки в Алматы</h1>{}</div>",
    # a rule that matches the element holding the headline and the text never removes it
    "<div class='share'><h1>Новые правила парковки в Алматы</h1>{}</div>",
    "<form id='aspnetForm'><h1>Новые правила парковки в Алматы</h1>{}</form>",
])
def test_no_class_rule_destroys_the_article(wrapper):
    result = explain(_page(wrapper.format(_text())), URL)
    assert result.reason is None
    assert result.article.body.split("\n\n") == PARAGRAPHS


COMMENTS = ["Айгуль: отличная новость, давно пора навести порядок на парковках в центре города",
            "Марат: а где будут парковаться жители домов, у которых нет своих дворов и стоянок",
            "Ольга: в прошлом году обещали то же самое, посмотрим, что изменится на этот раз",
            "Ерлан: платить через приложение удобно, только бы оно не зависало в часы пик",
            "Светлана: хорошо бы и для велосипедов сделать стоянки у каждой станции метро"]


def _themed(article_class: str) -> bytes:
    menu = "".join(f"<li><a href='/rubric-{n}/'>Рубрика номер {n}</a></li>" for n in range(40))
    cloud = "".join(f"<a href='/tag/t{n}/'>тег {n}</a> " for n in range(40))
    comments = "".join(f"<p>{c}</p>" for c in COMMENTS)
    return _page(f"<header><nav><ul>{menu}</ul></nav></header><div class='main'><h1>Новые правила парковки в Алматы</h1>"
                 f"<div class='{article_class}'>{_text()}</div></div><div class='sidebar'><div class='widget'>"
                 f"<h3>Последние комментарии</h3>{comments}</div><div class='tagcloud'>{cloud}</div></div>")


def test_an_element_holding_most_of_the_running_text_is_the_article_whatever_its_class():
    # A theme that marks its article <div class="entry themeform share">: the share rule took the text,
    # and the sidebar's comments were stored under the right headline. Class tokens are weak evidence:
    # an element holding most of the running text (words outside links) that rules left is the article.
    result = explain(_themed("entry themeform share"), URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert ("kept: a rule matched an element holding the headline or most of the text", 1) in result.pruned
    assert explain(_themed("entry themeform"), URL).article.body.split("\n\n") == PARAGRAPHS


def test_a_script_holding_the_articles_words_is_not_content_a_rule_keeps():
    # A page whose scripts carry its text as data (Next.js): the rule that drops scripts drops this
    # one too, and --explain names no element kept; the text is the page's own paragraphs.
    data = json.dumps({"props": {"article": " ".join(PARAGRAPHS * 4)}}, ensure_ascii=False)
    page = _page(f"<h1>Новые правила парковки в Алматы</h1>{_text()}<script>self.__DATA__ = {data};</script>")
    result = explain(page, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert not any(rule.startswith("kept:") for rule, _ in result.pruned)
    assert ("//script | //style | //noscript | //iframe | //form", 1) in result.pruned


def test_a_control_character_after_a_pruned_element_is_no_crash():
    # A vertical tab pasted from Word (or any C0 control) in the text after a script: libxml2 keeps
    # it, but lxml refuses it in the text pruning moves to the element before, and the page raised
    # ValueError (a traceback, and in a crawl an article silently not stored).
    first, second = PARAGRAPHS[0].split(" в Алматы "), PARAGRAPHS[1].split("продолжают")
    page = _page("<h1>Новые правила парковки в Алматы</h1>"
                 f"<p>{first[0]} в Алматы<script>x()</script>\x0b {first[1]}</p>"
                 f"<p>{second[0]}<script>x()</script>продол\x01жают{second[1]}</p>"
                 + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[2:]))
    assert explain(page, URL).article.body == "\n\n".join(PARAGRAPHS)


def test_furniture_with_whole_class_tokens_is_pruned():
    html = _page("<div class='ticker'>USD 512.30</div><article><h1>Новые правила парковки в Алматы</h1>"
                 + _text() + "<div class='social-share'>Поделиться в Telegram</div>"
                 "<ul class='related-posts'><li><a href='/news/a-1/'>Соседняя новость про автобусы</a></li></ul>"
                 "</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert any(".social-share" in rule or "' social-share '" in rule for rule, _ in result.pruned)


def test_pruned_text_much_shorter_than_trafilatura_falls_back_to_it():
    # the text sits in two elements rules remove (each with half of it, and a list of readers' comments
    # beside them, so neither holds most of the running text): the guard takes trafilatura's extraction
    # of the untouched page and says so
    half = len(PARAGRAPHS) // 2
    html = _page("<article><h1>Новые правила парковки в Алматы</h1><div class='related'>"
                 + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:half]) + "</div><div class='ad'>"
                 + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[half:]) + "</div></article>"
                 + "<div class='sidebar'><div class='widget'><ul>" + "".join(f"<li>{c}</li>" for c in COMMENTS)
                 + "</ul></div></div>")
    result = explain(html, URL)
    reference = trafilatura.extract(html, url=URL, favor_precision=True, include_comments=False, deduplicate=False)
    # trafilatura's text without the headline (a field of its own)
    assert result.article.body.split("\n\n") == [x for x in reference.split("\n") if x != result.article.title]
    assert set(PARAGRAPHS[half:]) <= set(reference.split("\n"))  # what our rules removed is back
    assert result.sources["body"] == "trafilatura on the untouched page (ours held 0 of its 45 words)"


def test_a_known_layout_whose_container_is_missing_is_guarded_too():
    html = _page("<article class='FullArticle'><h1 class='FullArticle__title'>Новые правила парковки в Алматы</h1>"
                 "<div class='AdBlock'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:3]) + "</div>"
                 "<div class='Share'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[3:]) + "</div></article>")
    result = explain(html, URL)
    assert result.layout == "today"
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert result.sources["body"].startswith("trafilatura on the untouched page")


def test_body_class_page_is_an_article_when_the_page_says_so():
    article = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + "</article>",
                    head="<meta property='og:type' content='article'>", body_class="page page--article")
    assert explain(article, URL).article is not None


@pytest.mark.parametrize("body_class", ["page", "page-template-default page", "home blog", "archive", "home"])
def test_a_body_class_alone_never_rejects_an_article(body_class):
    # A theme's body class is weak evidence (a post printed as a WordPress page, a history page on a
    # site's home template): a page that holds an article's text under its headline is an article.
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + "</article>", body_class=body_class)
    result = explain(html, URL)
    assert result.reason is None
    assert (result.article.title, result.article.body.split("\n\n")) == ("Новые правила парковки в Алматы", PARAGRAPHS)


def _listing(cards: int, excerpt: str = "", head: str = "", body_class: str = "single") -> bytes:
    items = "".join(f"<div class='card'><a href='/news/novost-{n}-{800000 + n}/'>Новость номер {n}: в Алматы открыли "
                    f"новый сквер у реки</a><p>{excerpt}</p><span>12.03.2025</span></div>" for n in range(cards))
    return _page(f"<h1>Новости Алматы</h1><div class='list'>{items}</div>", head, body_class)


EXCERPT = ("Сквер разбили на месте бывшей стоянки, в нём высадили липы и поставили скамейки. Открытие прошло "
           "в субботу, на него пришли жители соседних домов и представители акимата района.")


@pytest.mark.parametrize("page,reason", [
    (_listing(12), "listing page"),
    # teasers with excerpts (more words than their links): still a list of articles
    (_listing(12, EXCERPT), "listing page"),
    (_listing(12, EXCERPT, body_class="archive tag tag-almaty"), "tag page"),
    (_listing(12, EXCERPT, body_class="search search-results"), "search page"),
])
def test_a_listing_of_many_article_links_is_not_an_article(page, reason):
    assert (explain(page, URL).article, explain(page, URL).reason) == (None, reason)


def test_an_article_that_lists_related_articles_after_its_text_is_an_article():
    related = "".join(f"<li><a href='/news/novost-{n}-{800000 + n}/'>Новость номер {n}: в Алматы открыли новый сквер"
                      "</a></li>" for n in range(12))
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() * 2 + f"<ul>{related}</ul></article>")
    assert explain(html, URL).reason is None



# An English blog post and a grid of twenty «more stories» teasers with excerpts after it, all of which
# trafilatura reads: the text is mostly the teasers' words, but it opens with the post's own paragraphs.
POST = ["The city council approved the new parking rules for the centre of the town on Tuesday, and the mayor said "
        "that the fees will be paid from the first of March.",
        "Residents of the old town have complained for years that there is no place to park their cars, and the "
        "council has promised to build two new garages near the market.",
        "The fees will be higher in the streets around the station, where the traffic is the heaviest, and lower in "
        "the districts that are far from the centre of the city."]
STORIES = [f"The {place} of the city will be closed for repairs in the spring, and the council says that the work "
           "will take more than a year to finish." for place in ("bridge", "library", "museum", "theatre", "stadium",
           "pool", "market", "station", "school", "park", "hospital", "zoo", "garage", "tunnel", "harbour", "square",
           "church", "tower", "hall", "gallery")]


def _english(body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>New parking rules in the centre | "
            f"Town News</title></head><body>{body}</body></html>").encode()


def _stories(teasers: list[str]) -> str:
    return "".join(f"<div class='story'><a href='/news/story-{n}/'>News from the town: story number {n} today</a>"
                   f"<p>{teaser}</p></div>" for n, teaser in enumerate(teasers))


def test_an_article_whose_text_runs_on_into_a_grid_of_teasers_is_an_article():
    html = _english("<article><h1>New parking rules in the centre</h1>" + "".join(f"<p>{p}</p>" for p in POST)
                    + "</article><div class='more'>" + _stories(STORIES) + "</div>")
    result = explain(html, URL)
    assert result.reason is None
    assert result.article.body.split("\n\n")[:3] == POST


def test_a_listing_that_opens_with_a_long_teaser_of_an_article_its_slider_links_too_is_a_listing():
    # the slider links the lead story first; its teaser's headline links it again: still a teaser
    slider = "".join(f"<div class='slide'><a href='/news/story-{n}/'>News from the town: story number {n} today</a>"
                     "</div>" for n in range(3))
    lead = (f"<div class='lead'><h2><a href='/news/story-0/'>News from the town: story number 0 today</a></h2>"
            f"<p>12.03.2025 | {' '.join(POST)} <a href='/news/story-0/'>more...</a></p></div>")
    html = _english(f"<div class='slider'>{slider}</div><main><h1>New parking rules in the centre</h1>{lead}"
                    + _stories(STORIES[1:]).replace("story-", "item-") + "</main>")
    assert (explain(html, URL).article, explain(html, URL).reason) == (None, "listing page")

@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "application/json; charset=utf-8"])
def test_an_answer_that_is_not_html_is_not_an_article(content_type):
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + "</article>")
    result = explain(html, URL, content_type=content_type)
    assert (result.article, result.reason) == (None, f"not an HTML page ({content_type.split(';')[0]})")
    assert explain(html, URL, content_type="application/xhtml+xml").reason is None


def _headed(heading: str | None, title: str, body: str, body_class: str = "single") -> bytes:
    h1 = f"<h1>{heading}</h1>" if heading is not None else ""
    return (f"<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body class='{body_class}'><main>{h1}{body}</main></body></html>").encode()


@pytest.mark.parametrize("headline", [
    "«Страница не найдена»: сайты трёх акиматов не открываются третий день",
    "Ошибка 404: почему портал госуслуг не работает",
    "Page not found: как сайты теряют читателей",
    "«Бет табылмады» деп жауап береді: әкімдіктің сайты істемейді",
])
def test_a_headline_quoting_a_not_found_page_is_the_articles_own(headline):
    # Not-found detection reads what a not-found page says, never a phrase inside the article's headline
    result = explain(_headed(headline, f"{headline} - Караван", _text()), URL)
    assert result.reason is None
    assert (result.article.title, result.article.body.split("\n\n")) == (headline, PARAGRAPHS)


@pytest.mark.parametrize("heading,title,body_class", [
    ("Страница не найдена", "Страница не найдена - Караван", ""),
    ("Ошибка 404. Страница не найдена", "Караван", ""),
    ("404 — Page not found", "Page not found | Караван", ""),
    ("Oops! Page not found.", "Караван", ""),
    ("Бет табылмады", "Бет табылмады - Керуен", ""),
    (None, "Страница не найдена - Караван", ""),  # no heading: the page's <title> says it
    ("Ничего не нашлось", "Караван", "error404"),  # WordPress' body class of its not-found page
])
def test_a_not_found_page_says_so_in_its_whole_heading_or_body_class(heading, title, body_class):
    body = "<p>Возможно, она была удалена или перемещена.</p><a href='/'>Вернуться на главную</a>"
    result = explain(_headed(heading, title, body, body_class), URL)
    assert (result.article, result.reason) == (None, "not found page («Страница не найдена»)")


def test_a_page_without_article_text_is_named_by_what_its_markup_says_it_is():
    # body class and address name a page that holds no article (too little text, no post id)
    text = "<p>Газета «Караван» выходит с 1991 года.</p>"
    assert explain(_headed("О газете", "О газете - Караван", text, "page"), URL).reason == "static page"
    assert explain(_headed("О газете", "О газете - Караван", text, "page"),
                   "https://www.caravan.kz/info/about/").reason == "static page"
    assert explain(_headed("О газете", "О газете - Караван", text), URL).reason == "no article text (6 words)"


def test_valid_utf8_beats_a_stale_meta_charset():
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + "</article>").replace(
        b"<meta charset='utf-8'>", b"<meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>")
    article = parse(html, URL)
    assert article.title == "Новые правила парковки в Алматы" and article.body.split("\n\n") == PARAGRAPHS
    legacy = load("legacy-2015-windows-1251")  # real windows-1251 bytes still decode as declared
    assert parse(legacy[0], legacy[1]["url"]).title == legacy[2]["title"]


def test_a_logo_in_an_h1_is_not_the_title():
    html = _page("<header><h1 class='logo'><a href='/'>Караван</a></h1></header>"
                 "<article><h2>Новые правила парковки в Алматы</h2>" + _text() + "</article>")
    result = explain(html, URL)
    assert result.article.title == "Новые правила парковки в Алматы"
    assert "Караван" not in result.article.body


@pytest.mark.parametrize("name", ["application-name", "og:site_name"])
@pytest.mark.parametrize("og_title", [True, False])
def test_a_site_name_equal_to_the_headline_does_not_strip_the_headline(name, og_title):
    # A portal that fills <meta name="application-name"> with each article's headline: a name equal to
    # the headline is not the site's, and the headline is not stripped as one (the article was rejected).
    headline = "Новые правила парковки в Алматы: что изменится для водителей"
    attribute = "property" if name.startswith("og:") else "name"
    og = f"<meta property='og:title' content='{headline}'>" if og_title else ""
    html = (f"<html><head><title>{headline}</title><meta {attribute}='{name}' content='{headline}'>{og}</head>"
            f"<body><h1 itemprop='headline'>{'' if og_title else headline}</h1>"
            f"<article>{_text()}</article></body></html>").encode()
    result = explain(html, URL)
    assert result.reason is None
    assert (result.article.title, result.article.body.split("\n\n")) == (headline, PARAGRAPHS)


def test_a_lead_that_is_the_whole_text_is_the_text():
    # A two-sentence news item printed as a standfirst: taken as the lead, it left the body too short
    # and the article was rejected. A lead without a text after it is not a lead.
    news = ("В Алматы с понедельника меняются правила парковки в центре города. Оплатить стоянку можно "
            "будет через приложение или по СМС, сообщили в акимате.")
    html = _page(f"<article><h1>Новые правила парковки в Алматы</h1><p class='lead'>{news}</p>"
                 "<p>Подробности позже.</p></article>")
    result = explain(html, URL)
    assert result.reason is None
    assert (result.article.lead, result.article.body) == (None, f"{news}\n\nПодробности позже.")
    assert result.sources["lead"] == "none: the standfirst after the headline is the whole text"


def test_lead_is_a_visible_standfirst_never_the_meta_description_alone():
    description = "<meta name='description' content='SEO: парковка в Алматы подорожает, узнайте подробности'>"
    shown = _page("<article><h1>Новые правила парковки в Алматы</h1>"
                  "<p class='entry-excerpt'>С марта парковка в центре Алматы станет платной по будням.</p>"
                  + _text() + "</article>", head=description)
    assert parse(shown, URL).lead == "С марта парковка в центре Алматы станет платной по будням."
    unseen = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + "</article>", head=description)
    assert parse(unseen, URL).lead is None
    # a first paragraph that the description abbreviates is the lead, and is not repeated in the body
    cut = f"<meta name='description' content='{PARAGRAPHS[0][:60]}…'>"
    abbreviated = parse(_page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + "</article>",
                              head=cut), URL)
    assert abbreviated.lead == PARAGRAPHS[0] and abbreviated.body.split("\n\n") == PARAGRAPHS[1:]


def test_a_pictures_description_is_no_standfirst_whatever_its_class_ends_in():
    # a theme's intro: the lead picture, then its description in a box of class `img_description`
    for css in ("img_description", "image-desc", "photo-intro"):
        html = _page("<article><h1>Новые правила парковки в Алматы</h1><div class='intro'>"
                     "<img src='/uploads/parking.jpg' alt=''>"
                     f"<div class='{css}'><p>Платная парковка на улице Панфилова в центре Алматы. © Акимат</p></div>"
                     "</div>" + _text() + "</article>")
        assert parse(html, URL).lead is None, css


def test_a_standfirst_box_is_read_without_its_style_sheet_and_a_box_running_a_script_is_none():
    # a theme's lead box filled by a video player's script, or holding an ad slot: no standfirst
    player = ("<script>!function(n){if(!window.cnx){window.cnx={},window.cnx.cmd=[];var t=n.createElement('iframe');"
              "t.display='none'}}(document);</script>")
    for box in (player, f"{player}Реклама: баннер 300x250 на главной странице сайта"):
        article = parse(_page("<article><h1>Новые правила парковки в Алматы</h1>"
                              f"<div class='ArticlePage-lead'>{box}</div>" + _text() + "</article>"), URL)
        assert (article.lead, article.body.split("\n\n")) == (None, PARAGRAPHS)
    # tagDiv prints a <style> in each block: the subtitle is the words beside it
    html = _page("<article><h1>Новые правила парковки в Алматы</h1><div class='tdb_single_subtitle'>"
                 "<style>.tdi_83 { margin-top: -10px !important; }</style><p>С марта парковка в центре Алматы станет "
                 "платной.</p></div>" + _text() + "</article>")
    assert parse(html, URL).lead == "С марта парковка в центре Алматы станет платной."

def test_tags_category_views_credit_and_date_from_what_the_page_shows():
    html = _page(
        "<div class='crumbs breadcrumbs'><a href='/'>Главная</a> <a href='/news/'>Новости</a> "
        "<a href='/category/city/'>Город</a></div>"
        "<article><h1>Новые правила парковки в Алматы</h1>"
        "<div class='meta'><span class='post-date'>02.06.2012 11:30</span> <span class='post-views'>2 340</span></div>"
        "<div class='photo'><img src='/img/parking.jpg'><p class='caption'>Фото: Акимат Алматы</p></div>"
        + _text() +
        "<div class='post-tags'><a rel='tag' href='/tag/parkovka/'>Парковка</a> "
        "<a rel='tag' href='/tag/almaty/'>Алматы</a></div></article>")
    result = explain(html, URL)
    article = result.article
    assert (article.category, article.tags, article.views, article.image_credit, article.published_at) == (
        "Город", ["Парковка", "Алматы"], 2340, "Акимат Алматы", "2012-06-02T11:30:00+06:00")
    assert article.image_url == "https://www.caravan.kz/img/parking.jpg"
    assert result.sources["tags"] == "the article's tag list" and result.sources["published_at"] == "visible date near the headline"
    assert article.body.split("\n\n") == PARAGRAPHS  # no date, views, credit or tag line in the text


def test_an_interview_keeps_its_repeated_short_answers():
    lines = ["— Вы давно работаете в Алматы водителем автобуса?", "— Да.",
             "— И вам нравится эта работа, несмотря на пробки?", "— Да.", *PARAGRAPHS[:3]]
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + "".join(f"<p>{x}</p>" for x in lines)
                 + "</article>")
    assert parse(html, URL).body.split("\n\n") == lines


def test_the_guard_extracts_the_untouched_page_only_when_it_could_change_the_text():
    from caravan_spider.parsing.body import GUARD_FLOOR, _suspicious

    # removed running text that could bring the untouched page above ours / GUARD_SHARE (0.6)
    assert _suspicious(300, 201, 0) and not _suspicious(300, 200, 0)
    # ... or running text of paragraphs the pruned page still holds and our text does not (trafilatura
    # stopped early on the pruned page), or both together
    assert _suspicious(300, 0, 201) and _suspicious(300, 101, 100) and not _suspicious(300, 100, 100)
    # link lists, menus and scripts are not running text: a page that lost only those is not re-checked
    assert not _suspicious(300, 0, 0)
    # a short text is always checked: a miss would reject the article
    assert _suspicious(GUARD_FLOOR - 1, 0, 0) and not _suspicious(GUARD_FLOOR, 0, 0)


def test_paragraphs_the_text_does_not_hold_are_checked_against_the_untouched_page():
    # trafilatura leaves out a container it takes for hidden: the page's paragraphs hold much more
    # running text than ours, so the untouched page is read too (here it gives no more) and --explain says so
    hidden = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[2:] * 2)
    html = _page(f"<article><h1>Новые правила парковки в Алматы</h1><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>"
                 f"<p>{PARAGRAPHS[2]}</p><p>{PARAGRAPHS[3]}</p><div class='toggle-group hideOnInit'>{hidden}</div></article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS[:4]
    assert result.sources["body"] == ("trafilatura on the pruned page (it holds 60 of the 60 words of trafilatura "
                                      "on the untouched page)")


def test_text_that_only_trafilaturas_fallbacks_read_is_read():
    # The first reading goes without trafilatura's fallbacks (readability, jusText): its own extractor
    # reads nothing of text in plain <div>s. Too little text is checked, and the fallbacks read it all.
    html = _page("<div><h1>Новые правила парковки в Алматы</h1>" + "".join(f"<div>{p}</div>" for p in PARAGRAPHS)
                 + "</div>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert result.sources["body"] == ("trafilatura on the pruned page with trafilatura's fallbacks (it holds 90 of "
                                      "the 90 words of trafilatura on the untouched page, without them 0)")


def test_a_text_other_than_the_untouched_pages_under_the_right_headline_gives_way_to_it():
    # The article's container matched a rule (class «share») while the sidebar held more running text:
    # pruning left the sidebar's comments, which trafilatura then read under the right headline. On the
    # untouched page trafilatura reads the article: the two texts share few words, so ours is not the
    # article's text, however long.
    comments = "".join(f"<p>{c}</p>" for c in COMMENTS + [c.replace(":", " пишет:") for c in COMMENTS[:3]])
    html = _page(f"<article><h1>Новые правила парковки в Алматы</h1><div class='entry-content share'>{_text()}</div>"
                 f"</article><div class='sidebar'><div class='widget'><h3>Последние комментарии</h3>{comments}</div></div>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert result.sources["body"] == "trafilatura on the untouched page (ours held 12 of its 90 words)"


def test_an_h1_that_joins_kicker_and_headline_takes_the_named_titles_separator():
    def page(h1: str, og: str) -> bytes:
        return (f"<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><meta property='og:title' content='{og}'>"
                f"</head><body><article><h1>{h1}</h1>{_text()}</article></body></html>").encode()

    # <h1><span>kicker</span><span>headline</span></h1>: layout shows two lines, the text joins them
    joined = page("<span>Парковка в Алматы</span><span>новые правила с марта</span>",
                  "Парковка в Алматы: новые правила с марта")
    assert explain(joined, URL).article.title == "Парковка в Алматы: новые правила с марта"
    # the same words and separators: the <h1>'s own typography stays («…» where og:title has "…")
    quoted = page("«Парковка в Алматы»: новые правила с марта", '"Парковка в Алматы": новые правила с марта')
    assert explain(quoted, URL).article.title == "«Парковка в Алматы»: новые правила с марта"


def test_a_named_title_with_a_tail_we_cannot_strip_gives_way_to_the_one_it_begins_with():
    headline = "Новые правила парковки в Алматы"
    html = _page(f"<article><h2>{headline}</h2>{_text()}</article>",
                 head="<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"headline\": \"" + headline
                      + "\"}</script>").replace(
        "<meta property='og:title' content='Новые правила парковки в Алматы'>".encode(),
        "<meta property='og:title' content='Новые правила парковки в Алматы-Обществоㅣ Вестник'>".encode())
    assert explain(html, URL).article.title == headline


def test_a_teaser_gives_way_to_the_article_body_the_page_states():
    # a paywall page shows two paragraphs; JSON-LD articleBody holds the whole text
    whole = [PARAGRAPHS[0], "Акимат объяснил, что сборы пойдут на ремонт дорог и новые остановки.",
             "Водители недовольны: по их словам, мест для стоянки в центре и так почти нет.",
             "Эксперты советуют чаще пользоваться метро, велосипедами и самокатами.",
             "Первые штрафы начнут выписывать в апреле, после месяца предупреждений.",
             "Жителям окрестных домов обещают бесплатные абонементы на год вперёд."]
    stated = "".join(f"<p>{p}</p>" for p in whole)
    ld = json.dumps({"@type": "NewsArticle", "headline": "Новые правила парковки в Алматы", "articleBody": stated},
                    ensure_ascii=False)
    html = _page(f"<article><h1>Новые правила парковки в Алматы</h1><p>{whole[0]}</p><p>{whole[1]}</p>"
                 "<div class='paywall'>Оформите подписку, чтобы читать дальше</div></article>",
                 head=f"<script type='application/ld+json'>{ld}</script>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == whole
    assert result.sources["body"] == "json-ld articleBody (the page's text gave 31 words, articleBody 66)"
    # an articleBody that only prints the shown text twice is not a longer text
    twice = json.dumps({"@type": "NewsArticle", "articleBody": " ".join(PARAGRAPHS[:1] * 8)}, ensure_ascii=False)
    html = _page(f"<article><h1>Новые правила парковки в Алматы</h1><p>{PARAGRAPHS[0]}</p></article>",
                 head=f"<script type='application/ld+json'>{twice}</script>")
    assert explain(html, URL).article.body == PARAGRAPHS[0]


def test_credit_and_copyright_lines_of_other_languages_are_not_text():
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text()
                 + "<p>Photo: AFP</p><p>Copyright: Project Syndicate, 2025</p>"
                   "<p>&lt;Copyright ⓒ Вестник. All rights reserved.&gt;</p></article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert result.article.image_credit == "AFP"
    assert ("text line: copyright", 2) in result.pruned


def test_a_list_of_labelled_links_and_its_label_are_teasers():
    teasers = ("<h3>Ещё по теме</h3><ul>"
               "<li><strong>Транспорт:</strong> <a href='/news/a-1/'>Новые автобусы выходят на линии</a></li>"
               "<li><strong>Погода:</strong> <a href='/news/a-2/'>В Алматы ожидается снег и гололёд</a></li></ul>")
    facts = ("<ul><li>Тариф: 150 тенге в час в центре города, с девяти утра до семи вечера</li>"
             "<li>Абонемент: 5000 тенге в месяц, <a href='/news/a-3/'>подробнее</a> на сайте акимата</li></ul>")
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + teasers + facts + "</article>")
    result = explain(html, URL)
    body = result.article.body
    assert "Новые автобусы" not in body and "Ещё по теме" not in body and "Транспорт" not in body
    assert "Тариф: 150 тенге" in body and "Абонемент: 5000 тенге" in body  # a list of facts with a link stays
    assert ("list items that are only a link (teasers)", 1) in result.pruned


def test_a_paragraph_restated_in_other_punctuation_is_read_once():
    summary = "Водители заплатят 150 тенге в час за стоянку в центре, сообщили в акимате Алматы в понедельник"
    restated = "Водители заплатят 150 тенге в час за стоянку в центре, сообщили в акимате Алматы, в понедельник."
    widget = "Для показа графика мы используем внешний сервис: нажмите здесь, и график загрузится с его сервера."
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>"
                 f"<p>{summary}</p>{_text()}<p>{widget}</p><p>{restated}</p><p>{widget}</p></article>")
    result = explain(html, URL)
    # the restated paragraph goes; a block printed identically twice is the page's own doing and stays
    assert result.article.body.split("\n\n") == [summary, *PARAGRAPHS, widget, widget]
    assert ("text line: paragraph repeated word for word", 1) in result.pruned


def test_the_headline_again_with_a_kicker_near_the_top_is_not_text():
    headline = "Новые правила парковки в Алматы"
    html = _page(f"<article><h1>{headline}</h1><p>Транспорт {headline}</p>{_text()}</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert ("text line: headline with a kicker or site name", 1) in result.pruned
    # a dateline that names the headline after a colon is text (Xinhua: «新华社北京4月24日电 题：…»)
    dateline = f"Алматы, 24 апреля. Тема: {headline}"
    html = _page(f"<article><h1>{headline}</h1><p>{dateline}</p>{_text()}</article>")
    assert explain(html, URL).article.body.split("\n\n") == [dateline, *PARAGRAPHS]


@pytest.mark.parametrize("stamp", ["2025年1月14日 01時28分 (1月14日 01時40分更新)", "Uppdaterad 15.59 | Publicerad 14.14",
                                   "Stand: 22.04.2024, 06:00 Uhr", "Updated 3:15 pm"])
def test_date_stamps_of_other_languages_are_not_text(stamp):
    html = _page(f"<article><h1>Новые правила парковки в Алматы</h1><p>{stamp}</p>{_text()}"
                 "<p>Der Zug fährt um 15.30 Uhr</p></article>")
    result = explain(html, URL)
    # a sentence with a time in it is text; only a line that is nothing but a stamp goes
    assert result.article.body.split("\n\n") == [*PARAGRAPHS, "Der Zug fährt um 15.30 Uhr"]
    assert ("text line: date / views line", 1) in result.pruned


def test_a_line_without_latin_letters_is_not_searched_for_appeals():
    """body.py skips APPEALS and WIDGETS on lines where LATIN_LETTER finds nothing: exact while every
    appeal and widget needs a Latin letter and LATIN_LETTER finds every character re.I matches to one."""
    import re._parser as sre_parser
    import string
    import sys

    from caravan_spider.parsing.phrases import APPEALS, LATIN_LETTER, WIDGETS

    letters = re.compile("|".join(string.ascii_letters), re.I)
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if letters.fullmatch(c) and not LATIN_LETTER.search(c)] \
        == []

    def needs_a_letter(items) -> bool:
        """Whether every match of the parsed pattern `items` holds a Latin letter literal."""
        for op, arg in items:
            if op is sre_parser.LITERAL and chr(arg) in string.ascii_letters:
                return True
            if op is sre_parser.SUBPATTERN and needs_a_letter(arg[-1]):
                return True
            if op is sre_parser.BRANCH and all(needs_a_letter(branch) for branch in arg[1]):
                return True
            if op in (sre_parser.MAX_REPEAT, sre_parser.MIN_REPEAT) and arg[0] >= 1 and needs_a_letter(arg[2]):
                return True
        return False

    assert needs_a_letter(sre_parser.parse(APPEALS.pattern, APPEALS.flags))
    assert needs_a_letter(sre_parser.parse(WIDGETS.pattern, WIDGETS.flags))
    assert not needs_a_letter(sre_parser.parse(r"\b(\d+|zwei) Tage", re.I)[:2])  # (the check can fail)


def test_appeals_to_the_reader_are_not_text():
    appeals = ["Get the latest news from the city in your inbox.",
               "Hat Ihnen dieser Artikel gefallen? Dann unterstützen Sie uns bitte mit einer Spende.",
               "Got a story? Get in touch with our news team by email.",
               "This is a breaking news story - more to follow"]
    # an article that speaks of a newsletter is text
    kept = "The ministry will send a newsletter to every school before the holidays begin."
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text()
                 + "".join(f"<p>{x}</p>" for x in [kept, *appeals]) + "</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == [*PARAGRAPHS, kept]
    assert ("text line: appeal to the reader (newsletter, donation, subscription, tip line)", 4) in result.pruned


def test_text_continued_in_containers_like_its_own_is_read_from_all_of_them():
    # the layout closes the text's <div> around each in-story teaser; trafilatura alone reads the first
    text = [f"Абзац {n}: в Алматы продолжают обсуждать новые правила парковки, цены на проезд в автобусах "
            "и ремонт дорог в центре." for n in range(1, 10)]

    def part(css: str, paragraphs: list[str]) -> str:
        return f"<div class='grid'><div class='{css}'>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></div>"

    teaser = ("<div class='card'><p>Другая новость: в Астане открыли новую линию лёгкого метро, первые поезда "
              "пойдут уже весной.</p></div>")
    # a container of that class elsewhere in the tree (another story's box) is not the text's continuation
    elsewhere = ("<section><div class='article-body'><p>Из архива: десять лет назад в Алматы впервые ввели платную "
                 "парковку на улицах центра, и споры о ней не утихают.</p></div></section>")
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + part("article-body text", text[:3]) + teaser
                 + part("article-body text", text[3:6]) + teaser + part("article-body", text[6:]) + "</article>"
                 + elsewhere)
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == text
    assert ("kept: the text's continuation in containers like its own (ads or teasers between)", 2) in result.pruned



def test_a_container_like_the_texts_whose_heading_is_a_link_is_a_teaser_not_its_continuation():
    # a theme that gives its article and the teasers of other articles below it the same box
    # (achgut.com's teaser_blog_text): the text continues in the second box, a teaser leads with a linked headline
    text = [f"Абзац {n}: в Алматы продолжают обсуждать новые правила парковки, цены на проезд в автобусах "
            "и ремонт дорог в центре." for n in range(1, 7)]

    def box(inner: str) -> str:
        return f"<div class='grid'><div class='article-body text'>{inner}</div></div>"

    ad = "<div class='card'><p>Реклама: скидки на шины до конца месяца во всех магазинах сети по городу.</p></div>"
    teaser = box("<h3><a href='/news/metro-800123/'>В Астане открыли новую линию лёгкого метро</a></h3><p>Первые "
                 "поезда пойдут уже весной, а к концу года на линии откроют ещё четыре станции у вокзала и рынка, "
                 "обещают в акимате.</p>")
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + box("".join(f"<p>{p}</p>" for p in text[:3]))
                 + ad + box("".join(f"<p>{p}</p>" for p in text[3:])) + ad + teaser + "</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == text
    assert ("kept: the text's continuation in containers like its own (ads or teasers between)", 1) in result.pruned

def test_a_container_like_the_texts_in_another_article_is_not_its_continuation():
    # a blog's page of several posts, each a WordPress `hentry` (or an <article>) with its own `entry-content`:
    # the other posts' boxes are like the text's own, at the same place in the tree, and are other articles
    posts = [[f"Пост {k}, абзац {n}: в Алматы продолжают обсуждать новые правила парковки, цены на проезд "
              "в автобусах и ремонт дорог в центре." for n in range(1, 13 if k == 1 else 4)] for k in range(1, 4)]

    def post(k: int, wrapper: str) -> str:
        return (f"<{wrapper} class='post-{k} post type-post hentry' id='post-{k}'><h2>Заголовок поста {k}</h2>"
                "<div class='entry-content'>" + "".join(f"<p>{p}</p>" for p in posts[k - 1]) + f"</div></{wrapper}>")

    for wrapper in ("div", "article"):
        html = _page("<h1>Новые правила парковки в Алматы</h1>" + "".join(post(k, wrapper) for k in (1, 2, 3)))
        result = explain(html, URL)
        assert result.article.body.split("\n\n") == posts[0], wrapper
        assert not [rule for rule, _ in result.pruned if rule.startswith("kept: the text's continuation")], wrapper


def test_teasers_of_other_posts_nested_in_the_article_are_not_its_text():
    # WordPress names the page's post on <body> (postid-1806) and marks every post with post-<n>: a «you may
    # like» box nested in the article holds other posts (post-7816, ...) with their excerpts, whose running
    # text outweighs a short article's, so that trafilatura reads them with it on the untouched page too
    teasers = [f"Пост {k}: в Астане обсуждают новые тарифы на коммунальные услуги, ремонт школ, строительство "
               "дорог и мостов, работу общественного транспорта и цены на продукты в магазинах города."
               for k in range(1, 7)]
    own = "post-1806 post type-post status-publish hentry"
    html = _page(f"<article class='{own}'><h1>Новые правила парковки в Алматы</h1>{_text()}"
                 "<h3 class='relatedpoststitle'>Вам может понравиться...</h3>"
                 + "".join(f"<article class='post-{7810 + k} post type-post hentry'><h2><a href='/news/p-{k}/'>"
                           f"Заголовок поста {k}</a></h2><p>{t}</p></article>" for k, t in enumerate(teasers))
                 + "</article>", body_class=f"post-template-default single single-post postid-1806")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert result.sources["body"].startswith("trafilatura on the pruned page")


def test_a_link_inside_a_sentence_is_text_and_a_labelled_link_is_not():
    # each paragraph in a <div> of its own: trafilatura's precision mode drops a short one holding a link
    linked = "Акимат также <a href='/news/tarify-1/'>опубликовал карту платных зон</a> и тарифы на каждую улицу."
    label = "Читать также: <a href='/news/avtobusy-2/'>Новые автобусы выходят на линии уже с понедельника в Алматы.</a>"
    blocks = [*PARAGRAPHS[:3], linked, *PARAGRAPHS[3:], label]
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>"
                 + "".join(f"<div class='block'><div class='text'><p>{p}</p></div></div>" for p in blocks)
                 + "</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == [
        *PARAGRAPHS[:3], "Акимат также опубликовал карту платных зон и тарифы на каждую улицу.", *PARAGRAPHS[3:]]
    assert ("kept: links inside a sentence read as text", 1) in result.pruned



def _unwrapped_as_before(doc) -> int:
    """body._unwrap_inline_links as it was before it read each paragraph once (a walk per link:
    3,766 links in four paragraphs of a real page took 16 s): the oracle for pages where it read the
    text before a link in document order (no element with children before the link)."""
    from caravan_spider.parsing.body import INLINE_LINK_SENTENCE_WORDS, LINK_LABEL_END, SENTENCE_END, _flat
    from caravan_spider.text import word_count, words

    def text_before(paragraph, link) -> str:
        parts = [paragraph.text or ""]
        for node in paragraph.iterdescendants():
            if node is link:
                break
            parts.append(node.text or "")
            if link not in node.iterdescendants():
                parts.append(node.tail or "")
        return "".join(parts)

    unwrapped = 0
    for link in doc.xpath("//p//a"):
        paragraph = next(a for a in link.iterancestors() if a.tag == "p")
        text = _flat(paragraph)
        if word_count(text) < INLINE_LINK_SENTENCE_WORDS or not SENTENCE_END.search(text):
            continue
        before = text_before(paragraph, link)
        if words(before) and not LINK_LABEL_END.search(before):
            link.tag = "span"
            link.attrib.clear()
            unwrapped += 1
    return unwrapped


def _linked_paragraph(rng, links: int) -> str:
    """A paragraph of words, links (some after a label such as «Читайте:», the last perhaps in <b>),
    <em> words, ending a sentence or not. (An element with children before a link is where the oracle
    read the text out of order; a comment's text, which it read as words, is no longer read: below.)"""
    parts = []
    for n in range(links):
        parts.append(rng.choice(["", "Акимат сообщил,", "в Алматы", "Читайте также:", "Подробнее |", " ", "—", "и"]))
        parts.append(rng.choice(["<em>новые</em> правила", "", "<br>"]))
        link = f"<a href='/news/{rng.randrange(10 ** 6)}/'>{rng.choice(['карту зон', 'тарифы', 'Новости дня'])}</a>"
        parts.append(f"<b>{link}</b>" if n == links - 1 and rng.random() < 0.5 else link)
    parts.append(rng.choice(["и цены на проезд в автобусах выросли с понедельника.", "и так далее", "."]))
    return "<p>" + " ".join(parts) + "</p>"


def test_links_inside_sentences_are_unwrapped_as_before_in_one_walk_of_each_paragraph():
    import copy
    import random

    import lxml.html

    from caravan_spider.parsing.body import _unwrap_inline_links

    rng = random.Random(20)
    for _ in range(200):
        doc = lxml.html.document_fromstring("<html><body>" + "".join(
            _linked_paragraph(rng, rng.randrange(1, 12)) for _ in range(rng.randrange(1, 4))) + "</body></html>")
        before = copy.deepcopy(doc)
        assert _unwrap_inline_links(doc) == _unwrapped_as_before(before)
        assert lxml.html.tostring(doc) == lxml.html.tostring(before)
    # thousands of links in a few paragraphs (a real page: 3,766 in four; quadratic before): every
    # tenth after a label stays a link
    paragraph = "<p>" + "".join(f"{'Читайте также:' if n % 10 == 0 else 'В Алматы'} <a href='/news/{n}/'>карта</a>, "
                                for n in range(1500)) + "и цены выросли.</p>"
    doc = lxml.html.document_fromstring(f"<html><body>{paragraph * 4}</body></html>")
    assert _unwrap_inline_links(doc) == 4 * 1350
    assert len(doc.xpath("//p/a")) == 4 * 150


def test_the_text_before_a_link_is_read_in_document_order():
    # «Журнал Эксперт:» is a label, also when the name is in nested inline markup (the text before the
    # link was read «Журнал : Эксперт»); the text before the second link ends «вышла книга:», not with
    # the first link's words («Мечта»)
    labelled = ("Журнал <em><strong>Эксперт</strong></em>: <a href='/news/yazyk-3/'>Когда язык работает</a>. "
                "Там, где общество знает напряжение, там работает и язык, пишет автор.")
    second = ("Автор написал книгу <a href='/news/kniga-4/'><i>Мечта</i></a> (Алматы, 2014), а в августе "
              "вышла книга: <a href='/news/kniga-5/'><i>Цифровая речь</i></a>.")
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + "".join(
        f"<div class='block'><div class='text'><p>{p}</p></div></div>" for p in [*PARAGRAPHS, labelled, second])
        + "</article>")
    result = explain(html, URL)
    assert ("kept: links inside a sentence read as text", 1) in result.pruned  # «книгу <a>Мечта</a>» only


def test_a_link_after_a_label_or_a_comment_is_not_inside_a_sentence():
    # the label's words are read in reading order: «Источник Vlast.kz:» ends with its colon (the <em>'s
    # tail comes after the words inside it); a comment's text is no word before the link
    labelled = ("Источник <em><strong>Vlast.kz</strong></em>: <a href='/news/parkovka-3/'>Парковка в центре</a>. "
                "Акимат обещает пересмотреть тарифы на платную парковку к весне следующего года.")
    commented = ("<!-- баннер: реклама --><a href='/news/parkovka-4/'>Акимат</a> опубликовал карту платных зон "
                 "и тарифы на каждую улицу центра города.")
    linked = "Акимат также <a href='/news/tarify-1/'>опубликовал карту платных зон</a> и тарифы на каждую улицу."
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>"
                 + "".join(f"<p>{p}</p>" for p in [*PARAGRAPHS[:3], labelled, commented, linked, *PARAGRAPHS[3:]])
                 + "</article>")
    result = explain(html, URL)
    assert ("kept: links inside a sentence read as text", 1) in result.pruned


def _kudos_page(size: int) -> bytes:
    """An article of 10·size paragraphs closed by a kudos line that names 100·size readers, each a link
    (Archive of Our Own prints 3,700 in one <p>)."""
    names = ", ".join(f"<a href='/users/reader{n}'>reader{n}</a>" for n in range(100 * size))
    text = "".join(f"<p>{PARAGRAPHS[n % len(PARAGRAPHS)]}</p>" for n in range(10 * size))
    return _page(f"<article><h1>Новые правила парковки в Алматы</h1>{text}"
                 f"<p class='kudos'>{names} and 12 guests left kudos on this work!</p></article>")


def _lines_run(html: bytes):
    """explain() of a page, and how many lines of the parser's own code it ran: its cost as a count of
    operations, which a shared machine's load does not change (trafilatura's lines are not counted)."""
    package = str(Path(parse.__code__.co_filename).parent)
    count = 0

    def tracer(frame, event, arg):
        if not frame.f_code.co_filename.startswith(package):
            return None

        def line(frame, event, arg):
            nonlocal count
            count += event == "line"
            return line
        return line

    forget()  # (each page measured as the first of its site)
    previous = sys.gettrace()  # (a coverage run's or a debugger's, put back after)
    sys.settrace(tracer)
    try:
        result = explain(html, URL)
    finally:
        sys.settrace(previous)
    return result, count


def test_parse_cost_grows_linearly_with_a_paragraph_of_many_links():
    # every link of a kudos line made the parser read the whole line again: 16 s for 3,700 names
    small, small_lines = _lines_run(_kudos_page(2))
    large, large_lines = _lines_run(_kudos_page(4))
    assert ("kept: links inside a sentence read as text", 199) in small.pruned  # (the first name follows no words)
    assert ("kept: links inside a sentence read as text", 399) in large.pruned
    assert large.article.body.count("reader") == 400
    assert large_lines <= 2 * small_lines


def test_a_box_inside_a_pruned_box_is_neither_read_nor_counted_again():
    # share boxes nested twenty deep: the inner ones go with the outer one; reading each again cost the
    # box's size times its depth, and counting its words again made the guard read the untouched page
    boxes = "<div class='share'>Поделиться новостью " * 20 + "</div>" * 20
    result = explain(_page("<article><h1>Новые правила парковки в Алматы</h1>" + _text() + boxes + "</article>"), URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert [n for rule, n in result.pruned if "'share'" in rule] == [1]
    assert result.sources["body"] == "trafilatura on the pruned page"  # (the guard had no reason to look)

def _streamed(fragment: str) -> str:
    """A Next.js page's payload scripts: a text row `<id>:T<byte length>,<text>`, pushed in two chunks
    as the framework writes them (JSON strings, «<» escaped)."""
    row = f"1a:T{len(fragment.encode()):x},{fragment}"
    half = len(row) // 2
    return "".join("<script>self.__next_f.push(" + json.dumps([1, part]).replace("<", "\\u003c") + ")</script>"
                   for part in (row[:half], row[half:]))


def test_a_page_its_scripts_render_is_read_from_the_text_it_streams_to_them():
    fragment = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "$$ARTICLEAD$$"
    html = _page("<main><h1>Новые правила парковки в Алматы</h1><div id='article'></div></main>" + _streamed(fragment))
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert result.sources["body"] == "trafilatura on the HTML text the page streams to its scripts (self.__next_f)"
    # a streamed text that does not speak of the headline is another story: no article
    other = "".join(f"<p>Погода: в Астане ожидается снег, ветер {n} метров в секунду, гололёд на дорогах.</p>"
                    for n in range(5, 11))
    html = _page("<main><h1>Новые правила парковки в Алматы</h1><div id='article'></div></main>" + _streamed(other))
    assert explain(html, URL).reason == "no article text (0 words)"


def test_read_also_links_of_other_languages_are_not_text():
    links = ["Read more: Ministry publishes the new parking map", "Les også: Nye busser på linjene fra mandag",
             "Czytaj więcej", "Lesen Sie auch: Neue Busse ab Montag", "À lire aussi Les nouveaux bus dès lundi",
             "FUNDA OLUNYE UDABA LAPHA | Amabhasi amasha kusukela ngoMsombuluko"]
    # sentences that begin with the same words are text
    kept = ["More than 300 drivers were fined in the first week of the new rules.",
            "Read more about the plan in the ministry's report, published on Monday."]
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text()
                 + "".join(f"<p>{x}</p>" for x in [*links, *kept]) + "</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == [*PARAGRAPHS, *kept]
    assert ("text line: «Read also» link (other languages)", 6) in result.pruned



def test_appeals_to_follow_or_support_in_other_languages_are_not_text():
    appeals = ["Sign up for breaking news, reviews, opinion, top tech deals, and more.",
               "Unabhängiger Journalismus braucht deine Unterstützung.", "Folgst du schon 20 Minuten auf Whatsapp?"]
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text()
                 + "".join(f"<p>{x}</p>" for x in appeals) + "</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    assert ("text line: appeal to the reader (newsletter, donation, subscription, tip line)", 3) in result.pruned


def test_the_pages_widgets_printed_as_text_are_not_text():
    widgets = ["You must confirm your public display name before commenting",
               "Il vous reste 57.09% de cet article à lire. La suite est réservée aux abonnés.",
               "Wie hat Ihnen dieser Artikel gefallen?", "Fehler gefunden? Jetzt melden.",
               "Lest den Originalartikel auf Englisch hier."]
    kept = "The minister read the report before commenting on the new parking rules, his office said."
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>"
                 "<div class='comment-intro'>Bitte füllen Sie die Felder aus, um einen Kommentar zu verfassen.</div>"
                 + _text() + "".join(f"<p>{x}</p>" for x in [*widgets, kept]) + "</article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == [*PARAGRAPHS, kept]
    assert ("text line: the page's widget as text (comment form, paywall note, rating, error report)", 5) \
        in result.pruned
    assert result.article.lead is None  # a comment form's «intro» is not the standfirst


def test_class_rules_select_what_their_xpath_selects():
    """The generic layout's class-token rules are read from each element's class tokens once
    (ClassRule.select), not by XPath's string tests: the same elements in the same order, also
    with odd whitespace in @class, and without those in a subtree dropped since the tokens were read."""
    import lxml.html

    from caravan_spider.parsing.body import _drop
    from caravan_spider.parsing.layouts.base import GENERIC_PRUNE
    from caravan_spider.parsing.signals import ClassRule
    from caravan_spider.sample_site import render
    from caravan_spider.sample_site.model import SampleSite

    site = SampleSite(articles=12)
    pages = [render.article_today(a, site.anchor) if a.layout == "today" else render.article_legacy(a)
             for a in site.articles.values()]
    pages.append("<html><body><div class=' ad\tx\n'>a<p class='share'>s</p></div><p class='x-caption'>c</p>"
                 "<p class='captioned'>d</p><p class=''>e</p><span class='ad\u00a0'>f</span>"
                 "<div class='share_caption-text Share'>g</div><p class='ADS ad-slot'>h</p></body></html>")
    rules = [rule for rule in GENERIC_PRUNE if isinstance(rule, ClassRule)]
    assert len(rules) == 6
    selected = 0
    for html in pages:
        doc = lxml.html.document_fromstring(html)
        classes = ClassRule.classes(doc)
        for rule in rules:
            assert rule.select(doc, classes) == doc.xpath(str(rule))
            selected += len(doc.xpath(str(rule)))
    assert selected >= 20
    # an element dropped after the tokens were read, and one inside it, are not selected again
    outer = doc.xpath("//div[@class=' ad\tx\n']")[0]
    _drop(outer)
    share = next(rule for rule in rules if "sharing" in rule)
    assert [n.text for n in share.select(doc, classes)] == [n.text for n in doc.xpath(str(share))] == ["g"]


def test_fact_boxes_beside_the_text_are_not_text():
    from caravan_spider.parsing.layouts.base import GENERIC_PRUNE

    facts = "<ul><li>Тариф: 150 тенге в час в центре города</li><li>Абонемент: 5000 тенге в месяц</li></ul>"
    boxed = "В коробке на улице Абая нашли котёнка, которого забрали волонтёры приюта."  # «box» in a class: text
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + _text()
                 + f"<div class='story-factbox'><h3>Факты о парковке</h3>{facts}</div>"
                 + f"<amedia-factbox><h3>Что нужно знать</h3>{facts}</amedia-factbox>"
                 + f"<div class='boxed-text'><p>{boxed}</p></div></article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == [*PARAGRAPHS, boxed]
    rule = next(rule for rule in GENERIC_PRUNE if "factbox" in rule)
    assert (rule, 2) in result.pruned


def test_image_captions_outside_figcaption_are_not_text():
    from caravan_spider.parsing.layouts.base import GENERIC_PRUNE

    captions = ("<div class='image-caption'>Парковка на улице Абая, 13 марта</div>"
                "<p class='wp-caption-text'>Новые знаки у здания акимата</p>")
    html = _page("<article><h1>Новые правила парковки в Алматы</h1>" + captions + _text()
                 + "<div class='captioned-gallery'><p>Фотогалерея</p></div></article>")
    result = explain(html, URL)
    assert result.article.body.split("\n\n") == PARAGRAPHS
    rule = next(rule for rule in GENERIC_PRUNE if "caption" in rule)
    assert (rule, 2) in result.pruned  # a token that only begins with «caption» is not one


def test_the_standfirst_in_the_articles_own_header_is_the_lead():
    standfirst = "Акимат вводит платную парковку в центре города: что изменится для водителей с 1 марта."
    byline = "Автор: Айгерим Сапарова, корреспондент отдела городских новостей, 13 марта 2026"
    html = _page("<header class='site'><a href='/'>Караван</a></header><article>"
                 f"<header><h1>Новые правила парковки в Алматы</h1><p class='standfirst'>{standfirst}</p>"
                 f"<p>{byline}</p></header>{_text()}</article>")
    result = explain(html, URL)
    assert result.article.lead == standfirst
    assert result.sources["lead"] == "standfirst after the headline"
    # the text's first paragraph that the meta description copies is the lead; a byline in the header is not it
    html = _page(f"<article><header><h1>Новые правила парковки в Алматы</h1><p>{byline}</p></header>{_text()}</article>",
                 head=f"<meta property='og:description' content='{PARAGRAPHS[0]}'>")
    result = explain(html, URL)
    assert result.article.lead == PARAGRAPHS[0]
    assert result.sources["lead"] == "first paragraph the meta description abbreviates"


@pytest.mark.parametrize("css", ["preface", "article__desc", "preamble", "strapline", "epigraph"])
def test_standfirst_class_names_of_other_sites(css):
    standfirst = "Акимат вводит платную парковку в центре города: что изменится для водителей с 1 марта."
    caption = "<figure><img src='/p.jpg'><figcaption><span class='caption__desc'>Парковка у здания акимата на площади Республики</span></figcaption></figure>"
    html = _page(f"<article><header><h1>Новые правила парковки в Алматы</h1>{caption}"
                 f"<p class='{css}'>{standfirst}</p></header>{_text()}</article>")
    # a picture's caption is not the standfirst, whatever its class
    assert explain(html, URL).article.lead == standfirst


def test_the_headline_is_the_h1_the_named_title_confirms_not_a_section_name_before_it():
    standfirst = "Акимат вводит платную парковку в центре города: что изменится для водителей с 1 марта."
    menu = "".join(f"<li><a href='/rubric-{n}/'>Рубрика {n}</a></li>" for n in range(30))
    html = _page(f"<header class='site'><h1>Общество</h1><nav><ul>{menu}</ul></nav></header>"
                 f"<article><h1>Новые правила парковки в Алматы</h1><div class='story__summary'><p>{standfirst}</p></div>"
                 f"{_text()}</article>")
    result = explain(html, URL)
    assert result.article.title == "Новые правила парковки в Алматы"
    assert result.article.lead == standfirst  # the standfirst follows the confirmed headline, not the section's name


@pytest.mark.parametrize("invisible", ["\x01", "\x08", "\x0e", "\x1f", "\ufffe", "\uffff"])
def test_a_control_character_in_the_text_does_not_lose_the_article(invisible):
    """A stray control character a reader never sees (a CMS's backspace, U+FFFE) made trafilatura
    return no text at all: the article was rejected as 'no article text (0 words)'."""
    html = (PAGES / "seed" / "page.html").read_text("utf-8")
    at = html.index("Казахстан с момента")
    url, when = "https://www.caravan.kz/news/x-846082/", datetime(2026, 1, 21, 7, 0)
    clean = parse(html[:at] + "Дом " + html[at:], url, when)
    article = parse(html[:at] + f"До{invisible}м " + html[at:], url, when)
    assert article is not None and article.body.startswith("Дом Казахстан с момента обретения")
    assert article.to_dict() == clean.to_dict()


@pytest.mark.parametrize("html", [b"   \n", b"<!DOCTYPE html>", b"<!-- cache miss -->", b"</div>", b"<?php ?>"])
def test_a_page_with_no_element_is_an_empty_page_not_an_error(html):
    """lxml refuses a document with no element ("Document is empty"): such a 200 answer (a server
    that sent only its doctype) made the crawl's parse, learning and `extract` raise."""
    from caravan_spider.parsing.page import Page

    result = explain(html, "https://www.caravan.kz/news/x-846082/", datetime(2026, 1, 21, 7, 0))
    assert (result.article, result.reason) == (None, "no headline")
    assert Page(html, "https://www.caravan.kz/news/x-846082/").lines == set()


@pytest.mark.parametrize("reference", ["&#8;", "&#x08;", "&#1;", "&#31;", "&#xFFFE;", "&#65535;"])
def test_a_control_character_written_as_a_character_reference_does_not_lose_the_article(reference):
    """lxml turns &#8; into the character itself, and trafilatura then returned no text at all."""
    html = (PAGES / "seed" / "page.html").read_text("utf-8")
    at = html.index("Казахстан с момента")
    url, when = "https://www.caravan.kz/news/x-846082/", datetime(2026, 1, 21, 7, 0)
    clean = parse(html[:at] + "Дом " + html[at:], url, when)
    assert parse(html[:at] + f"До{reference}м " + html[at:], url, when).to_dict() == clean.to_dict()
    # a reference to another character is left alone
    assert parse(html[:at] + "До&#12;м " + html[at:], url, when).body.startswith("До м Казахстан")


def test_a_control_character_in_the_streamed_text_does_not_lose_the_article():
    """The payload is JSON: a backspace in the text arrives escaped («\\b») and is one only once decoded."""
    paragraphs = [PARAGRAPHS[0].replace("правила", "пра\x08вила", 1), *PARAGRAPHS[1:]]
    html = _page("<main><h1>Новые правила парковки в Алматы</h1><div id='article'></div></main>"
                 + _streamed("".join(f"<p>{p}</p>" for p in paragraphs)))
    assert b"\x08" not in html and b"\\b" in html
    assert explain(html, URL).article.body.split("\n\n") == PARAGRAPHS
