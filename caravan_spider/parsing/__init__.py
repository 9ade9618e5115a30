"""Page → article record. Pure: HTML, URL and fetch time in; a record, or the reason it is not one, out.

`explain()` is the entry the project uses (the spider, the CLI's `extract` and `reextract`): it returns an
`Extraction` with the record or the reason there is none, the layout that read the page and where each
field came from. `parse()` is the short form for scripts and tests: the record, or `NotAnArticle(reason)`.

    >>> article = parse(html, "https://www.caravan.kz/news/some-slug-845713/")

Nothing here imports Scrapy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..record import FIELDS, Article  # the record is defined once, in record.py; re-exported here
from ..site import CARAVAN, Site
from ..text import word_count
from ..urls import article_ref, web_url
from .dates import to_iso
from .furniture import Furniture
from . import kind, signals
from .layouts import pick
from .page import Page
from .rejections import Rejected, Rejection

PARSER_VERSION = "2026.12.04.1"


class NotAnArticle(Exception):
    """The page is not an article; the message says why, in a few words (args[0]: the `Rejected`)."""


@dataclass
class Extraction:
    """What `--explain` shows: the record (or the reason there is none) and how it was made."""

    article: Article | None
    reason: Rejected | None  # reads as the text: "no article text (12 words)"
    layout: str
    sources: dict[str, str] = field(default_factory=dict)
    pruned: list[tuple[str, int]] = field(default_factory=list)


def parse(html: str | bytes, url: str, fetched_at: datetime | None = None,
          content_type: str | None = None, furniture: Furniture | None = None, site: Site = CARAVAN) -> Article:
    """The article on a page; raises NotAnArticle with the reason when there is none. The short
    form of `explain` for scripts and tests.

    `furniture`: lines the site repeats on many pages, learned from the archive (see boilerplate.py).
    """
    result = explain(html, url, fetched_at, content_type, furniture, site=site)
    if result.article is None:
        raise NotAnArticle(result.reason)
    return result.article


def explain(html: str | bytes, url: str, fetched_at: datetime | None = None,
            content_type: str | None = None, furniture: Furniture | None = None,
            layouts: str | None = None, site: Site = CARAVAN) -> Extraction:
    """The entry the spider, `extract` and `reextract` use: the record or the reason there is none,
    the layout that read the page and the source of each field.

    `layouts="generic"` switches the known layouts off (as CARAVAN_LAYOUTS=generic does)."""
    return explain_page(Page(html, url, fetched_at, content_type), furniture, layouts, site)


def explain_page(page: Page, furniture: Furniture | None = None, layouts: str | None = None,
                 site: Site = CARAVAN) -> Extraction:
    """explain() of a page parsed already: the crawl also counts the lines of its tree for learning
    (workers.parse_page), so that learning need not parse the page again. `page` is not changed."""
    # (trafilatura is imported here, where a page is read, not by every process that imports this
    # package: the crawl's main process parses nothing and paid 0.15 s of CPU at its start for it)
    from .body import MIN_WORDS, extract_body

    url = page.url
    signals.read_as(page, site)
    # The article the page is (its canonical link, og:url or address says): its edition's layouts
    # are tried, every edition's when none says.
    ref = (article_ref(page.canonical or "", site) or article_ref(page.meta_first("og:url") or "", site)
           or article_ref(url, site))
    candidates = site.edition(ref.edition).generations if ref else site.layouts
    layout = pick(page, candidates, generic_only=layouts == "generic")
    extraction = Extraction(article=None, reason=None, layout=layout.name)
    reason = kind.refusal(page, site)
    if reason:
        extraction.reason = reason
        return extraction

    post_id = ref.article_id if ref else _post_id_from_markup(page)
    if post_id is None:
        extraction.reason = kind.label(page) or Rejection.NO_POST_ID.because()
        return extraction
    extraction.sources["url"] = "canonical link" if article_ref(page.canonical or "", site) else "page URL"
    # A page's own address for itself is taken only when it is a web address (never javascript:).
    canonical = ref.url if ref else (web_url(page.canonical) or url)

    values: dict = {}
    for name, method in (("title", layout.title), ("lead", layout.lead), ("published_at", layout.published),
                         ("modified_at", layout.modified), ("category", layout.category), ("tags", layout.tags),
                         ("authors", layout.authors), ("image_url", layout.image_url),
                         ("image_credit", layout.image_credit), ("views", layout.views),
                         ("language", lambda p: layout.language(p, site))):
        found = method(page)
        values[name], extraction.sources[name] = found if found else (None, "not found")
    if not values["title"]:
        extraction.reason = kind.label(page) or Rejection.NO_HEADLINE.because()
        return extraction

    body = extract_body(page, layout, values["lead"], values["title"], furniture)
    extraction.pruned = body.pruned
    extraction.sources["body"] = body.source
    if values["lead"] and word_count(body.text) < MIN_WORDS <= word_count(body.text) + word_count(values["lead"]):
        # a lead with (almost) no text after it is the text: a short news item printed as a standfirst
        body.text = "\n\n".join(filter(None, [values["lead"], body.text]))
        extraction.sources["lead"] = f"none: the {extraction.sources['lead']} is the whole text"
        values["lead"] = None
    listing = kind.listing(page, "\n".join(filter(None, [values["lead"], body.text])), MIN_WORDS)
    if listing or word_count(body.text) < MIN_WORDS:
        extraction.reason = listing or kind.label(page) or Rejection.NO_TEXT.because(f"{word_count(body.text)} words")
        return extraction
    if not values["image_credit"] and body.credits:
        values["image_credit"], extraction.sources["image_credit"] = body.credits[0], "«Фото:» line in the text"
    if values["image_url"]:
        # Relative image paths resolve against the canonical URL: the record must not
        # depend on which mirror the page was fetched from.
        values["image_url"] = web_url(page.absolute(values["image_url"], canonical))
        if values["image_url"] is None:  # javascript:, data:, ...: the reading room links it
            extraction.sources["image_url"] = f"dropped: not an http(s) URL ({extraction.sources['image_url']})"

    extraction.article = Article(
        url=canonical, article_id=post_id,
        edition=ref.edition if ref else site.edition_of_language(values["language"]).code,
        language=values["language"], title=values["title"],
        lead=values["lead"], body=body.text, published_at=to_iso(values["published_at"]),
        modified_at=to_iso(values["modified_at"]), category=values["category"], tags=values["tags"],
        authors=values["authors"], image_url=values["image_url"], image_credit=values["image_credit"],
        views=values["views"], word_count=word_count(body.text), status="live",
    )
    return extraction


def forget() -> None:
    """Drop what parsing remembers from page to page (the furniture verdicts of text lines and class
    tokens), so that a measurement of a page's parse counts it as the first page of its site."""
    from . import body

    body._furniture_line.cache_clear()
    signals._furniture_class.cache_clear()


def _post_id_from_markup(page: Page) -> int | None:
    shortlink = page.xpath("string(//link[@rel='shortlink']/@href)")
    for text, pattern in ((shortlink, r"[?&]p=(\d+)"), (" ".join(page.body_classes), r"\bpostid-(\d+)\b"),
                          (page.xpath("string(//article/@id)"), r"^post-(\d+)$")):
        m = re.search(pattern, text or "")
        if m:
            return int(m[1])
    return None


__all__ = ["Article", "Extraction", "FIELDS", "Furniture", "NotAnArticle", "PARSER_VERSION", "Page", "Rejected",
           "Rejection", "explain", "explain_page", "forget", "parse"]
