"""Learn what an edition repeats on its pages from the archive's own captures.

The ticker, the weather line, the menus and the «В тренде» headlines are on most pages fetched
in the same days; an article's paragraphs are on one page (two with its AMP copy). A line (the
visible text of a whole element) found on more than `min_share` of the pages of an edition fetched
in a window of `window_days` before the newest capture, and on at least `min_pages` pages, is
furniture. The learned lines are stored in the archive (`furniture` table) and handed to the
parser as data (`explain(..., furniture=...)`), which drops them on every layout, generic included.

    caravan-archive crawl ...        # learns at the end of every run (CARAVAN_FURNITURE_* settings)
    caravan-archive reextract ...    # re-extracts with what was learned
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta

from .archive import Archive, CaptureLines, utcnow
from .config import Learning
from .parsing.furniture import LINES_MADE_BY, Furniture, hashes_of, line_hash, line_hashes
from .parsing.page import Page
from .urls import edition_of  # each edition has its own furniture

logger = logging.getLogger(__name__)

# Defaults of the CARAVAN_FURNITURE_* settings (config.Learning): a line on more than MIN_SHARE of an
# edition's pages fetched in WINDOW_DAYS before the newest capture, and on at least MIN_PAGES pages.
MIN_SHARE, WINDOW_DAYS, MIN_PAGES = Learning.min_share, Learning.window_days, Learning.min_pages
CHUNK = 64  # captures a worker reads per task
POOL_FROM = 500  # pages to read from which learning starts worker processes (~0.5 s) of its own


@dataclass
class Learned:
    edition: str
    pages: int  # pages of the edition in the window
    lines: int  # lines learned


def capture_lines(page: Page) -> CaptureLines:
    """A parsed page's lines as the archive keeps them beside its capture (what learning counts)."""
    return CaptureLines(LINES_MADE_BY, line_hashes(page.lines))


def learn(archive: Archive, min_share: float = MIN_SHARE, window_days: float = WINDOW_DAYS,
          min_pages: int = MIN_PAGES, executor: Executor | None = None, jobs: int = 0) -> list[Learned]:
    """Count lines across the window's captures per edition; store the frequent ones.
    Each capture's lines come as hashes stored beside it by the parse that stored it; a capture
    without them (stored by an older version, or by another LINES_MADE_BY) is read and parsed
    once, by an executor (a pool from workers.pool) or by `jobs` workers when there are enough
    such pages to pay for starting them, and its hashes are stored for the next time; those of
    captures older than the window are dropped."""
    newest = archive.last_fetch()
    if newest is None:
        return []
    end = datetime.fromisoformat(newest)
    start = (end - timedelta(days=window_days)).isoformat(timespec="seconds")
    window = archive.capture_lines_between(start, newest, LINES_MADE_BY)
    missing = [capture_id for capture_id, _, hashes in window if hashes is None]
    made = {}
    if missing:
        chunks = [missing[at:at + CHUNK] for at in range(0, len(missing), CHUNK)]
        if executor is None and jobs > 0 and len(missing) >= POOL_FROM:
            from .workers import pool

            with pool(jobs) as executor:
                made = _read_lines(archive, chunks, executor)
        else:
            made = _read_lines(archive, chunks, executor)
        window = [(capture_id, url, made[capture_id].hashes if hashes is None else hashes)
                  for capture_id, url, hashes in window]
    # Only the window's lines are kept: the next window starts no earlier (its newest capture is
    # no older), so the archive holds about a week of them however large it grows.
    archive.store_capture_lines(made, keep=[capture_id for capture_id, _, _ in window])
    by_edition: dict[str, list[tuple[int, bytes]]] = {}
    for capture_id, url, hashes in window:
        by_edition.setdefault(edition_of(url), []).append((capture_id, hashes))
    learned = []
    for edition, captures in sorted(by_edition.items()):
        total = len(captures)
        counter: Counter = Counter()
        for _, hashes in captures:
            counter.update(hashes_of(hashes))
        frequent = {} if total < min_pages else {
            line: n for line, n in counter.items() if n >= min_pages and n / total > min_share}
        texts = _texts(archive, edition, set(frequent), captures)
        rows = [{"line": texts[line], "pages": n, "share": round(n / total, 4), "window_start": start,
                 "window_end": newest, "window_pages": total, "min_share": min_share, "learned_at": utcnow()}
                for line, n in frequent.items() if line in texts]
        archive.replace_furniture(edition, rows)
        learned.append(Learned(edition, total, len(rows)))
    return learned


def _read_lines(archive: Archive, chunks: list[list[int]], executor: Executor | None) -> dict[int, CaptureLines]:
    if executor is None:
        read = [lines_of_captures(archive, chunk) for chunk in chunks]
    else:
        read, db = [], str(archive.path)
        for chunk in chunks:
            if executor.ready.done():
                read.append(executor.submit(lines_of_captures_in, db, chunk))
            else:  # the workers are still starting (workers.pool): this process reads meanwhile
                read.append(lines_of_captures(archive, chunk))
        read = [chunk if isinstance(chunk, list) else chunk.result() for chunk in read]
    return {capture_id: lines for chunk in read for capture_id, lines in chunk}


def lines_of_captures(archive: Archive, ids: list[int]) -> list[tuple[int, CaptureLines]]:
    """(capture id, its lines) of these captures, read and parsed again."""
    return [(capture["capture_id"], capture_lines(Page(archive.decompress_capture(capture), capture["url"],
                                                       content_type=capture["content_type"])))
            for capture in archive.captures_by_id(ids)]


def lines_of_captures_in(db: str, ids: list[int]) -> list[tuple[int, CaptureLines]]:
    """lines_of_captures in a worker process, which reads the captures from the archive itself."""
    from .workers import reader

    return lines_of_captures(reader(db), ids)


def _texts(archive: Archive, edition: str, wanted: set[int], captures: list[tuple[int, bytes]]) -> dict[int, str]:
    """The lines behind these hashes: from what this edition had learned before, and for new ones
    from the newest pages that hold them (a line on a third of the pages is on one of the first few)."""
    texts = {}
    for row in archive.furniture_rows():
        if row["edition"] == edition and (hashed := line_hash(row["line"])) in wanted:
            texts[hashed] = row["line"]
    for capture_id, hashes in reversed(captures):
        if len(texts) == len(wanted):
            break
        if not wanted.difference(texts).isdisjoint(hashes_of(hashes)):
            capture = next(archive.captures_by_id([capture_id]))
            page = Page(archive.decompress_capture(capture), capture["url"], content_type=capture["content_type"])
            texts.update((hashed, line) for line in page.lines if (hashed := line_hash(line)) in wanted)
    if len(texts) < len(wanted):
        # Only if stored hashes were made by a page_lines that differs from this one under the same
        # LINES_MADE_BY: what a line is changed and LINES_VERSION was not bumped.
        logger.warning("furniture: %d of the %s edition's frequent lines were not found on its pages again; "
                       "the stored line hashes are stale (bump LINES_VERSION in parsing/furniture.py)",
                       len(wanted) - len(texts), edition)
    return texts


def load(archive: Archive) -> dict[str, Furniture]:
    """What was learned, per edition, as the parser takes it; each named for --explain."""
    by_edition: dict[str, list[dict]] = {}
    for row in archive.furniture_rows():
        by_edition.setdefault(row["edition"], []).append(row)
    out = {}
    for edition, rows in by_edition.items():
        first = rows[0]
        rule = (f"learned furniture ({edition}: on >{first['min_share']:.0%} of {first['window_pages']} pages "
                f"fetched {first['window_start'][:10]}..{first['window_end'][:10]})")
        out[edition] = Furniture(frozenset(r["line"] for r in rows), rule)
    return out


def for_url(furniture: dict[str, Furniture], url: str) -> Furniture | None:
    return furniture.get(edition_of(url))


