"""What a page is when it is not an article, said only on positive evidence.

A page is refused as not an article when it says so itself (`refusal`): a not-found page, a parked
domain's page, an answer that is not HTML, a listing of many article links; or when it is another
site's page (`foreign`: its own address elsewhere, none of the site's names). A theme's body class
or the address (`tag`, `archive`, `home`, `page`, `/tag/`) is weak evidence — themes print `page` on
posts and `home` on history pages — so it only names a page that holds no article anyway (`label`:
no post id, no headline, no text).
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from ..site import CARAVAN, Site
from ..text import word_count, words
from ..urls import web_url
from .page import Page
from .rejections import Rejected, Rejection
from .signals import names_site, strip_site_name

NOT_FOUND = Rejection.NOT_FOUND.because("«Страница не найдена»")
# A not-found page says so with its whole heading, or its whole <title> but the site's name: these
# phrases, «404», «Oops» and punctuation. A headline that quotes one («Страница не найдена»: сайты
# акиматов не открываются) says more: it is an article about a broken site.
NOT_FOUND_PHRASES = (*CARAVAN.not_found, "page not found", "not found", "error 404", "404", "oops")  # editions' own first
NOT_FOUND_HEADING = re.compile(rf"(?:[\W_]*(?:{'|'.join(NOT_FOUND_PHRASES)}))+[\W_]*", re.I)
NOT_FOUND_BODY_CLASS = "error404"  # WordPress' not-found template
# A parked domain's page says the domain is for sale with its whole heading or <title> (punctuation
# aside): «caravan.kz is for sale», «Buy this domain», «Домен продаётся». An article about domain
# sales says more in its headline.
_DOMAIN = r"[\w-]+(?:\.[\w-]+)+"
PARKED_PHRASES = (rf"(?:the )?(?:domain (?:name )?)?(?:{_DOMAIN}|this domain(?: name)?) is for sale",
                  r"buy this domain(?: name)?", rf"(?:этот )?домен(?: {_DOMAIN})? прода[её]тся")
PARKED_HEADING = re.compile(rf"[\W_]*(?:{'|'.join(PARKED_PHRASES)})[\W_]*", re.I)

# Content types of a page to read; an answer of another type (a PDF, an image, JSON) is no article page.
HTML_TYPES = ("text/html", "application/xhtml+xml")

# A listing: at least LISTING_LINKS cards, each led by a link to another page labelled like a headline
# (at least HEADLINE_WORDS words without digits: a date is no headline, after at most KICKER_WORDS words of its card: a rubric, a date), and
# the text read from the page is mostly theirs (at least LISTING_SHARE of its words), or too little to
# be an article. A card is the largest element around its link holding no other such link (the link,
# its picture, excerpt and date). An article's own text is not in cards, however many teasers and
# menus of links surround it; a link inside a sentence of the text leads no card.
LISTING_LINKS = 8
HEADLINE_WORDS = 4
KICKER_WORDS = 4
LISTING_SHARE = 0.5
# ... unless the text opens with an article's worth of words in no card: an article's paragraphs under its
# headline, with a grid of teasers after them that trafilatura read too. A listing opens with its teasers,
# after a heading and a sentence or two of introduction at most.
OPENING_WORDS = 50
# A line of the text is a card's when at least half its runs of this many words are in a card's text.
RUN_WORDS = 3
_FURNITURE = "header | nav | footer | aside | script | style | noscript | template"

# What a page's markup says it is (WordPress body classes, then the address), used only to name a
# page that holds no article.
BODY_CLASS_LABELS = {"tag": Rejection.TAG_PAGE, "category": Rejection.LISTING_PAGE, "archive": Rejection.LISTING_PAGE,
                     "search": Rejection.SEARCH_PAGE, "home": Rejection.LISTING_PAGE, "blog": Rejection.LISTING_PAGE,
                     "page": Rejection.STATIC_PAGE}
PATH_LABELS = (
    (re.compile(r"/tag/"), Rejection.TAG_PAGE),
    (re.compile(r"/(page/\d+/?$|category/)"), Rejection.LISTING_PAGE),
    (re.compile(r"/search/|[?&]s="), Rejection.SEARCH_PAGE),
)


def refusal(page: Page, site: Site = CARAVAN) -> Rejected | None:
    """Why the page is not an article, when it says so itself or is another site's page, before its
    text is read; None when it may be one."""
    if page.refused:
        return page.refused
    headings = _headings(page)
    if says_not_found(page, headings):
        return NOT_FOUND
    if any(PARKED_HEADING.fullmatch(value) for value in headings):
        return Rejection.PARKED_DOMAIN.because()
    media_type = (page.content_type or "").split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        return Rejection.NOT_HTML.because(media_type)
    return foreign(page, site)


def foreign(page: Page, site: Site) -> Rejected | None:
    """Another site's page: every address it gives for itself (canonical link, og:url) is on a host
    that is none of the site's and not the one it was fetched from, and it names none of the site's
    names. A mirror's page names the mirror or the real site; a syndicated article names its
    original publisher's address but carries the site's name: both are the site's."""
    ours = site.hosts | {(urlsplit(page.url).hostname or "").lower()}
    hosts = given_hosts(page)
    if not hosts or any(host in ours or any(host.endswith("." + own) for own in ours) for host in hosts):
        return None
    if names_site(page, site):
        return None
    # the host is named, when it is a plain host name (never other bytes of the page)
    return Rejection.FOREIGN_PAGE.because(hosts[0] if re.fullmatch(r"[a-z0-9.-]{1,253}", hosts[0]) else None)


def given_hosts(page: Page) -> list[str]:
    """The hosts of the http(s) addresses the page gives for itself: its canonical link's, its og:url's."""
    return [(urlsplit(address).hostname or "").lower()
            for address in (web_url(page.canonical), web_url(page.meta_first("og:url"))) if address]


def listing(page: Page, text: str, enough: int) -> Rejected | None:
    """Why the page is a listing, given the text read from it (fewer than `enough` words: no article
    text); None when it is not one."""
    if declares_article(page):
        return None
    found = cards(page)
    if len(found) < LISTING_LINKS:
        return None
    read = Counter(w.casefold() for w in words(text))
    if sum(read.values()) >= enough:
        teasers = Counter(w.casefold() for card in found for w in words(" ".join(card.itertext())))
        if sum((read & teasers).values()) < LISTING_SHARE * sum(read.values()):
            return None
        if opening_words(text, cards(page, repeated=True)) >= OPENING_WORDS:
            return None
    return label(page) or Rejection.LISTING_PAGE.because()


def opening_words(text: str, found: list) -> int:
    """Words of the text's lines before its first line that is a card's (RUN_WORDS); counted up to
    OPENING_WORDS only, so that an article's long text is not read against every card."""
    runs = {run for card in found for run in _runs(words(" ".join(card.itertext())))}
    count = 0
    for line in text.split("\n"):
        own = _runs(words(line))
        if (own and 2 * len(own & runs) >= len(own)) or count >= OPENING_WORDS:
            break
        count += word_count(line)
    return count


def _runs(found: list[str]) -> set[tuple[str, ...]]:
    folded = [w.casefold() for w in found]
    return {tuple(folded[i:i + RUN_WORDS]) for i in range(len(folded) - RUN_WORDS + 1)}


def says_not_found(page: Page, headings: list[str] | None = None) -> bool:
    """The page's heading, or its <title> without the site's name, is nothing but «page not found»."""
    if NOT_FOUND_BODY_CLASS in page.body_classes:
        return True
    return any(NOT_FOUND_HEADING.fullmatch(value) for value in (_headings(page) if headings is None else headings))


def _headings(page: Page) -> list[str]:
    """What a page says it is with its whole heading: its <h1>s, its <title> without the site's name."""
    return [value for value in [*page.texts_of("//h1"), strip_site_name(page, page.title_tag)] if value]


def declares_article(page: Page) -> bool:
    return bool(page.jsonld_article) or page.meta_first("og:type") == "article" or bool(
        page.meta_first("article:published_time"))


def cards(page: Page, repeated: bool = False) -> list:
    """The teaser cards of the page (see LISTING_LINKS), in document order. `repeated`: a story linked
    again has a card there too (a slider links the lead story, its teaser below links it again)."""
    body = page.doc.find("body")
    if body is None:
        return []
    furniture = set(body.xpath(f".//*[self::{' or self::'.join(_FURNITURE.split(' | '))}]"))
    links, targets = [], set()
    for link in body.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")) or (href in targets and not repeated) \
                or any(a in furniture for a in link.iterancestors()):
            continue
        if sum(1 for w in words(link.text_content()) if not any(ch.isdigit() for ch in w)) >= HEADLINE_WORDS:
            links.append((href, link))
            targets.add(href)
    # how many stories (link targets) each element holds
    around = Counter(a for a, _ in {(a, href) for href, link in links for a in link.iterancestors()})
    found, seen = [], set()
    for _, link in links:
        card = link
        while card.getparent() is not None and around[card.getparent()] == 1:
            card = card.getparent()
        if word_count(_text_before(card, link)) <= KICKER_WORDS and card not in seen:
            found.append(card)
            seen.add(card)
    return found


def _text_before(card, link) -> str:
    """The card's text before its link (the tails of the link's ancestors come after it)."""
    ancestors = set(link.iterancestors())
    parts = []
    for node in card.iter():
        if node is link:
            break
        parts.append(node.text or "")
        if node not in ancestors:
            parts.append(node.tail or "")
    return " ".join(parts)


def label(page: Page) -> Rejected | None:
    """What the page's body class or address says it is (tag page, listing page, static page ...)."""
    for css_class, name in BODY_CLASS_LABELS.items():
        if css_class in page.body_classes:
            return name.because()
    for pattern, name in PATH_LABELS:
        if pattern.search(page.canonical or page.url):
            return name.because()
    return None
