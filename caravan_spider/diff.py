"""What changed between two revisions of an article, for a reader: field by field, the body word by word.

Pure functions over revision rows (dicts as stored); the Datasette plugin renders the result. Every
piece of text is escaped here, so no page content can become markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

from .record import JSON_FIELDS, REVISION_FIELDS

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str | None, new: str | None) -> Markup:
    """The new text with deleted words in <del> and inserted words in <ins>; paragraph breaks
    of the new text kept as <br>. Whitespace changes alone are not marked."""
    old_words = (old or "").split()
    new_words, gaps, gap = [], [], ""  # gaps[j]: the whitespace before new word j
    for token in _TOKENS.findall(new or ""):
        if token.isspace():
            gap = token
        else:
            new_words.append(token)
            gaps.append(gap)
            gap = ""
    out: list[str] = []
    for op, a0, a1, b0, b1 in SequenceMatcher(a=old_words, b=new_words, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append((" " if out else "") + f"<del>{escape(' '.join(old_words[a0:a1]))}</del>")
        if op != "delete":
            inner = "".join((_space(gaps[j]) if j > b0 else "") + str(escape(new_words[j])) for j in range(b0, b1))
            out.append(_space(gaps[b0]) if out else "")
            out.append(inner if op == "equal" else f"<ins>{inner}</ins>")
    return Markup("".join(out))


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
            out.append(FieldChange(field, old, new, word_diff(old, new)))
    return out
