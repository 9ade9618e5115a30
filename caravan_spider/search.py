"""Search that knows Russian word forms.

Russian is inflected: «миротворец», «миротворца», «миротворцем» are one word to a reader.
Snowball stems do not join them («миротворец» → миротворец, «миротворца» → миротворц), so
each article's text is indexed with its pymorphy3 lemmas (dictionary forms) in the `lemmas`
column of `articles_fts`, and a query is turned into the lemmas of its words. Words the
dictionary does not know (names, Latin) are kept as they are.

Kazakh text is never put through the Russian dictionary (which would guess Russian lemmas for
Kazakh words): articles of the Kazakh edition, and any word with a letter only Kazakh has
(ә ғ қ ң ө ұ ү һ і), are indexed as written, and a query always matches the word as typed too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import words


@lru_cache(maxsize=1)
def _analyzer():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


KAZAKH_LETTERS = re.compile("[әғқңөұүһі]")


def _russian(word: str) -> bool:
    return bool(re.search("[а-я]", word)) and not KAZAKH_LETTERS.search(word)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if not _russian(word):
        return word
    return _analyzer().parse(word)[0].normal_form.replace("ё", "е")


@lru_cache(maxsize=50_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form a word may come from («стали» → стать, сталь)."""
    word = word.lower().replace("ё", "е")
    if not _russian(word):
        return (word,)
    forms = dict.fromkeys([word, *(p.normal_form.replace("ё", "е") for p in _analyzer().parse(word))])
    return tuple(forms)


def lemmas_of(text: str | None, edition: str = "ru") -> str:
    """The text as a sequence of lemmas, for the `lemmas` column of the index; Kazakh text
    (edition kk) as its words, lower-cased."""
    if edition == "kk":
        return " ".join(w.lower().replace("ё", "е") for w in words(text))
    return " ".join(lemma(w) for w in words(text))


def fts_query(query: str) -> str:
    """An FTS5 query matching every form of every word of `query` (all words required)."""
    terms = []
    for word in words(query):
        options = " OR ".join(f'lemmas:"{form}"' for form in lemmas(word))
        terms.append(f"({options})")
    return " AND ".join(terms) if terms else '""'
