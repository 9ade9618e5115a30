"""Write stored-page fixtures from the sample site into tests/pages/<case>/.

Expected JSON comes from the sample site's model (what a reader sees), not from the parser,
so the parser tests compare two independent things. Hand-written cases are left alone.

    python scripts/make_sample_fixtures.py
"""

import json
import re
from pathlib import Path

from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SEED_ID, SampleSite

PAGES = Path(__file__).resolve().parent.parent / "tests" / "pages"


def write(case: str, body: bytes, url: str, expected: dict, content_type: str = "text/html; charset=UTF-8",
          fetched_at: str = "2026-01-21T12:00:00+05:00") -> None:
    folder = PAGES / case
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.html").write_bytes(body)
    (folder / "meta.json").write_text(json.dumps(
        {"url": url, "fetched_at": fetched_at, "content_type": content_type}, ensure_ascii=False, indent=1) + "\n")
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def main() -> None:
    site = SampleSite()
    today = site.anchor
    articles = site.newest_first()
    live = "https://www.caravan.kz"

    def pick(predicate):
        return next(a for a in articles if predicate(a))

    cases = {
        "seed": site.articles[SEED_ID],
        "today-ad-embed": pick(lambda a: a.layout == "today" and a.has_ad and a.has_embed),
        "today-figure-read-also": pick(lambda a: a.layout == "today" and a.has_figure and a.read_also),
        "today-no-metadata": pick(lambda a: a.layout == "today" and not a.with_metadata),
        "today-sport": pick(lambda a: a.section == "sport"),
        "today-lists-quotes": pick(lambda a: any(k == "ul" for k, _ in a.blocks)),
        "today-before-2024-03": pick(lambda a: a.layout == "today" and a.published.isoformat() < "2024-03-01"),
        "legacy-2015": pick(lambda a: a.layout == "legacy" and a.encoding == "utf-8" and a.legacy_date_style == "full"),
        "legacy-2015-windows-1251": pick(lambda a: a.layout == "legacy" and a.encoding == "windows-1251"),
        "legacy-2015-day-in-script": pick(lambda a: a.layout == "legacy" and a.legacy_date_style == "day"),
    }
    for case, article in cases.items():
        if article.layout == "legacy":
            body = render.article_legacy(article).encode(article.encoding)
            content_type = "text/html" if article.encoding != "utf-8" else "text/html; charset=UTF-8"
        else:
            body = render.article_today(article, today).encode()
            content_type = "text/html; charset=UTF-8"
        write(case, body, live + article.path, article.expected_record(), content_type)
    seed = site.articles[SEED_ID]
    write("amp", render.article_amp(seed).encode(), "https://caravan.kz" + seed.amp_path, seed.expected_record())
    write("not-found-200", render.not_found_page(today).encode(), live + "/news/udalennaya-novost-845001/",
          {"not_an_article": "not found page («Страница не найдена»)"})
    write("tag-page", render.tag_page(site, "almaty", today).encode(), live + "/tag/almaty/",
          {"not_an_article": "tag page"})
    write("listing-page", render.listing(site, 2, today).encode(), live + "/news/page/2/",
          {"not_an_article": "listing page"})
    # A page that shows only a relative date («Сегодня, 10:15»): it needs the fetch time.
    plain = pick(lambda a: a.layout == "today" and not a.with_metadata)
    for case, shown, fetched, expected_date in (
            ("relative-date-today", "Сегодня, 10:15", "2026-01-21T12:00:00+05:00", "2026-01-21T10:15:00+05:00"),
            ("relative-date-yesterday", "Вчера, 18:40", "2026-01-21T00:30:00+05:00", "2026-01-20T18:40:00+05:00")):
        html = re.sub(r"<time datetime=[^>]*>[^<]*</time>", shown, render.article_today(plain, today))
        write(case, html.encode(), live + plain.path, {**plain.expected_record(), "published_at": expected_date},
              fetched_at=fetched)
    # An article page whose text is missing (a video-only post, or a broken template).
    empty = re.sub(r'<div class="FullArticle__text">.*?<div class="Share">', '<div class="FullArticle__text"></div>'
                   '<div class="Share">', render.article_today(plain, today), flags=re.S)
    write("empty-article", empty.encode(), live + plain.path, {"not_an_article": "no article text (0 words)"})
    write("search-page", render.search_page("налоги", today).encode(),
          live + "/search/?q=налоги", {"not_an_article": "search page"})
    write("info-page", render.info_page("about", today).encode(), live + "/info/about/",
          {"not_an_article": "static page"})


if __name__ == "__main__":
    main()
