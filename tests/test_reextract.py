"""Re-extraction: the archive outlives every version of the parser."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest

from caravan_spider.archive import Archive, index_entry
from caravan_spider.parsing.layouts.today import Today
from caravan_spider.reextract import reextract

from conftest import article_records, cli, crawl, on_a_terminal, rows


@pytest.mark.e2e
def test_reextract_with_the_same_parser_changes_nothing(archive_copy):
    before = article_records(archive_copy)
    result = cli("reextract", "--db", str(archive_copy))
    assert result.returncode == 0
    assert result.stdout.startswith("Re-extracted 50 articles: 0 changed, 0 added.")
    assert article_records(archive_copy) == before


@pytest.mark.slow
def test_a_parser_change_updates_exactly_the_affected_articles(archive_copy, crawled, monkeypatch):
    site = crawled["site"]
    with_subheadings = {a.article_id for a in site.articles.values()
                        if a.layout == "today" and any(kind == "h2" for kind, _ in a.blocks)}
    assert 5 < len(with_subheadings) < 42
    # A new rule in today's layout: subheadings are dropped from the text.
    monkeypatch.setattr(Today, "PRUNE", Today.PRUNE + ("//div[contains(@class,'FullArticle__text')]//h2",))
    archive = Archive(archive_copy)
    try:
        report = reextract(archive)
    finally:
        archive.close()
    assert set(report.changed) == with_subheadings
    assert set(map(tuple, report.changed.values())) == {("body", "word_count")}
    assert report.by_field() == {"body": len(with_subheadings), "word_count": len(with_subheadings)}
    assert (report.added, report.kept) == ([], {})
    seed = article_records(archive_copy)[845713]
    assert "Голанские высоты" not in seed["body"] and "Настоящим прорывом" in seed["body"]
    # The rebuilt revisions come from the captures: one per article, with the new parser's text.
    assert rows(archive_copy, "SELECT count(*) AS n FROM revisions") == [{"n": 50}]
    [revision] = rows(archive_copy, "SELECT body FROM revisions WHERE article_id = 845713")
    assert revision["body"] == seed["body"]
    # The search index follows.
    assert rows(archive_copy, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'Голанские'") == []


def indexed(db) -> list[tuple]:
    """What the search index holds (each lemma, where), not the content it links to."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.instances USING fts5vocab(main, articles_fts, instance)")
        return conn.execute("SELECT term, doc, col, offset FROM temp.instances ORDER BY 1, 2, 3, 4").fetchall()
    finally:
        conn.close()


@pytest.mark.e2e
def test_parallel_reextraction_gives_the_sequential_result(archive_copy, tmp_path):
    # Workers start from a fresh interpreter, so a monkeypatched parser would not reach them:
    # instead both runs must repair the same damaged rows, revisions and index.
    other = tmp_path / "other.db"
    shutil.copy(archive_copy, other)
    for db in (archive_copy, other):
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        # The index has external content: entries are replaced by handing FTS5 the lemmas it
        # indexed, so the damage keeps it consistent with the damaged rows (a plain DELETE would not).
        # Entries are keyed by doc_id, the rowid of an (edition, article_id) row.
        for row in conn.execute("SELECT doc_id, article_id, edition, title, lead, body FROM articles").fetchall():
            conn.execute("INSERT INTO articles_fts (articles_fts, rowid, title, lead, body) "
                         "VALUES ('delete', ?, ?, ?, ?)", index_entry(dict(row)))
            conn.execute("INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
                         index_entry({**dict(row), "title": "stale", "body": "stale"}))
        conn.execute("UPDATE articles SET title = 'stale', body = 'stale', word_count = 0")
        conn.execute("DELETE FROM revisions WHERE article_id % 2 = 0")
        conn.commit()
        conn.close()
    sequential = cli("reextract", "--db", str(archive_copy), "--jobs", "1")
    parallel = cli("reextract", "--db", str(other), "--jobs", "2")
    assert sequential.returncode == parallel.returncode == 0
    assert sequential.stdout == parallel.stdout
    assert sequential.stdout.startswith("Re-extracted 50 articles: 50 changed, 0 added.")
    for sql in ("SELECT * FROM articles ORDER BY article_id",
                "SELECT article_id, fetched_at, content_hash, capture_id, body FROM revisions ORDER BY revision_id"):
        a, b = rows(archive_copy, sql), rows(other, sql)
        for row in a + b:
            row.pop("updated_at", None)  # when the row was rebuilt
        assert a == b and len(a) >= 50
    index = indexed(archive_copy)
    assert index == indexed(other) and len({doc for _, doc, _, _ in index}) == 50
    assert not [term for term, *_ in index if term == "stale"]


@pytest.mark.e2e
def test_this_process_and_the_pool_rebuild_the_same_batches_in_the_same_order(archive_copy):
    """With --jobs N this process rebuilds batches itself while the workers start (workers.pool),
    then hands them to the pool: whichever made a batch, it is the same, in the archive's order."""
    from concurrent.futures import Future

    from caravan_spider import boilerplate, workers
    from caravan_spider.reextract import _rebuilt

    archive = Archive(archive_copy, create=False)
    try:
        furniture = boilerplate.load(archive)
        alone = list(_rebuilt(archive, None, 1, furniture, "all"))
        with workers.pool(2) as executor:
            executor.ready.result(timeout=120)
            pooled = list(_rebuilt(archive, executor, 2, furniture, "all"))
            executor.ready = Future()  # as if the workers were starting: this process rebuilds
            mixed = []
            for batch in _rebuilt(archive, executor, 2, furniture, "all"):
                mixed.append(batch)
                if len(mixed) == 2:
                    executor.ready.set_result(None)  # started: the pool rebuilds the rest
    finally:
        archive.close()
    assert [len(batch) for batch in alone] == [16, 16, 16, 3]
    assert pooled == alone and mixed == alone


@pytest.mark.e2e
def test_workers_that_cannot_start_leave_their_pool_ready_and_raise_nothing_in_their_thread():
    """The thread that starts a pool's workers (workers.pool) never dies with a traceback on stderr: a
    pool shut down first (a crawl that ends at once) or broken is `ready`, and its users' own
    submits say what is wrong."""
    from concurrent.futures import Future

    from caravan_spider import workers

    executor = workers.pool(1)
    executor.shutdown(wait=True)
    executor.ready = Future()
    workers._start(executor, 2)  # what the thread runs, here after the shutdown
    assert executor.ready.result(timeout=0) is None


@pytest.mark.e2e
def test_a_damaged_capture_stops_reextract_with_one_line_naming_it(archive_copy):
    conn = sqlite3.connect(archive_copy)
    conn.execute("DROP TRIGGER captures_never_altered")
    conn.execute("UPDATE captures SET body = substr(body, 1, 40) WHERE capture_id = 5")
    conn.commit()
    conn.close()
    for jobs in ("1", "2"):
        result = cli("reextract", "--db", str(archive_copy), "--jobs", jobs)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            f"Error: capture 5 in {archive_copy}: its zstd bytes cannot be read (Compressed data ended before the "
            "end-of-stream marker was reached); the archive is damaged: restore it from a backup"]


@pytest.mark.e2e
def test_a_damaged_capture_dictionary_stops_readers_with_one_line_naming_it(archive_copy, tmp_path):
    """A dictionary whose bytes are no zstd dictionary any more is damage like a cut capture: one
    line naming the capture, its dictionary and the archive, exit 1; it was a ValueError traceback."""
    conn = sqlite3.connect(archive_copy)
    [(dictionary_id,)] = conn.execute("SELECT dictionary_id FROM capture_dictionaries").fetchall()
    conn.execute("UPDATE capture_dictionaries SET content = zeroblob(100)")
    conn.commit()
    conn.close()
    for command in (["export", "--warc", "-o", str(tmp_path / "captures.warc.gz")], ["reextract"]):
        result = cli(*command, "--db", str(archive_copy))
        assert result.returncode == 1
        [line] = result.stderr.splitlines()
        assert line.startswith("Error: capture ") and line.endswith(
            f" in {archive_copy}: capture dictionary {dictionary_id} cannot be read (invalid Zstandard dictionary); "
            "the archive is damaged: restore it from a backup"), line


NOTICE = ["Национальный банк установил официальные курсы валют на сегодня для расчётов и учёта операций.",
          "Курс доллара США составил 507,05 тенге, курс евро составил 594,82 тенге, курс рубля составил 6,41 тенге.",
          "Официальные курсы действуют до следующего рабочего дня и применяются для бухгалтерского учёта и "
          "таможенных платежей во всех банках второго уровня страны.",
          "Обменные пункты устанавливают свои курсы покупки и продажи самостоятельно, поэтому они могут "
          "отличаться от официальных курсов Национального банка в любую сторону."]


def test_reextract_keeps_articles_that_learned_furniture_empties_and_names_them(fresh_site, tmp_path):
    """Twelve notices printed alike are a third of the site's pages: their lines are learned as furniture
    at the end of the crawl, and re-extracted they have no text left. reextract deleted them with every
    revision (the crawl keeps them); an edited one lost the revision whose page no longer parses. It
    keeps what is stored, writes nothing for them, and names them."""
    site, base_url = fresh_site
    notices = [site.publish(f"Курсы валют на {day} декабря", NOTICE) for day in range(1, 13)]
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    edited = notices[0].article_id
    site.edit(edited, "Редакция дополнила заметку: " + " ".join(f"подробность номер {n} о курсах и банках;"
                                                                  for n in range(40)))
    assert crawl(db, base_url).returncode == 0
    ids = [a.article_id for a in notices]
    stored = {sql: rows(db, sql, [json.dumps(ids)]) for sql in (
        f"SELECT * FROM {table} WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY {order}"
        for table, order in (("articles", "article_id"), ("revisions", "revision_id"), ("listings", "article_id"),
                             ("articles_fts JOIN articles ON articles_fts.rowid = articles.doc_id", "doc_id")))}
    assert [len(found) for found in stored.values()] == [12, 13, 12, 12]
    result = cli("reextract", "--db", str(db))
    assert result.returncode == 0, result.stderr
    first = {r["article_id"]: r["capture_id"] for r in rows(
        db, "SELECT article_id, min(capture_id) AS capture_id FROM captures WHERE status = 200 GROUP BY article_id")}
    assert result.stdout.splitlines() == [
        "Re-extracted 24 articles: 0 changed, 0 added; 12 kept as they were (a capture of theirs no longer parses "
        "as an article):", *(f"  {a.article_id}: capture {first[a.article_id]}: no article text (0 words)"
                             for a in notices)]
    assert {sql: rows(db, sql, [json.dumps(ids)]) for sql in stored} == stored
    assert rows(db, "SELECT count(*) AS n FROM articles") == [{"n": 36}]


@pytest.mark.e2e
def test_reextract_on_a_terminal_shows_its_progress_and_elsewhere_nothing(archive_copy):
    """A big archive takes a minute: a terminal sees articles done of all, on stderr, cleared at the end;
    a pipe or cron sees the report only."""
    status, shown, report = on_a_terminal("reextract", "--db", str(archive_copy), "--jobs", "1", piped_stdout=True)
    assert status == 0
    bars = [part.strip() for part in shown.split("\r") if part.strip()]
    assert bars and all(re.fullmatch(r"Re-extracting .* \d+/51 articles \[\d\d:\d\d<(\d\d:\d\d|\?)\]", bar)
                        for bar in bars), bars
    assert any(" 51/51 articles " in bar for bar in bars) and any(" 16/51 articles " in bar for bar in bars)
    assert report.startswith("Re-extracted 50 articles: 0 changed, 0 added.")
    quiet = cli("reextract", "--db", str(archive_copy))
    assert quiet.returncode == 0 and quiet.stderr == ""
