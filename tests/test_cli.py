"""The CLI as a user meets it: help, extract, search, runs, reextract."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from caravan_spider.cli import cli as group

from conftest import PAGES, ROOT, in_process

README = (ROOT / "README.md").read_text("utf-8")


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    runner = CliRunner()
    for name in group.commands:
        result = runner.invoke(group, [name, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, name
        assert f"| `{name}` |" in README, name


def test_readme_quick_start_is_two_commands():
    block = README.split("## Quick start", 1)[1].split("```")[1]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["make demo", "make test"]
    ci = (ROOT / ".ci/run").read_text()
    assert "make test" in ci


def test_extract_prints_the_record():
    result = in_process("extract", str(PAGES / "seed/page.html"))
    assert result.returncode == 0
    expected = json.loads((PAGES / "seed/expected.json").read_text("utf-8"))
    assert json.loads(result.stdout) == expected


def test_extract_of_a_page_that_is_not_an_article():
    result = in_process("extract", str(PAGES / "tag-page/page.html"), "--url", "https://www.caravan.kz/tag/almaty/")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.strip().endswith("not an article: tag page")
    assert len(result.stderr.strip().splitlines()) == 1


def test_extract_explain_names_sources_and_pruned_boilerplate():
    result = in_process("extract", str(PAGES / "seed/page.html"), "--explain")
    assert result.returncode == 0
    assert "layout: today" in result.stderr
    assert re.search(r"published_at\s+json-ld datePublished\s+'2025-07-24T09:40:00\+05:00'", result.stderr)
    assert "pruned   1 × //section[contains(@class,'Trending')]" in result.stderr


def test_search_runs_and_export_on_the_crawled_archive(crawled):
    db = str(crawled["db"])
    found = in_process("search", "миротворцы", "--db", db)
    assert found.returncode == 0
    assert "Казахстанский офицер стал [миротворцем] года по версии ООН" in found.stdout  # matched words marked
    assert "посланник мира" in found.stdout
    assert in_process("search", "квазар", "--db", db).returncode == 1
    runs = in_process("runs", "--db", db)
    assert runs.returncode == 0 and re.search(r"\n\s+1\s+\S+\s+finished\s+50\s+0\s+0\s+0", runs.stdout)


def test_commands_on_a_missing_archive_say_so(tmp_path):
    result = in_process("export", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 64  # bad input (EX_USAGE), one line
    assert "does not exist" in result.stderr
