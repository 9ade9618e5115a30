"""Furniture a site repeats on many pages (ticker, weather line, «В тренде» headlines, menus).

Learned from the archive's own captures by `caravan_spider.boilerplate` and handed to the parser
as data: the parser stays a pure function of (page, URL, fetch time, furniture).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..text import clean_line

MAX_LINE = 300  # longer blocks are text, not furniture


@dataclass(frozen=True)
class Furniture:
    """Lines (the visible text of whole elements) that are never article text on this edition."""

    lines: frozenset[str] = frozenset()
    rule: str = "learned furniture"  # how --explain names it: where and how it was learned

    def __bool__(self) -> bool:
        return bool(self.lines)

    def __contains__(self, line: str) -> bool:
        return line in self.lines


def element_text(node) -> str:
    """An element's visible text as one line (child texts joined by spaces)."""
    return clean_line(" ".join(" ".join(node.itertext()).split()))


def page_lines(doc) -> set[str]:
    """Every distinct element text of a page's body: what learning counts across pages."""
    found = set()
    for node in doc.xpath("//body//*[not(self::script or self::style or self::noscript)]"):
        value = element_text(node)
        if 2 <= len(value) <= MAX_LINE:
            found.add(value)
    return found
