"""Rebuild `articles` and `revisions` from the stored captures with the current parser, offline.

With jobs > 1 the pages are parsed in worker processes (see workers.py) while this process
reads captures and writes the results, article by article in the archive's order, so the
outcome is the same as with one process.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import boilerplate, workers
from .archive import Archive
from .parsing import FIELDS, PARSER_VERSION

ARTICLES_PER_TASK = 8  # pages travel to workers in small batches: fewer round trips
TASKS_AHEAD = 4  # tasks queued per worker: keeps workers busy, memory bounded


@dataclass
class Report:
    articles: int = 0
    changed: dict[int, list[str]] = field(default_factory=dict)  # article_id -> fields that changed
    added: list[int] = field(default_factory=list)  # pages that now parse as articles
    removed: list[int] = field(default_factory=list)  # articles whose pages no longer parse
    # Articles are (edition, article_id); the lists above name Kazakh ones "kk/<id>".

    def by_field(self) -> Counter:
        return Counter(name for names in self.changed.values() for name in names)


def _pages(archive: Archive, captures: list[dict], furniture: dict, layouts: str) -> list[tuple]:
    """explain()'s arguments for each capture (see workers.extract)."""
    return [(archive.decompress_capture(c), c["url"], c["fetched_at"], c["content_type"],
             boilerplate.for_url(furniture, c["url"]), layouts) for c in captures]


def _parsed(archive: Archive, jobs: int, furniture: dict, layouts: str) -> Iterator[tuple[tuple[str, int], list[dict], list[tuple]]]:
    """((edition, article id), captures, extraction per capture), in the archive's order."""
    grouped = archive.captures_by_article()
    if jobs <= 1:
        for article_id, captures in grouped:
            yield article_id, captures, workers.extract_many(_pages(archive, captures, furniture, layouts))
        return
    with workers.pool(jobs) as executor:
        pending: deque = deque()
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < jobs * TASKS_AHEAD:
                batch = [item for _, item in zip(range(ARTICLES_PER_TASK), grouped)]
                if not batch:
                    exhausted = True
                    break
                pages = [_pages(archive, captures, furniture, layouts) for _, captures in batch]
                flat = [page for article in pages for page in article]
                pending.append((batch, executor.submit(workers.extract_many, flat)))
            if not pending:
                break
            batch, future = pending.popleft()
            results = iter(future.result())
            for article_id, captures in batch:
                yield article_id, captures, [next(results) for _ in captures]


def reextract(archive: Archive, jobs: int = 1, layouts: str = "all") -> Report:
    """Re-extract every article; the furniture is learned afresh from the captures first
    (with the default CARAVAN_FURNITURE_* values) so that an archive made by an older version learns it too."""
    report = Report()
    boilerplate.learn(archive)
    furniture = boilerplate.load(archive)
    for key, captures, extractions in _parsed(archive, jobs, furniture, layouts):
        article_id = key[1] if key[0] == "ru" else f"{key[0]}/{key[1]}"
        versions = [(capture, record, layout) for capture, (record, _, layout) in zip(captures, extractions)
                    if record is not None]
        before = archive.article_record(key)
        archive.rebuild_article(key, versions, PARSER_VERSION)
        after = versions[-1][1] if versions else None
        report.articles += after is not None
        if before is None and after is not None:
            report.added.append(article_id)
        elif before is not None and after is None:
            report.removed.append(article_id)
        elif before is not None and after is not None:
            changed = [name for name in FIELDS if before[name] != after[name]]
            if changed:
                report.changed[article_id] = changed
    return report
