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


# --- what changed: the word diff of a long body ------------------------------------------------
PAIRS = 4_000_000  # pairs of equal items (old, new) one diff may compare: about a second at worst


def _spied_matcher(monkeypatch) -> list[int]:
    """Record the work of every SequenceMatcher the diff builds: the pairs of equal items it looks
    at (difflib's longest-match search visits each); refuse one over the bound at once (difflib
    would take minutes on it)."""
    from collections import Counter

    from caravan_spider import diff

    sizes = []

    class Spied(diff.SequenceMatcher):
        def __init__(self, *args, a=(), b=(), **kwargs):
            counts = Counter(b)
            sizes.append(sum(counts[item] for item in a))
            assert sizes[-1] <= PAIRS, f"a diff of {len(a)} by {len(b)} items: {sizes[-1]:,} pairs"
            super().__init__(*args, a=a, b=b, **kwargs)

    monkeypatch.setattr(diff, "SequenceMatcher", Spied)
    return sizes


def _sides(marked: str) -> tuple[list[str], list[str]]:
    """The old and the new words a word diff shows (without its marks)."""
    import re

    plain = marked.replace("<br>", " ")
    old = re.sub(r"<ins>.*?</ins>", " ", plain).replace("<del>", " ").replace("</del>", " ")
    new = re.sub(r"<del>.*?</del>", " ", plain).replace("<ins>", " ").replace("</ins>", " ")
    return old.split(), new.split()


@pytest.mark.parametrize("old, new", [
    # one word inserted into 60,000 equal words (difflib: ~15 minutes)
    ("школа " * 60000, "школа " * 30000 + "новая " + "школа " * 30000),
    # a word changed near each end of 60,000 words of 300 words
    (" ".join(str(i % 300) for i in range(60000)), "x " + " ".join(str(i % 300) for i in range(1, 59999)) + " y"),
    # every paragraph edited: 600 paragraphs of 100 words
    ("\n\n".join(" ".join(["слово"] * 100) for _ in range(600)),
     "\n\n".join(" ".join(["слово"] * 50 + ["новое"] + ["слово"] * 50) for _ in range(600))),
])
def test_a_diff_of_long_texts_compares_a_bounded_number_of_words_and_shows_every_change(monkeypatch, old, new):
    from caravan_spider.diff import word_diff

    sizes = _spied_matcher(monkeypatch)
    marked = word_diff(old, new)
    assert _sides(marked) == (old.split(), new.split())  # each side whole, in order
    assert sum(sizes) <= PAIRS


def test_an_edit_of_a_long_article_is_still_marked_word_by_word(monkeypatch):
    """One edited paragraph in a long article: only its words are marked, as for a short one."""
    from caravan_spider.diff import word_diff

    _spied_matcher(monkeypatch)
    paragraphs = [f"Абзац номер {i} о школах Алматы и их учениках." for i in range(3000)]
    edited = list(paragraphs)
    edited[5] = "Абзац номер 5 о новых школах Алматы и их учениках."
    edited[2990] = "Абзац номер 2990 о школах Астаны и их учениках."
    marked = str(word_diff("\n\n".join(paragraphs), "\n\n".join(edited)))
    assert marked.count("<ins>") == 2 and marked.count("<del>") == 1
    assert "о <ins>новых</ins> школах" in marked and "школах <del>Алматы</del> <ins>Астаны</ins> и" in marked


def test_the_changes_page_compares_revisions_off_the_event_loop(datasette_dir, monkeypatch):
    from caravan_spider import diff
    from caravan_spider.archive import Archive, Capture
    from caravan_spider.parsing import PARSER_VERSION

    archive = Archive(datasette_dir / "caravan.db")
    try:
        for day, body in ((1, "Первая версия текста."), (2, "Вторая версия текста.")):
            record = {"url": "https://www.caravan.kz/news/x-999999/", "article_id": 999999, "edition": "ru",
                      "language": "ru", "title": "Статья", "lead": None, "body": body, "published_at": "2026-01-01",
                      "modified_at": None, "category": None, "tags": None, "authors": None, "image_url": None,
                      "image_credit": None, "views": 1, "word_count": 3, "status": "live"}
            archive.store(Capture(edition="ru", article_id=999999, url=record["url"], status=200,
                                  fetched_at=f"2026-01-0{day}T00:00:00+00:00", body=b"<html></html>"),
                          record, "today", PARSER_VERSION, None)
    finally:
        archive.close()
    threads = set()
    opcodes = diff._opcodes  # what every diff of a field runs (word_diff, paragraph_diff)

    def watched(*args):
        threads.add(threading.get_ident())
        return opcodes(*args)

    monkeypatch.setattr(diff, "_opcodes", watched)
    ds = Client(datasette_dir)
    page = ds.get("/-/changes/ru/999999")
    ds.close()
    assert page.status_code == 200 and "<p><del>Первая</del> <ins>Вторая</ins> версия текста.</p>" in page.text
    assert threads and threading.get_ident() not in threads
