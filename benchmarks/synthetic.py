"""A synthetic archive of N articles built straight into SQLite, for figures at the real site's scale.

The schema is the project's own (the archive's migrations are applied first), the text is the
sample site's Russian paragraphs recombined per article, and the search index holds the same
columns and lemmas a crawl writes. Captures reuse a pool of rendered sample pages, compressed
the way the archive compresses them, so the file's size per article is close to a crawled one.

Builds are cached by size under CARAVAN_BENCH_DIR (default: the system temp dir), outside the
repository; a rebuild happens only when this file changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from caravan_spider import captures
from caravan_spider.archive import Archive, content_hash
from caravan_spider.parsing import PARSER_VERSION
from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import SampleSite
from caravan_spider.search import lemmas_of
from caravan_spider.text import paragraphs, word_count

CACHE = Path(os.environ.get("CARAVAN_BENCH_DIR") or Path(tempfile.gettempdir()) / "caravan-bench")
NOT_ARTICLE_SHARE = 0.01  # article URLs that answered «Страница не найдена»: captures, no article row
SECOND_REVISION_SHARE = 0.05  # articles edited once after publication


def cache_key() -> str:
    """Changes when this builder changes; newer migrations are applied to a cached build, as
    they would be to a real archive."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:10]


def cached_archive(articles: int, log=print) -> Path:
    """The path of a synthetic archive with `articles` articles, built on first use."""
    folder = CACHE / f"scale-{articles}-{cache_key()}"
    path = folder / "caravan.db"
    if path.exists():
        Archive(path).close()  # migrations added since the build
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
    """(article, revisions, capture, fts row) tuples for `count` articles, deterministic."""
    rng = random.Random(300_000)
    # Post ids grow with time, as WordPress gives them; about 90 articles a day, newest last.
    start = datetime(2016, 1, 1, tzinfo=timezone(timedelta(hours=6)))
    span = timedelta(days=365 * 10)
    fetched = "2026-01-21T07:00:00+00:00"
    pages = [(page, len(page), hashlib.sha256(page).hexdigest(), captures.compress(page, dictionary)) for page in corpus.pages]
    for n in range(count):
        article_id = 100_000 + 3 * n
        template = corpus.templates[n % len(corpus.templates)]
        chosen = rng.sample(range(len(corpus.paragraphs)), rng.randint(3, 7))
        body = "\n\n".join(corpus.paragraphs[i] for i in chosen)
        title, lead = rng.choice(corpus.titles), rng.choice(corpus.leads)
        published = (start + span * (n / count)).isoformat(timespec="seconds")
        url = f"https://www.caravan.kz/news/synthetic-{article_id}/"
        record = {**template, "url": url, "article_id": article_id, "title": title, "lead": lead, "body": body,
                  "published_at": published, "modified_at": published, "views": rng.randint(90, 25000),
                  "word_count": word_count(body)}
        page, size, sha, stored = pages[n % len(pages)]
        capture = (n + 1, article_id, url, 200, "text/html; charset=UTF-8", fetched, sha, size, "zstd",
                   dictionary_id, stored)
        if rng.random() < NOT_ARTICLE_SHARE:
            yield None, None, capture, None
            continue
        # The index entry archive.index_entry makes: the lemmas of title, lead and body, column by column.
        body_lemmas = " ".join(corpus.paragraph_lemmas[i] for i in chosen)
        yield record, content_hash(record), capture, (article_id, corpus.title_lemmas[title],
                                                      corpus.lead_lemmas[lead], body_lemmas)


def build(path: Path, count: int) -> None:
    Archive(path).close()  # the project's schema: every migration applied
    corpus = Corpus()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    # One dictionary, trained on the pool of pages, as the archive trains one on its captures.
    content = captures.train(corpus.pages)
    dictionary_id = conn.execute(
        "INSERT INTO capture_dictionaries (created_at, captures, samples, size, content) VALUES (?, ?, ?, ?, ?)",
        ["2026-01-21T07:00:00+00:00", len(corpus.pages), len(corpus.pages), len(content), content]).lastrowid
    record_fields = ("url", "article_id", "language", "title", "lead", "body", "published_at", "modified_at",
                     "category", "tags", "authors", "image_url", "image_credit", "views", "word_count")
    article_cols = record_fields + ("year", "layout", "parser_version", "content_hash", "first_seen_at",
                                    "fetched_at", "checked_at", "updated_at", "lastmod", "capture_id")
    revision_cols = record_fields[:1] + record_fields[2:] + ("article_id", "fetched_at", "content_hash",
                                                             "capture_id", "parser_version")
    capture_cols = ("capture_id", "article_id", "url", "status", "content_type", "fetched_at", "sha256", "size",
                    "compression", "dictionary_id", "body")
    insert = {
        "articles": f"INSERT INTO articles ({', '.join(article_cols)}) VALUES ({', '.join('?' * len(article_cols))})",
        "revisions": f"INSERT INTO revisions ({', '.join(revision_cols)}) "
                     f"VALUES ({', '.join('?' * len(revision_cols))})",
        "captures": f"INSERT INTO captures ({', '.join(capture_cols)}) VALUES ({', '.join('?' * len(capture_cols))})",
        "fts": "INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
    }
    batch: dict[str, list] = {k: [] for k in insert}

    def flush():
        conn.execute("BEGIN")
        for key, rows in batch.items():
            conn.executemany(insert[key], rows)
            rows.clear()
        conn.execute("COMMIT")

    fetched = "2026-01-21T07:00:00+00:00"
    for n, (record, digest, capture, fts) in enumerate(_rows(corpus, count, dictionary_id, captures.load(content)), start=1):
        batch["captures"].append(capture)
        if record is not None:
            stored = {k: json.dumps(v, ensure_ascii=False) if k in ("tags", "authors") and v is not None else v
                      for k, v in record.items()}
            values = [stored[k] for k in record_fields]
            batch["articles"].append(values + [int(record["published_at"][:4]), "today", PARSER_VERSION, digest,
                                               fetched, fetched, fetched, fetched, record["published_at"],
                                               capture[0]])
            revision = [values[0]] + values[2:] + [record["article_id"], fetched, digest, capture[0], PARSER_VERSION]
            batch["revisions"].append(revision)
            if n % int(1 / SECOND_REVISION_SHARE) == 0:
                batch["revisions"].append(revision[:-5] + [record["article_id"], "2026-01-22T07:00:00+00:00",
                                                          digest[::-1], capture[0], PARSER_VERSION])
            batch["fts"].append(fts)
        if n % 20_000 == 0:
            flush()
    flush()
    conn.execute("ANALYZE")
    conn.close()
