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

from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import repeat

from .archive import Archive, utcnow
from .parsing.furniture import Furniture
from .parsing.page import Page
from .urls import KAZAKH_ORIGIN, article_ref

# Defaults of the CARAVAN_FURNITURE_* settings (settings.py).
MIN_SHARE = 0.3  # a line on more than this share of an edition's pages is furniture
WINDOW_DAYS = 7.0  # ...of the pages fetched in this many days before the newest capture
MIN_PAGES = 5  # ...and on at least this many pages (fewer pages teach nothing)
CHUNK = 64  # captures a worker counts per task
POOL_FROM = 500  # pages in the window from which learning starts worker processes (~0.5 s) of its own


@dataclass
class Learned:
    edition: str
    pages: int  # pages of the edition in the window
    lines: int  # lines learned


@dataclass
class Counted:
    """Lines of captures counted when they were stored: the crawl's parse workers read them from
    the tree they parsed (workers.parse_page), so learning does not parse those pages again."""

    ids: set[int] = field(default_factory=set)
    counts: dict[str, Counter] = field(default_factory=dict)
    pages: Counter = field(default_factory=Counter)

    def add(self, capture_id: int, url: str, lines: set[str]) -> None:
        """The lines of a capture just stored, as count_lines() would count them."""
        edition = edition_of(url)
        self.counts.setdefault(edition, Counter()).update(lines)
        self.pages[edition] += 1
        self.ids.add(capture_id)


def edition_of(url: str) -> str:
    """ru for www.caravan.kz, kk for kaz.caravan.kz: each edition has its own furniture."""
    ref = article_ref(url)
    return "kk" if ref and ref.url.startswith(KAZAKH_ORIGIN) else "ru"


def learn(archive: Archive, min_share: float = MIN_SHARE, window_days: float = WINDOW_DAYS,
          min_pages: int = MIN_PAGES, executor: Executor | None = None, jobs: int = 0,
          counted: Counted | None = None) -> list[Learned]:
    """Count element texts across the window's captures per edition; store the frequent ones.
    With an executor (a worker pool, see workers.py), or `jobs` workers when the window holds
    enough pages to pay for starting them, the pages are read and counted in chunks by the
    workers, and only the counts come back. Captures `counted` already (the crawl's) are not read
    again when all of them are in the window (else every capture is read)."""
    newest = archive.last_fetch()
    if newest is None:
        return []
    end = datetime.fromisoformat(newest)
    start = (end - timedelta(days=window_days)).isoformat(timespec="seconds")
    ids = archive.capture_ids_fetched_between(start, newest)
    if counted is not None and counted.ids and counted.ids <= set(ids):
        ids = [capture_id for capture_id in ids if capture_id not in counted.ids]
    else:
        counted = None
    chunks = [ids[at:at + CHUNK] for at in range(0, len(ids), CHUNK)]
    if executor is None and jobs > 0 and len(ids) >= POOL_FROM:
        from .workers import pool

        with pool(jobs) as executor:
            return _learn(archive, chunks, executor, start, newest, min_share, min_pages, counted)
    return _learn(archive, chunks, executor, start, newest, min_share, min_pages, counted)


def _learn(archive: Archive, chunks: list[list[int]], executor: Executor | None, start: str, newest: str,
           min_share: float, min_pages: int, known: Counted | None = None) -> list[Learned]:
    if executor is None:
        counted = (count_lines(archive, chunk) for chunk in chunks)
    else:
        counted = executor.map(count_lines_of, repeat(str(archive.path)), chunks)
    counts: dict[str, Counter] = {edition: Counter(counter) for edition, counter in known.counts.items()} \
        if known else {}
    pages: Counter = Counter(known.pages) if known else Counter()
    for chunk_counts, chunk_pages in counted:  # in chunk order: the same counts, in the same order
        for edition, counter in chunk_counts.items():
            counts.setdefault(edition, Counter()).update(counter)
        pages.update(chunk_pages)
    learned = []
    for edition, counter in sorted(counts.items()):
        total = pages[edition]
        rows = [] if total < min_pages else [
            {"line": line, "pages": n, "share": round(n / total, 4), "window_start": start, "window_end": newest,
             "window_pages": total, "min_share": min_share, "learned_at": utcnow()}
            for line, n in counter.items() if n >= min_pages and n / total > min_share]
        archive.replace_furniture(edition, rows)
        learned.append(Learned(edition, total, len(rows)))
    return learned


def count_lines(archive: Archive, ids: list[int]) -> tuple[dict[str, Counter], Counter]:
    """(edition -> how many of these captures hold each line, edition -> captures)."""
    counts: dict[str, Counter] = {}
    pages: Counter = Counter()
    for capture in archive.captures_by_id(ids):
        edition = edition_of(capture["url"])
        page = Page(archive.decompress_capture(capture), capture["url"], content_type=capture["content_type"])
        counts.setdefault(edition, Counter()).update(page.lines)
        pages[edition] += 1
    return counts, pages


def count_lines_of(db: str, ids: list[int]) -> tuple[dict[str, Counter], Counter]:
    """count_lines in a worker process, which reads the captures from the archive itself."""
    from .workers import reader

    return count_lines(reader(db), ids)


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


