"""The article text: prune the layout's boilerplate, let trafilatura extract, drop boilerplate lines.

Two guards keep pruning from destroying content: no rule removes an element that holds the
headline, most of the page's words or most of the running text the rules before it left; and our
text must hold most of the words trafilatura reads on the untouched page (shared words, not a
count), else trafilatura's reading with its fallbacks or of the untouched page is used (`--explain`
says so).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
import trafilatura

from ..text import clean_line, word_count, words
from .dates import is_date_line
from .furniture import Furniture, as_line, element_text
from .layouts.base import OTHER_POST, Layout
from .page import Page, parse_whole, visible
from .phrases import APPEAL_MAX_WORDS, APPEALS, CREDIT_PREFIX, FURNITURE_LINES, LATIN_LETTER, WIDGETS
from .signals import VIEWS_LINE, ClassRule, agrees, fold

# Lines that are furniture even when they sit in ordinary <p> inside the content (phrases.py).
BOILERPLATE_LINES = tuple((pattern, why) for pattern, why, _ in FURNITURE_LINES)
MIN_WORDS = 15  # less than this is not an article text (a stub, a gallery, an error page)
PARAGRAPH_WORDS = 8  # a line this long around a learned line makes it a subheading of the text
# The pruned text is "much shorter" than trafilatura's extraction of the untouched page below this share.
GUARD_SHARE = 0.6
# Texts shorter than this are always checked against the untouched page (see _suspicious).
GUARD_FLOOR = 50
# JSON-LD articleBody replaces a teaser only when it holds at least this share of the teaser's words.
STATED_AGREES = 0.8
# A list is a list of teaser links when at least this share of its words are link text.
LINKED_SHARE = 0.9
# ... or when every item is a link with at most this many words of label («Kicker:» <a>headline</a>).
LINK_LABEL_WORDS = 4
# A short element of these right before a teaser list is its label and goes with it.
LIST_HEADINGS = {"h2", "h3", "h4", "h5", "h6", "p", "strong", "b", "span", "div"}
# An element holding more than this share of the page's text, or of the running text left, is never pruned.
MOST_OF_THE_TEXT = 0.5
# A paragraph of at least this many words restated with the same words in other punctuation (the
# summary box or a second rendering repeating the text) is dropped the second time. Shorter repeats
# stay (an interview's «— Да.»), and so does a block printed identically twice: that is a widget the
# page places at two spots (a consent placeholder, a tariff button), kept as the page shows it.
REPEATED_MIN_WORDS = 12
# Near the top (first this many lines), a line that is the headline with a kicker before it or the
# site's name after it («Premier League Rückschlag im Titelkampf - Liverpool verliert …») is the
# headline again, when what it adds is at most HEADLINE_EXTRA_WORDS words.
HEADLINE_LINES = 3
HEADLINE_EXTRA_WORDS = 8
HEADLINE_EXTRA_CHARACTERS = 60  # (and characters: Chinese and Japanese write no spaces between words)
# Text split into containers of one kind with ads or teasers between them (news sites that close
# the text's <div> around each in-story ad or «read also» card) is read from all of them: the later
# containers with the same tag and class tokens (or a superset/subset of them: `body articleBody`
# and `body articleBody -bottom-space`), at the same place in the tree (the same ancestors' tags),
# that hold running text (a paragraph of at least TWIN_PARAGRAPH characters) trafilatura left out.
TWINS_RULE = "kept: the text's continuation in containers like its own (ads or teasers between)"
TWIN_PARAGRAPH = 100
# A link inside a sentence is text: in a paragraph of at least INLINE_LINK_SENTENCE_WORDS words that
# ends a sentence, a link after some words that are not a label («Read more:», «Mehr |») keeps its words
# as text. Trafilatura's precision mode deletes a short block with any link in it («It also <a>co-ordinates
# military plans</a>.»), which loses every such paragraph on sites that wrap each paragraph in its own <div>.
INLINE_LINKS_RULE = "kept: links inside a sentence read as text"
INLINE_LINK_SENTENCE_WORDS = 10
SENTENCE_END = re.compile(r"[.!?…。！？][\s\"'»”“’)」』）]*$")
LINK_LABEL_END = re.compile(r"[:：|»>•·–—-]\s*$")

# A page whose markup holds no article text because scripts render it (Next.js App Router sites
# stream their pages' data in `self.__next_f.push([1, "…"])` scripts) is read from that stream: its
# longest HTML text with paragraphs, only when the markup gave less than MIN_WORDS (the article would
# be rejected) and the text holds at least STREAMED_HEADLINE_SHARE of the headline's words.
STREAMED_PAYLOAD = re.compile(r"self\.__next_f\.push\((\[.*?\])\)\s*;?\s*</script>", re.S)
STREAMED_TEXT_ROW = re.compile(rb"(?:^|\n)[0-9a-f]+:T([0-9a-f]+),")  # a text row: `<id>:T<byte length>,`
STREAMED_PLACEHOLDER = re.compile(r"\$\$[A-Z0-9_]+\$\$")  # a slot the scripts fill in (an ad): «$$ARTICLEAD$$»
STREAMED_HEADLINE_SHARE = 0.5
STREAMED_SOURCE = "trafilatura on the HTML text the page streams to its scripts (self.__next_f)"


@dataclass
class Body:
    text: str
    pruned: list[tuple[str, int]] = field(default_factory=list)  # (rule, how many removed)
    credits: list[str] = field(default_factory=list)  # «Фото: …» lines found in the text
    container: str | None = None  # the XPath whose element held the text, if any
    source: str = ""  # how the text was made, for --explain
    removed_words: int = 0  # running text (words outside links) in the elements pruning removed


def extract_body(page: Page, layout: Layout, lead: str | None, title: str | None,
                 furniture: Furniture | None = None) -> Body:
    result = Body(text="")
    furniture = furniture or Furniture()
    doc = copy.deepcopy(page.doc)
    # Every element's Python proxy, held while pruning reads the tree: lxml makes a proxy each
    # time an element without a live one is touched, and pruning touches each element several
    # times (~1,400 proxies made on an 82 KB page when they were not held).
    elements = list(doc.iter())
    protected = _protected(doc, title, result)
    kept = 0
    if furniture:  # what the site repeats goes first: it needs no class name to be known
        removed = _prune_furniture(doc, furniture, protected, result, _texts_of_copy(page, elements))
        if removed:
            result.pruned.append((f"{furniture.rule} (elements)", removed))
    classes = None  # the copy's class tokens, read once for every ClassRule
    for rule in layout.PRUNE:
        removed, dropped = 0, set()
        if isinstance(rule, ClassRule):
            classes = ClassRule.classes(doc) if classes is None else classes
        for node in rule.select(doc, classes) if isinstance(rule, ClassRule) else doc.xpath(rule):
            if _inside(node, dropped):
                continue
            running = _running_words(node)
            if _holds_content(node, protected, running):
                kept += 1
                continue
            result.removed_words += running
            _drop(node)
            dropped.add(node)
            removed += 1
        if removed:
            result.pruned.append((rule, removed))
    if not layout.BODY:
        removed = _prune_link_lists(doc, protected, result)
        if removed:
            result.pruned.append(("list items that are only a link (teasers)", removed))
        unwrapped = _unwrap_inline_links(doc)
        if unwrapped:
            result.pruned.append((INLINE_LINKS_RULE, unwrapped))
    if kept:
        result.pruned.append(("kept: a rule matched an element holding the headline or most of the text", kept))
    root = None
    for expr in layout.BODY:
        found = doc.xpath(expr)
        if found:
            root, result.container = found[0], expr
            break
    if root is not None:
        # trafilatura keeps headings and short paragraphs of a known container reliably
        # when it is handed as an <article> of its own.
        inner = (root.text or "") + "".join(lxml.html.tostring(c, encoding="unicode") for c in root)
        html = f"<html><body><article>{inner}</article></body></html>"
        text = _trafilatura(html, page.url, recall=True)
        result.source = f"trafilatura on {result.container}"
    else:
        text = _read_pruned(doc, page.url, result, fast=True)
        result.source = ("trafilatura on the pruned page" if not layout.BODY
                         else f"trafilatura on the pruned page ({layout.BODY[0]} missing)")
    lines = _clean_lines(text, lead, title, furniture, result)
    # (the lead counts: it is text the untouched page holds too, taken out of our body on purpose)
    ours = sum(word_count(line) for line in lines) + word_count(lead)
    # (running words the pruned page holds beyond ours: what trafilatura may have left unread)
    unread = protected.running - result.removed_words
    if root is None and _suspicious(ours, result.removed_words, max(0, unread - ours)):
        lines = _guard(page, doc, lines, lead, title, furniture, result)
    if root is None:
        lines = _stated_body(page, lines, lead, title, furniture, result)
    if root is None and sum(word_count(line) for line in lines) < MIN_WORDS:
        lines = _streamed_body(page, lines, lead, title, furniture, result)
    result.text = "\n\n".join(lines)
    return result


def _stated_body(page: Page, lines: list[str], lead: str | None, title: str | None, furniture: Furniture,
                 result: Body) -> list[str]:
    """The text the publisher states in JSON-LD `articleBody` when what the page shows is only its
    beginning (a paywall teaser, a «read more» page): much longer than ours in words and in distinct
    words (GUARD_SHARE, as for the guard) and holding what we found (STATED_AGREES of our words),
    so it is the same article."""
    stated = _article_body(page)
    if not stated:
        return lines
    ours = Counter(w.lower() for line in lines for w in words(line))
    theirs = Counter(w.lower() for w in words(stated))
    found = sum(ours.values()) + word_count(lead)
    # Much longer in words and in vocabulary: an articleBody that prints the text twice is not longer.
    if not ours or found >= GUARD_SHARE * sum(theirs.values()) or len(ours) >= GUARD_SHARE * len(theirs) or \
            sum((ours & theirs).values()) < STATED_AGREES * sum(ours.values()):
        return lines
    return _body_from(stated, f"json-ld articleBody (the page's text gave {found} words, articleBody "
                              f"{sum(theirs.values())})", lead, title, furniture, result)


def _streamed_body(page: Page, lines: list[str], lead: str | None, title: str | None, furniture: Furniture,
                   result: Body) -> list[str]:
    """A page whose markup holds no text because scripts render it from the data the page streams
    to them (STREAMED_PAYLOAD): the longest HTML text in that stream, when it speaks of the headline."""
    fragment = _streamed_html(page.html)
    if not fragment:
        return lines
    text = _trafilatura(f"<html><body><article>{fragment}</article></body></html>", page.url, recall=True)
    found = Counter(w.casefold() for w in words(text))
    headline = [w.casefold() for w in words(title)]
    if not headline or sum(w in found for w in headline) < STREAMED_HEADLINE_SHARE * len(headline):
        return lines
    return _body_from(text, STREAMED_SOURCE, lead, title, furniture, result)


def _body_from(text: str, source: str, lead: str | None, title: str | None, furniture: Furniture,
               result: Body) -> list[str]:
    """The body read from another text than the container's (the guard's untouched page, JSON-LD,
    the scripts' stream): what the first reading dropped and credited no longer holds."""
    result.pruned = [r for r in result.pruned if not r[0].startswith("text line:")]
    result.credits.clear()
    result.container = None
    result.source = source
    return _clean_lines(text, lead, title, furniture, result)


def _streamed_html(html: str) -> str | None:
    """The longest text row holding paragraphs in a Next.js page's streamed payload: the pushed
    chunks are JSON strings that joined make the stream, where `<id>:T<hex length>,` starts a text
    of that many UTF-8 bytes."""
    chunks = []
    for pushed in STREAMED_PAYLOAD.finditer(html):
        try:
            value = json.loads(pushed.group(1))
        except ValueError:
            continue
        if isinstance(value, list) and len(value) > 1 and isinstance(value[1], str):
            chunks.append(value[1])
    stream = "".join(chunks).encode("utf-8")
    best = None
    for row in STREAMED_TEXT_ROW.finditer(stream):
        text = stream[row.end():row.end() + int(row.group(1), 16)].decode("utf-8", "replace")
        if "<p" in text and (best is None or len(text) > len(best)):
            best = text
    # (a control character in the text arrives JSON-escaped, «\b»: the page's own strip missed it)
    return visible(STREAMED_PLACEHOLDER.sub("", best)) if best else None


def _article_body(page: Page) -> str | None:
    """JSON-LD articleBody as lines of text (it may be plain text or HTML)."""
    value = page.jsonld_article.get("articleBody") or next(
        (o["articleBody"] for o in page.jsonld if isinstance(o.get("articleBody"), str)), None)
    if not isinstance(value, str) or not value.strip():
        return None
    if "<" not in value:
        return value
    fragment = lxml.html.fragment_fromstring(value, create_parent="div")
    blocks = fragment.xpath(".//p | .//h2 | .//h3 | .//h4 | .//h5 | .//h6 | .//li")
    if not blocks:
        return fragment.text_content()
    return "\n".join(" ".join(b.text_content().split()) for b in blocks if not b.xpath(".//p | .//li"))


def _flat(node) -> str:
    return " ".join(" ".join(node.itertext()).split())


def _unwrap_inline_links(doc) -> int:
    """A link inside a sentence is text (INLINE_LINKS): it becomes a plain <span>, so that
    trafilatura's link density test does not take the paragraph for a list of links. A paragraph's
    text is read once however many links it holds (a kudos line of 3,700 names took 16 s when each
    link read it again)."""
    paragraphs: dict = {}  # the nearest <p> around each link → its links
    for link in doc.xpath("//p//a"):
        paragraphs.setdefault(next(a for a in link.iterancestors() if a.tag == "p"), set()).add(link)
    unwrapped = 0
    for paragraph, links in paragraphs.items():
        text = _flat(paragraph)
        if word_count(text) < INLINE_LINK_SENTENCE_WORDS or not SENTENCE_END.search(text):
            continue
        for link in _after_words(paragraph, links):
            link.tag = "span"
            link.attrib.clear()
            unwrapped += 1
    return unwrapped


def _after_words(paragraph, links: set) -> list:
    """The links of the paragraph (of `links`) that follow some of its words that are not a label
    («Read more:», «Mehr |»): one walk over its text in reading order (a comment's text is not read)."""
    found, worded, last = [], False, ""  # (words before yet; the last character before that is not a space)
    stack = [paragraph]  # elements to enter, and (as strings) the tails to read after them
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            piece = node
        else:
            if node in links and worded and not LINK_LABEL_END.search(last):
                found.append(node)
            piece = node.text if isinstance(node.tag, str) else None
            for child in reversed(node):
                stack += [child.tail or "", child]
        if piece:
            worded = worded or bool(words(piece))
            last = piece.rstrip()[-1:] or last
    return found


def _merge_twins(doc, text: str) -> int:
    """Text split into several containers of one kind with ads or teasers between them (a layout
    that closes the text's <div> around each in-story ad): trafilatura reads the first only. Its
    twins (TWINS) that hold running text it left out, in the same article (_ARTICLE_OF), are moved
    into it, so that all are read."""
    extracted = " ".join(text.split())
    running = [p for p in doc.xpath("//p") if len(_flat(p)) >= TWIN_PARAGRAPH]
    taken = [p for p in running if _flat(p) in extracted]
    if not taken:
        return 0
    # the text's own container: the nearest element with a class around most of what was read
    container = next((a for a in taken[0].iterancestors() if a.get("class")
                      and 2 * sum(a in p.iterancestors() for p in taken) >= len(taken)), None)
    if container is None or container.tag in ("body", "html"):
        return 0
    tokens = set(container.get("class").split())
    place = [a.tag for a in container.iterancestors()]
    article = _ARTICLE_OF(container)
    twins: list = []
    for p in running:
        if _flat(p) in extracted or container in p.iterancestors() or article and article[0] not in p.iterancestors():
            continue
        twin = next((a for a in p.iterancestors() if a.tag == container.tag and a.get("class")
                     and _twin_classes(set(a.get("class").split()), tokens)), None)
        if twin is not None and twin not in twins and [a.tag for a in twin.iterancestors()] == place \
                and twin not in container.iterancestors() and not twin.xpath(_LINKED_HEADING):
            twins.append(twin)
    for twin in twins:
        if (twin.text or "").strip():
            if len(container):
                container[-1].tail = _settable((container[-1].tail or "") + twin.text)
            else:
                container.text = _settable((container.text or "") + twin.text)
        container.extend(list(twin))
    return len(twins)


# A container whose heading is a link is a teaser of another article, however like the text's own it is.
_LINKED_HEADING = "boolean((.//h1 | .//h2 | .//h3 | .//h4 | .//h5 | .//h6)//a[@href])"
# The post a container belongs to: the nearest element WordPress marks as one (class `hentry`, id `post-<n>`).
# A twin in another one is another post's text (a blog's page of posts). (<article> is no such mark:
# themes make every card, box and section one.)
_ARTICLE_OF = lxml.etree.XPath("ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' hentry ')"
                               " or (starts-with(@id, 'post-') and number(substring(@id, 6)) >= 0)][1]")


def _twin_classes(one: set[str], other: set[str]) -> bool:
    """The same class tokens, or one element has some more (`body articleBody -bottom-space`)."""
    return bool(one) and (one <= other or other <= one)


def _suspicious(ours: int, removed: int, unread: int) -> bool:
    """Whether the guard's second extraction (of the untouched page) could change anything, so
    that only such pages pay for it. The untouched page holds at most our text plus the running
    text pruning removed (link lists, menus and scripts are not running text) plus the running text
    trafilatura left unread on the pruned page (`unread`: it may stop early on a changed tree), so
    the guard can fire only when these are a large enough share of ours; below GUARD_FLOOR words
    trafilatura's own choice of container on a changed tree is least stable and a miss would
    reject the article, so short texts are always checked."""
    return ours < GUARD_FLOOR or removed + unread > (1 / GUARD_SHARE - 1) * ours


def _guard(page: Page, doc, lines: list[str], lead: str | None, title: str | None, furniture: Furniture,
           result: Body) -> list[str]:
    """Our pruning must never leave less than trafilatura reads on the untouched page, nor another
    text: our text must hold at least GUARD_SHARE of the words trafilatura reads there (counted as
    shared words, so that a sidebar stored under the right headline does not pass for the article
    by its length). When it does not, trafilatura with its fallbacks (readability, jusText) on the
    pruned page `doc` may (our first reading went without them); else trafilatura's reading of the
    untouched page is the text."""
    reference = _trafilatura(_untouched(page, result), page.url, recall=False)
    theirs = _bag(_clean_lines(reference, lead, title, furniture, Body(text="")), lead)
    read = sum(theirs.values())
    shared = sum((_bag(lines, lead) & theirs).values())
    if not read or shared >= GUARD_SHARE * read:
        if read:
            result.source += f" (it holds {shared} of the {read} words of trafilatura on the untouched page)"
        return lines
    checked = Body(text="")
    again = _clean_lines(_read_pruned(doc, page.url, checked, fast=False), lead, title, furniture, checked)
    held = sum((_bag(again, lead) & theirs).values())
    if held >= GUARD_SHARE * read:
        result.pruned = [r for r in result.pruned if not r[0].startswith("text line:")] + checked.pruned
        result.credits[:] = checked.credits
        result.source += (f" with trafilatura's fallbacks (it holds {held} of the {read} words of trafilatura on the "
                          f"untouched page, without them {shared})")
        return again
    return _body_from(reference, f"trafilatura on the untouched page (ours held {shared} of its {read} words)",
                      lead, title, furniture, result)


def _untouched(page: Page, result: Body):
    """The page the guard compares with: untouched, but for other posts' teasers (OTHER_POST) when they
    were pruned, which the page itself marks as not its own; trafilatura often reads them with the post."""
    if not any(rule == OTHER_POST for rule, _ in result.pruned):
        return page.doc
    doc = copy.deepcopy(page.doc)
    for element in doc.xpath(OTHER_POST):
        _drop(element)
    return doc


def _read_pruned(doc, url: str, result: Body, fast: bool) -> str:
    """trafilatura's text of the pruned page, its continuation in twin containers included (TWINS)."""
    text = _trafilatura(doc, url, recall=False, fast=fast)
    merged = _merge_twins(doc, text)
    if merged:
        result.pruned.append((TWINS_RULE, merged))
        text = _trafilatura(doc, url, recall=False, fast=fast)
    return text


def _bag(lines: list[str], lead: str | None) -> Counter:
    """The words of a text and its lead, case folded, as a multiset."""
    return Counter(w.casefold() for w in words(lead)) + Counter(w.casefold() for line in lines for w in words(line))


def _trafilatura(page, url: str, recall: bool, fast: bool = False) -> str:
    """trafilatura's text of a page (HTML, or a tree of ours: a copy is read, without comments).
    `fast`: without the fallbacks (readability, jusText) it compares its own extraction with, which
    cost ~40 % of its time and change the text of few pages: those the guard's test finds."""
    mode = {"favor_recall": True} if recall else {"favor_precision": True}
    if isinstance(page, str):
        # Our own tree, parsed whole (huge_tree): trafilatura's parser would cut deep markup again.
        tree = parse_whole(page, remove_comments=True, remove_pis=True)[0]
    else:  # (trafilatura changes the tree it reads)
        tree = copy.deepcopy(page)
        lxml.etree.strip_elements(tree, lxml.etree.Comment, lxml.etree.ProcessingInstruction, with_tail=False)
    return trafilatura.extract(
        tree, url=url, include_comments=False,
        include_tables=True, include_images=False, include_links=False,
        deduplicate=False, with_metadata=False, fast=fast, **mode,
    ) or ""


@functools.lru_cache(maxsize=8192)
def _furniture_line(line: str) -> str | None:
    """Why a line of text is furniture whatever the site (phrases.py, dates), or None. Remembered: the
    guard reads a page's lines again, and sites repeat theirs on every page."""
    reason = next((why for pattern, why in BOILERPLATE_LINES if pattern.search(line)), None)
    if reason is None and LATIN_LETTER.search(line) and word_count(line) <= APPEAL_MAX_WORDS:
        # (every appeal and widget is written with Latin letters: most lines of the site need neither search)
        if APPEALS.search(line):
            reason = "appeal to the reader (newsletter, donation, subscription, tip line)"
        elif WIDGETS.search(line):
            reason = "the page's widget as text (comment form, paywall note, rating, error report)"
    if reason is None and (is_date_line(line) or VIEWS_LINE.fullmatch(line)):
        reason = "date / views line"
    return reason


def _clean_lines(text: str, lead: str | None, title: str | None, furniture: Furniture, result: Body) -> list[str]:
    lines: list[str] = []
    dropped: dict[str, int] = {}
    candidates = [line for line in map(clean_line, text.split("\n")) if line]
    for n, line in enumerate(candidates):
        reason = _furniture_line(line)
        if reason is None and line in furniture and line not in (title, lead) \
                and not _between_paragraphs(candidates, n, furniture):
            reason = furniture.rule
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
            if reason == "photo credit":
                result.credits.append(CREDIT_PREFIX.sub("", line).strip())
            continue
        if line in (title, lead):
            continue  # the headline or lead repeated in the text
        lines.append(line)  # a repeated short line stays: an interview repeats «— Да.»
    lines = _without_repeats(lines, dropped)
    lines = _without_headline(lines, title, dropped)
    if lead and lines and lead.startswith(lines[0]) and len(lines[0]) > 40:
        lines.pop(0)  # the lead printed again as the first paragraph, possibly shortened
    folded_lead = fold(lead or "")
    for start in range(min(3, len(lines))) if lead else ():
        # the lead's paragraph near the top (perhaps after a label), split by trafilatura at inline elements
        if len(fold(lines[start])) >= min(8, len(folded_lead)) and fold(lines[start]) in folded_lead:
            end = start
            while end < len(lines) and fold(lines[end]) and fold(lines[end]) in folded_lead:
                end += 1
            del lines[start:end]
            break
    result.pruned.extend((f"text line: {why}", n) for why, n in dropped.items())
    return lines


def _between_paragraphs(lines: list[str], n: int, furniture: Furniture) -> bool:
    """A learned line printed between two paragraphs of the text is the article's own: a
    subheading the site uses often («Что известно», «Не белгілі» on a third of an edition's pages)
    is learned as repeated, but the ticker, menus and «В тренде» sit at the text's edges or in runs."""
    if not 0 < n < len(lines) - 1:
        return False
    return all(word_count(line) >= PARAGRAPH_WORDS and line not in furniture for line in (lines[n - 1], lines[n + 1]))


def _without_repeats(lines: list[str], dropped: dict[str, int]) -> list[str]:
    """A long paragraph restated in other punctuation (the same words) is read once."""
    seen: dict[tuple[str, ...], str] = {}
    kept = []
    for line in lines:
        key = tuple(w.casefold() for w in words(line))
        if len(key) >= REPEATED_MIN_WORDS:
            if key in seen and seen[key] != line:
                dropped["paragraph repeated word for word"] = dropped.get("paragraph repeated word for word", 0) + 1
                continue
            seen.setdefault(key, line)
        kept.append(line)
    return kept


def _without_headline(lines: list[str], title: str | None, dropped: dict[str, int]) -> list[str]:
    """The headline printed again near the top with a kicker before it or a site name after it."""
    folded_title = fold(title or "")
    if len(folded_title.split()) < 3:
        return lines
    for i, line in enumerate(lines[:HEADLINE_LINES]):
        folded = fold(line)
        # («新华社北京4月24日电 题：<headline>» is a dateline that names the headline: text)
        if re.search(r"[:：]\s*$", line[:max(0, line.find(title or "") if title in line else 0)]):
            continue
        if folded != folded_title and (folded.endswith(folded_title) or folded.startswith(folded_title)) \
                and len(folded.split()) - len(folded_title.split()) <= HEADLINE_EXTRA_WORDS \
                and len(folded) - len(folded_title) <= HEADLINE_EXTRA_CHARACTERS:
            dropped["headline with a kicker or site name"] = dropped.get("headline with a kicker or site name", 0) + 1
            return lines[:i] + lines[i + 1:]
    return lines


@dataclass
class _Protected:
    """What no rule may take away: the headline element, and an element that holds most of the
    page's text — of all its words, or of the running text (words outside links, menus, scripts)
    that the rules before have left. Class tokens are weak evidence: a theme that marks its article
    `entry themeform share` must not lose it to the share rule."""

    heads: list
    total: int  # words of the page's body
    running: int  # running words of the page's body before pruning
    result: Body  # result.removed_words: running words pruned so far


def _protected(doc, title: str | None, result: Body) -> _Protected:
    """(An <h1> that holds only the site's logo is not the headline.)"""
    heads = [h for h in doc.xpath("//h1") if title and agrees(element_text(h), title)]
    body = doc.find("body")
    root = body if body is not None else doc
    return _Protected(heads, len(" ".join(root.itertext()).split()), _running_words(root), result)


def _holds_content(node, protected: _Protected, running: int | None = None) -> bool:
    """`running`: the element's running words, when the caller has counted them."""
    # A script or style is never what a reader reads, even when its data holds the article's
    # words (a Next.js page): trafilatura would drop it anyway; counting its words was half the cost.
    if node.tag in ("script", "style"):
        return False
    if any(node is h or node in h.iterancestors() for h in protected.heads):
        return True
    if protected.total > 0 and len(" ".join(node.itertext()).split()) > MOST_OF_THE_TEXT * protected.total:
        return True
    left = protected.running - protected.result.removed_words
    return left > 0 and (_running_words(node) if running is None else running) > MOST_OF_THE_TEXT * left


def _prune_link_lists(doc, protected, result: Body) -> int:
    """Lists whose whole text is links, or whose every item is a link with a short label
    («Kinderschutz als Vorwand? <a>…</a>»): teaser and «more on this» lists, not article text."""
    removed, dropped = 0, set()
    for item in doc.xpath("//ul[.//a] | //ol[.//a]"):
        if _inside(item, dropped):
            continue
        words = len(" ".join(item.itertext()).split())
        linked = sum(len(" ".join(a.itertext()).split()) for a in item.xpath(".//a"))
        if words and (linked >= LINKED_SHARE * words or _labelled_links(item)) \
                and not _holds_content(item, protected):
            heading = item.getprevious()
            if heading is not None and heading.tag in LIST_HEADINGS and not (item.getparent().text or "").strip() \
                    and 0 < len(" ".join(heading.itertext()).split()) <= LINK_LABEL_WORDS:
                _drop(heading)  # the list's own label: «Related:», «Mehr zum Thema», «【関連記事】»
            result.removed_words += _running_words(item)
            _drop(item)
            dropped.add(item)
            removed += 1
    return removed


def _inside(node, dropped: set) -> bool:
    """Whether the element went with one dropped before it (a match inside a match): its words were
    counted with it, and reading it again made pruning cost its size times its depth."""
    return bool(dropped) and any(a in dropped for a in node.iterancestors())


def _labelled_links(list_element) -> bool:
    """Every item (two or more) is a link, with at most LINK_LABEL_WORDS words of label beside it."""
    items = list_element.xpath("./li")
    if len(items) < 2:
        return False
    for li in items:
        links = li.xpath(".//a[@href]")
        linked = sum(_tokens(a) for a in links)
        if not links or not linked or _tokens(li) - linked > LINK_LABEL_WORDS:
            return False
    return True


def _tokens(node) -> int:
    """Space-separated tokens with a letter or digit: the «|» between two links is not a word."""
    return sum(1 for t in " ".join(node.itertext()).split() if any(ch.isalnum() for ch in t))


def _texts_of_copy(page: Page, copied: list) -> dict:
    """page.element_texts for the elements of a copy of page.doc (`copied`: its iter()), so that a
    page's texts are made once whether learning reads them or not."""
    originals = list(page.doc.iter())
    if len(originals) != len(copied):  # (never: a deep copy has the same nodes in the same order)
        return {}
    texts = page.element_texts
    return {copy: texts[node] for node, copy in zip(originals, copied) if node in texts}


def _prune_furniture(doc, furniture: Furniture, protected, result: Body, texts: dict) -> int:
    """Drop the elements whose text is a learned line. `texts`: each element's text before any
    was dropped (_texts_of_copy), still true of an element when it is reached: the walk is top
    down, so only its ancestors and other subtrees have changed."""
    removed = 0
    body = doc.find("body")
    stack = list(body if body is not None else doc)
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str):
            continue
        line = as_line(texts[node]) if node in texts else element_text(node)
        if line in furniture and not _holds_content(node, protected) \
                and not _subheading(node, furniture):
            result.removed_words += _running_words(node)
            _drop(node)
            removed += 1
        else:
            stack.extend(node)
    return removed


def _subheading(node, furniture: Furniture) -> bool:
    """An element between two paragraphs of text is the article's own (see _between_paragraphs)."""
    around = (node.getprevious(), node.getnext())
    return all(sibling is not None and sibling.tag == "p" and element_text(sibling) not in furniture
               and word_count(element_text(sibling)) >= PARAGRAPH_WORDS for sibling in around)


_NOT_TEXT = {"script", "style", "noscript", "template", "a", "button", "select", "option", "svg"}


def _running_words(node) -> int:
    """Words a reader reads as text in an element: not in links, buttons or scripts.
    (A loop, not a recursion: pruning asks it of every element it removes.)"""
    if not isinstance(node.tag, str) or node.tag in _NOT_TEXT:
        return 0
    count = 0
    stack = [node]
    while stack:
        element = stack.pop()
        if element.text:
            count += len(element.text.split())
        for child in element:
            if child.tail:  # (a link's tail is text again; a comment's too)
                count += len(child.tail.split())
            if isinstance(child.tag, str) and child.tag not in _NOT_TEXT:
                stack.append(child)
    return count


def _drop(node) -> None:
    """Remove an element but keep the text that follows it (lxml stores it in .tail)."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail and tail.strip():
        previous = node.getprevious()
        if previous is not None:
            previous.tail = _settable((previous.tail or "") + tail)
        else:
            parent.text = _settable((parent.text or "") + tail)
    parent.remove(node)


# C0 controls but tab, newline and return: libxml2 keeps them in a page's text, lxml refuses them in
# text set from Python (ValueError). Text moved from one node to another goes without them: those
# str.split() takes for whitespace become a space, the others (a stray backspace in a word) nothing.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _settable(text: str) -> str:
    return _CONTROLS.sub(lambda m: " " if m.group().isspace() else "", text)
