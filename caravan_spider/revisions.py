"""The revision policy, in one place: does a fetched record make a new revision, and what changes.

Pure functions: the archive's crawl path (`Archive.store`) and its rebuild path (`reextract`) both ask
`judge`, so the two can never disagree about what counts as an edit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .outcomes import Outcome
from .record import REVISION_FIELDS


def content_hash(record: dict) -> str:
    """Hash of what a reader sees (the record's revision fields); whitespace is normalised so
    cosmetic edits do not count."""
    content = {k: " ".join(str(record.get(k)).split()) if isinstance(record.get(k), str) else record.get(k)
               for k in REVISION_FIELDS}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What the archive holds of an article that the policy compares with."""

    content_hash: str
    views: int | None


@dataclass(frozen=True)
class Change:
    """What storing a record does to its article."""

    outcome: Outcome  # NEW, UPDATED or UNCHANGED
    content_hash: str
    row_changed: bool  # a reader sees a difference (content or views): the row's updated_at moves

    @property
    def new_revision(self) -> bool:
        """New content: the record replaces the row's content and becomes a revision."""
        return self.outcome is not Outcome.UNCHANGED


def judge(stored: Stored | None, record: dict) -> Change:
    """A record against what is stored: new content makes a revision; a change of views (or of
    modified_at) alone does not, though views still update the row."""
    digest = content_hash(record)
    if stored is None:
        return Change(Outcome.NEW, digest, row_changed=True)
    if stored.content_hash == digest:
        return Change(Outcome.UNCHANGED, digest, row_changed=stored.views != record.get("views"))
    return Change(Outcome.UPDATED, digest, row_changed=True)
