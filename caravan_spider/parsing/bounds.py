"""What one page may cost a parse: a page beyond these bounds is refused with the reason, unread.

A 13 MB page of 1.1 million tiny <p> took a parse worker 3 GB and 2 minutes (trafilatura's cost grows
faster than the number of elements), and 16 MiB of plain text 10 s and 400 MiB. The bounds are far
above real pages: of 1,601 (the test pages of Fundus, article-extraction-benchmark, trafilatura and
readability), the largest has 2.2 MB, 10,138 tags and 494,000 characters of text; the longest article
text, 130,000 characters (17,500 words). A page just within them costs a worker about 3 s and 200 MiB
at most (30,000 tiny paragraphs in the text's container).
"""

from __future__ import annotations

import re
from itertools import islice

import lxml.etree

from .rejections import Rejected, Rejection

# Bytes (characters, of a page given as text) beyond which a page is not read; DOWNLOAD_MAXSIZE, the
# crawl's own bound, is the same, and `extract` reads no more of a file or of its standard input.
MAX_BYTES = 16 * 1024 * 1024
# Start tags, comments, doctypes and processing instructions: each makes at most one node of the tree
# (libxml2 adds only <html>, <head> and <body>), so the tree is bounded before it is built.
MAX_TAGS = 30_000
# Characters of text outside scripts and styles (a 10 MB inline script is cheap: it is not read).
MAX_TEXT = 1_000_000

_MARKUP = re.compile(r"<[A-Za-z!?]")  # a start tag, a comment, a doctype or a processing instruction
_MARKUP_BYTES = re.compile(rb"<[A-Za-z!?]")
_NOT_TEXT = lxml.etree.XPath("//script/text() | //style/text()", smart_strings=False)


def too_large(html: str | bytes) -> Rejected | None:
    """Why a page is refused before it is decoded and parsed, or None."""
    if len(html) > MAX_BYTES:
        return Rejection.TOO_LARGE.because(f"more than {MAX_BYTES // 1024 // 1024} MiB")
    if html.count("<" if isinstance(html, str) else b"<") <= MAX_TAGS:  # (fast: most pages stop here)
        return None
    markup = (_MARKUP if isinstance(html, str) else _MARKUP_BYTES).finditer(html)
    if sum(1 for _ in islice(markup, MAX_TAGS + 1)) > MAX_TAGS:
        return Rejection.TOO_MANY_TAGS.because(f"more than {MAX_TAGS:,} tags")
    return None


def too_much_text(doc) -> Rejected | None:
    """Why a parsed page is refused for the length of its text, or None."""
    if doc.xpath("string-length(/)") - sum(map(len, _NOT_TEXT(doc))) > MAX_TEXT:
        return Rejection.TEXT_TOO_LONG.because(f"more than {MAX_TEXT:,} characters")
    return None
