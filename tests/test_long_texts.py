"""A very long text or query costs the reading room and `search` a bounded amount (issue 20, item 2).

A snippet took time quadratic in the text's matches (27 s for a 30,000-word string), the reading room
made it on the event loop (an archived 60,000-word article held every other request for minutes),
and a query's words were lemmatised however many there were. The figures are benchmarks/long_texts.py's; these tests check the bounds.
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from caravan_spider import search
from caravan_spider.cli import cli as group
from caravan_spider.search import fts_query, highlight, snippet

from test_datasette import Client

SCAN = 10_000  # characters of a text a snippet or a highlight reads


def test_a_match_past_the_part_a_snippet_reads_is_not_looked_for():
    text = "слово " * 2000 + "школа"
    assert snippet("школа", text) == [(" ".join(["слово"] * 24), False), ("…", False)]
    # The start of a long lead has no match: the body is looked at next, as for a short lead.
    assert snippet("школа", "слово " * 2000, "Новая школа открылась.") == [
        ("Новая ", False), ("школа", True), (" открылась.", False)]


def test_a_snippet_lemmatises_only_the_part_it_reads(monkeypatch):
    calls = []

    def counted(word, lemma=search.lemma):
        calls.append(word)
        return lemma(word)

    monkeypatch.setattr(search, "lemma", counted)
    segments = snippet("школа", "школа " * 30000, "")
    assert [text for text, hit in segments if hit] == ["школа"] * 24 and segments[-1] == ("…", False)
    assert 0 < len(calls) <= SCAN // len("школа ") + 1  # not 30,000


def test_the_snippet_is_centred_on_the_densest_run_of_matches():
    words = ["слово"] * 200
    for i in (3, 100, 104, 110, 150):
        words[i] = "школы"
    segments = snippet("школа", " ".join(words))
    # The run of three within 24 words (100, 104, 110), from six words before the first.
    assert segments[0] == ("…", False) and segments[-1] == ("…", False)
    assert segments[1][0] == " ".join(["слово"] * 6) + " "
    assert [text for text, hit in segments if hit] == ["школы"] * 3


def test_a_highlight_marks_only_the_part_it_reads_and_keeps_the_whole_text():
    text = "школа " * 30000
    segments = highlight("школа", text)
    assert "".join(t for t, _ in segments) == text
    assert sum(hit for _, hit in segments) == SCAN // len("школа ")  # the word the bound cuts is not read


def test_a_query_longer_than_a_search_takes_is_refused():
    with pytest.raises(ValueError, match="^the query is 6,000 characters long; a search takes at most 1,000$"):
        fts_query("школа " * 1000)
    assert fts_query("школа " * 166).count("школа") == 166


def test_the_search_command_refuses_a_query_too_long_in_one_line(crawled):
    result = CliRunner().invoke(group, ["search", "школа " * 1000, "--db", str(crawled["db"])])
    assert (result.exit_code, result.output) == (
        64, "Error: the query is 6,000 characters long; a search takes at most 1,000\n")


@pytest.fixture
def ds(datasette_dir):
    client = Client(datasette_dir)
    yield client
    client.close()


def test_the_reading_room_makes_snippets_off_the_event_loop(ds, monkeypatch):
    """On the event loop a snippet holds every other request; Datasette's SQL threads do not."""
    threads = set()
    matches = search.Query.matches

    def watched(self, word):
        threads.add(threading.get_ident())
        return matches(self, word)

    monkeypatch.setattr(search.Query, "matches", watched)
    page = ds.html("/caravan/articles?_search=миротворец")
    assert len(page.cssselect("p.snippet mark")) >= 2
    assert threads and threading.get_ident() not in threads  # asyncio.run runs the loop in this thread


def test_a_query_too_long_is_an_error_page_in_the_reading_room(ds):
    for path in (f"/caravan/articles?_search={'школа+' * 1000}", f"/caravan/search?q={'школа+' * 1000}"):
        response = ds.get(path)
        assert response.status_code == 400, path
        assert "a search takes at most 1,000" in response.text, path
