"""The generic layout: what any news page offers (JSON-LD, OpenGraph, <time>, <h1>).

A layout generation of the site subclasses this and fills in its selectors and its
boilerplate XPaths; the order of sources per field lives here, once. Each field method
returns (value, source) so `--explain` can say where a value came from.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..dates import parse_machine, parse_visible
from ..page import Page, strip_site_suffix
from ..phrases import CREDIT_PREFIX

Found = tuple[Any, str]


def first(*candidates: tuple[str, Callable[[], Any]]) -> Found | None:
    """The first candidate that yields a value, with its source name."""
    for source, produce in candidates:
        value = produce()
        if value not in (None, "", []):
            return value, source
    return None


def _names(value) -> list[str]:
    """Person names from a JSON-LD author value (organisations are not authors)."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict) and item.get("@type", "Person") == "Person" and item.get("name"):
            names.append(str(item["name"]).strip())
        elif isinstance(item, str) and item.strip():
            names.append(item.strip())
    return names


def _image(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) and value else None


def _keywords(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [k.strip() for k in value or [] if isinstance(k, str) and k.strip()]


# Removed from every page before the body is extracted, whatever the layout.
COMMON_PRUNE = (
    "//script | //style | //noscript | //iframe | //form",
    "//figcaption",  # image captions and photo credits
    # embed fallbacks that survive without their scripts (Instagram, Twitter/X, TikTok, Telegram)
    "//blockquote[contains(@class,'instagram-media') or contains(@class,'twitter-tweet')"
    " or contains(@class,'tiktok-embed') or contains(@class,'telegram-post')]",
    "//*[@id='comments' or contains(concat(' ',@class,' '),' comments ')]",  # reader comments
)

# Removed too when the page matches no known layout: class names news sites use for furniture.
GENERIC_PRUNE = (
    "//header | //footer | //nav | //aside",
    "//*[contains(@class,'share') or contains(@class,'Share') or contains(@class,'social')]",
    "//*[contains(@class,'related') or contains(@class,'Related') or contains(@class,'read-also')"
    " or contains(@class,'ReadAlso') or contains(@class,'trending') or contains(@class,'Trending')]",
    "//*[contains(@class,'advert') or contains(@class,'adfox') or contains(@class,'AdBlock')"
    " or contains(@class,'banner')]",
    "//*[contains(@class,'breadcrumb') or contains(@class,'Breadcrumb') or contains(@class,'tags')"
    " or contains(@class,'Tags') or contains(@class,'subscribe') or contains(@class,'Subscribe')]",
    # currency tickers, exchange rates, weather widgets
    "//*[contains(@class,'currency') or contains(@class,'rates') or contains(@class,'ticker')"
    " or contains(@class,'weather') or contains(@class,'exchange')]",
)


class Layout:
    """Generic signals only; subclasses add a layout generation's selectors and rules."""

    name = "generic"
    MARKERS: tuple[str, ...] = ()  # XPaths: the layout applies when any matches
    PRUNE: tuple[str, ...] = GENERIC_PRUNE  # boilerplate to remove before trafilatura
    BODY: tuple[str, ...] = ()  # the article text container, first match wins
    TITLE: tuple[str, ...] = ("//h1",)
    LEAD: tuple[str, ...] = ()
    DATE: tuple[str, ...] = ()  # visible publication date
    VIEWS: tuple[str, ...] = ("//*[contains(concat(' ',@class,' '),' views ')]",)
    CREDIT: tuple[str, ...] = ()
    TAGS: tuple[str, ...] = ()
    AUTHORS: tuple[str, ...] = ()
    CATEGORY: tuple[str, ...] = ()
    IMAGE: tuple[str, ...] = ("//article//img/@src",)
    LANGUAGE = "ru"  # the edition's language when the page does not declare one

    def matches(self, page: Page) -> bool:
        return any(page.xpath(marker) for marker in self.MARKERS)

    # --- fields: each returns (value, source) or None ---------------------------------------
    def title(self, p: Page) -> Found | None:
        return first(
            (f"xpath {self.TITLE[0]}", lambda: strip_site_suffix(p.text_of(*self.TITLE))),
            ("json-ld headline", lambda: strip_site_suffix(p.jsonld_article.get("headline"))),
            ("og:title", lambda: strip_site_suffix(p.meta_first("og:title"))),
            ("<title>", lambda: strip_site_suffix(p.title_tag)),
            ("first <h1>", lambda: p.text_of("//h1")),
        )

    def lead(self, p: Page) -> Found | None:
        return first(
            (f"xpath {self.LEAD[0] if self.LEAD else '-'}", lambda: p.text_of(*self.LEAD)),
            ("json-ld description", lambda: p.jsonld_article.get("description")),
            ("meta description", lambda: p.meta_first("og:description", "description")),
        )

    def published(self, p: Page) -> Found | None:
        return first(
            ("json-ld datePublished", lambda: parse_machine(p.jsonld_article.get("datePublished"))),
            ("meta article:published_time", lambda: parse_machine(p.meta_first("article:published_time"))),
            ("<time datetime>", lambda: parse_machine(p.xpath("string(//article//time/@datetime | //time[@datetime][1]/@datetime)"))),
            (f"visible date {self.DATE[0] if self.DATE else '-'}", lambda: self.visible_date(p)),
            ("meta date", lambda: parse_machine(p.meta_first("date", "pubdate", "publishdate", "dc.date"))),
        )

    def visible_date(self, p: Page):
        return parse_visible(p.text_of(*self.DATE), p.fetched_at) if self.DATE else None

    def modified(self, p: Page) -> Found | None:
        return first(
            ("json-ld dateModified", lambda: parse_machine(p.jsonld_article.get("dateModified"))),
            ("meta article:modified_time", lambda: parse_machine(p.meta_first("article:modified_time"))),
        )

    def category(self, p: Page) -> Found | None:
        section = p.jsonld_article.get("articleSection")
        return first(
            ("json-ld articleSection", lambda: section[0] if isinstance(section, list) and section else section),
            ("meta article:section", lambda: p.meta_first("article:section")),
            (f"xpath {self.CATEGORY[0] if self.CATEGORY else '-'}", lambda: p.text_of(*self.CATEGORY)),
        )

    def tags(self, p: Page) -> Found | None:
        return first(
            (f"xpath {self.TAGS[0] if self.TAGS else '-'}", lambda: p.texts_of(*self.TAGS)),
            ("meta article:tag", lambda: list(dict.fromkeys(p.meta.get("article:tag", [])))),
            ("json-ld keywords", lambda: _keywords(p.jsonld_article.get("keywords"))),
        )

    def authors(self, p: Page) -> Found | None:
        return first(
            ("json-ld author", lambda: _names(p.jsonld_article.get("author"))),
            ("meta author", lambda: [a for a in [p.meta_first("author", "article:author")] if a and "://" not in a]),
            (f"xpath {self.AUTHORS[0] if self.AUTHORS else '-'}",
             lambda: [re.sub(r"^(Автор|Авторы|Авторы материала)\s*:\s*", "", a) for a in p.texts_of(*self.AUTHORS)]),
        )

    def image_url(self, p: Page) -> Found | None:
        return first(
            ("og:image", lambda: p.meta_first("og:image")),
            ("json-ld image", lambda: _image(p.jsonld_article.get("image"))),
            (f"xpath {self.IMAGE[0] if self.IMAGE else '-'}", lambda: p.text_of(*self.IMAGE)),
        )

    def image_credit(self, p: Page) -> Found | None:
        return first(
            (f"xpath {self.CREDIT[0] if self.CREDIT else '-'}",
             lambda: CREDIT_PREFIX.sub("", p.text_of(*self.CREDIT) or "")),
        )

    def views(self, p: Page) -> Found | None:
        def from_jsonld():
            stats = p.jsonld_article.get("interactionStatistic")
            for stat in stats if isinstance(stats, list) else [stats]:
                if isinstance(stat, dict) and "ReadAction" in str(stat.get("interactionType")):
                    return stat.get("userInteractionCount")
            return None

        def from_dom():
            text = p.text_of(*self.VIEWS)
            digits = re.sub(r"[\s\u00a0]", "", text or "")
            m = re.search(r"\d+", digits)
            return int(m.group()) if m else None

        return first(
            (f"xpath {self.VIEWS[0] if self.VIEWS else '-'}", from_dom),
            ("json-ld interactionStatistic", lambda: int(from_jsonld()) if from_jsonld() is not None else None),
        )

    def language(self, p: Page) -> Found | None:
        def declared():
            lang = (p.doc.get("lang") or p.jsonld_article.get("inLanguage") or "").lower()
            return "kk" if lang.startswith(("kk", "kz")) else "ru" if lang.startswith("ru") else None

        return first(("html lang / json-ld inLanguage", declared), ("edition", lambda: self.LANGUAGE))
