"""What changed between two revisions of an article, for a reader: field by field, the body word by word.

Pure functions over revision rows (dicts as stored); the Datasette plugin renders the result. Every
piece of text is escaped here, so no page content can become markup.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

from .record import JSON_FIELDS, REVISION_FIELDS

_TOKENS = re.compile(r"\s+|[^\s]+")
# Pairs of equal words (old, new) a diff may compare, as difflib's longest-match search visits them:
# about a second at worst. A passage beyond it is compared paragraph by paragraph, and one still
# beyond it is shown deleted and inserted whole (every word is still shown).
PAIRS = 4_000_000

# Fields of several paragraphs: shown by paragraph, only those that changed and one around each.
PARAGRAPH_FIELDS = ("body",)

Opcode = tuple[str, int, int, int, int]  # as SequenceMatcher.get_opcodes() gives them


def _words(text: str | None) -> tuple[list[str], list[str]]:
    """The words of a text and the whitespace before each."""
    words, gaps, gap = [], [], ""
    for token in _TOKENS.findall(text or ""):
        if token.isspace():
            gap = token
        else:
            words.append(token)
            gaps.append(gap)
            gap = ""
    return words, gaps


def word_diff(old: str | None, new: str | None) -> Markup:
    """The new text with deleted words in <del> and inserted words in <ins>; paragraph breaks
    of the new text kept as <br>. Whitespace changes alone are not marked."""
    old_words, old_gaps = _words(old)
    new_words, gaps = _words(new)  # gaps[j]: the whitespace before new word j
    out: list[str] = []
    for op, a0, a1, b0, b1 in _opcodes(old_words, new_words, old_gaps, gaps):
        if op in ("delete", "replace"):
            out.append((" " if out else "") + f"<del>{escape(' '.join(old_words[a0:a1]))}</del>")
        if op != "delete":
            inner = "".join((_space(gaps[j]) if j > b0 else "") + str(escape(new_words[j])) for j in range(b0, b1))
            out.append(_space(gaps[b0]) if out else "")
            out.append(inner if op == "equal" else f"<ins>{inner}</ins>")
    return Markup("".join(out))


def paragraph_diff(old: str | None, new: str | None, context: int = 1) -> Markup:
    """The new text's paragraphs (<p>) with deleted words in <del> and inserted words in <ins>:
    only those that changed and `context` on either side; a longer run of unchanged paragraphs
    is one line that counts them. Compared as word_diff compares (the same bounded cost)."""
    old_words, old_gaps = _words(old)
    new_words, gaps = _words(new)
    starts = set(_starts(gaps))
    paras: list[list[str]] = [[]]
    changed = [False]

    def add(piece: str, change: bool, opens: bool = False) -> None:
        if opens and paras[-1]:
            paras.append([])
            changed.append(False)
        paras[-1].append((" " if paras[-1] else "") + piece)
        changed[-1] = changed[-1] or change

    for op, a0, a1, b0, b1 in _opcodes(old_words, new_words, old_gaps, gaps):
        if op in ("delete", "replace"):
            # Deleted words join the paragraph their replacement is in, else the one they followed.
            add(f"<del>{escape(' '.join(old_words[a0:a1]))}</del>", True, opens=op == "replace" and b0 in starts)
        j = b0
        while j < b1:  # the new words, cut where paragraphs begin
            k = next((i for i in range(j + 1, b1) if i in starts), b1)
            inner = "".join((_space(gaps[i]) if i > j else "") + str(escape(new_words[i])) for i in range(j, k))
            if paras[-1] and j not in starts and _space(gaps[j]) != " ":
                paras[-1].append(_space(gaps[j]))  # a line break within the paragraph
                inner = inner if op == "equal" else f"<ins>{inner}</ins>"
                paras[-1][-1] += inner
                changed[-1] = changed[-1] or op != "equal"
            else:
                add(inner if op == "equal" else f"<ins>{inner}</ins>", op != "equal", opens=j in starts)
            j = k
    shown = [any(changed[max(0, n - context):n + context + 1]) for n in range(len(paras))]
    out, n = [], 0
    while n < len(paras):
        if shown[n]:
            out.append(f"<p>{''.join(paras[n])}</p>")
            n += 1
            continue
        run = next((m for m in range(n, len(paras)) if shown[m]), len(paras)) - n
        if run == 1:  # counting one paragraph would take its place
            out.append(f"<p>{''.join(paras[n])}</p>")
        else:
            out.append(f'<p class="unchanged">{run} unchanged paragraphs</p>')
        n += run
    return Markup("".join(out))


class _Budget:
    """What is left of PAIRS for one diff."""

    def __init__(self):
        self.left = PAIRS

    def spend(self, a: list, b: list) -> bool:
        """Whether comparing a with b fits (and if so, it is counted)."""
        counts = Counter(b)
        pairs = sum(counts[item] for item in a)
        if pairs > self.left:
            return False
        self.left -= pairs
        return True


def _opcodes(old: list[str], new: list[str], old_gaps: list[str], new_gaps: list[str]) -> list[Opcode]:
    """How the old words become the new, at a bounded cost: the common beginning and end are
    equal (one edit anywhere costs a pass); the rest is compared word by word, else paragraph by
    paragraph and the paragraphs that differ word by word, else shown replaced whole."""
    lo, hi = 0, 0
    while lo < min(len(old), len(new)) and old[lo] == new[lo]:
        lo += 1
    while hi < min(len(old), len(new)) - lo and old[-1 - hi] == new[-1 - hi]:
        hi += 1
    budget = _Budget()
    ops = [("equal", 0, lo, 0, lo)] if lo else []
    i2, j2 = len(old) - hi, len(new) - hi
    if not budget.spend(old[lo:i2], new[lo:j2]):
        ops += _by_paragraph(old, new, (lo, i2), (lo, j2), _starts(old_gaps), _starts(new_gaps), budget)
    else:
        ops += _shifted(SequenceMatcher(a=old[lo:i2], b=new[lo:j2], autojunk=False).get_opcodes(), lo, lo)
    if hi:
        ops.append(("equal", i2, len(old), j2, len(new)))
    return ops


def _starts(gaps: list[str]) -> list[int]:
    """Where the paragraphs begin: the words after a blank line."""
    return [i for i, gap in enumerate(gaps) if gap.count("\n") >= 2]


def _paragraphs(span: tuple[int, int], starts: list[int]) -> list[tuple[int, int]]:
    """The paragraphs (word ranges) a span of words holds, cut at its ends."""
    begin, end = span
    cuts = [begin, *starts[bisect_right(starts, begin):bisect_right(starts, end - 1)], end]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]


def _by_paragraph(old, new, a_span, b_span, a_starts, b_starts, budget: _Budget) -> list[Opcode]:
    a_paras, b_paras = _paragraphs(a_span, a_starts), _paragraphs(b_span, b_starts)
    a_keys, b_keys = [" ".join(old[i:j]) for i, j in a_paras], [" ".join(new[i:j]) for i, j in b_paras]
    if not budget.spend(a_keys, b_keys):
        return _whole(*a_span, *b_span)
    ops = []
    for op, p0, p1, q0, q1 in SequenceMatcher(a=a_keys, b=b_keys, autojunk=False).get_opcodes():
        i1, i2 = _words_of(a_paras, p0, p1, a_span[1])
        j1, j2 = _words_of(b_paras, q0, q1, b_span[1])
        if op == "equal":
            ops.append(("equal", i1, i2, j1, j2))
        elif budget.spend(old[i1:i2], new[j1:j2]):
            ops += _shifted(SequenceMatcher(a=old[i1:i2], b=new[j1:j2], autojunk=False).get_opcodes(), i1, j1)
        else:
            ops += _whole(i1, i2, j1, j2)
    return ops


def _words_of(paras: list[tuple[int, int]], first: int, last: int, end: int) -> tuple[int, int]:
    """The word range of paragraphs [first, last); an empty one where paragraph `first` begins."""
    if first < last:
        return paras[first][0], paras[last - 1][1]
    at = paras[first][0] if first < len(paras) else end
    return at, at


def _shifted(ops: list[Opcode], i: int, j: int) -> list[Opcode]:
    return [(op, a0 + i, a1 + i, b0 + j, b1 + j) for op, a0, a1, b0, b1 in ops]


def _whole(i1: int, i2: int, j1: int, j2: int) -> list[Opcode]:
    """A passage shown deleted and inserted whole."""
    op = "replace" if i1 < i2 and j1 < j2 else "delete" if i1 < i2 else "insert" if j1 < j2 else None
    return [(op, i1, i2, j1, j2)] if op else []


def _space(token: str) -> str:
    return "<br><br>" if token.count("\n") >= 2 else "<br>" if "\n" in token else " "


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str
    diff: Markup  # the new value with deletions and insertions marked


def _text(field: str, value) -> str:
    if value is None:
        return ""
    if field in JSON_FIELDS and isinstance(value, str):
        value = json.loads(value)
    return " · ".join(value) if isinstance(value, list) else str(value)


def changes(older: dict, newer: dict) -> list[FieldChange]:
    """The fields a reader sees that differ between two consecutive revisions, in record order."""
    out = []
    for field in REVISION_FIELDS:
        old, new = _text(field, older.get(field)), _text(field, newer.get(field))
        if " ".join(old.split()) != " ".join(new.split()):
            diff = paragraph_diff(old, new) if field in PARAGRAPH_FIELDS else word_diff(old, new)
            out.append(FieldChange(field, old, new, diff))
    return out
