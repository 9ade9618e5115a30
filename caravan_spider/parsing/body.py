"""The article text: prune the layout's boilerplate, let trafilatura extract, drop boilerplate lines."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import lxml.html
import trafilatura

from ..text import clean_line
from .dates import is_date_line
from .layouts.base import Layout
from .page import Page
from .phrases import CREDIT_PREFIX, FURNITURE_LINES

# Lines that are furniture even when they sit in ordinary <p> inside the content (phrases.py).
BOILERPLATE_LINES = tuple((pattern, why) for pattern, why, _ in FURNITURE_LINES)
MIN_WORDS = 15  # less than this is not an article text (a stub, a gallery, an error page)


@dataclass
class Body:
    text: str
    pruned: list[tuple[str, int]] = field(default_factory=list)  # (rule, how many removed)
    credits: list[str] = field(default_factory=list)  # «Фото: …» lines found in the text
    container: str | None = None  # the XPath whose element held the text, if any


def extract_body(page: Page, layout: Layout, lead: str | None, title: str | None) -> Body:
    result = Body(text="")
    doc = copy.deepcopy(page.doc)
    for rule in layout.PRUNE:
        nodes = doc.xpath(rule)
        for node in nodes:
            _drop(node)
        if nodes:
            result.pruned.append((rule, len(nodes)))
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
    else:
        html = lxml.html.tostring(doc, encoding="unicode")
    text = trafilatura.extract(
        html, url=page.url, favor_recall=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False, with_metadata=False,
    ) or ""
    lines: list[str] = []
    dropped: dict[str, int] = {}
    for raw in text.split("\n"):
        line = clean_line(raw)
        if not line:
            continue
        reason = next((why for pattern, why in BOILERPLATE_LINES if pattern.search(line)), None)
        if reason is None and is_date_line(line):
            reason = "date / views line"
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
            if reason == "photo credit":
                result.credits.append(CREDIT_PREFIX.sub("", line).strip())
            continue
        if line in (title, lead) or line in lines and len(line) < 80:
            continue  # the headline or lead repeated in the text; a repeated short label
        lines.append(line)
    if lead and lines and lead.startswith(lines[0]) and len(lines[0]) > 40:
        lines.pop(0)  # the lead printed again as the first paragraph, possibly shortened
    result.pruned.extend((f"text line: {why}", n) for why, n in dropped.items())
    result.text = "\n\n".join(lines)
    return result


def _drop(node) -> None:
    """Remove an element but keep the text that follows it (lxml stores it in .tail)."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail and tail.strip():
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)
