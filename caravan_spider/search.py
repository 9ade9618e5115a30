"""Search that knows Russian word forms, and snippets that show why an article matched.

Russian is inflected: «миротворец», «миротворца», «миротворцем» are one word to a reader.
Snowball stems do not join them («миротворец» → миротворец, «миротворца» → миротворц), so the
index `articles_fts` holds the pymorphy3 lemmas (dictionary forms) of each article's title,
lead and body, and a query is turned into the lemmas of its words. Words the dictionary does
not know (names, Latin) are kept as they are.

Kazakh text is never put through the Russian dictionary (which would guess Russian lemmas for
Kazakh words): articles of the Kazakh edition, and any word with a letter only Kazakh has
(ә ғ қ ң ө ұ ү һ і), are indexed as written, and a query always matches the word as typed too.

The index is an external-content FTS5 table on `articles` (so Datasette and `sqlite-utils
search` find it), but what it indexes is the lemma text, never read back: snippets are made
here, from the readable text, by lemmatising it again.

Query syntax, as in FTS5: words (all required), `OR`, `NOT`, "a phrase", and prefix* queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .text import words

# A query token: a quoted phrase, an operator or a word, with an optional prefix star.
_TOKEN = re.compile(r'"([^"]*)"|([^\W_]+(?:[-‑\'’][^\W_]+)*)(\*?)')
_WORD = re.compile(r"[^\W_]+(?:[-‑'’][^\W_]+)*")
OPERATORS = ("OR", "AND", "NOT")
# What one query or one snippet may cost, whatever it is given: each word a query has or a snippet
# reads is lemmatised, and the reading room makes both for whoever asks.
QUERY_MAX_CHARS = 1_000  # a longer query is refused
SCAN_CHARS = 10_000  # characters of a text that a snippet or a highlight reads (most articles whole)


@lru_cache(maxsize=1)
def _analyzer():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е")


KAZAKH_LETTERS = re.compile("[әғқңөұүһі]")


def _russian(word: str) -> bool:
    return bool(re.search("[а-я]", word)) and not KAZAKH_LETTERS.search(word)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    word = _fold(word)
    if not _russian(word):
        return word
    return _fold(_analyzer().parse(word)[0].normal_form)


@lru_cache(maxsize=50_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form a word may come from («стали» → стать, сталь)."""
    word = _fold(word)
    if not _russian(word):
        return (word,)
    # The word itself too: a Kazakh article holds its words as written.
    return tuple(dict.fromkeys([word, *(_fold(p.normal_form) for p in _analyzer().parse(word))]))


def lemmas_of(text: str | None, edition: str) -> str:
    """The text as a sequence of lemmas: what the index holds for each column; Kazakh text
    (edition kk) as its words, folded."""
    if edition == "kk":
        return " ".join(_fold(w) for w in words(text))
    return " ".join(lemma(w) for w in words(text))


@dataclass
class Query:
    """A parsed query: the FTS5 expression over lemmas, and what a snippet highlights."""

    fts: str
    forms: set[str] = field(default_factory=set)  # lemmas whose words are highlighted
    prefixes: list[str] = field(default_factory=list)

    def matches(self, word: str) -> bool:
        base = lemma(word)
        if base in self.forms:
            return True
        if not self.prefixes:  # asked for every word of a page of snippets
            return False
        folded = _fold(word)
        return any(base.startswith(p) or folded.startswith(p) for p in self.prefixes)


def check_query(query: str | None) -> None:
    """Raise ValueError (the message says why, in one line) for a query longer than a search takes."""
    if len(query or "") > QUERY_MAX_CHARS:
        raise ValueError(f"the query is {len(query):,} characters long; a search takes at most {QUERY_MAX_CHARS:,}")


@lru_cache(maxsize=1024)
def parse(query: str) -> Query:
    check_query(query)
    parsed = Query("")
    parts: list[str] = []
    negate = False
    for match in _TOKEN.finditer(query or ""):
        phrase, word, star = match.groups()
        if word in OPERATORS and not star:
            if parts and parts[-1] not in OPERATORS:
                parts.append(word)
            negate = word == "NOT"
            continue
        if phrase is not None:
            forms = [lemma(w) for w in words(phrase)]
            if not forms:
                continue
            term = '"' + " ".join(forms) + '"'
            if not negate:
                parsed.forms.update(forms)
        elif star:
            prefix = _fold(word)
            term = f'"{prefix}"*'
            if not negate:
                parsed.prefixes.append(prefix)
        else:
            forms = list(lemmas(word))
            term = "(" + " OR ".join(f'"{f}"' for f in forms) + ")"
            if not negate:
                parsed.forms.update(forms)
        if parts and parts[-1] not in OPERATORS:
            parts.append("AND")
        parts.append(term)
        negate = False
    while parts and parts[-1] in OPERATORS:
        parts.pop()
    parsed.fts = " ".join(parts) if parts else '""'
    return parsed


def fts_query(query: str) -> str:
    """The FTS5 expression for a reader's query: every form of every word, no column filter
    (so Datasette's `_search_title=` column search restricts it to one column)."""
    return parse(query).fts


Segment = tuple[str, bool]  # a piece of text, and whether it is a matched word


def _head(text: str) -> tuple[str, bool]:
    """The first SCAN_CHARS characters of a text, without the word the bound cuts, and whether
    the text goes on."""
    if len(text) <= SCAN_CHARS:
        return text, False
    head = text[:SCAN_CHARS]
    if not text[SCAN_CHARS].isspace():
        words = head.rsplit(None, 1)
        head = words[0] if len(words) == 2 else head
    return head, True


def _densest(hits: list[int], size: int) -> int:
    """The first of the matched words (positions, ascending) that begins the run of `size` words
    holding the most matches: one pass, the run's end only moving forward."""
    best, most, end = hits[0], 0, 0
    for i, start in enumerate(hits):
        while end < len(hits) and hits[end] < start + size:
            end += 1
        if end - i > most:
            best, most = start, end - i
    return best


def snippet(query: str, *texts: str | None, size: int = 24) -> list[Segment]:
    """About `size` words of the first text in which the query's words occur, around the
    densest run of matches, as (text, matched) segments; the start of the text when none match.
    Only the first SCAN_CHARS characters of each text are read: a text of any length costs the same."""
    parsed = parse(query)
    heads = [(" ".join(head.split()), more) for head, more in (_head(t) for t in texts if t)]
    heads = [(head, more) for head, more in heads if head]
    if not heads:
        return []
    for text, more in heads:
        spans = [(m.start(), m.end(), parsed.matches(m.group())) for m in _WORD.finditer(text)]
        hits = [i for i, span in enumerate(spans) if span[2]]
        if hits:
            break
    else:
        text, more = heads[0]
        spans = [(m.start(), m.end(), False) for m in _WORD.finditer(text)]
    if not spans:
        return [(text, False), *([("…", False)] if more else [])]
    first = max(0, min(_densest(hits, size) - size // 4, len(spans) - size)) if hits else 0
    last = min(len(spans), first + size)
    segments: list[Segment] = [("…", False)] if first > 0 else []
    cursor = spans[first][0]
    for start, end, matched in spans[first:last]:
        if matched:
            segments.append((text[cursor:start], False))
            segments.append((text[start:end], True))
            cursor = end
    tail = spans[last - 1][1] if last < len(spans) else len(text)
    segments.append((text[cursor:tail], False))
    if last < len(spans) or more:
        segments.append(("…", False))
    return [s for s in segments if s[0]]


def highlight(query: str, text: str | None) -> list[Segment]:
    """All of `text` as segments, every word the query matches in its first SCAN_CHARS characters marked."""
    parsed = parse(query)
    text = text or ""
    segments: list[Segment] = []
    cursor = 0
    for m in _WORD.finditer(_head(text)[0]):
        if parsed.matches(m.group()):
            segments += [(text[cursor:m.start()], False), (m.group(), True)]
            cursor = m.end()
    segments.append((text[cursor:], False))
    return [s for s in segments if s[0]]


def plain(segments: list[Segment], before: str = "", after: str = "") -> str:
    """Segments as one string, matched words between `before` and `after`."""
    return "".join(f"{before}{text}{after}" if matched else text for text, matched in segments)
