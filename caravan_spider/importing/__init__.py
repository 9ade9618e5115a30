"""Importing the archive's past: article pages others captured (WARC files, the Wayback Machine).

Each response of an article URL becomes a capture with its own fetch time and headers, is parsed by
the crawl's parser (workers.parse_page, on every core) and stored by the crawl's own `Archive.store`,
which places a capture older than an article's row among its revisions instead of over it. Every
row says where it came from (`source`: warc or wayback). Only pages that are articles are imported:
other answers say nothing an import could use (a 404 of years ago unpublishes nothing today).
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from .. import boilerplate
from ..archive import Archive, Capture
from ..parsing import PARSER_VERSION
from ..parsing.bounds import MAX_BYTES
from ..urls import EDITIONS, article_ref
from ..whole import ends_early

BATCH = 16  # pages per task handed to a parse worker (small pages drown in inter-process traffic)
# No web archive kept a page before 1996 (the Internet Archive's first crawls): a capture dated earlier
# is a clock that was never set (1970-01-01), and would date an article's first sighting before the site.
EARLIEST = "1996-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class Found:
    """One response to an article URL as a web archive kept it."""

    url: str  # the address it was fetched from (WARC-Target-URI, the CDX original)
    status: int
    fetched_at: str  # UTC, ISO 8601 to the second, as the crawl writes it
    body: bytes = field(repr=False)  # with any Content-Encoding and chunking undone
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    source: str = "warc"  # warc or wayback
    source_ref: str | None = None  # file and record offset, or the archive's address of the capture
    cut: str | None = None  # why the web archive's record says it is not the whole answer (WARC-Truncated...)
    # done(found, state, detail): the import stored it (called inside the store's transaction) or skipped
    # it; import-wayback's list.
    done: Callable | None = field(default=None, repr=False, compare=False)


def utc_seconds(moment: datetime) -> str:
    """A moment as the archive writes fetch times: UTC, ISO 8601, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def hosts_of(origins: dict[str, str | None]) -> dict[str, str]:
    """host[:port] -> edition: the site's own hosts, and any mirror the captures were made of."""
    hosts = {host: code for code, edition in EDITIONS.items() for host in edition.hosts}
    for code, url in origins.items():
        if url:
            hosts[urlsplit(url).netloc.lower()] = code
    return hosts


def article_of(url: str, hosts: dict[str, str]):
    """The article (ArticleRef) a captured URL is of, or None: an article path on one of `hosts`."""
    parts = urlsplit(url)
    edition = hosts.get(parts.netloc.lower()) or hosts.get((parts.hostname or "").lower())
    ref = article_ref(url) if edition else None
    return ref if ref and ref.edition == edition else None


def parse_pages(pages: list[tuple]) -> list[dict]:
    """workers.parse_page of several pages: one task of a parse worker."""
    from ..workers import parse_page

    return [parse_page(*page) for page in pages]


@dataclass
class Imported:
    """What an import did, by outcome: new, updated, unchanged, older (a past version placed among
    the revisions) and skipped (with why)."""

    outcomes: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    listed: int = 0  # import-wayback: captures new to its list
    failed: int = 0  # import-wayback: captures it could not fetch (the run is incomplete)
    given_up: int = 0  # of them, those that failed in their last run (asked no more)

    @property
    def articles(self) -> int:
        return sum(self.outcomes.values())

    def summary(self) -> str:
        stored = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items())) or "nothing stored"
        skipped = "; skipped: " + ", ".join(f"{n} {why}" for why, n in self.skipped.most_common()) \
            if self.skipped else ""
        return f"{self.articles} captures of articles imported ({stored}){skipped}"


def import_found(archive: Archive, found: Iterable[Found], hosts: dict[str, str], run_id: int | None,
                 jobs: int = 0, batch_size: int = BATCH, report: Imported | None = None) -> Imported:
    """Parse and store every capture of an article in `found` (parsed in `jobs` worker processes, 0:
    here, `batch_size` pages a task), each in its own transaction with its `done`: a killed import keeps
    what it stored, and the next skips it. Counted in `report` as it goes, so that an import stopped
    midway still tells what it stored."""
    report = Imported() if report is None else report
    furniture = boilerplate.load(archive)
    seen: set[tuple] = set()
    # A capture dated more than a day ahead of our clock is not believed (a crawler's clock was wrong):
    # stored, it would pass for newer than every crawl to come.
    latest = utc_seconds(datetime.now(timezone.utc) + timedelta(days=1))

    def wanted() -> Iterator[tuple[Found, object, str]]:
        for item in found:
            ref = article_of(item.url, hosts)
            why = None
            if ref is None:
                why = "not an article URL of the site"
            elif item.status != 200:
                why = f"answered {item.status}"
            elif not item.body.strip():
                why = "empty"
            elif len(item.body) <= MAX_BYTES and (item.cut or ends_early(item.content_type, item.body)):
                why = "truncated"  # as the crawl refuses a page cut short (one read no further: too large)
            elif item.fetched_at > latest:
                why = "dated in the future"
            elif item.fetched_at < EARLIEST:
                why = "dated before any web archive"
            else:
                digest = hashlib.sha256(item.body).hexdigest()
                key = (*ref.key, item.fetched_at, digest)
                if key in seen or archive.holds_capture(*key):
                    why = "held already"
                else:
                    seen.add(key)
                    yield item, ref, digest
                    continue
            report.skipped[why] += 1
            _done(item, "skipped", why)

    executor = None
    if jobs:
        from ..workers import pool

        executor = pool(jobs)
    pending: deque = deque()
    try:
        batch: list = []
        for entry in wanted():
            batch.append(entry)
            if len(batch) == batch_size:
                pending.append((batch, _parse(executor, batch, furniture)))
                batch = []
                while len(pending) > 2 * max(jobs, 1):  # bounded: a few batches of pages in memory
                    _store(archive, *pending.popleft(), run_id, report)
        if batch:
            pending.append((batch, _parse(executor, batch, furniture)))
        while pending:
            _store(archive, *pending.popleft(), run_id, report)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    return report


def _parse(executor, batch: list, furniture):
    pages = [(item.body, item.url, item.fetched_at, item.content_type, boilerplate.for_url(furniture, ref.url), None)
             for item, ref, _ in batch]
    if executor is None:
        return parse_pages(pages)
    return executor.submit(parse_pages, pages)


def _store(archive: Archive, batch: list, parsed, run_id: int | None, report: Imported) -> None:
    results = parsed if isinstance(parsed, list) else parsed.result()
    for (item, ref, digest), result in zip(batch, results):
        record = result["record"]
        why = None
        if record is None:
            why = f"not an article ({result['reason'].rejection})"  # a Rejected, counted without its detail
        elif (record["edition"], record["article_id"]) != ref.key:
            why = "calls itself another article"
        if why:
            report.skipped[why] += 1
            _done(item, "skipped", why)
            continue
        capture = Capture(url=item.url, status=item.status, fetched_at=item.fetched_at, body=item.body,
                          article_id=ref.article_id, edition=ref.edition, content_type=item.content_type,
                          etag=item.etag, last_modified=item.last_modified, sha256=digest, run_id=run_id,
                          note=f"imported from {item.source}; body with any Content-Encoding decoded",
                          location=item.location, source=item.source, source_ref=item.source_ref)
        # Marked imported in the transaction that stores it: a killed import never holds a capture its
        # list still calls pending.
        outcome = archive.store(capture, record, result["layout"], PARSER_VERSION, None, result["index_entry"],
                                also=lambda outcome, item=item: _done(item, "imported", outcome))
        report.outcomes[outcome] += 1


def _done(item: Found, state: str, detail: str | None) -> None:
    if item.done is not None:
        item.done(item, state, detail)
