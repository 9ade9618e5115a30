"""The encoding of a page that names none and is not UTF-8: the one in which its text reads as Russian.

Read as UTF-8 by default, a windows-1251 page without a charset became U+FFFD throughout. Each
candidate decodes the page's text, and a model of Russian text scores the characters beyond ASCII:
their mean log-probability under Russian letter frequencies (capitals rarer, «» — № allowed, anything
else all but impossible). The best wins when its text is Russian enough; else there is no answer, and
the page is refused. Measured on the Russian pages among the real test pages (7) and the sample site's
(50), each re-encoded in every candidate, whole and cut to 3,000 and 600 characters beyond ASCII: the
right encoding wins all 870 times, scoring -3.14 to -3.53 (mac-cyrillic and windows-1251, which differ
only in capitals, я and punctuation, are the closest pair). Greek, Kazakh (kz1048) and Chinese pages
read as Cyrillic score -4.21 or less; German and Polish ones have too few Cyrillic letters.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import lxml.etree

from .rejections import Rejection

# Most likely first (the site's 2015 pages are windows-1251): a tie goes to the first. UTF-8 is one
# too, for a UTF-8 page with a damaged byte, whose U+FFFD the model finds all but impossible.
CANDIDATES = ("windows-1251", "utf-8", "koi8-r", "iso-8859-5", "ibm866", "mac-cyrillic")
# Letter frequencies of Russian text, per cent (Russian National Corpus).
RUSSIAN_LETTERS = dict(zip("оеаинтсрвлкмдпуяызьбгчйхжюшцщэфъё", (
    10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81, 2.62, 2.01, 1.90,
    1.74, 1.70, 1.65, 1.59, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64, 0.48, 0.36, 0.32, 0.26, 0.04, 0.04)))
TYPOGRAPHY = "«»—–−…№“”„‘’\xa0©°·"
# Shares of the characters beyond ASCII in Russian pages' text (0.92-0.97 lowercase letters,
# 0.02-0.08 capitals, the rest mostly typography), and what anything else gets.
LOWERCASE, CAPITALS, TYPOGRAPHY_SHARE, ANYTHING_ELSE = 0.94, 0.05, 0.01, 1e-4
# The text reads as Russian at this mean log-probability per character or above, and when at
# least half of its letters (Latin ones included) are Cyrillic: a German page read as windows-1251
# turns its few umlauts into Cyrillic letters of fair probability.
MIN_LOG_PROBABILITY = -3.8
MIN_CYRILLIC_SHARE = 0.5

# The page's first 256 KiB are read (600 characters beyond ASCII were enough in every case measured).
SAMPLE = 256 * 1024
UNKNOWN = Rejection.ENCODING_UNKNOWN.because("none declared, not UTF-8, and no Cyrillic encoding reads as Russian")

_TOTAL = sum(RUSSIAN_LETTERS.values())
_LOG_PROBABILITY = {
    **{letter: math.log(LOWERCASE * share / _TOTAL) for letter, share in RUSSIAN_LETTERS.items()},
    **{letter.upper(): math.log(CAPITALS * share / _TOTAL) for letter, share in RUSSIAN_LETTERS.items()},
    **{mark: math.log(TYPOGRAPHY_SHARE / len(TYPOGRAPHY)) for mark in TYPOGRAPHY},
}
_ELSE = math.log(ANYTHING_ELSE)
_TEXT = lxml.etree.XPath("//text()[not(parent::script or parent::style)]", smart_strings=False)
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def guess(body: bytes) -> str | None:
    """The candidate encoding in which the page's text reads best as Russian, or None when none does."""
    text = _text_bytes(body[:SAMPLE])
    best = None
    for encoding in CANDIDATES:
        try:
            if encoding != "utf-8":  # (UTF-8 is read with its damaged bytes replaced)
                body.decode(encoding)
        except UnicodeDecodeError:  # (windows-1251 leaves 0x98 undefined)
            continue
        score = _russian(Counter(text.decode(encoding, "replace")))
        if score is not None and (best is None or score > best[0]):
            best = (score, encoding)
    return best[1] if best and best[0] >= MIN_LOG_PROBABILITY else None


def _russian(characters: Counter) -> float | None:
    """Mean log-probability of the characters beyond ASCII under the model; None when the text
    has none, or when fewer than half of its letters are Cyrillic."""
    beyond = {c: n for c, n in characters.items() if ord(c) > 127}
    letters = sum(n for c, n in characters.items() if c.isalpha())
    cyrillic = sum(n for c, n in beyond.items() if _CYRILLIC.match(c))
    if not beyond or cyrillic < MIN_CYRILLIC_SHARE * letters:
        return None
    return sum(_LOG_PROBABILITY.get(c, _ELSE) * n for c, n in beyond.items()) / sum(beyond.values())


def _text_bytes(body: bytes) -> bytes:
    """The page's text outside scripts and styles, as bytes: parsed as latin-1 (a character per
    byte) with every & escaped, so that no entity (&nbsp;, &mdash;) adds a character of its own
    (nor does the parser: its U+FFFD for a NUL is left out)."""
    from .page import parse_whole  # (page.py imports this module)

    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", body.replace(b"&", b"&amp;").decode("latin-1"))
    return "".join(_TEXT(parse_whole(html)[0])).encode("latin-1", "ignore")
