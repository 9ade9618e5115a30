"""Figures for issue 20, item 2: what one very long text costs the reading room and `search`.
Prints them; asserts nothing (the tests assert the behaviour).

    python benchmarks/long_texts.py [--words 60000] [--sql-words 30000]

- `?sql=select caravan_snippet('школа', <a 30,000-word string>, '')`: seconds for the request
- `/caravan/articles?_search=школа` on an archive holding one 60,000-word article: seconds for the
  request, and the longest that requests for `/-/versions.json` sent meanwhile got no answer (the event loop)
- `/caravan/search?q=школа` (the search page) on the same archive
- `caravan-archive search школа` on the same archive: seconds for the command
Every word of the long texts is the word searched for: the worst case for finding the densest run.
- one snippet of 60,000 made-up words, none lemmatised before (pymorphy3 guesses each: the worst
  case for lemmatising)
- what changed (diff.word_diff) when one word is inserted into 60,000 equal words
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datasette.app import Datasette

from caravan_spider import search
from caravan_spider.archive import Archive, Capture
from caravan_spider.diff import word_diff
from caravan_spider.parsing import PARSER_VERSION

WORD = "школа"


def long_article(db: Path, words: int) -> None:
    body = "\n\n".join(" ".join([WORD] * 100) for _ in range(words // 100))
    record = {"url": "https://www.caravan.kz/news/long-900001/", "article_id": 900001, "edition": "ru",
              "language": "ru", "title": "Очень длинная статья", "lead": None, "body": body,
              "published_at": "2026-01-01", "modified_at": None, "category": None, "tags": None, "authors": None,
              "image_url": None, "image_credit": None, "views": 1, "word_count": words, "status": "live"}
    archive = Archive(db)
    try:
        archive.store(Capture(edition="ru", article_id=900001, url=record["url"], status=200,
                              fetched_at="2026-01-01T00:00:00+00:00", body=b"<html></html>"),
                      record, "today", PARSER_VERSION, None)
    finally:
        archive.close()


async def timed(client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = await client.get(path)
    return time.perf_counter() - started, response.status_code


async def with_bystander(client, path: str) -> tuple[float, int, float]:
    """The request's seconds and status, and the longest the server answered nobody else meanwhile:
    small requests are sent one after another, 0.05 s apart, and the longest gap between two answers
    (less the 0.05 s) is taken (a blocked event loop delays the pause as well as the answer)."""
    request = asyncio.ensure_future(timed(client, path))
    longest, last = 0.0, time.perf_counter()
    while not request.done():
        await asyncio.sleep(0.05)
        await timed(client, "/-/versions.json")
        longest, last = max(longest, time.perf_counter() - last - 0.05), time.perf_counter()
    seconds, status = await request
    return seconds, status, longest


async def reading_room(db: Path, sql_words: int) -> None:
    datasette = Datasette(files=[str(db)])
    await datasette.invoke_startup()
    client = datasette.client
    await client.get("/caravan/articles?_search=мир")  # load the dictionary, open the connections
    text = f"replace(hex(zeroblob({sql_words})), '00', '{WORD} ')"
    seconds, status, waited = await with_bystander(
        client, f"/caravan.json?sql=select+caravan_snippet('{WORD}',+{text},+'')")
    print(f"caravan_snippet of a {sql_words:,}-word string: {seconds:7.2f} s (HTTP {status}); "
          f"nobody else was answered for up to {waited:.2f} s")
    for path in (f"/caravan/articles?_search={WORD}", f"/caravan/search?q={WORD}"):
        seconds, status, waited = await with_bystander(client, path)
        print(f"{path:32} {seconds:7.2f} s (HTTP {status}); nobody else was answered for up to {waited:.2f} s")
    for database in datasette.databases.values():
        database.close()


def made_up_words(count: int) -> str:
    letters = "абвгдежзиклмнопрстуфхцчшщыэюя"
    pick = random.Random(20).choice
    return " ".join("".join(pick(letters) for _ in range(3 + i % 8)) for i in range(count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=60000, help="words of the archived article")
    parser.add_argument("--sql-words", type=int, default=30000, help="words of the string given to caravan_snippet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "caravan.db"
        long_article(db, args.words)
        print(f"an archive with one {args.words:,}-word article, every word «{WORD}»")
        asyncio.run(reading_room(db, args.sql_words))
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "caravan_spider.cli", "search", WORD, "--db", str(db)],
                       check=True, stdout=subprocess.DEVNULL)
        print(f"caravan-archive search {WORD}: {time.perf_counter() - started:7.2f} s")
    text = made_up_words(args.words)
    search.lemma("школа")  # the dictionary loaded
    started = time.perf_counter()
    search.snippet(WORD, text)
    print(f"one snippet of {args.words:,} made-up words, none lemmatised before: {time.perf_counter() - started:7.2f} s")
    half = f"{WORD} " * (args.words // 2)
    started = time.perf_counter()
    word_diff(half * 2, half + "новая " + half)
    print(f"what changed: one word inserted into {args.words:,} equal words: {time.perf_counter() - started:7.2f} s")


if __name__ == "__main__":
    main()
