"""The generic layout: what any news page offers (JSON-LD, OpenGraph, <time>, <h1>).

A layout generation of the site subclasses this and fills in its selectors and its
boilerplate XPaths; the order of sources per field lives here, once. Each field method
returns (value, source) so `--explain` can say where a value came from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from ..dates import parse_machine, parse_visible
from .. import signals
from ..page import Page, strip_site_suffix
from ..phrases import CREDIT_PREFIX
from ..signals import class_ends, class_ends_rule, class_rule, has_class

if TYPE_CHECKING:
    from ...site import Site

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
    f"//blockquote[{has_class('instagram-media', 'twitter-tweet', 'tiktok-embed', 'telegram-post')}]",
    f"//*[@id='comments' or {has_class('comments')}]",  # reader comments
)

# The page's own post number (WordPress' `postid-<n>` on <body>), as an XPath expression, and its marks.
_OWN_POST = "substring-before(concat(substring-after(/html/body/@class, 'postid-'), ' '), ' ')"
_OWN_MARK = (f"contains(concat(' ', normalize-space(@class), ' '), concat(' post-', {_OWN_POST}, ' '))"
             f" or @id = concat('post-', {_OWN_POST})")
OTHER_POST = (f"//*[@class][contains(@class, 'post')][{has_class('hentry', 'type-post')}][{_OWN_POST} != '']"
              f"[not({_OWN_MARK})][not(.//*[{_OWN_MARK}])][//*[{_OWN_MARK}]]")

# Removed too when the page matches no known layout: furniture news sites mark with these
# class names. Whole class tokens only (`has_class`): a substring rule once pruned a whole
# WordPress <article class="category-socialnaya-sfera"> for containing "social".
GENERIC_PRUNE = (
    "//header[not(ancestor::article) and not(.//h1)] | //footer | //nav",  # site header, footer, menus
    "//aside[not(ancestor::article)]",  # sidebars beside the article (text sidebars inside it stay)
    # share buttons
    class_rule('share', 'shares', 'sharing', 'share-buttons', 'social-share', 'social-links', 'social-buttons',
               'share-bar', 'sharebar', 'post-share', 'article-share', 'entry-share', 'Share'),
    # related / read-also / trending / most-read blocks
    class_rule('related', 'related-posts', 'related-news', 'related-articles', 'read-also', 'ReadAlso',
               'trending', 'Trending', 'popular', 'most-read', 'more-news', 'recommended'),
    # ads and banners
    class_rule('ad', 'ads', 'advert', 'advertisement', 'adfox', 'AdBlock', 'banner', 'banner-inline',
               'ad-block', 'ad-slot', 'adsbygoogle'),
    # breadcrumbs, category and tag lists, subscription prompts (breadcrumbs, category and tags are read as
    # fields first: signals.BREADCRUMB_TRAILS, CATEGORY_LISTS, TAG_LISTS)
    class_rule('breadcrumb', 'breadcrumbs', 'Breadcrumbs', 'entry-crumbs', 'tags', 'post-tags', 'news-tags',
               'entry-tags', 'tag-list', 'td-tags', 'tags-links', 'td-category', 'cat-links', 'subscribe',
               'subscribe-box', 'Subscribe', 'newsletter'),
    # fact boxes beside the text (a list of facts, a profile, a «what you need to know» box): the class token
    # is or ends in one of these (`metro-factbox`, `article-body-infobox`), or a custom element is named so
    # (`<amedia-factbox>`)
    "//*[@class][contains(@class,'factbox') or contains(@class,'fact-box') or contains(@class,'infobox')"
    " or contains(@class,'info-box') or contains(@class,'faktaboks') or contains(@class,'faktabox')]"
    f"[{class_ends('factbox', 'fact-box', 'infobox', 'info-box', 'faktaboks', 'faktabox')}]"
    " | //*[substring(name(), string-length(name()) - 7) = '-factbox']",
    # image captions outside <figcaption>: a class token that is or ends in `caption` / `caption-text`
    # (`image-caption`, `wp-caption-text`, `image-element__caption`)
    class_ends_rule('caption', 'caption-text'),
    # another post than the page's own: WordPress marks the page with `postid-<n>` on <body> and every post
    # with `hentry` / `type-post` and `post-<n>`; a post of another number is a teaser of it (a «you may
    # like» box nested in the article). Only where the page's own post is marked, and never around it.
    OTHER_POST,
    # currency tickers, exchange rates, weather widgets
    class_rule('currency', 'currency-rates', 'rates', 'ticker', 'weather', 'weather-widget', 'exchange',
               'exchange-rates'),
)


class Layout:
    """Generic signals only; subclasses add a layout generation's selectors and rules."""

    name = "generic"
    MARKERS: tuple[str, ...] = ()  # XPaths: the layout applies when any matches
    PRUNE: tuple[str, ...] = COMMON_PRUNE + GENERIC_PRUNE  # boilerplate to remove before trafilatura
    BODY: tuple[str, ...] = ()  # the article text container, first match wins
    TITLE: tuple[str, ...] = ()  # the generic layout picks the <h1> that agrees with og:title / <title>
    LEAD: tuple[str, ...] = ()
    DATE: tuple[str, ...] = ()  # visible publication date
    VIEWS: tuple[str, ...] = ()
    CREDIT: tuple[str, ...] = ()
    TAGS: tuple[str, ...] = ()
    AUTHORS: tuple[str, ...] = ()
    CATEGORY: tuple[str, ...] = ()
    IMAGE: tuple[str, ...] = ("//article//img/@src",
                              # the first picture after the headline that is not site furniture
                              "//h1/following::img[not(ancestor::header or ancestor::nav or ancestor::footer"
                              " or ancestor::aside)][1]/@src")

    def matches(self, page: Page) -> bool:
        return any(page.xpath(marker) for marker in self.MARKERS)

    # --- fields: each returns (value, source) or None ---------------------------------------
    def title(self, p: Page) -> Found | None:
        return first(
            (f"xpath {self.TITLE[0] if self.TITLE else '-'}", lambda: strip_site_suffix(p.text_of(*self.TITLE))),
            ("<h1> agreeing with og:title / <title>", lambda: signals.agreeing_headline(p)),
            ("og:title / json-ld headline / <title> (no <h1> agrees)", lambda: signals.named_title(p)),
            ("first <h1>", lambda: signals.first_headline(p)),
        )

    def lead(self, p: Page) -> Found | None:
        # A meta description alone is SEO copy, often cut or rewritten: a lead must be visible.
        return first(
            (f"xpath {self.LEAD[0] if self.LEAD else '-'}", lambda: p.text_of(*self.LEAD)),
            ("standfirst after the headline", lambda: signals.standfirst(p)),
            ("first paragraph the meta description abbreviates", lambda: signals.described_paragraph(p)),
        )

    def published(self, p: Page) -> Found | None:
        return first(
            ("json-ld datePublished", lambda: parse_machine(p.jsonld_article.get("datePublished"))),
            ("meta article:published_time", lambda: parse_machine(p.meta_first("article:published_time"))),
            ("<time datetime>", lambda: parse_machine(p.xpath("string(//article//time/@datetime | //time[@datetime][1]/@datetime)"))),
            (f"visible date {self.DATE[0] if self.DATE else '-'}", lambda: self.visible_date(p)),
            ("visible date near the headline", lambda: signals.visible_date(p)),
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
            ("breadcrumbs", lambda: signals.breadcrumb_category(p)),
            ("the article's category list", lambda: signals.listed_category(p)),
            ("category link", lambda: signals.category_link(p)),
        )

    def tags(self, p: Page) -> Found | None:
        return first(
            (f"xpath {self.TAGS[0] if self.TAGS else '-'}", lambda: p.texts_of(*self.TAGS)),
            ("meta article:tag", lambda: list(dict.fromkeys(p.meta.get("article:tag", [])))),
            ("json-ld keywords", lambda: _keywords(p.jsonld_article.get("keywords"))),
            ("the article's tag list", lambda: signals.listed_tags(p)),
            ("rel=tag links", lambda: signals.rel_tags(p)),
            ("/tag/ links in the article", lambda: signals.tag_links(p)),
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
            ("«Фото:» line near the article", lambda: signals.photo_credit(p)),
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
            ("view count near the headline", lambda: signals.views(p)),
        )

    def language(self, p: Page, site: Site) -> Found | None:
        def declared():
            lang = (p.doc.get("lang") or p.jsonld_article.get("inLanguage") or "").lower()
            return next((edition.language for edition in site.editions if lang.startswith(edition.language_tags)),
                        None)

        return first(("html lang / json-ld inLanguage", declared),
                     ("edition", lambda: site.language_of(self)))
