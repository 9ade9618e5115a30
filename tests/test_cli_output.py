"""What the CLI prints: a quiet crawl (bar on a terminal, summary, warnings), Scrapy's log on demand,
and the sqlite-utils-like --json/--csv of `runs` and `search`; `extract` of several pages or stdin."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from caravan_spider.progress import sibling

from conftest import PAGES, crawl, in_process, on_a_terminal


def test_a_quiet_crawl_prints_the_summary_and_nothing_else(fresh_site, tmp_path, monkeypatch):
    """Not a terminal (cron): three summary lines on stdout, nothing on stderr."""
    site, base_url = fresh_site
    db = tmp_path / "x" / "caravan.db"
    db.parent.mkdir()
    result = crawl(db, base_url)
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    # A cron log says when: the first line opens with the run's end, ISO 8601 with the offset.
    stamp, first = lines[0].split(" ", 1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", stamp)
    assert abs(datetime.now(timezone.utc) - datetime.fromisoformat(stamp)) < timedelta(minutes=5)
    assert re.fullmatch(r"Crawl run 1 finished in \d+\.\d s: 24 new, 1 not article; \d+ requests\.", first)
    assert re.fullmatch(r"Captures: 0\.\d\d MB fetched, stored zstd in 0\.\d\d MB \(compression ratio \d+\.\d\)\.",
                        lines[1])
    # The hints open what the user crawled into, not archive/; a page that is not an article is counted.
    monkeypatch.chdir(db.parent)  # where crawl() ran: commands are named as typed from there
    assert lines[2] == (f"{db} holds 24 articles. Browse: {sibling('datasette')} {db}   "
                        f"Export: {sibling('caravan-archive')} export --db {db}")
    again = crawl(db, base_url)
    assert again.returncode == 0 and again.stderr == ""
    first = again.stdout.splitlines()[0].split(" ", 1)[1]
    assert re.fullmatch(r"Crawl run 2 finished in \d+\.\d s: (nothing new|\d+ unchanged); \d+ requests\.", first)
    assert " 0 " not in first
    # The hints are said once, by the run that first filled the archive: a cron log does not repeat them.
    assert again.stdout.splitlines()[-1] == f"{db} holds 24 articles."


@pytest.mark.e2e
def test_a_failed_run_gives_no_hint_to_browse(tmp_path):
    """A run that failed with nothing archived points at nothing to browse; its summary is stamped too."""
    db = tmp_path / "caravan.db"
    result = crawl(db, "http://127.0.0.1:9", "--set", "RETRY_TIMES=0")  # the discard port: refused
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"\S+T\S+ Crawl run 1 failed in \d+\.\d s: nothing new; \d+ requests\.", lines[0])
    assert lines[-1] == f"{db} holds 0 articles."
    assert "Browse" not in result.stdout


def test_warnings_still_reach_a_quiet_crawl(fresh_site, tmp_path):
    site, base_url = fresh_site
    broken = site.newest_first()[2]
    site.fail(broken.path, 500, times=4)
    result = crawl(tmp_path / "caravan.db", base_url, "--set", "CARAVAN_RETRY_BACKOFF=0.05")
    assert result.returncode == 0
    problems = result.stderr.splitlines()
    assert problems and all(re.search(r"\] (WARNING|ERROR): ", line) for line in problems)
    assert any(f"article {broken.article_id} failed: http_500" in line for line in problems)
    assert "23 new, 1 failed, 1 not article;" in result.stdout.splitlines()[0]


def test_verbose_and_log_file_give_scrapys_log_without_page_bytes(fresh_site, tmp_path):
    site, base_url = fresh_site
    verbose = crawl(tmp_path / "v.db", base_url, "-v", "--set", "CARAVAN_PROGRESS_INTERVAL=0.2",
                    "--set", "DOWNLOAD_DELAY=0.05", "--set", "CONCURRENT_REQUESTS=1")
    assert verbose.returncode == 0
    assert "[scrapy.core.engine] INFO: Spider opened" in verbose.stderr
    assert re.search(r"progress: \d+ of \d+ articles done \(new \d+, updated 0, failed 0\), \d+ pages at [\d.]+/s",
                     verbose.stderr)
    assert "<html" not in verbose.stderr.lower() and "b'<" not in verbose.stderr and "\r" not in verbose.stderr
    debug = crawl(tmp_path / "d.db", base_url, "-v", "--set", "LOG_LEVEL=DEBUG")
    assert "Scraped from <200" in debug.stderr and "<html" not in debug.stderr.lower()
    assert re.search(r"Scraped from <200 \S+>\s+article \d+ \(https://www\.caravan\.kz/", debug.stderr)
    log = tmp_path / "crawl.log"
    quiet = crawl(tmp_path / "l.db", base_url, "--log-file", str(log))
    assert quiet.returncode == 0 and quiet.stderr == "" and len(quiet.stdout.splitlines()) == 3
    assert "[scrapy.core.engine] INFO: Spider closed (finished)" in log.read_text("utf-8")


def test_a_terminal_gets_a_progress_bar_with_total_and_eta(fresh_site, tmp_path):
    _, base_url = fresh_site
    status, text, _ = on_a_terminal("crawl", "--db", str(tmp_path / "caravan.db"), "--base-url", base_url, "--edition",
                                    "ru", "--set", "DOWNLOAD_DELAY=0.05", "--set", "CONCURRENT_REQUESTS=1", cwd=tmp_path)
    assert status == 0
    bars = [part for part in text.split("\r") if part.startswith("Crawling ")]
    assert bars, text[-500:]
    assert all(re.fullmatch(r"Crawling .* \d+/(\d+ articles \[\d\d:\d\d<(\d\d:\d\d|\?)|\? articles \[\d\d:\d\d<\?)\]\s*",
                            bar) for bar in bars), bars
    assert re.search(r" ([1-9]|1\d|2[0-4])/25 articles \[\d\d:\d\d<\d\d:\d\d\]", text)  # a total, and an ETA
    # While sitemaps, feed and listings are read the total is unknown (no ETA); once known it never grows.
    totals = [re.search(r" \d+/(\d+|\?) articles", bar).group(1) for bar in bars]
    assert set(totals[totals.index("25"):]) == {"25"} and set(totals[:totals.index("25")]) <= {"?"}
    # The bar is cleared, then the summary: three lines, nothing else.
    after = text.rsplit("\r", 4)[-4:]
    shown = [line.split("\r")[-1].strip() for line in text.split("\r\n") if line.split("\r")[-1].strip()]
    assert shown[-3].startswith("Crawl run 1 finished in ") and shown[-1].startswith(f"{tmp_path / 'caravan.db'} holds 24")
    assert len(after) == 4 and "progress:" not in text and "INFO" not in text and "WARNING" not in text


def test_runs_and_search_as_json_and_csv(crawled):
    db = str(crawled["db"])
    runs = json.loads(in_process("runs", "--db", db, "--json").stdout)
    assert [(r["run_id"], r["status"], r["articles_new"]) for r in runs] == [(1, "finished", 50)]
    table = list(csv.DictReader(io.StringIO(in_process("runs", "--db", db, "--csv").stdout)))
    assert [(r["run_id"], r["status"], r["articles_new"]) for r in table] == [("1", "finished", "50")]
    found = json.loads(in_process("search", "KAZBAT", "--db", db, "--json").stdout)
    assert [m["article_id"] for m in found] == [845713]
    assert "миротворческого батальона [KAZBAT] в 2000 году" in found[0]["snippet"]
    assert set(found[0]) == {"edition", "article_id", "published_at", "title", "url", "snippet"}
    either = list(csv.DictReader(io.StringIO(in_process("search", "школа OR больница", "--db", db, "--csv",
                                                        "--limit", "50").stdout)))
    assert len(either) == 8
    assert in_process("search", "x", "--db", db, "--json", "--csv").returncode == 64  # bad input (EX_USAGE)


def test_search_text_marks_the_matched_word_forms(crawled):
    result = in_process("search", "миротворцы", "--db", str(crawled["db"]))
    assert result.returncode == 0
    snippets = result.stdout.splitlines()[1::3]
    assert any("[миротворцем]" in s for s in snippets) and any("[миротворца]" in s for s in snippets)
    assert "«" not in "".join(snippets).replace("«Караван»", "")


def test_extract_several_pages_and_stdin():
    seed, amp, tag = (str(PAGES / name / "page.html") for name in ("seed", "amp", "tag-page"))
    both = in_process("extract", seed, amp)
    assert both.returncode == 0 and both.stderr == ""
    records = [json.loads(line) for line in both.stdout.splitlines()]
    assert records[0] == json.loads((PAGES / "seed/expected.json").read_text("utf-8"))
    assert len(records) == 2
    mixed = in_process("extract", seed, tag)
    assert mixed.returncode == 3 and len(mixed.stdout.splitlines()) == 1
    assert mixed.stderr == f"{tag}: not an article: tag page\n"
    piped = in_process("extract", "-", input=(PAGES / "seed/page.html").read_bytes())
    assert piped.returncode == 0 and json.loads(piped.stdout) == records[0]
    assert in_process("extract", seed, amp, "--url", "https://www.caravan.kz/x/").returncode == 64  # EX_USAGE
