"""What any news page shows a reader, found without knowing its class names.

Used by the generic layout (and as fallbacks by the known ones): class names are matched
as whole tokens or as the last part of a BEM/hyphenated token (`FullArticle__lead`,
`post-excerpt`), never as substrings (`category-socialnaya-sfera` is not "social").
"""

from __future__ import annotations

import functools
import re
import unicodedata
import weakref
from urllib.parse import urlsplit

import lxml.etree

from ..site import CARAVAN, Site
from ..text import clean_line
from .page import Page
from .phrases import CREDIT_PREFIX, WIDGETS


def has_class(*names: str) -> str:
    """XPath predicate: the element has one of these whole class tokens."""
    return " or ".join(f"contains(concat(' ',normalize-space(@class),' '),' {n} ')" for n in names)


def class_ends(*names: str) -> str:
    """XPath predicate: a class token is one of these names or ends in `-name` / `_name`."""
    return " or ".join(f"contains(concat(' ',normalize-space(@class),' '),'{sep}{n} ')"
                       for n in names for sep in (" ", "-", "_"))


def with_class(*names: str) -> str:
    """XPath of the elements that have one of these whole class tokens, written to be fast: a
    plain substring test first, so that the costly token test runs only on the few elements whose
    class contains a name (on a large page a third of the time of `//*[has_class(...)]`)."""
    cheap = [n for n in names if not any(m != n and m in n for m in names)]
    return "//*[@class][" + " or ".join(f"contains(@class,'{n}')" for n in cheap) + f"][{has_class(*names)}]"


_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space() splits @class on
_CLASSED = lxml.etree.XPath("descendant-or-self::*[@class]")


class ClassRule(str):
    """A pruning rule by whole class tokens: the XPath that says it (what a layout lists and
    --explain prints), and `select`, which finds the same elements in the same order from the
    page's class tokens read once (`classes`) instead of XPath's string tests of every name on
    every element (generic path on an 82 KB mirror page 19.1 -> 18.4 ms, real pages 106 -> 101 ms)."""

    names: frozenset[str]
    endings: tuple[str, ...]

    def __new__(cls, xpath: str, names, endings=()):
        rule = super().__new__(cls, xpath)
        rule.names, rule.endings = frozenset(names), tuple(endings)
        return rule

    @staticmethod
    def classes(doc) -> list[tuple]:
        """Every element of the tree with a class, and its tokens, in document order."""
        return [(node, _XML_SPACE.split(node.get("class").strip(" \t\r\n"))) for node in _CLASSED(doc)]

    def select(self, doc, classes: list[tuple] | None = None) -> list:
        """doc.xpath(self), from `classes` read from `doc` earlier (elements dropped since are left out)."""
        found, verdicts = [], {}  # class token -> whether it is one of ours (menus repeat theirs)
        for node, tokens in ClassRule.classes(doc) if classes is None else classes:
            for token in tokens:
                if token not in verdicts:
                    verdicts[token] = token in self.names or token.endswith(self.endings)
                if verdicts[token]:
                    if node is doc or any(a is doc for a in node.iterancestors()):  # not dropped since
                        found.append(node)
                    break
        return found


def class_rule(*names: str) -> ClassRule:
    """with_class(*names) as a pruning rule."""
    return ClassRule(with_class(*names), names)


def class_ends_rule(*names: str) -> ClassRule:
    """The elements with a class token that is one of these names or ends in `-name` / `_name`."""
    cheap = " or ".join(f"contains(@class,'{n}')" for n in names if not any(m != n and m in n for m in names))
    return ClassRule(f"//*[@class][{cheap}][{class_ends(*names)}]", names,
                     [f"{sep}{n}" for n in names for sep in ("-", "_")])


def class_part(*parts: str) -> re.Pattern:
    """A class token that is one of `parts` or ends with `-part` / `__part` / `_part`."""
    return re.compile(rf"(?:^|[-_])(?:{'|'.join(parts)})$", re.I)


# Where a reader never looks for the article's own fields.
OUTSIDE = ("header", "nav", "footer", "aside")
_OUTSIDE_CLASS = class_part("related", "trending", "popular", "most-read", "sidebar", "widget", "menu", "footer",
                            "teaser", "teasers", "recommended", "more-news", "also", "read-also", "ReadAlso")


# A <header> that holds the headline is the article's own (an <h1> of more than a logo's few characters).
HEADLINE_IN_HEADER = ".//h1[string-length(normalize-space()) > 20]"


def _outside(node, page: Page) -> bool:
    """Whether the element sits in site furniture: the nearest ancestor that decides (an <article> or
    <main>, the article's own <header>, a header, menu, footer or sidebar) says so. Remembered per
    element of the page: the fields ask it of the same elements many times."""
    memo = _memo(page).setdefault("outside", {})
    climbed = []
    verdict = False
    for anc in node.iterancestors():
        if anc in memo:
            verdict = memo[anc]
            break
        decided = _decides(anc)
        if decided is not None:
            verdict = decided
            break
        climbed.append(anc)
    for anc in climbed:  # (each undecided ancestor is outside exactly when the one above it decides so)
        memo[anc] = verdict
    return verdict


def _decides(anc) -> bool | None:
    """What an ancestor says of the elements inside it: False inside the article, True inside site
    furniture, None when it says nothing."""
    if not isinstance(anc.tag, str):
        return None
    if anc.tag in ("article", "main"):
        return False
    if anc.tag == "header" and anc.xpath(HEADLINE_IN_HEADER):
        return False  # the article's own header (headline, standfirst, date), not the site's
    if anc.tag == "footer" and anc.xpath("ancestor::article"):
        return None  # the article's own footer (its category, tags, byline): the article decides
    if anc.tag in OUTSIDE or any(_furniture_class(t) for t in (anc.get("class") or "").split()):
        return True
    return None


@functools.lru_cache(maxsize=4096)
def _furniture_class(token: str) -> bool:
    return _OUTSIDE_CLASS.search(token) is not None


_MEMOS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def read_as(page: Page, site: Site) -> None:
    """Read the page as a page of `site` (explain() says which): the field readers take the page
    alone, and strip its titles of the site's names kept here (CARAVAN's until this is said)."""
    memo = _memo(page)
    if memo.get("site names", CARAVAN.names) != site.names:
        memo.clear()  # what was worked out with other names
    memo["site names"] = site.names


def _memo(page: Page) -> dict:
    """What the signals worked out about a page, kept while the page lives."""
    memo = _MEMOS.get(page)
    if memo is None:
        memo = _MEMOS[page] = {}
    return memo


def by_class(page: Page, pattern: re.Pattern, tags: tuple[str, ...] = ()) -> list:
    """Elements (in document order) with a class token matching `pattern`, outside site furniture."""
    index = _class_index(page)
    positions = sorted({position for token, found in index.items() if pattern.search(token) for position in found})
    elements = page.classed
    return [elements[i][0] for i in positions
            if (not tags or elements[i][0].tag in tags) and not _outside(elements[i][0], page)]


def _class_index(page: Page) -> dict[str, list[int]]:
    """Each class token of the page -> the positions in page.classed of the elements that have it: the
    fields look for a few patterns among a few hundred distinct tokens, not among every element's."""
    memo = _memo(page)
    if "classes" not in memo:
        index: dict[str, list[int]] = {}
        for position, (_, tokens) in enumerate(page.classed):
            for token in tokens:
                index.setdefault(token, []).append(position)
        memo["classes"] = index
    return memo["classes"]


def text(node) -> str:
    """Visible text as one line: line breaks inside an element are layout, not content, and the code of
    a script or style sheet inside it is no text (a theme's lead box filled by a player's script)."""
    if isinstance(node, str):
        raw = node
    elif node.tag in _CODE or next(node.iter(*_CODE), None) is None:
        raw = node.text_content()
    else:
        raw = _without_code(node)
    return " ".join(clean_line(raw).split())


_CODE = ("script", "style")


def _without_code(node) -> str:
    """An element's text_content() without the text of the scripts and style sheets inside it."""
    parts = []
    stack = [node]  # elements to read, and (as strings) the tails that follow them
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item.tag, str) and item.tag not in _CODE:
            parts.append(item.text or "")
            for child in reversed(item):
                stack += [child.tail or "", child]
    return "".join(parts)


def headline(page: Page):
    """The <h1> element that holds the headline, or None: the one that og:title / JSON-LD / <title>
    confirm, when another comes first (a section's name or a logo in the site's header)."""
    memo = _memo(page)
    if "headline" not in memo:
        memo["headline"] = _headline(page)
    return memo["headline"]


def _headline(page: Page):
    heads = [node for node in page.xpath("//h1") if text(node)]
    named = named_title(page) if len(heads) > 1 else None
    if named:
        confirmed = next((node for node in heads if agrees(text(node), named)), None)
        if confirmed is not None:
            return confirmed
    return heads[0] if heads else None


def after_headline(page: Page, limit: int = 80) -> list:
    """Elements that follow the headline in document order: where lead, date and views sit."""
    memo = _memo(page).setdefault("after", {})
    if limit not in memo:
        head = headline(page)
        memo[limit] = [] if head is None else [
            n for n in head.xpath(f"following::*[position() <= {limit}]") if not _outside(n, page)]
    return memo[limit]


# --- title -------------------------------------------------------------------------------------
_SEPARATOR = re.compile(r"\s+[-–—|•»/]\s+|\s*[|｜：]\s*|\s+[-–—]\s*$")


def _squash(value: str) -> str:
    """Letters and digits only, accents dropped: «Seznam Zprávy» ~ seznamzpravy.cz."""
    value = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in value if ch.isalnum())


def site_names(page: Page) -> list[str]:
    """The site's names its metadata gives, and ours (read_as). A name equal to one of the page's whole statements
    of its headline (og:title, JSON-LD headline, <title>) is that headline, not the site's: portals
    fill application-name with each article's headline. (An <h1> equal to the site's name is its logo.)"""
    publisher = page.jsonld_article.get("publisher")
    names = [page.meta_first("og:site_name"), page.meta_first("application-name"),
             publisher.get("name") if isinstance(publisher, dict) else None]
    headline = page.jsonld_article.get("headline")
    headlines = {fold(h) for h in (page.meta_first("og:title"), headline, page.title_tag) if isinstance(h, str)}
    return [n for n in names if isinstance(n, str) and n.strip() and fold(n) not in headlines] + list(
        _memo(page).get("site names", CARAVAN.names))


def names_site(page: Page, site: Site) -> bool:
    """The page calls itself by one of the site's names: its og:site_name, application-name, JSON-LD
    publisher or the first or last part of its <title> («… | Караван»)."""
    publisher = page.jsonld_article.get("publisher")
    parts = _SEPARATOR.split(page.title_tag or "")
    given = [page.meta_first("og:site_name"), page.meta_first("application-name"),
             publisher.get("name") if isinstance(publisher, dict) else None,
             *((parts[0], parts[-1]) if len(parts) > 1 else ())]
    names = {_squash(name) for name in site.names}
    return any(isinstance(value, str) and _squash(value) in names for value in given)


def _site_like(page: Page, segment: str) -> bool:
    squashed = _squash(segment)
    if not squashed or re.fullmatch(r"[\d.]+", segment.strip()):
        return True  # empty, or a date such as «28.04.2023» after the site name
    hosts = [urlsplit(u or "").hostname or "" for u in (page.meta_first("og:url"), page.canonical)]
    labels = {_squash(part) for h in hosts for part in h.split(".")
              if len(part) >= 3 and part not in ("www", "com", "org", "net", "amp")}
    names = {_squash(n) for n in site_names(page)}
    return squashed in names or squashed in labels or any(
        len(n) >= 3 and (squashed.startswith(n) or n.startswith(squashed)) for n in names | labels)


def strip_site_name(page: Page, title: str | None) -> str | None:
    """A title without «… | Site», «… - Site - 28.04.2023» or «Site: …»; None when only the site name."""
    if not isinstance(title, str) or not title.strip():
        return None
    title = " ".join(clean_line(title).split())
    while True:
        parts = [m for m in _SEPARATOR.finditer(title)]
        if not parts:
            break
        last = parts[-1]
        if _site_like(page, title[last.end():]):
            title = title[:last.start()].strip()
            continue
        first_sep = parts[0]
        if _site_like(page, title[:first_sep.start()]) and title[:first_sep.start()].strip():
            title = title[first_sep.end():].strip()
            continue
        break
    return None if is_site_name(page, title) else title or None


def is_site_name(page: Page, value: str) -> bool:
    folded = value.casefold().strip()
    return not folded or any(folded == n.casefold() for n in site_names(page))


def fold(value: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", value.casefold()).split())


def agrees(a: str, b: str) -> bool:
    """Two titles that are the same headline (one may be cut, or carry a kicker or a site name)."""
    a, b = fold(a), fold(b)
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 12 and (a in b or b in a))


def headline_candidates(page: Page) -> list[str]:
    found = []
    for node in page.xpath("//h1"):
        value = text(node)
        if value and not is_site_name(page, value) and value not in found:
            found.append(value)
    return found


def named_titles(page: Page) -> list[str]:
    """The headline as the page names it in its metadata (og:title, JSON-LD headline, <title>,
    twitter:title), site names removed, each value once."""
    headline = page.jsonld_article.get("headline")
    found: list[str] = []
    for value in (page.meta_first("og:title"), headline if isinstance(headline, str) else None, page.title_tag,
                  page.meta_first("twitter:title")):
        value = strip_site_name(page, value)
        if value and value not in found:
            found.append(value)
    return found


def named_title(page: Page) -> str | None:
    """The headline as the page names it in its metadata, site name removed; when another named
    title is its beginning, that one: the rest is a section or site name in a form we do not
    strip («…-정치ㅣ한국일보»)."""
    found = named_titles(page)
    if not found:
        return None
    shorter = [v for v in found[1:] if len(v) >= 12 and found[0].startswith(v)
               and re.match(r"\s*[-–—|/•·»]", found[0][len(v):])]
    return shorter[0] if shorter else found[0]


def agreeing_headline(page: Page) -> str | None:
    """The headline a reader sees in an <h1> that og:title / JSON-LD / <title> confirm: never a
    logo or a «Log in» in an <h1>. When the <h1> prints a kicker over it («Sport: …»), the named
    title without the kicker; when the named title carries a suffix, the <h1>.

    (Measured on real pages: confirming the <h1> by any named title, not the first, or preferring
    the <h1> to a named title that adds a prefix, each win and lose as many pages: which of them a
    publisher calls its title differs from site to site.)"""
    named = named_title(page)
    if not named:
        return None
    for value in headline_candidates(page):
        if not agrees(value, named):
            continue
        shown, told = fold(value), fold(named)
        if shown == told:
            # the same words: the <h1>'s typography, unless its markup joined a kicker and the
            # headline (or two words) that only layout separates: «Flut Zwei» for «Flut: Zwei»
            return named if _separators(named) > _separators(value) else value
        return value if told.startswith(shown) else named
    return None


def _separators(value: str) -> int:
    """Word gaps and separating punctuation (the marks a joined-up <h1> loses)."""
    return len(value.split()) + len(re.findall(r"[:|–—]", value))


def first_headline(page: Page) -> str | None:
    found = headline_candidates(page)
    return found[0] if found else None


# --- lead ----------------------------------------------------------------------------------------
_LEAD_CLASS = class_part("lead", "excerpt", "intro", "subtitle", "standfirst", "summary", "dek", "deck",
                         "lede", "teaser-text", "description", "subheadline", "sub-title", "abstract",
                         "desc", "preface", "preamble", "strapline", "epigraph", "lead-text")


# A class token naming a picture (`img_description`, `image-desc`, `photo-intro`): its description, not a standfirst.
_PICTURE_WORD = re.compile(r"(?:^|[-_])(?:img|image|photo|foto|picture|pic)(?:[-_]|$)", re.I)


def standfirst(page: Page) -> str | None:
    """The standfirst a reader sees right after the headline (classes such as lead, excerpt)."""
    head = headline(page)
    following = set(after_headline(page, 40)) if head is not None else None
    for node in by_class(page, _LEAD_CLASS):
        if following is not None and node not in following:
            continue
        # a standfirst is a sentence or two: not a headline, link, picture or player (nor its caption, nor
        # a box running a script: a player, an ad slot), not the whole text
        if node.tag in ("h1", "a", "img", "time", "figure") or node.xpath(
                ".//h1 | .//img | .//figure | .//audio | .//video | .//picture | .//ul | .//ol | .//time"
                " | .//button | .//script | ancestor::figure | ancestor::figcaption") or len(node.xpath(".//p")) > 2 \
                or any(_PICTURE_WORD.search(token) for token in (node.get("class") or "").split()):
            continue
        value = text(node)
        # (a comment form's or paywall's own «intro» is not the article's)
        if 30 <= len(value) <= 1000 and not WIDGETS.search(value):
            return value
    return None


def described_paragraph(page: Page) -> str | None:
    """The first paragraph of the text when the meta description is its (perhaps shortened) copy."""
    description = page.jsonld_article.get("description") or page.meta_first("og:description", "description")
    if not isinstance(description, str):
        return None
    cut = fold(re.sub(r"(\.\.\.|…)\s*$", "", description))
    if len(cut) < 30:
        return None
    for node in after_headline(page, 60):
        # (the text's first paragraph, not one of the article's header: byline, date, standfirst)
        if node.tag != "p" or any(a.tag == "header" for a in node.iterancestors()):
            continue
        value = text(node)
        if len(value) < 30:
            continue
        # the description is this paragraph, whole or cut short, not a summary of the article
        same = fold(value).startswith(cut[: max(30, len(cut) - 3)]) and len(value) <= 1.5 * len(description) + 40
        return value if same else None
    return None


# --- dates, views, credits -------------------------------------------------------------------------
_DATE_CLASS = class_part("date", "time", "datetime", "published", "pubdate", "posted-on", "entry-date",
                         "post-date", "news-date", "article-date", "timestamp", "meta")


def visible_date(page: Page):
    """A date printed near the headline, in any format the dates module reads."""
    from .dates import parse_visible

    near = after_headline(page, 40)
    nodes = [n for n in near if any(_DATE_CLASS.search(t) for t in (n.get("class") or "").split())]
    nodes += [n for n in near if n.tag == "time"]
    # a date printed before the headline (in the breadcrumbs, the article header)
    nodes += [n for n in page.xpath("//time") if not _outside(n, page)] + by_class(page, _DATE_CLASS)
    for node in nodes:
        value = text(node)
        if value and len(value) <= 80:
            found = parse_visible(value, page.fetched_at)
            if found:
                return found
    return None


_VIEWS_CLASS = class_part("views", "view", "views-count", "view-count", "viewcount", "post-views", "hits", "counter")
_VIEWS_TEXT = re.compile(r"(?:Просмотр\w*|Қаралды|Views?)\s*:?\s*(\d[\d\s\u00a0\u202f]*)", re.I)
VIEWS_LINE = _VIEWS_TEXT  # a whole text line that is only a view count


def _number(value: str) -> int | None:
    digits = re.sub(r"[\s\u00a0\u202f]", "", value)
    m = re.fullmatch(r"\d{1,9}", digits)
    return int(m.group()) if m else None


def views(page: Page) -> int | None:
    """A view count printed by the article: an element with a views class, or «Просмотров: N»."""
    for node in by_class(page, _VIEWS_CLASS):
        value = text(node)
        m = _VIEWS_TEXT.search(value)
        found = _number(m[1]) if m else _number(re.sub(r"\D+$|^\D+", "", value)) if len(value) < 40 else None
        if found is not None:
            return found
    for node in after_headline(page, 40):
        m = _VIEWS_TEXT.fullmatch(text(node))
        if m:
            return _number(m[1])
    return None


_CREDIT_CLASS = class_part("credit", "credits", "photo-credit", "image-credit", "copyright-photo")


def photo_credit(page: Page) -> str | None:
    """The credit of the article's picture: an element marked as a credit, or a «Фото: …» line near
    the headline. A caption in the <figure> of a picture further down the text credits that picture,
    not the article's."""
    head = headline(page)
    if head is None:
        return None
    for node in by_class(page, _CREDIT_CLASS):
        value = text(node)
        m = CREDIT_PREFIX.match(value)
        value = value[m.end():].strip() if m else value
        if 2 <= len(value) <= 120 and node.tag not in ("body", "main", "article"):
            return value
    for node in head.xpath("following::*[self::p or self::span or self::div or self::figcaption or self::small"
                           " or self::em][position() <= 150]"):
        value = text(node)
        m = CREDIT_PREFIX.match(value)
        if m and value[m.end():].strip() and len(value) <= 150 and not _outside(node, page) \
                and not _credits_another_picture(page, node):
            return value[m.end():].strip()
    return None


def _credits_another_picture(page: Page, node) -> bool:
    """A caption inside a <figure> of some picture in the text credits that picture, not the lead image."""
    lead_image = page.meta_first("og:image")
    figure = next(iter(node.xpath("ancestor-or-self::figure[1]")), None)
    if figure is None or not lead_image:
        return False
    sources = [src for src in figure.xpath(".//img/@src") if src]
    name = urlsplit(lead_image).path.rsplit("/", 1)[-1]
    return bool(sources) and not any(urlsplit(src).path.rsplit("/", 1)[-1] == name for src in sources)


# --- tags and category -----------------------------------------------------------------------------
# Where themes print the breadcrumb trail, whose last crumb before the article itself is the category:
# a class token that is or ends in breadcrumb(s) or crumbs (Rank Math's rank-math-breadcrumb, tagDiv's
# entry-crumbs; read with by_class), and these.
BREADCRUMB_TRAILS = (
    with_class("path"),  # a plain trail: <div class="path"><a>Главная</a> / <a>Культура</a></div>
    "//*[@id='breadcrumbs' or @id='breadcrumb']",  # Yoast SEO (p#breadcrumbs), Jannah (nav#breadcrumb)
    "//*[@aria-label='breadcrumb' or @aria-label='Breadcrumb' or @aria-label='breadcrumbs']",
    "//*[@itemtype='https://schema.org/BreadcrumbList' or @itemtype='http://schema.org/BreadcrumbList']",
)
BREADCRUMB_CLASS = class_part("breadcrumb", "breadcrumbs", "crumbs")
HOME_CRUMBS = ("главная", "home", "басты бет", "главная страница")
# The article's own list of its categories: tagDiv's td-category, WordPress themes' cat-links (Twenty*,
# GeneratePress, Astra), post-categories ...
CATEGORY_LISTS = (with_class("td-category", "entry-category", "cat-links", "post-categories", "post-category",
                             "entry-categories", "category-links", "meta-category") + "//a",)
# The article's own list of its tags: tagDiv's td-tags, WordPress themes' tags-links, post-tags ...
TAG_LISTS = (with_class("td-tags", "tags-links", "post-tags", "entry-tags", "tag-links", "article-tags", "news-tags",
                        "tag-list", "tags") + "//a",)


def listed_tags(page: Page) -> list[str]:
    """The links of the article's tag list (TAG_LISTS), outside site furniture."""
    return _unique(text(a) for expr in TAG_LISTS for a in page.xpath(expr) if not _outside(a, page))


def rel_tags(page: Page) -> list[str]:
    """Links marked rel="tag" (WordPress marks its category links rel="category tag": not tags)."""
    marked = f"//a[{has_class('tag').replace('@class', '@rel')}][not({has_class('category').replace('@class', '@rel')})]"
    return _unique(text(a) for a in page.xpath(marked) if not _outside(a, page))


def tag_links(page: Page) -> list[str]:
    near = set(after_headline(page, 400)) if headline(page) is not None else set()
    return _unique(text(a) for a in page.xpath("//a[contains(@href,'/tag/') or contains(@href,'/tags/')]")
                   if not _outside(a, page) and (a.xpath("ancestor::article") or a.xpath("ancestor::main") or a in near))


def breadcrumb_category(page: Page) -> str | None:
    """The last breadcrumb before the article itself (home and the headline are not categories)."""
    crumbs = by_class(page, BREADCRUMB_CLASS) + [
        trail for expr in BREADCRUMB_TRAILS for trail in page.xpath(expr) if not _outside(trail, page)]
    title = first_headline(page) or ""
    for trail in crumbs:
        names = [text(a) for a in trail.xpath(".//a") if a.get("href") not in ("/", None)]
        names = [n for n in names if n and not agrees(n, title) and n.casefold() not in HOME_CRUMBS]
        if names:
            return names[-1]
    return None


def listed_category(page: Page) -> str | None:
    """The first link of the article's category list (CATEGORY_LISTS), outside site furniture."""
    return next((text(a) for expr in CATEGORY_LISTS for a in page.xpath(expr)
                 if not _outside(a, page) and text(a)), None)


def category_link(page: Page) -> str | None:
    for a in page.xpath("//a[contains(concat(' ',normalize-space(@rel),' '),' category ')"
                        " or contains(@href,'/category/')]"):
        if not _outside(a, page) and text(a):
            return text(a)
    return None


def _unique(values) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out and len(value) <= 60:
            out.append(value.lstrip("#"))
    return out
