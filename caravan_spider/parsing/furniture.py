"""Furniture a site repeats on many pages (ticker, weather line, «В тренде» headlines, menus).

Learned from the archive's own captures by `caravan_spider.boilerplate` and handed to the parser
as data: the parser stays a pure function of (page, URL, fetch time, furniture).
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from ..text import clean_line

MAX_LINE = 300  # longer blocks are text, not furniture
# What a line is (page_lines). The archive keeps each capture's lines as hashes made with this
# version, so that learning need not parse the window's pages every run: change page_lines (or what
# it reads) and bump this, and stored hashes of other versions are made again from the captures.
LINES_VERSION = 5
# ...and made by these libraries: an upgrade of lxml or libxml2 (which split a page into elements)
# or of Python's Unicode tables (NFC) makes them again too. What the archive stores as `version`.
LINES_MADE_BY = zlib.crc32(f"lines {LINES_VERSION}, lxml {etree.LXML_VERSION}, libxml2 {etree.LIBXML_VERSION}, "
                           f"unicode {unicodedata.unidata_version}".encode())


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


def spaced_texts(root, longest: int | None = None) -> dict:
    """Every element under `root` (itself included) -> the text element_text() cleans: all text of
    its subtree, whitespace runs as one space; None for those longer than `longest` characters.
    Made in one walk, each element's from its children's, where element_text() on every element
    reads each subtree again for every ancestor (most of learning's CPU on deep menus). The walk
    is the one lxml's itertext() makes: the text of elements, the tails of everything but `root`."""
    texts: dict = {}
    stack: list[list] = [[]]  # the parts of each open element's text: raw strings, children's texts
    for event, node in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event == "start":
            text = node.text
            stack.append([text] if text else [])
            continue
        if event == "end":
            parts = stack.pop()
            text = None if None in parts else " ".join(" ".join(parts).split())
            if text is not None and longest is not None and len(text) > longest:
                text = None
            texts[node] = text
            stack[-1].append(text)
        tail = node.tail  # (a comment's or processing instruction's text is not text, its tail is)
        if tail:
            stack[-1].append(tail)
    return texts


# NFC composes at most 4 code points into one (the longest canonical decomposition, e.g. U+1FAF),
# and clean_line() changes nothing else in a text whose whitespace runs are single spaces: a text
# longer than this is longer than MAX_LINE once cleaned, and is not built.
LONGEST_UNCLEANED = 4 * MAX_LINE


def body_texts(doc) -> dict:
    """Every element of the page's body (the body itself included) -> its spaced text, None when
    longer than any line can be: what page_lines() counts and learned furniture is matched against.
    The head (styles, scripts) holds no line, so it is not walked."""
    texts: dict = {}
    for body in doc.xpath("//body"):
        texts.update(spaced_texts(body, LONGEST_UNCLEANED))
    return texts


def as_line(text: str | None) -> str | None:
    """element_text() of an element from its spaced text (None stays None: longer than any line)."""
    if text is None:
        return None
    # (clean_line() of a text with single spaces changes it only by NFC)
    return text if unicodedata.is_normalized("NFC", text) else clean_line(text)


_NOT_LINES = ("script", "style", "noscript")


def page_lines(doc, texts: dict | None = None) -> set[str]:
    """Every distinct element text of a page's body: what learning counts across pages.
    `texts`: body_texts(doc) when the caller has it already (Page.element_texts)."""
    found = set()
    for node, text in (body_texts(doc) if texts is None else texts).items():
        if text is None or node.tag in _NOT_LINES or node.tag == "body":
            continue
        value = as_line(text)
        if 2 <= len(value) <= MAX_LINE:
            found.add(value)
    return found


def line_hash(line: str) -> int:
    """A line as learning counts it: 64 bits of BLAKE2b (two of a million lines alike: ~3e-8)."""
    return int.from_bytes(hashlib.blake2b(line.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def line_hashes(lines: Iterable[str]) -> bytes:
    """A page's lines as stored beside its capture: their hashes, sorted, 8 bytes each, little-endian."""
    hashes = array("Q", sorted(line_hash(line) for line in lines))
    if sys.byteorder == "big":
        hashes.byteswap()
    return hashes.tobytes()


def hashes_of(stored: bytes) -> array:
    """line_hashes() read back."""
    hashes = array("Q", stored)
    if sys.byteorder == "big":
        hashes.byteswap()
    return hashes
