"""Evaluate the parser on the stored-page corpus (tests/pages/).

Prints per-field accuracy, page classification (article / not an article), and body precision and
recall (bag of words against the expected body) for this project and for plain trafilatura on the
same pages, side by side.

    python scripts/evaluate.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import trafilatura

from caravan_spider.parsing import FIELDS, explain
from caravan_spider.text import words

PAGES = Path(__file__).resolve().parent.parent / "tests" / "pages"


def precision_recall(got: str | None, expected: str) -> tuple[float, float]:
    ours, truth = Counter(w.lower() for w in words(got)), Counter(w.lower() for w in words(expected))
    common = sum((ours & truth).values())
    precision = common / sum(ours.values()) if ours else 0.0
    recall = common / sum(truth.values()) if truth else 1.0
    return precision, recall


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(pages: Path = PAGES) -> dict:
    fields = Counter()
    articles = 0
    classified = 0
    cases = sorted(p for p in pages.iterdir() if (p / "expected.json").exists())
    bodies = []
    for case in cases:
        meta = json.loads((case / "meta.json").read_text("utf-8"))
        expected = json.loads((case / "expected.json").read_text("utf-8"))
        html = (case / "page.html").read_bytes()
        result = explain(html, meta["url"], datetime.fromisoformat(meta["fetched_at"]), meta.get("content_type"))
        if "not_an_article" in expected:
            classified += result.article is None and result.reason == expected["not_an_article"]
            continue
        articles += 1
        classified += result.article is not None
        got = result.article.to_dict() if result.article else {}
        for name in FIELDS:
            fields[name] += got.get(name) == expected[name]
        plain = trafilatura.extract(html, url=meta["url"])
        bodies.append((case.name, result.layout, precision_recall(got.get("body"), expected["body"]),
                       precision_recall(plain, expected["body"])))
    return {"cases": len(cases), "articles": articles, "classified": classified, "fields": fields,
            "bodies": bodies}


def main() -> int:
    report = evaluate()
    n = report["articles"]
    print(f"Corpus: {report['cases']} pages, {n} articles, {report['cases'] - n} not articles\n")
    print(f"page classification  {report['classified'] / report['cases']:7.1%}")
    for name in FIELDS:
        print(f"{name:20} {report['fields'][name] / n:7.1%}")
    print(f"\n{'page':28} {'layout':12} {'ours P':>7} {'R':>6} {'F1':>6}   {'plain P':>7} {'R':>6} {'F1':>6}")
    worse = 0
    for name, layout, (p, r), (pp, pr) in report["bodies"]:
        mark = ""
        if f1(p, r) < f1(pp, pr):
            worse += 1
            mark = "  <- worse than plain trafilatura"
        print(f"{name:28} {layout:12} {p:7.1%} {r:6.1%} {f1(p, r):6.1%}   {pp:7.1%} {pr:6.1%} {f1(pp, pr):6.1%}{mark}")
    ours = [f1(*b[2]) for b in report["bodies"]]
    plain = [f1(*b[3]) for b in report["bodies"]]
    print(f"\nmean body F1: ours {sum(ours) / len(ours):.1%}, plain trafilatura {sum(plain) / len(plain):.1%}; "
          f"pages where ours is worse: {worse}")
    perfect = report["classified"] == report["cases"] and all(v == n for v in report["fields"].values())
    return 0 if perfect and worse == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
