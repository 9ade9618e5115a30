"""A fetched page parsed once: decoded text, lxml tree, meta tags, JSON-LD. Every field reads from here."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cached_property
from urllib.parse import urljoin

import lxml.etree
import lxml.html
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

from ..text import clean_line
from . import bounds, charset
from .furniture import body_texts, page_lines
from .rejections import Rejected, Rejection

# Control characters a reader never sees (a CMS's stray \x08 or U+FFFE in a paragraph), raw or as
# a character reference (&#8;, which lxml turns into the character): trafilatura returned no text at
# all for a page holding one, so the article was lost.
_INVISIBLE_CHARACTERS = [chr(code) for code in (*range(0x01, 0x09), *range(0x0e, 0x20), 0xfffe, 0xffff)]
_INVISIBLE = re.compile(f"[{''.join(_INVISIBLE_CHARACTERS)}]")
_INVISIBLE_REFERENCE = re.compile(r"&#(?:0*(?:[1-8]|1[4-9]|2[0-9]|3[01]|6553[45])(?![0-9])"
                                  r"|[xX]0*(?:[1-8]|[eEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F]));?")


def visible(html: str) -> str:
    """The page without those characters. Looked for one by one first (0.18 ms for an 88 KB page):
    the character class alone scans at 8 ns a character (0.69 ms), and they are rare."""
    html = _INVISIBLE_REFERENCE.sub("", html)  # (a pattern that starts with «&#» is found fast)
    return _INVISIBLE.sub("", html) if any(character in html for character in _INVISIBLE_CHARACTERS) else html


SITE_SUFFIX = re.compile(r"\s*[-–—|]\s*(Караван|Керуен|Caravan\.kz|caravan\.kz)\s*$")


def strip_site_suffix(title: str | None) -> str | None:
    return SITE_SUFFIX.sub("", title).strip() if title else None


# Every element an lxml.html HtmlElement, chosen in C. lxml.html's own parser calls a Python
# lookup each time an element gets its Python object (to give form fields classes of their own,
# which nothing here uses): ~800 calls per 82 KB page as we and trafilatura read it.
_HTML_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity)


def parse_whole(html: str, **options) -> tuple[lxml.html.HtmlElement, Rejected | None]:
    """An lxml tree of the whole page, and why it is not whole (None when it is).

    huge_tree: without it lxml silently stops at depth 256 or at a 10 MB text node (an inline
    script) and drops the text after it. Deeper than libxml2's 2048 levels is reported.
    """
    parser = lxml.etree.HTMLParser(huge_tree=True, **options)
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        doc = lxml.html.document_fromstring(html, parser=parser)
    except lxml.etree.ParserError:  # "Document is empty": nothing, whitespace, a doctype, comments...
        # ...a 200 answer the crawl stores and learning reads again: an empty page, not an error
        doc = lxml.html.document_fromstring("<html></html>", parser=parser)
    refused = next((Rejection.NOT_WHOLE.because(e.message.strip()) for e in parser.error_log
                    if e.level_name == "FATAL" or e.type_name == "ERR_RESOURCE_LIMIT"), None)
    return doc, refused


def _decode(content_type: str | None, body: bytes) -> tuple[str | None, str]:
    """(encoding, text); (None, "") when the page names no encoding, is not UTF-8 and reads as
    Russian in no Cyrillic one (charset.py): w3lib would have read it as UTF-8, all U+FFFD."""
    if not re.search(r"charset=", content_type or "", re.I) and not body.startswith(
            (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            if html_body_declared_encoding(body) is None:
                encoding = charset.guess(body)
                return (encoding, body.decode(encoding, "replace")) if encoding else (None, "")
        else:
            if not body.isascii():
                return "utf-8", text
    return html_to_unicode(content_type, body)


class Page:
    def __init__(self, html: str | bytes, url: str, fetched_at: datetime | None = None,
                 content_type: str | None = None):
        self.url = url
        self.fetched_at = fetched_at
        # A page beyond what one parse may cost (bounds.py) is refused unread, as an empty page.
        self.refused = bounds.too_large(html)
        if isinstance(html, bytes) and not self.refused:
            # Charset from the Content-Type header, then BOM, then <meta> (windows-1251 pages
            # of the 2015 site declare it only in a <meta http-equiv> tag) -- except that bytes
            # which are valid UTF-8 beat a <meta> charset: that is a stale template, and legacy
            # Cyrillic text is practically never valid UTF-8 by accident. A page that names no
            # charset and is not UTF-8 is read in the Cyrillic encoding its text reads as Russian in.
            encoding, html = _decode(content_type, html)
            self.refused = None if encoding else charset.UNKNOWN
        self.html = "" if self.refused else visible(re.sub(r"^\s*<\?xml[^>]*\?>", "", html))
        self.content_type = content_type
        # huge_tree: without it lxml silently stops at depth 256 or a 10 MB text node (an inline
        # script), and the text after it is lost. Deeper than libxml2's 2048 levels is refused.
        self.doc, not_whole = parse_whole(self.html)
        self.refused = self.refused or not_whole
        too_long = None if self.refused else bounds.too_much_text(self.doc)
        if too_long:
            self.refused, self.html, self.doc = too_long, "", parse_whole("")[0]

    # --- DOM helpers -------------------------------------------------------------------
    def xpath(self, expr: str) -> list:
        return self.doc.xpath(expr)

    def text_of(self, *exprs: str) -> str | None:
        """Visible text of the first element any of the XPaths finds."""
        for expr in exprs:
            for node in self.doc.xpath(expr):
                text = clean_line(node if isinstance(node, str) else node.text_content())
                if text:
                    return text
        return None

    def texts_of(self, *exprs: str) -> list[str]:
        out: list[str] = []
        for expr in exprs:
            for node in self.doc.xpath(expr):
                text = clean_line(node if isinstance(node, str) else node.text_content())
                if text and text not in out:
                    out.append(text)
            if out:
                break
        return out

    def absolute(self, link: str | None, base: str | None = None) -> str | None:
        return urljoin(base or self.url, link.strip()) if link else None

    # --- metadata ------------------------------------------------------------------------
    @cached_property
    def meta(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for node in self.doc.xpath("//meta[@content]"):
            key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
            if key:
                found.setdefault(key, []).append(node.get("content").strip())
        return found

    def meta_first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, []):
                if value:
                    return value
        return None

    @cached_property
    def jsonld(self) -> list[dict]:
        """Objects from JSON-LD scripts, @graph flattened; broken JSON is skipped."""
        objects: list[dict] = []
        for script in self.doc.xpath("//script[@type='application/ld+json']/text()"):
            try:
                data = json.loads(script)
            except ValueError:
                continue
            stack = data if isinstance(data, list) else [data]
            while stack:
                item = stack.pop(0)
                if isinstance(item, dict):
                    objects.append(item)
                    stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
        return objects

    @cached_property
    def jsonld_article(self) -> dict:
        for obj in self.jsonld:
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(k in ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting") for k in kinds):
                return obj
        return {}

    @cached_property
    def canonical(self) -> str | None:
        href = self.doc.xpath("string(//link[@rel='canonical']/@href)")
        return self.absolute(href) if href else None

    @cached_property
    def title_tag(self) -> str | None:
        return clean_line(self.doc.findtext(".//title") or "") or None

    @cached_property
    def classed(self) -> list[tuple]:
        """Every element of the body with a class, and its class tokens: what signals.by_class
        reads for each field it looks for (read once, not once a field)."""
        return [(node, node.get("class").split()) for node in self.doc.xpath("//body/descendant::*[@class]")]

    @cached_property
    def element_texts(self) -> dict:
        """Every element of the body -> its text (furniture.body_texts), made in one walk and read
        twice: by furniture pruning (on its copy of the tree) and by learning (`lines`)."""
        return body_texts(self.doc)

    @cached_property
    def lines(self) -> set[str]:
        """The page's lines that furniture learning counts (furniture.page_lines)."""
        return page_lines(self.doc, self.element_texts)

    @cached_property
    def body_classes(self) -> set[str]:
        return set(self.doc.xpath("string(//body/@class)").split())
