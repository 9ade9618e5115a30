"""What the read commands print for programs (--json, --csv) and for people (colour, warnings), run in
process on the crawled sample archive."""

from __future__ import annotations

import json

from click.testing import CliRunner

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
