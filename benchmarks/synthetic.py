"""A synthetic archive of N articles built straight into SQLite, for figures at the real site's scale.

The schema is the project's own (the archive's migrations are applied first) and every table a
crawl writes is filled as a crawl fills it: articles keyed by (edition, article_id) with their
doc_id and recheck schedule, revisions, captures, views, listings, status changes of the few
unpublished articles, and the search index keyed by doc_id with the lemmas of title, lead and
body. The text is the sample site's Russian paragraphs recombined per article. Captures reuse a
pool of rendered sample pages, compressed the way the archive compresses them, so the file's
size per article is close to a crawled one.

Builds are cached by size under CARAVAN_BENCH_DIR (default: the system temp dir), outside the
repository; a rebuild happens when this file or the archive's list of migrations changes, so a
figure is never of an older schema.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import tempfile
import time

import sqlite_utils
from datetime import datetime, timedelta, timezone
from pathlib import Path

from caravan_spider import captures
from caravan_spider.archive import Archive, content_hash, migrations
from caravan_spider.parsing import PARSER_VERSION
from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.schedule import DEFAULT_SCHEDULE, next_check, parse_schedule
from caravan_spider.search import lemmas_of
from caravan_spider.text import paragraphs, word_count

CACHE = Path(os.environ.get("CARAVAN_BENCH_DIR") or Path(tempfile.gettempdir()) / "caravan-bench")
NOT_ARTICLE_SHARE = 0.01  # article URLs that answered «Страница не найдена»: captures, no article row
SECOND_REVISION_SHARE = 0.05  # articles edited once after publication
UNPUBLISHED_SHARE = 0.003  # articles the site took down (404) after they were archived
RUN_ID = 1  # the one crawl run that made the archive


def cache_key() -> str:
    """Changes when this builder or the archive's schema (its migrations) changes."""
    schema = ",".join(m.name for m in migrations.pending(sqlite_utils.Database(memory=True))).encode()
    return hashlib.sha256(Path(__file__).read_bytes() + schema).hexdigest()[:10]


def cached_archive(articles: int, log=print) -> Path:
    """The path of a synthetic archive with `articles` articles, built on first use."""
    folder = CACHE / f"scale-{articles}-{cache_key()}"
    path = folder / "caravan.db"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "building.db"
    for stale in folder.glob("building.db*"):
        stale.unlink()
    started = time.monotonic()
    build(partial, articles)
    partial.rename(path)
    log(f"  (built a {articles:,}-article synthetic archive in {time.monotonic() - started:.0f} s: {path})")
    return path


class Corpus:
    """Paragraphs, titles and leads of a 2,000-article sample site, each with its lemmas."""

    def __init__(self, pool_pages: int = 120):
        site = SampleSite(articles=2000)
        records = [a.expected_record() for a in site.articles.values()]
        self.paragraphs = sorted({p for r in records for p in paragraphs(r["body"])})
        self.paragraph_lemmas = [lemmas_of(p) for p in self.paragraphs]
        self.titles = sorted({r["title"] for r in records})
        self.leads = sorted({r["lead"] for r in records if r["lead"]})
        self.lead_lemmas = {lead: lemmas_of(lead) for lead in self.leads}
        self.title_lemmas = {title: lemmas_of(title) for title in self.titles}
        self.templates = records
        articles = list(site.articles.values())[:pool_pages]
        self.pages = [
            (render.article_today(a, site.anchor) if a.layout == "today" else render.article_legacy(a)).encode(
                a.encoding)
            for a in articles
        ]


def _rows(corpus: Corpus, count: int, dictionary_id: int, dictionary):
    """(article, content hash, capture, index entry) tuples for `count` articles, deterministic;
    article and index entry are None for a URL that was not an article."""
    rng = random.Random(300_000)
    # Post ids grow with time, as WordPress gives them; about 90 articles a day, newest last.
    start = datetime(2016, 1, 1, tzinfo=timezone(timedelta(hours=6)))
    span = timedelta(days=365 * 10)
    pages = [(page, len(page), hashlib.sha256(page).hexdigest(), captures.compress(page, dictionary)) for page in corpus.pages]
    doc_id = 0
    for n in range(count):
        article_id = 100_000 + 3 * n
        template = corpus.templates[n % len(corpus.templates)]
        chosen = rng.sample(range(len(corpus.paragraphs)), rng.randint(3, 7))
        body = "\n\n".join(corpus.paragraphs[i] for i in chosen)
        title, lead = rng.choice(corpus.titles), rng.choice(corpus.leads)
        published = (start + span * (n / count)).isoformat(timespec="seconds")
        url = f"https://www.caravan.kz/news/synthetic-{article_id}/"
        record = {**template, "url": url, "article_id": article_id, "edition": "ru", "title": title, "lead": lead,
                  "body": body, "published_at": published, "modified_at": published,
                  "views": rng.randint(90, 25000), "word_count": word_count(body)}
        page, size, sha, stored = pages[n % len(pages)]
        capture = (n + 1, "ru", article_id, url, 200, "text/html; charset=UTF-8", FETCHED, sha, size, "zstd",
                   dictionary_id, stored, RUN_ID)
        if rng.random() < NOT_ARTICLE_SHARE:
            yield None, None, capture, None
            continue
        doc_id += 1  # the search index's rowid: 1, 2, 3… in the order articles were stored
        # The index entry archive.index_entry makes: the lemmas of title, lead and body, column by column.
        body_lemmas = " ".join(corpus.paragraph_lemmas[i] for i in chosen)
        yield record, content_hash(record), capture, (doc_id, corpus.title_lemmas[title],
                                                      corpus.lead_lemmas[lead], body_lemmas)


FETCHED = "2026-01-21T07:00:00+00:00"
UNPUBLISHED_AT = "2026-01-22T07:00:00+00:00"


def build(path: Path, count: int) -> None:
    Archive(path).close()  # the project's schema: every migration applied
    corpus = Corpus()
    steps = parse_schedule(DEFAULT_SCHEDULE)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("INSERT INTO crawl_runs (run_id, started_at, finished_at, status, mode, base_url, editions) "
                 "VALUES (?, ?, ?, 'finished', 'full', 'https://www.caravan.kz', 'ru')", [RUN_ID, FETCHED, FETCHED])
    # One dictionary, trained on the pool of pages, as the archive trains one on its captures.
    content = captures.train(corpus.pages)
    dictionary_id = conn.execute(
        "INSERT INTO capture_dictionaries (created_at, captures, samples, size, content) VALUES (?, ?, ?, ?, ?)",
        [FETCHED, len(corpus.pages), len(corpus.pages), len(content), content]).lastrowid
    record_fields = ("url", "article_id", "edition", "language", "title", "lead", "body", "published_at",
                     "modified_at", "category", "tags", "authors", "image_url", "image_credit", "views", "word_count")
    article_cols = record_fields + ("year", "layout", "parser_version", "content_hash", "first_seen_at",
                                    "fetched_at", "checked_at", "updated_at", "lastmod", "capture_id", "doc_id",
                                    "next_check_at", "status", "unpublished_at", "unpublished_reason")
    revision_cols = record_fields + ("fetched_at", "content_hash", "capture_id", "parser_version", "status")
    capture_cols = ("capture_id", "edition", "article_id", "url", "status", "content_type", "fetched_at", "sha256",
                    "size", "compression", "dictionary_id", "body", "run_id")
    listing_cols = ("edition", "article_id", "url", "sources", "first_listed_at", "last_listed_at", "lastmod",
                    "state", "reason", "state_at")
    event_cols = ("edition", "article_id", "event", "at", "reason", "url", "run_id")

    def statement(table: str, cols: tuple) -> str:
        return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"

    insert = {"articles": statement("articles", article_cols), "revisions": statement("revisions", revision_cols),
              "captures": statement("captures", capture_cols),
              "fts": "INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
              "views": statement("views", ("edition", "article_id", "checked_at", "views", "run_id")),
              "listings": statement("listings", listing_cols),
              "status_changes": statement("status_changes", event_cols)}
    batch: dict[str, list] = {k: [] for k in insert}

    def flush():
        conn.execute("BEGIN")
        for key, rows in batch.items():
            conn.executemany(insert[key], rows)
            rows.clear()
        conn.execute("COMMIT")

    rng = random.Random(12)
    for n, (record, digest, capture, fts) in enumerate(_rows(corpus, count, dictionary_id, captures.load(content)),
                                                       start=1):
        batch["captures"].append(capture)
        article_id, url = capture[2], capture[3]
        if record is None:
            batch["listings"].append(("ru", article_id, url, "sitemap", FETCHED, FETCHED, None, "not_article",
                                      "not an article when last fetched", FETCHED))
            continue
        stored = {k: json.dumps(v, ensure_ascii=False) if k in ("tags", "authors") and v is not None else v
                  for k, v in record.items()}
        values = [stored[k] for k in record_fields]
        published = record["published_at"]
        gone = rng.random() < UNPUBLISHED_SHARE
        checked = UNPUBLISHED_AT if gone else FETCHED
        batch["articles"].append(values + [
            int(published[:4]), "today", PARSER_VERSION, digest, FETCHED, FETCHED, checked,
            checked, published, capture[0], fts[0], next_check(checked, published, steps),
            "unpublished" if gone else "live", UNPUBLISHED_AT if gone else None, "http_404" if gone else None])
        revision = values + [FETCHED, digest, capture[0], PARSER_VERSION, "live"]
        batch["revisions"].append(revision)
        if n % int(1 / SECOND_REVISION_SHARE) == 0:
            batch["revisions"].append(values + ["2026-01-22T07:00:00+00:00", digest[::-1], capture[0],
                                                PARSER_VERSION, "live"])
        batch["fts"].append(fts)
        batch["views"].append(("ru", article_id, FETCHED, record["views"], RUN_ID))
        batch["listings"].append(("ru", article_id, url, "sitemap", FETCHED, checked, published,
                                  "unpublished" if gone else "archived", "http_404" if gone else None, checked))
        if gone:
            batch["status_changes"].append(("ru", article_id, "unpublished", UNPUBLISHED_AT, "http_404", url, RUN_ID))
        if n % 20_000 == 0:
            flush()
    flush()
    conn.execute("ANALYZE")
    conn.close()
