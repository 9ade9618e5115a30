"""The life of an article: rechecked on a schedule, unpublished and restored, edited (and shown as a
diff), read over time, accounted for in coverage — in both editions. Real crawls of the sample site."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import sqlite_utils

from caravan_spider.almaty import now as almaty_now
from caravan_spider.archive import Archive, Capture, Known, index_entry, migrations
from caravan_spider.sample_site.model import KAZAKH_COLLIDING_ID, SEED_ID, SampleSite
from caravan_spider.sample_site.server import serving
from caravan_spider.schedule import DEFAULT_SCHEDULE, interval, is_due, next_check, parse_schedule
from caravan_spider.search import lemma, lemmas_of
from caravan_spider.spiders.caravan import why_fetch

from conftest import ROOT, article_fetches, article_records, cli, crawl, in_process, rows
from test_datasette import Client

STEPS = parse_schedule(DEFAULT_SCHEDULE)
UTC = timezone.utc


def at(clock: datetime) -> tuple[str, str]:
    """crawl() arguments that make the run take `clock` as now for the schedule."""
    return "--set", f"CARAVAN_CLOCK={clock.isoformat(timespec='seconds')}"


def later(**delta) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


# --- the schedule and the plan, with the clock as a parameter ------------------------------------
def test_the_schedule_is_read_from_the_setting():
    assert STEPS[:3] == (timedelta(hours=1), timedelta(hours=6), timedelta(days=1))
    assert STEPS[-1] == timedelta(days=365) and len(STEPS) == 8
    assert parse_schedule("30m, 2w") == (timedelta(minutes=30), timedelta(weeks=2))
    for bad in ("1h,x", "6h,1h", "0h", ""):
        with pytest.raises(ValueError, match="recheck schedule"):
            parse_schedule(bad)


@pytest.mark.parametrize("age,wait", [
    (timedelta(minutes=5), timedelta(hours=1)), (timedelta(hours=5), timedelta(hours=1)),
    (timedelta(hours=7), timedelta(hours=6)), (timedelta(days=2), timedelta(days=1)),
    (timedelta(days=10), timedelta(days=7)), (timedelta(days=100), timedelta(days=90)),
    (timedelta(days=4000), timedelta(days=365)),
])
def test_the_wait_grows_with_the_age_of_the_article(age, wait):
    assert interval(age, STEPS) == wait


def test_the_next_check_is_stored_as_utc():
    assert next_check("2026-01-10T12:00:00+00:00", "2026-01-10T16:30:00+05:00", STEPS) == "2026-01-10T13:00:00+00:00"
    assert next_check("2026-01-20T12:00:00+00:00", "2026-01-10", STEPS) == "2026-01-27T12:00:00+00:00"
    assert next_check("2026-01-20T12:00:00+00:00", None, STEPS) == "2026-01-20T13:00:00+00:00"
    clock = datetime(2026, 1, 20, 13, tzinfo=UTC)
    assert is_due("2026-01-20T13:00:00+00:00", clock) and not is_due("2026-01-20T13:00:01+00:00", clock)
    assert is_due(None, clock)  # an archive from before schedules: asked once, then scheduled


def test_the_plan_asks_due_articles_and_everything_with_full():
    clock = datetime(2026, 3, 1, tzinfo=UTC)
    held = Known(None, '"e"', None, "2026-02-01T10:00:00+05:00", "2026-02-20T00:00:00+00:00",
                 "https://www.caravan.kz/news/x-1/", "2026-03-02T00:00:00+00:00", "live")
    assert why_fetch(None, None, now=clock) == "new"
    assert why_fetch(held, None, now=clock) is None
    assert why_fetch(held, None, now=clock + timedelta(days=1)) == "due"
    assert why_fetch(held, None, now=clock, full=True) == "full"
    assert why_fetch(held, "2026-02-25T00:00:00+00:00", now=clock) == "lastmod"
    gone = Known(None, None, None, None, "2026-02-20T00:00:00+00:00")  # only ever a not-found page
    assert why_fetch(gone, None, now=clock + timedelta(days=999)) is None


@pytest.mark.e2e
def test_due_articles_are_rechecked_as_the_clock_moves(tmp_path):
    site = SampleSite(articles=24, anchor=almaty_now().replace(tzinfo=None))
    newest = site.newest_first()
    age = {a.path: almaty_now() - a.published for a in newest}
    assert age[newest[0].path] < timedelta(hours=6) <= age[newest[1].path] < timedelta(days=1)
    with serving(site) as base_url:
        db = tmp_path / "caravan.db"
        assert crawl(db, base_url).returncode == 0
        mark = len(site.requests)
        assert crawl(db, base_url, *at(later(minutes=30))).returncode == 0
        assert article_fetches(site, mark) == []  # nothing is due yet
        mark = len(site.requests)
        assert crawl(db, base_url, *at(later(hours=2))).returncode == 0
        assert article_fetches(site, mark) == [(newest[0].path, 304)]  # an hour's wait for the youngest
        mark = len(site.requests)
        assert crawl(db, base_url, *at(later(hours=7))).returncode == 0
        assert sorted(article_fetches(site, mark)) == sorted((a.path, 304) for a in newest if age[a.path] < timedelta(days=1))
        mark = len(site.requests)
        assert crawl(db, base_url, "--full").returncode == 0
        assert len(article_fetches(site, mark)) == len(site.articles)  # --full still asks everything
    [row] = rows(db, "SELECT next_check_at, checked_at FROM articles WHERE article_id = ?", [newest[0].article_id])
    checked = datetime.fromisoformat(row["checked_at"])
    assert datetime.fromisoformat(row["next_check_at"]) - checked == interval(checked - newest[0].published, STEPS)


# --- unpublished and restored -------------------------------------------------------------------
@pytest.mark.e2e
def test_unpublished_articles_keep_their_text_and_come_back(tmp_path, request):
    site = SampleSite(articles=30)  # with four taken down, still more than one listing page
    stack = contextlib.ExitStack()
    request.addfinalizer(stack.close)  # a failed assertion must not leave the server running (pytest would hang)
    base_url = stack.enter_context(serving(site))
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    deleted, soft, moved, withdrawn = (a.article_id for a in site.newest_first()[2:6])
    for article_id, how in ((deleted, "404"), (soft, "soft404"), (moved, "redirect"), (withdrawn, "410")):
        site.unpublish(article_id, how)
    before = {r["article_id"]: r for r in rows(db, "SELECT article_id, body, content_hash FROM articles")}
    result = crawl(db, base_url, *at(later(days=400)))  # every article is due
    assert result.returncode == 0, result.stderr[-2000:]
    assert ", 4 unpublished" in result.stdout.splitlines()[0] and "restored" not in result.stdout.splitlines()[0]
    assert result.stderr.count(": marked unpublished") == 4  # a warning each, for cron to mail
    gone = rows(db, "SELECT article_id, status, unpublished_reason, unpublished_at, body, content_hash FROM articles "
                    "WHERE status = 'unpublished' ORDER BY article_id")
    assert {r["article_id"]: r["unpublished_reason"] for r in gone} == {
        deleted: "http_404", soft: "not found page", moved: "redirect to /news/", withdrawn: "http_410"}
    for r in gone:
        assert (r["body"], r["content_hash"]) == (before[r["article_id"]]["body"], before[r["article_id"]]["content_hash"])
        assert datetime.fromisoformat(r["unpublished_at"]).utcoffset() == timedelta(0)
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE status = 'live'") == [{"n": len(site.articles) - 4}]
    assert rows(db, "SELECT count(*) AS n FROM revisions WHERE article_id = ?", [deleted]) == [{"n": 1}]
    [run] = rows(db, "SELECT status, articles_unpublished, articles_restored, articles_failed FROM crawl_runs "
                     "WHERE run_id = 2")
    assert run == {"status": "finished", "articles_unpublished": 4, "articles_restored": 0, "articles_failed": 0}
    # The answers are kept as evidence.
    assert sorted(r["status"] for r in rows(db, "SELECT status FROM captures WHERE run_id = 2 AND article_id IN "
                                                "(?, ?, ?, ?)", [deleted, soft, moved, withdrawn])) == [200, 301, 404, 410]

    site.restore(deleted)
    result = crawl(db, base_url, *at(later(days=800)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert ", 1 restored" in result.stdout.splitlines()[0] and "unpublished" not in result.stdout.splitlines()[0]
    assert "unpublished" not in result.stderr  # the three still gone were rechecked: no news, no warning
    assert rows(db, "SELECT count(*) AS n FROM captures WHERE run_id = 3 AND status IN (301, 404, 410)") == [{"n": 2}]
    [back] = rows(db, "SELECT status, unpublished_at, unpublished_reason FROM articles WHERE article_id = ?", [deleted])
    assert back == {"status": "live", "unpublished_at": None, "unpublished_reason": None}
    events = rows(db, "SELECT event, reason, gap_started_at, at, run_id FROM status_changes WHERE article_id = ? "
                      "ORDER BY event_id", [deleted])
    assert [(e["event"], e["reason"], e["run_id"]) for e in events] == [("unpublished", "http_404", 2),
                                                                        ("restored", "http_404", 3)]
    assert events[1]["gap_started_at"] == events[0]["at"] < events[1]["at"]
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE status = 'unpublished'") == [{"n": 3}]
    stack.close()


def test_a_redirect_to_the_same_article_is_followed_not_unpublished(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    article = site.newest_first()[2]
    old_path = article.path
    site.rename(article.article_id, article.slug + "-obnovleno")
    mark = len(site.requests)
    assert crawl(db, base_url, *at(later(days=400))).returncode == 0
    assert [(p, s) for _, p, s in site.requests[mark:] if str(article.article_id) in p] == [
        (old_path, 301), (site.articles[article.article_id].path, 200)]
    [row] = rows(db, "SELECT status, url FROM articles WHERE article_id = ?", [article.article_id])
    assert row == {"status": "live", "url": site.articles[article.article_id].url}
    assert rows(db, "SELECT count(*) AS n FROM status_changes") == [{"n": 0}]


def test_a_headline_quoting_a_not_found_page_is_the_article_s_own(fresh_site, tmp_path):
    """A headline that quotes «Страница не найдена», «Ошибка 404» or «Page not found» is news about a
    broken site, not the site saying the article is gone: the edit is stored, the article stays live,
    and a new article with such a headline is archived."""
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    edited = site.newest_first()[3]
    old_title = edited.title
    title = "«Страница не найдена»: сайты трёх акиматов не открываются третий день"
    site.retitle(edited.article_id, title)
    new = site.publish("«Ошибка 404» и Page not found: почему не работает портал госуслуг", [
        "Портал государственных услуг второй день отвечает жителям страницей с ошибкой.",
        "В министерстве цифрового развития сообщили, что сбой вызван обновлением серверов в дата-центре "
        "Астаны. Работу портала обещают восстановить до конца недели, а заявки принимают в ЦОНах."])
    mark = len(site.requests)
    result = crawl(db, base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(article_fetches(site, mark)) == sorted([(edited.path, 200), (new.path, 200)])
    archived = article_records(db)
    assert archived[edited.article_id] == site.articles[edited.article_id].expected_record()
    assert archived[edited.article_id]["title"] == title and archived[edited.article_id]["status"] == "live"
    assert archived[new.article_id] == new.expected_record()
    assert [r["title"] for r in rows(db, "SELECT title FROM revisions WHERE article_id = ? ORDER BY revision_id",
                                     [edited.article_id])] == [old_title, title]
    [run] = rows(db, "SELECT status, articles_new, articles_updated, articles_unpublished FROM crawl_runs "
                     "WHERE run_id = 2")
    assert run == {"status": "finished", "articles_new": 1, "articles_updated": 1, "articles_unpublished": 0}
    assert rows(db, "SELECT count(*) AS n FROM status_changes") == [{"n": 0}]


def test_the_word_diff_marks_words_and_escapes_everything():
    from caravan_spider.diff import changes, word_diff

    assert word_diff("Первый абзац.\n\nВторой абзац.", "Первый <i>абзац</i>.\n\nВторой абзац.") == (
        "Первый <del>абзац.</del> <ins>&lt;i&gt;абзац&lt;/i&gt;.</ins><br><br>Второй абзац.")
    assert word_diff("a b c", "b c d") == "<del>a</del> b c <ins>d</ins>"
    assert word_diff("a  b\tc", "a b c") == "a b c"  # whitespace alone is no change
    found = changes({"title": "A", "tags": '["x"]', "body": "same"}, {"title": "A", "tags": '["x", "y"]', "body": "same"})
    assert [(c.field, c.old, c.new, str(c.diff)) for c in found] == [("tags", "x", "x · y", "x <ins>· y</ins>")]


def test_the_body_diff_shows_changed_paragraphs_with_one_around_and_counts_the_rest():
    from caravan_spider.diff import paragraph_diff

    old = "\n\n".join(f"p{n}" for n in range(1, 8))
    assert paragraph_diff(old, old.replace("p4", "p4 x")) == (
        '<p class="unchanged">2 unchanged paragraphs</p><p>p3</p><p>p4 <ins>x</ins></p><p>p5</p>'
        '<p class="unchanged">2 unchanged paragraphs</p>')
    # A paragraph appended, two removed, the first edited; a lone unchanged paragraph is shown, not counted.
    assert paragraph_diff("a\n\nb", "a\n\nb\n\nc") == "<p>a</p><p>b</p><p><ins>c</ins></p>"
    assert paragraph_diff("a\n\nb\n\nc\n\nd", "a\n\nd") == "<p>a <del>b c</del></p><p>d</p>"
    assert paragraph_diff("a <b>\n\nb\n\nc", "a\n\nb\n\nc") == (
        "<p>a <del>&lt;b&gt;</del></p><p>b</p><p>c</p>")


# --- views over time ------------------------------------------------------------------------------
def test_views_are_recorded_across_three_runs(fresh_site, tmp_path):
    site, base_url = fresh_site
    db = tmp_path / "caravan.db"
    read, untouched = site.newest_first()[0], site.newest_first()[1]
    seen = [read.views]
    assert crawl(db, base_url).returncode == 0
    for more in (250, 40):
        site.add_views(read.article_id, more)
        seen.append(seen[-1] + more)
        assert crawl(db, base_url, *at(later(days=400))).returncode == 0
    views = rows(db, "SELECT views, checked_at, run_id FROM views WHERE article_id = ? ORDER BY checked_at, rowid",
                 [read.article_id])
    assert [(v["views"], v["run_id"]) for v in views] == [(seen[0], 1), (seen[1], 2), (seen[2], 3)]
    assert all(datetime.fromisoformat(v["checked_at"]).utcoffset() == timedelta(0) for v in views)
    assert rows(db, "SELECT views FROM articles WHERE article_id = ?", [read.article_id]) == [{"views": seen[2]}]
    # The untouched article answered 304 twice: no view count seen, no row.
    assert [s for _, p, s in site.requests if p == untouched.path] == [200, 304, 304]
    assert rows(db, "SELECT views, run_id FROM views WHERE article_id = ?", [untouched.article_id]) == [
        {"views": untouched.views, "run_id": 1}]


# --- coverage -------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_coverage_accounts_for_every_listed_post_in_every_state(tmp_path):
    site = SampleSite(articles=60)  # more than the two listing pages read each run
    db = tmp_path / "caravan.db"
    broken = site.newest_first()[1]
    site.fail(broken.path, 500, times=10)
    no_retry = ("--set", "RETRY_TIMES=0")
    # Listed only in the sitemap (past the 40 posts of the two listing pages, one of which leaves them
    # before the second run), last changed before 2025: outside both --since windows, never fetched.
    since = datetime(2025, 1, 1, tzinfo=almaty_now().tzinfo)
    old = {a.article_id for a in site.newest_first()[41:] if a.modified < since}
    with serving(site) as base_url:
        result = crawl(db, base_url, "--since", "2026-01-01", *no_retry)
        assert result.returncode == 0, result.stderr[-2000:]
        unpublished = site.newest_first()[0]
        site.unpublish(unpublished.article_id, "404")
        result = crawl(db, base_url, "--since", "2025-01-01", *no_retry, *at(later(days=400)))
        assert result.returncode == 0, result.stderr[-2000:]

    out = cli("coverage", "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    lines = json.loads(out.stdout)
    by_id = {line["article_id"]: line for line in lines}
    assert {"article_id", "edition", "url", "state", "reason"} <= set(lines[0])
    assert {line["state"] for line in lines} == {"archived", "not_article", "failed", "pending", "unpublished"}
    assert all((line["reason"] is None) == (line["state"] == "archived") for line in lines)
    assert all(line["edition"] == "ru" for line in lines)
    assert (by_id[broken.article_id]["state"], by_id[broken.article_id]["reason"]) == ("failed", "http_500")
    assert (by_id[unpublished.article_id]["state"], by_id[unpublished.article_id]["reason"]) == ("unpublished",
                                                                                               "http_404")
    assert by_id[845001]["state"] == "not_article" and by_id[845001]["reason"].startswith("not found page")
    assert old and {i for i, line in by_id.items() if line["state"] == "pending"} == old
    assert {by_id[i]["reason"] for i in old} == {"listed; not fetched yet"}
    assert not rows(db, f"SELECT 1 FROM captures WHERE article_id IN ({','.join(map(str, old))})")
    assert by_id[SEED_ID] == {**by_id[SEED_ID], "state": "archived", "reason": None,
                              "url": site.articles[SEED_ID].url}
    # Every post the site lists is accounted for (the unpublished one has left its sitemap, not our table).
    assert set(by_id) == set(site.articles) | {845001}

    summary = cli("coverage", "--db", str(db))
    assert summary.returncode == 0
    counts = {line.split()[0]: int(line.split()[1]) for line in summary.stdout.splitlines()[1:]}
    assert counts == {"archived": len(site.articles) - 2 - len(old), "not_article": 1, "failed": 1,
                      "pending": len(old), "unpublished": 1, "listed": len(site.articles) + 1}
    # An unexplained listed post cannot be stored.
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE listings SET state = 'failed', reason = NULL WHERE article_id = ?", [SEED_ID])
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE listings SET state = 'lost' WHERE article_id = ?", [SEED_ID])
    conn.close()


def test_coverage_is_read_only_and_names_a_missing_archive(crawled, tmp_path):
    before = crawled["db"].read_bytes()
    assert in_process("coverage", "--db", str(crawled["db"])).returncode == 0
    assert in_process("coverage", "--db", str(crawled["db"]), "--json").returncode == 0
    assert crawled["db"].read_bytes() == before
    missing = in_process("coverage", "--db", str(tmp_path / "none.db"))
    assert missing.returncode in (2, 64) and "does not exist" in missing.stderr and "Traceback" not in missing.stderr


# --- both editions ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """Both editions of the sample site, crawled into one archive."""
    ru, kk = SampleSite(articles=24), SampleSite(articles=24, edition="kk")  # more than a listing page each
    with serving(ru) as ru_url, serving(kk) as kk_url:
        db = tmp_path_factory.mktemp("both") / "caravan.db"
        result = crawl(db, f"ru={ru_url}", "--base-url", f"kk={kk_url}")
        assert result.returncode == 0, result.stderr[-3000:]
    return {"db": db, "ru": ru, "kk": kk}


@pytest.mark.e2e
def test_both_editions_are_archived_with_a_colliding_id(both):
    db, ru, kk = both["db"], both["ru"], both["kk"]
    assert KAZAKH_COLLIDING_ID in ru.articles and KAZAKH_COLLIDING_ID in kk.articles
    held = {(r["edition"], r["article_id"]) for r in rows(db, "SELECT edition, article_id FROM articles")}
    assert held == {("ru", i) for i in ru.articles} | {("kk", i) for i in kk.articles}
    # Datasette's _search_<column>= joins the index on the table's rowid: it must be the doc_id.
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE rowid != doc_id") == [{"n": 0}]
    for edition, site in (("ru", ru), ("kk", kk)):
        [row] = rows(db, "SELECT * FROM articles WHERE edition = ? AND article_id = ?", [edition, KAZAKH_COLLIDING_ID])
        expected = site.articles[KAZAKH_COLLIDING_ID].expected_record()
        assert {k: row[k] for k in ("url", "edition", "language", "title", "body", "published_at", "views")} == {
            k: expected[k] for k in ("url", "edition", "language", "title", "body", "published_at", "views")}
    kazakh = {r["article_id"]: r for r in rows(db, "SELECT * FROM articles WHERE edition = 'kk'")}
    for article_id, article in kk.articles.items():
        record = {**kazakh[article_id], "tags": json.loads(kazakh[article_id]["tags"]), "authors": None}
        assert {k: record[k] for k in article.expected_record()} == article.expected_record()
    [run] = rows(db, "SELECT editions, base_url, articles_new FROM crawl_runs")
    assert run["editions"] == "ru,kk" and run["articles_new"] == 48 and "kk=http://127.0.0.1:" in run["base_url"]


@pytest.mark.e2e
def test_export_search_and_coverage_know_the_edition(both):
    db = both["db"]
    lines = [json.loads(line) for line in cli("export", "--db", str(db)).stdout.splitlines()]
    assert len(lines) == 48 and {line["edition"] for line in lines} == {"ru", "kk"}
    assert sum(line["article_id"] == KAZAKH_COLLIDING_ID for line in lines) == 2
    kazakh = [json.loads(line) for line in cli("export", "--db", str(db), "--edition", "kk").stdout.splitlines()]
    assert len(kazakh) == 24 and all(line["edition"] == "kk" and line["status"] == "live" for line in kazakh)
    found = cli("search", "ауруханасы", "--db", str(db))
    assert found.returncode == 0 and "  kk  " in found.stdout and "kaz.caravan.kz/art/" in found.stdout
    russian = cli("search", "миротворцы", "--db", str(db), "--edition", "ru")
    assert russian.returncode == 0 and f"-{SEED_ID}/" in russian.stdout
    assert cli("search", "ауруханасы", "--db", str(db), "--edition", "ru").returncode == 1
    coverage = json.loads(cli("coverage", "--db", str(db), "--json").stdout)
    assert {(c["edition"], c["state"]) for c in coverage if c["article_id"] == KAZAKH_COLLIDING_ID} == {
        ("ru", "archived"), ("kk", "archived")}


@pytest.mark.e2e
def test_a_fixture_is_made_from_the_chosen_editions_capture(both, tmp_path):
    db = both["db"]
    made = {}
    for edition in ("ru", "kk"):
        result = cli("fixture", str(KAZAKH_COLLIDING_ID), "--edition", edition, "--db", str(db),
                     "--pages", str(tmp_path))
        assert result.returncode == 0, result.stderr
        folder = tmp_path / (f"article-{KAZAKH_COLLIDING_ID}" if edition == "ru" else f"kk-article-{KAZAKH_COLLIDING_ID}")
        made[edition] = json.loads((folder / "expected.json").read_text("utf-8"))
    for edition, site in (("ru", both["ru"]), ("kk", both["kk"])):
        expected = site.articles[KAZAKH_COLLIDING_ID].expected_record()
        assert {k: made[edition][k] for k in ("url", "edition", "title")} == {k: expected[k] for k in ("url", "edition", "title")}
    assert made["ru"]["url"] != made["kk"]["url"]


def test_a_problem_names_its_article_by_edition_and_id(tmp_path):
    archive = Archive(tmp_path / "caravan.db")
    try:
        archive.record_problem(1, "article", "much_shorter", "https://kaz.caravan.kz/art/x-5/", 5, "held back",
                               "digest", edition="kk")
        assert archive.was_held_back(5, "digest", "kk") and not archive.was_held_back(5, "digest", "ru")
        assert [(p["edition"], p["article_id"], p["kind"]) for p in archive.problems(1)] == [("kk", 5, "much_shorter")]
        # m5c's indexes by article_id alone are gone: readers go through (edition, article_id).
        indexes = {r["name"] for r in archive.db.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not {"idx_articles_known", "idx_captures_article_fetched"} & indexes
        assert {"idx_articles_known_by_edition", "idx_captures_edition_article_fetched"} <= indexes
    finally:
        archive.close()


def test_kazakh_text_is_indexed_as_written_and_russian_by_lemma():
    assert lemmas_of("Мектептің ашылуы көптен күткен", "kk") == "мектептің ашылуы көптен күткен"
    assert lemmas_of("Миротворцы приехали", "ru") == "миротворец приехать"
    # A Kazakh word in a Russian text is left alone: the Russian dictionary would only guess.
    assert lemmas_of("Керуен жаңалықтары", "ru") == f"{lemma('керуен')} жаңалықтары"


def _config_dir(tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(ROOT / "archive", folder, ignore=shutil.ignore_patterns("*.db", "*.db-*", "*.lock"))
    return folder


@pytest.mark.e2e
def test_datasette_facets_by_edition(both, tmp_path):
    folder = _config_dir(tmp_path)
    shutil.copy(both["db"], folder / "caravan.db")
    ds = Client(folder)
    data = ds.get("/caravan/articles.json?_size=0").json()
    assert {f["value"]: f["count"] for f in data["facet_results"]["edition"]["results"]} == {"ru": 24, "kk": 24}
    row = ds.get(f"/caravan/articles/kk,{KAZAKH_COLLIDING_ID}")
    assert row.status_code == 200 and both["kk"].articles[KAZAKH_COLLIDING_ID].title in row.text


@pytest.mark.e2e
def test_a_bare_base_url_with_both_editions_is_refused(tmp_path):
    result = cli("crawl", "--db", str(tmp_path / "c.db"), "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 64  # bad input
    assert "is ambiguous with --edition all" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "c.db").exists()


# --- edits a reader can see -------------------------------------------------------------------
def test_an_edit_is_shown_as_a_word_diff_reachable_from_the_article(fresh_site, tmp_path):
    site, base_url = fresh_site
    folder = _config_dir(tmp_path)
    db = folder / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    edited = site.newest_first()[3]
    site.edit(edited.article_id, "Редакция дополнила материал: <b>комментарием</b> министерства.")
    assert crawl(db, base_url).returncode == 0
    ds = Client(folder)
    row = ds.get(f"/caravan/articles/ru,{edited.article_id}")
    link = f"/-/changes/ru/{edited.article_id}"
    assert row.status_code == 200 and f'href="{link}"' in row.text
    page = ds.get(link)
    assert page.status_code == 200
    assert ("<ins>Редакция дополнила материал: &lt;b&gt;комментарием&lt;/b&gt; министерства.</ins>"
            in page.text.replace("<br><br>", " "))
    assert "<b>комментарием" not in page.text
    assert "<td>body</td>" in page.text and "<td>title</td>" not in page.text
    assert "Revision 2:" in page.text
    assert ds.get("/-/changes/ru/1").status_code == 404


@pytest.mark.e2e
def test_a_feed_of_changed_and_unpublished_articles(fresh_site, tmp_path):
    site, base_url = fresh_site
    folder = _config_dir(tmp_path)
    db = folder / "caravan.db"
    assert crawl(db, base_url).returncode == 0
    edited, removed = site.newest_first()[3], site.newest_first()[4]
    site.edit(edited.article_id, "Редакция дополнила материал комментарием министерства.")
    site.unpublish(removed.article_id, "410")
    assert crawl(db, base_url, *at(later(days=400))).returncode == 0
    feed = Client(folder).get("/caravan/recent_changes.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/xml")
    titles = re.findall(r"<title>([^<]*)</title>", feed.text)
    assert sorted(titles[1:]) == sorted([f"Edited: {edited.title}", f"Unpublished: {removed.title}"])
    assert "no longer shows this article (http_410)" in feed.text
    # An entry keeps its id when the archive is re-extracted (revisions are rebuilt with new ids):
    # a feed reader would show every edit again.
    ids = re.findall(r"<id>([^<]*)</id>", feed.text)
    (edit,) = rows(db, "SELECT capture_id FROM revisions WHERE article_id = ? ORDER BY fetched_at DESC LIMIT 1",
                   [edited.article_id])
    assert f"caravan-archive:ru:capture:{edit['capture_id']}" in ids
    result = cli("reextract", "--db", str(db))
    # The unpublished article stays so, and is not reported as changed (its page parses as live).
    assert (result.returncode, result.stdout.splitlines()[0]) == (0, "Re-extracted 24 articles: 0 changed, 0 added.")
    assert rows(db, "SELECT status FROM articles WHERE article_id = ?", [removed.article_id]) == [
        {"status": "unpublished"}]
    assert re.findall(r"<id>([^<]*)</id>", Client(folder).get("/caravan/recent_changes.atom").text) == ids


# --- an archive made before all this ------------------------------------------------------------
def test_an_archive_from_before_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m6a_editions_and_the_life_of_articles")
    assert "listings" not in db.table_names() and db["articles"].pks == ["article_id"]
    record = {"url": "https://www.caravan.kz/news/x-845713/", "language": "ru", "title": "Фестиваль миротворцев",
              "lead": None, "body": "Миротворцы приехали на фестиваль.", "published_at": "2025-07-24T09:40:00+05:00",
              "views": 7, "word_count": 4}
    db["articles"].insert({"article_id": 845713, **record, "first_seen_at": "2026-01-01T00:00:00+00:00",
                           "fetched_at": "2026-01-01T00:00:00+00:00", "checked_at": "2026-01-02T00:00:00+00:00",
                           "content_hash": "h"})
    db["revisions"].insert({"article_id": 845713, **record, "fetched_at": "2026-01-01T00:00:00+00:00"})
    # The index as m4a made it: lemmas of title, lead and body, rowid = article_id.
    db.execute("INSERT INTO articles_fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
               index_entry({"article_id": 845713, **record}))
    db.close()
    archive = Archive(path)
    try:
        assert archive.db["articles"].pks == ["edition", "article_id"]
        [row] = archive.db.query("SELECT edition, status, doc_id, next_check_at FROM articles")
        assert row == {"edition": "ru", "status": "live", "doc_id": 845713, "next_check_at": "2026-04-02T00:00:00+00:00"}
        assert [r["article_id"] for r in archive.search("миротворец")] == [845713]
        assert list(archive.db.query("SELECT edition, status FROM revisions")) == [{"edition": "ru", "status": "live"}]
        assert list(archive.db.query("SELECT article_id, views FROM views")) == [{"article_id": 845713, "views": 7}]
        assert list(archive.db.query("SELECT state, reason FROM listings")) == [{"state": "archived", "reason": None}]
        assert archive.article_record(("ru", 845713))["edition"] == "ru"
    finally:
        archive.close()


def _record(**changes) -> dict:
    """A small article record of post 845713, as the parser gives it."""
    return {"url": "https://www.caravan.kz/news/x-845713/", "article_id": 845713, "edition": "ru", "language": "ru",
            "title": "Т", "lead": None, "body": "Первый абзац.", "published_at": None, "modified_at": None,
            "category": None, "tags": None, "authors": None, "image_url": None, "image_credit": None, "views": 3,
            "word_count": 2, "status": "live", **changes}


def test_a_failed_recheck_of_a_held_article_leaves_it_archived(tmp_path):
    archive = Archive(tmp_path / "caravan.db")
    try:
        record = _record()
        archive.record_listed([("ru", 845713, record["url"], None), ("ru", 845714, "https://www.caravan.kz/news/y-845714/",
                                                                     None)], "sitemap", "2026-01-01T00:00:00+00:00")
        archive.record_listed([("ru", 845713, record["url"], "2026-01-02")], "feed", "2026-01-02T00:00:00+00:00")
        archive.store(Capture(edition="ru", article_id=845713, url=record["url"], status=200,
                              fetched_at="2026-01-02T00:00:00+00:00", body=b"<html></html>"), record, "today", "v", None)
        for article_id in (845713, 845714):
            archive.listing_state("ru", article_id, "failed", "http_500", "2026-01-03T00:00:00+00:00")
        assert [(r["article_id"], r["state"], r["reason"], r["sources"]) for r in archive.coverage()] == [
            (845713, "archived", None, "sitemap,feed"), (845714, "failed", "http_500", "sitemap")]
    finally:
        archive.close()


def test_a_listed_post_keeps_the_url_last_listed(tmp_path):
    # The site renamed the post (a new slug, the same id): coverage names where it is now.
    archive = Archive(tmp_path / "caravan.db")
    try:
        archive.record_listed([("ru", 845713, "https://www.caravan.kz/news/old-845713/", None)], "sitemap",
                              "2026-01-01T00:00:00+00:00")
        archive.record_listed([("ru", 845713, "https://www.caravan.kz/news/new-845713/", None)], "feed",
                              "2026-01-02T00:00:00+00:00")
        assert [(r["url"], r["sources"], r["first_listed_at"]) for r in archive.coverage()] == [
            ("https://www.caravan.kz/news/new-845713/", "sitemap,feed", "2026-01-01T00:00:00+00:00")]
    finally:
        archive.close()


def test_what_the_archive_knows_reads_back_every_column_of_each_article(tmp_path):
    # Known tuples are made only when asked (KnownArticles): each must hold what the row holds.
    archive = Archive(tmp_path / "caravan.db")
    try:
        archive.db.execute(
            "INSERT INTO articles (rowid, doc_id, edition, article_id, url, status, next_check_at, lastmod, etag, "
            "last_modified, published_at, fetched_at) VALUES (1, 1, 'kk', 7, 'https://kaz.caravan.kz/news/x-7/', "
            "'unpublished', '2026-03-01T00:00:00+00:00', '2026-02-01T10:00:00+05:00', '\"v1\"', "
            "'Mon, 20 Jan 2025 05:00:00 GMT', '2026-01-31T10:00:00+05:00', '2026-02-02T00:00:00+00:00')")
        archive.db.execute("INSERT INTO articles (rowid, doc_id, edition, article_id, url, status) "
                           "VALUES (2, 2, 'ru', 7, 'https://www.caravan.kz/news/y-7/', 'live')")
        for fetched_at, status in (("2026-02-01T00:00:00+00:00", 200), ("2026-02-03T00:00:00+00:00", 404)):
            archive.store(Capture(edition="ru", url="https://www.caravan.kz/news/z-9/", status=status, fetched_at=fetched_at,
                                  body=b"<html></html>", article_id=9), None, None, "v", None)
        known = archive.known(urls_due_by="2026-03-02T00:00:00+00:00")
        assert known[("kk", 7)] == Known("2026-02-01T10:00:00+05:00", '"v1"', "Mon, 20 Jan 2025 05:00:00 GMT",
                                         "2026-01-31T10:00:00+05:00", "2026-02-02T00:00:00+00:00",
                                         "https://kaz.caravan.kz/news/x-7/", "2026-03-01T00:00:00+00:00", "unpublished")
        assert known[("ru", 7)] == Known(None, None, None, None, None, "https://www.caravan.kz/news/y-7/", None, "live")
        assert known[("ru", 9)] == Known(None, None, None, None, "2026-02-03T00:00:00+00:00", is_article=False,
                                         misses=2, gone=True)
        assert (len(known), sorted(known), ("ru", 8) in known, ("kk", 9) in known) == (
            3, [("kk", 7), ("ru", 7), ("ru", 9)], False, False)
        assert [key for key, _ in known.with_url()] == [("kk", 7), ("ru", 7)]  # what a recheck may ask, in order
        with pytest.raises(KeyError):
            known[("ru", 8)]
    finally:
        archive.close()


def test_a_value_holding_the_packing_separator_reads_back_whole(tmp_path):
    # What the archive knows is packed with char 31 between columns; Scrapy hands a header byte 0x1f
    # through (latin-1), and a sitemap's <lastmod>…&#31;…</lastmod> arrives as char 31 too. Such a
    # value must come back as stored, and the columns after it unshifted: split, the etag made
    # published_at the Last-Modified, the next check the fetch time and status a date.
    archive = Archive(tmp_path / "caravan.db")
    try:
        record = _record(published_at="2026-01-01T10:00:00+05:00")
        archive.store(Capture(edition="ru", article_id=845713, url=record["url"], status=200,
                              fetched_at="2026-01-02T00:00:00+00:00", body=b"<html></html>", etag='"a\x1fb"',
                              last_modified="Fri, 02 Jan\x1f2026 00:00:00 GMT"), record, "today", "v",
                      "2026-01-01\x1f12:00")
        record = {**record, "article_id": 845714, "url": "https://www.caravan.kz/news/y-845714/"}
        archive.store(Capture(edition="ru", article_id=845714, url=record["url"], status=200,
                              fetched_at="2026-01-02T00:00:00+00:00", body=b"<html></html>", etag='"plain"'),
                      record, "today", "v", None)
        # SQLite's printf ends a value at a NUL byte, which a header may hold too.
        record = {**record, "article_id": 845715, "url": "https://www.caravan.kz/news/z-845715/"}
        archive.store(Capture(edition="ru", article_id=845715, url=record["url"], status=200,
                              fetched_at="2026-01-02T00:00:00+00:00", body=b"<html></html>", etag='"a\x00b"'),
                      record, "today", "v", None)
        held = archive.article_record(("ru", 845713))
        (next_check_at,) = archive.db.execute("SELECT next_check_at FROM articles WHERE article_id = 845713").fetchone()
        known = archive.known(urls_due_by="2026-01-01T00:00:00+00:00")
        assert known[("ru", 845713)] == Known("2026-01-01\x1f12:00", '"a\x1fb"', "Fri, 02 Jan\x1f2026 00:00:00 GMT",
                                              held["published_at"], "2026-01-02T00:00:00+00:00", None,
                                              next_check_at, "live")
        assert (known[("ru", 845714)].etag, known[("ru", 845715)].etag) == ('"plain"', '"a\x00b"')
        assert (len(known), sorted(known), list(known.with_url())) == (
            3, [("ru", 845713), ("ru", 845714), ("ru", 845715)], [])
        # --full: every article carries its URL, the whole one too.
        assert [(key, held.url, held.etag) for key, held in archive.known().with_url()] == [
            (("ru", 845713), "https://www.caravan.kz/news/x-845713/", '"a\x1fb"'),
            (("ru", 845714), "https://www.caravan.kz/news/y-845714/", '"plain"'),
            (("ru", 845715), record["url"], '"a\x00b"')]
    finally:
        archive.close()


def test_only_articles_due_carry_their_url_into_a_run(tmp_path):
    # A run holds one Known per archived article; only a recheck needs the URL (300,000 URLs ≈ 40 MB).
    archive = Archive(tmp_path / "caravan.db")
    try:
        for doc_id, (article_id, due) in enumerate([(1, "2026-03-01T00:00:00+00:00"), (2, "2026-03-03T00:00:00+00:00"),
                                                    (3, None)], start=1):
            archive.db.execute("INSERT INTO articles (rowid, doc_id, edition, article_id, url, status, next_check_at) "
                               "VALUES (?, ?, 'ru', ?, ?, 'live', ?)",
                               [doc_id, doc_id, article_id, f"https://www.caravan.kz/news/x-{article_id}/", due])
        urls = {key: held.url for key, held in archive.known(urls_due_by="2026-03-02T00:00:00+00:00").items()}
        assert urls == {("ru", 1): "https://www.caravan.kz/news/x-1/", ("ru", 2): None,
                        ("ru", 3): "https://www.caravan.kz/news/x-3/"}  # never scheduled: due
        assert all(held.url for held in archive.known().values())  # --full: every URL
    finally:
        archive.close()
