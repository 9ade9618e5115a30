"""Rebuild `articles` and `revisions` from the stored captures with the current parser, offline.

With jobs > 1 every per-article step runs in worker processes (see workers.py): each worker
reads the captures of a batch of articles from the archive itself, decompresses and parses
them, judges the revisions, lemmatises what the index needs and hands back rows ready to
write. This process, the one writer, only writes them: one transaction per batch, batches in
the archive's order, so the outcome is the same as with one process (which runs the same code).
"""

from __future__ import annotations

import contextlib
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import islice

from . import boilerplate, workers
from .archive import Archive, Key, Rebuilt, plan_rebuild
from .archive.rows import as_record
from .config import Config
from .parsing import FIELDS, PARSER_VERSION
from .site import CARAVAN

ARTICLES_PER_TASK = 16  # articles per worker task, and per write transaction
TASKS_AHEAD = 4  # tasks queued per worker: keeps workers busy, memory bounded

# What became of one article: "added", "kept" (as stored), the names of the fields that changed, or None.
Outcome = str | list[str] | None


@dataclass
class Report:
    articles: int = 0
    changed: dict[int, list[str]] = field(default_factory=dict)  # article_id -> fields that changed
    added: list[int] = field(default_factory=list)  # pages that now parse as articles
    # Articles kept as stored, as a page of theirs no longer parses (see Rebuilt.kept): article_id -> why.
    kept: dict[int, str] = field(default_factory=dict)
    # Articles are (edition, article_id); the lists above name Kazakh ones "kk/<id>".

    def by_field(self) -> Counter:
        return Counter(name for names in self.changed.values() for name in names)

    def add(self, key: Key, rebuilt: Rebuilt, outcome: Outcome) -> None:
        article_id = key[1] if key[0] == CARAVAN.main.code else f"{key[0]}/{key[1]}"
        self.articles += rebuilt.row is not None
        if outcome == "added":
            self.added.append(article_id)
        elif outcome == "kept":
            self.kept[article_id] = rebuilt.kept
        elif outcome:
            self.changed[article_id] = outcome


def rebuild(archive: Archive, key: Key, furniture: dict, layouts: str) -> tuple[Rebuilt, Outcome]:
    """Re-extract one article from its captures (read from `archive`), without writing."""
    versions, failed = [], {}  # failed: capture id -> why it is no article now
    for capture in archive.article_captures(key):
        record, reason, layout = workers.extract(archive.decompress_capture(capture), capture["url"],
                                                 capture["fetched_at"], capture["content_type"],
                                                 boilerplate.for_url(furniture, capture["url"]), layouts)
        if record is None:
            failed[capture["capture_id"]] = reason
        else:
            versions.append(({name: capture[name] for name in ("capture_id", "fetched_at", "etag", "last_modified",
                                                               "source")},
                             record, layout))
    base = archive.rebuild_base(key)
    # A capture the article's row or a revision was made from that is no article now (furniture
    # learned since, a parser change): rebuilt, the article would lose it, or be gone. It stays as stored.
    lost = sorted(set(failed) & archive.stored_captures(key)) if base else []
    if lost:
        kept = f"capture {lost[0]}: {failed[lost[0]]}"
        return Rebuilt(key, [], None, base["doc_id"], base["status"], False, None, None, kept=kept), "kept"
    rebuilt = plan_rebuild(key, versions, base, PARSER_VERSION, archive.schedule)
    before = as_record({name: base[name] for name in FIELDS}) if base else None
    after = versions[-1][1] if versions else None
    if rebuilt.kept:
        outcome = "kept"
    elif before is None:
        outcome = "added" if after is not None else None
    else:
        # status is the site's answer over time (kept by plan_rebuild), not what a page parses to.
        outcome = [name for name in FIELDS if name != "status" and before[name] != after[name]]
    return rebuilt, outcome


def rebuild_many(db: str, keys: list[Key], furniture: dict, layouts: str) -> list[tuple[Rebuilt, Outcome]]:
    """One worker task: a batch of articles, read from the archive at `db` by the worker."""
    archive = workers.reader(db)
    return [rebuild(archive, key, furniture, layouts) for key in keys]


def _batches(keys: list[Key]) -> Iterator[list[Key]]:
    it = iter(keys)
    while batch := list(islice(it, ARTICLES_PER_TASK)):
        yield batch


def _rebuilt(archive: Archive, executor, jobs: int, furniture: dict, layouts: str,
             keys: list[Key] | None = None) -> Iterator[list[tuple[Rebuilt, Outcome]]]:
    """Batches of rebuilt articles in the archive's order, made in this process or by the pool."""
    batches = _batches(archive.captured_articles() if keys is None else keys)
    with contextlib.closing(Archive(archive.path, read_only=True)) as reading:
        if executor is None:
            for keys in batches:
                yield [rebuild(reading, key, furniture, layouts) for key in keys]
            return
        pending: deque[Future] = deque()  # in the archive's order
        db, ahead = str(archive.path), jobs * TASKS_AHEAD
        for keys in batches:
            if executor.ready.done():
                pending.append(executor.submit(rebuild_many, db, keys, furniture, layouts))
            else:
                # The workers are still starting (workers.pool): this process rebuilds meanwhile.
                pending.append(_settled([rebuild(reading, key, furniture, layouts) for key in keys]))
            while pending and (pending[0].done() or len(pending) >= ahead):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _settled(result) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def reextract(archive: Archive, jobs: int = 1, layouts: str = "all",
              progress: Callable[[int, int], None] | None = None) -> Report:
    """Re-extract every article; the furniture is learned afresh from the captures first, as the
    latest crawl run learned it (its stored config; the defaults for runs that stored none), so that an
    archive made by an older version learns it too and the table stays the crawl's.
    progress(done, total) is told the articles written of those captured, from 0 on."""
    report = Report()
    keys = archive.captured_articles()
    done = 0
    if progress:
        progress(done, len(keys))
    with (workers.pool(jobs) if jobs > 1 else contextlib.nullcontext()) as executor:
        learning = Config.of_archive(archive).furniture
        boilerplate.learn(archive, learning.min_share, learning.window_days, learning.min_pages, executor=executor)
        furniture = boilerplate.load(archive)
        for batch in _rebuilt(archive, executor, jobs, furniture, layouts, keys):
            archive.write_rebuilt([rebuilt for rebuilt, _ in batch])
            for rebuilt, outcome in batch:
                report.add(rebuilt.key, rebuilt, outcome)
            done += len(batch)
            if progress:
                progress(done, len(keys))
    return report
