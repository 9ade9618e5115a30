"""Parsing in a pool of worker processes, so that every core parses while one process writes.

SQLite has one writer, and parsing a page is pure CPU (lxml and trafilatura hold the GIL), so
the parent reads and writes the archive and the workers turn pages into records. Workers start
from a fork server that has already imported the parser: cheap to start, and safe in a process
that runs threads (Scrapy's reactor has some), which a plain fork is not.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime

# What the workers run: imported once by the fork server, not by every worker; warmup parses a
# page there, so that what the parser loads on first use is loaded once too.
PRELOAD = ["caravan_spider.forkserver", "caravan_spider.parsing", "caravan_spider.parsing.body", "caravan_spider.search", "caravan_spider.boilerplate", "caravan_spider.reextract",
           "caravan_spider.warmup"]


def cores() -> int:
    """The cores this process may run on (what a container or taskset allows)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def jobs_from(setting) -> int:
    """Worker processes a CARAVAN_PARSE_WORKERS value asks for: auto (or empty) is one per core, 0 none."""
    return cores() if str(setting).lower() in ("", "auto", "none") else int(setting)


def pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` worker processes, started in a thread: the first waits for the fork server to import
    the parser (about 0.6 s on one core), time the caller may spend on work of its own until the
    pool's `ready` future is done (a submit meanwhile would wait for it)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_end_with,
                                   initargs=(os.getpid(),))
    executor.ready = Future()
    threading.Thread(target=_start, args=(executor, jobs), name="start-workers", daemon=True).start()
    return executor


def stop_now(executor: ProcessPoolExecutor) -> None:
    """End a pool without waiting for the pages its workers are parsing (a crawl stopped at once):
    they ignore SIGTERM (see _end_with), so they are killed."""
    executor.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(executor, "_processes", None) or {}).values()):  # CPython's own table of them
        if process.is_alive():
            process.kill()


def _start(executor: ProcessPoolExecutor, jobs: int) -> None:
    try:
        for _ in range(jobs):  # each submit starts a worker when none is idle
            executor.submit(os.getpid)
    except Exception:  # shut down already, or broken: the caller's own submit says so
        pass
    finally:
        executor.ready.set_result(None)


def _end_with(owner: int) -> None:
    """A worker ends when the process that owns the pool is gone: a crawl killed with SIGKILL
    never shuts its pool down, and its workers (children of the fork server) would idle forever.
    Stopping is the owner's: Ctrl-C on a terminal reaches the whole process group, and systemd's
    stop every process of the unit; a worker that died of it left a traceback and failed the page it
    parsed (a parse_error that never happened). The owner shuts its pool down, or the watch below
    ends the worker once the owner is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def watch():
        while True:
            time.sleep(1.0)
            try:
                os.kill(owner, 0)
            except (ProcessLookupError, PermissionError):  # PermissionError: another user's process took the id
                os._exit(0)

    threading.Thread(target=watch, name="end-with-owner", daemon=True).start()


def extract(body: bytes, url: str, fetched_at: str, content_type: str | None, furniture=None,
            layouts: str | None = None) -> tuple[dict | None, str | None, str]:
    """(record or None, reason when not an article, layout) of one page; runs in a worker.
    The arguments are explain()'s, with fetched_at as ISO text and the learned furniture as data."""
    from .parsing import explain

    result = explain(body, url, datetime.fromisoformat(fetched_at), content_type, furniture, layouts)
    return (result.article.to_dict() if result.article else None), result.reason, result.layout


def extract_many(pages: list[tuple]) -> list[tuple[dict | None, str | None, str]]:
    """Several pages per task, so that small pages do not drown in inter-process traffic."""
    return [extract(*page) for page in pages]


def parse_page(body: bytes, url: str, fetched_at: str, content_type: str | None, furniture=None,
               layouts: str | None = None, lines: bool = False) -> dict:
    """Everything the crawl computes from a fetched page, in one worker call: the record (or
    the reason there is none), the search index entry it needs (lemmas per column), the body's
    SHA-256, and with `lines` the page's lines that furniture learning counts (boilerplate.py),
    read from the tree the parser reads and stored beside the capture, so that learning need not
    parse the page again."""
    from .archive import index_entry
    from .boilerplate import capture_lines
    from .parsing import Page, explain_page

    page = Page(body, url, datetime.fromisoformat(fetched_at), content_type)
    counted = {"lines": capture_lines(page)} if lines else {}
    result = explain_page(page, furniture, layouts)
    record = result.article.to_dict() if result.article else None
    return {"record": record, "reason": result.reason, "layout": result.layout,
            "index_entry": index_entry(record) if record else None,
            "sha256": hashlib.sha256(body).hexdigest(), **counted}


@functools.lru_cache(maxsize=1)
def reader(db: str):
    """The archive opened read-only in a worker process, once per process: workers read the
    captures they work on themselves, so that only ids travel to them (WAL lets them read
    while the parent writes)."""
    from .archive import Archive

    return Archive(db, read_only=True)


def wrap(future):
    """A concurrent.futures future as something a Scrapy coroutine callback can await."""
    from scrapy.utils.reactor import is_asyncio_reactor_installed

    if is_asyncio_reactor_installed():
        return asyncio.wrap_future(future)
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    deferred = Deferred()

    def settle(done):
        error = done.exception()
        reactor.callFromThread(deferred.errback if error else deferred.callback, error or done.result())

    future.add_done_callback(settle)
    return deferred
