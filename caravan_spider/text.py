"""Small text helpers shared by the parser, the archive and the sample site."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+(?:[-‑'’][^\W_]+)*")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")


def words(text: str | None) -> list[str]:
    return _WORD.findall(text or "")


def word_count(text: str | None) -> int:
    """Words as a reader counts them: «Кот‑д’Ивуар» and «Астана-1» are one word each."""
    return len(words(text))


def clean_line(text: str) -> str:
    """One line of visible text: NFC, no-break spaces folded, ends trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def paragraphs(text: str) -> list[str]:
    """Blocks of a body as stored: separated by blank lines."""
    return [p for p in (clean_line(p) for p in re.split(r"\n\s*\n", text or "")) if p]


_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        "a b v g d e e zh z i y k l m n o p r s t u f h c ch sh sch - y - e yu ya a g k n o u u h i".split(),
    )
)


def slugify(title: str, max_words: int = 9) -> str:
    """WordPress-style transliterated slug, as the site's URLs have them."""
    out = []
    for ch in title.lower():
        if ch in _TRANSLIT:
            out.append("" if _TRANSLIT[ch] == "-" else _TRANSLIT[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
        else:
            out.append(" ")
    return "-".join("".join(out).split()[:max_words])
