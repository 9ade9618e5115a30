"""The site the archive reads, as data: its editions, their addresses, discovery paths and layouts.

Everything that differs from edition to edition is written here once and derived elsewhere: which
edition a URL belongs to and its canonical address (urls.py), the CLI's edition choices, the reading
room's routes, the record's edition and language values, where the spider finds sitemaps, the feed
and listings, and which layout generations the parser tries on a page. Adding an edition (or a
second site) is one spec like `CARAVAN` plus its layouts; tests/test_site.py shows it with a toy site.

Reading the spec loads nothing else: layouts are named by where they are imported from
("module:Class") and loaded when the parser first asks for them (a Layout object works too).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parsing.layouts.base import Layout


@dataclass(frozen=True)
class ArticlePath:
    """How an edition writes an article's address: a pattern of the URL's path with the groups `id`
    (the post id, digits) and optionally `section` and `slug`, and the canonical path made of them."""

    pattern: str
    canonical: str  # e.g. "/{section}/{slug}-{id}/"
    canonical_without_slug: str  # when the address has no slug
    # The path prefixes its addresses start with (its sections): what a web archive's CDX server is
    # asked for (import-wayback). A site without them is not asked.
    prefixes: tuple[str, ...] = ()

    @cached_property
    def compiled(self) -> re.Pattern:
        return re.compile(self.pattern)

    def canonical_path(self, match: re.Match) -> str:
        groups = match.groupdict()
        return (self.canonical if groups.get("slug") else self.canonical_without_slug).format(**groups)


@dataclass(frozen=True)
class Edition:
    """One edition of a site: the archive keys its articles by (code, post id)."""

    code: str  # "ru", "kk": in the archive, the CLI (--edition) and the reading room's addresses
    origin: str  # the public origin: canonical URLs are on it whatever the crawl fetches from
    hosts: frozenset[str]  # host names that are this edition (links on them are rebased onto a mirror)
    article_path: ArticlePath
    listing: str  # first listing page; further pages at listing + "page/<n>/"
    feed: str  # the RSS feed
    sitemaps: tuple[str, ...]  # where a sitemap index may be when robots.txt names none
    language: str  # of its articles: the record's language of a page its layouts read that declares none
    language_tags: tuple[str, ...]  # <html lang> / inLanguage values (prefixes) that are this language
    not_found: tuple[str, ...]  # what its not-found page says as its whole heading (lower case)
    # What its pages call the site (og:site_name, the <title>'s suffix): stripped from titles, and a
    # page that names none of them nor the site's hosts is another site's page (parsing/kind.py).
    names: tuple[str, ...]
    # The layout generations its article pages may have, most specific first; the parser tries them
    # in this order and falls back to the generic layout. "module:Class" or a Layout.
    layouts: tuple[str | Layout, ...]

    @cached_property
    def generations(self) -> tuple[Layout, ...]:
        return tuple(_layout(layout) for layout in self.layouts)


@dataclass(frozen=True)
class Site:
    """A site's editions, the main one first. An article address no other edition claims (by its
    path or its host: a mirror's, a host the spec does not know) is the main edition's."""

    name: str
    editions: tuple[Edition, ...]

    @property
    def main(self) -> Edition:
        return self.editions[0]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(edition.code for edition in self.editions)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(edition.language for edition in self.editions))

    def edition(self, code: str) -> Edition:
        return next(edition for edition in self.editions if edition.code == code)

    def edition_of_language(self, language: str | None) -> Edition:
        """The edition a page in this language belongs to when its address does not say."""
        return next((edition for edition in self.editions if edition.language == language), self.main)

    def owner(self, matched: Edition, host: str) -> Edition:
        """The edition of an article address whose path is `matched`'s, on `host`: the first edition
        but the main one whose path or host it is (/art/ on www.caravan.kz, /news/ on kaz.caravan.kz
        are both the Kazakh edition's); otherwise the main edition."""
        return next((edition for edition in self.editions[1:] if edition is matched or host in edition.hosts),
                    self.main)

    def language_of(self, layout: Layout) -> str:
        """The language of a page a layout read that declares none: that of the first edition the
        layout is a generation of (the main edition's for the generic layout)."""
        return next((edition.language for edition in self.editions if layout in edition.generations),
                    self.main.language)

    @cached_property
    def layouts(self) -> tuple[Layout, ...]:
        """Every edition's layouts, for a page whose edition is not known."""
        return tuple(dict.fromkeys(layout for edition in self.editions for layout in edition.generations))

    @property
    def not_found(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(phrase for edition in self.editions for phrase in edition.not_found))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for edition in self.editions for name in edition.names))

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(host for edition in self.editions for host in edition.hosts)


def either(words) -> str:
    """«ru or kk», «ru, kk or all»: the values an option takes, for a message."""
    words = list(words)
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else "".join(words)


@cache
def _layout(layout) -> Layout:
    if not isinstance(layout, str):
        return layout
    module, _, name = layout.partition(":")
    return getattr(importlib.import_module(module), name)()


# Caravan.kz's article addresses: /news/<slug>-<id>/ (sport under /sport/, the Kazakh edition under
# /art/), AMP copies under /amp/ (or with amp/ after the path); the slug may be missing.
def _caravan_articles(*sections: str) -> ArticlePath:
    return ArticlePath(
        rf"^/(?:amp/)?(?P<section>{'|'.join(sections)})/(?P<slug>[^/?#]*?)-?(?P<id>\d{{2,}})/?(?:amp/?)?$",
        canonical="/{section}/{slug}-{id}/", canonical_without_slug="/{section}/{id}/",
        prefixes=tuple(f"/{section}/" for section in sections))


_LAYOUTS = "caravan_spider.parsing.layouts"
# Where a WordPress site keeps its sitemap index when robots.txt names none (Yoast SEO, then core).
_WORDPRESS_SITEMAPS = ("/sitemap_index.xml", "/wp-sitemap.xml")

CARAVAN = Site("Caravan.kz", (
    Edition(
        "ru", origin="https://www.caravan.kz",
        hosts=frozenset({"caravan.kz", "www.caravan.kz", "m.caravan.kz"}),
        article_path=_caravan_articles("news", "sport"), listing="/news/", feed="/feed/",
        sitemaps=_WORDPRESS_SITEMAPS, language="ru", language_tags=("ru",),
        not_found=("страница не найдена", "ошибка 404", "упс"), names=("Караван", "Caravan.kz", "caravan.kz", "Caravan"),
        layouts=(f"{_LAYOUTS}.amp:Amp", f"{_LAYOUTS}.today:Today", f"{_LAYOUTS}.legacy2015:Legacy2015")),
    Edition(
        "kk", origin="https://kaz.caravan.kz", hosts=frozenset({"kaz.caravan.kz"}),
        article_path=_caravan_articles("art"), listing="/art/", feed="/feed/",
        sitemaps=_WORDPRESS_SITEMAPS, language="kk", language_tags=("kk", "kz"), not_found=("бет табылмады",),
        names=("Керуен",),
        layouts=(f"{_LAYOUTS}.amp:Amp", f"{_LAYOUTS}.kazakh:Kazakh")),
))
