"""What the read commands print for programs (--json, --csv) and for people (colour, warnings), run in
process on the crawled sample archive."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from caravan_spider.archive import Archive
from caravan_spider.cli import cli as group


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
