"""What the read commands print for programs (--json, --csv) and for people (colour, warnings), run in
process on the crawled sample archive."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from caravan_spider.archive import Archive
from caravan_spider.cli import cli as group

from conftest import on_a_terminal


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(group, list(args), env=env)


def test_search_json_with_no_match_prints_an_empty_array(crawled):
    """As sqlite-utils does: a program reading the JSON gets a list, empty; the note stays on stderr."""
    result = run("search", "квазар", "--db", str(crawled["db"]), "--json")
    assert result.exit_code == 1  # no match, as in text
    assert json.loads(result.stdout) == []
    assert result.stderr == "No article matches 'квазар'.\n"
    table = run("search", "квазар", "--db", str(crawled["db"]), "--csv")
    assert table.exit_code == 1
    assert table.stdout == "edition,article_id,published_at,title,url,snippet\n"


def test_runs_json_gives_the_json_columns_as_json_values(crawled):
    """responses_by_status, errors_by_kind and coverage hold JSON: --json nests it rather than printing a
    string of JSON inside JSON; --csv keeps the text as stored."""
    result = run("runs", "--db", str(crawled["db"]), "--json")
    assert result.exit_code == 0
    [row] = json.loads(result.stdout)
    assert row["errors_by_kind"] == {}
    assert row["responses_by_status"] == {"200": row["requests"]}
    assert row["coverage"]["articles"] == 50 and row["coverage"]["layouts"] == {"legacy-2015": 8, "today": 42}
    assert row["message"] == "finish reason: finished" and row["editions"] == "ru"
    table = run("runs", "--db", str(crawled["db"]), "--csv")
    assert table.stdout.splitlines()[1].count('"{""articles"": 50') == 1


COVERAGE_KEYS = ("article_id", "edition", "url", "state", "reason", "sources", "last_listed_at")


def test_coverage_json_is_an_array_as_the_other_commands_print(crawled, tmp_path):
    """One JSON array of objects, indented as runs --json and search --json are; [] for no listed post."""
    conn = sqlite3.connect(crawled["db"])
    conn.row_factory = sqlite3.Row
    listed = [{k: row[k] for k in COVERAGE_KEYS}
              for row in conn.execute("SELECT * FROM listings ORDER BY edition, article_id")]
    conn.close()
    assert len(listed) == 51
    result = run("coverage", "--db", str(crawled["db"]), "--json")
    assert result.exit_code == 0
    assert result.stdout == json.dumps(listed, ensure_ascii=False, indent=2) + "\n"
    Archive(tmp_path / "empty.db").close()
    empty = run("coverage", "--db", str(tmp_path / "empty.db"), "--json")
    assert (empty.exit_code, empty.stdout) == (0, "[]\n")


@pytest.mark.e2e
def test_no_color_turns_the_terminal_s_styling_off(crawled):
    """https://no-color.org: NO_COLOR of any non-empty value means no ANSI styling, on a terminal too;
    search marks the matched words with [brackets] then, as in a pipe. Empty, it changes nothing."""
    search = ("search", "миротворцы", "--db", str(crawled["db"]))
    status, styled, _ = on_a_terminal(*search, env={"NO_COLOR": ""})
    assert status == 0 and "\x1b[1mмиротворцем\x1b[0m" in styled
    status, plain, _ = on_a_terminal(*search, env={"NO_COLOR": "1"})
    assert status == 0 and "\x1b[" not in plain and "[миротворцем]" in plain
    # Scrapy colours its log on a terminal when colorlog is installed: not under NO_COLOR.
    ask = [sys.executable, "-c", "from scrapy.utils.project import get_project_settings as s; "
                                 "print(s().getbool('LOG_COLOR'))"]
    for value, colour in (("", "True"), ("1", "False"), ("no", "False")):
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "caravan_spider.settings", "NO_COLOR": value}
        assert subprocess.run(ask, env=env, capture_output=True, text=True, check=True).stdout.strip() == colour


def test_export_category_ignores_case_and_names_an_unknown_one(crawled, tmp_path):
    """«политика» is «Политика»; a category no article has is bad input: one line naming it and the
    closest the archive knows, exit 64, and no file written (an empty export would look like a quiet day)."""
    db = str(crawled["db"])
    politics = run("export", "--db", db, "--category", "Политика")
    assert politics.exit_code == 0 and len(politics.stdout.splitlines()) == 11
    for spelled in ("политика", "ПОЛИТИКА", "полиТИКА"):
        lower = run("export", "--db", db, "--category", spelled)
        assert (lower.exit_code, lower.stdout, lower.stderr) == (0, politics.stdout, "")
    out = tmp_path / "x.jsonl"
    unknown = run("export", "--db", db, "--category", "Политик", "-o", str(out))
    assert unknown.exit_code == 64 and unknown.stdout == "" and not out.exists()
    assert unknown.stderr == (f"Error: --category 'Политик': no article in {db} has that category; "
                              "the closest it has: Политика\n")
    far = run("export", "--db", db, "--category", "Astronomy")
    assert far.exit_code == 64
    assert far.stderr == (f"Error: --category 'Astronomy': no article in {db} has that category; it has: "
                          "В мире, Культура, Общество, Политика, Происшествия, Спорт, Экономика\n")
