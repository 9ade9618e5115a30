"""Evaluate the parser on the stored-page corpus (tests/pages/).

Prints per-field accuracy, page classification (article / not an article), and body precision and
recall (bag of words against the expected body) for this project and for plain trafilatura on the
same pages, side by side.

With --real PATH it evaluates instead on real news pages nobody here wrote: the Fundus test corpus
(`tests/resources/parser/test_data/` of github.com/flairNLP/fundus, kept out of this repository).
Each page is parsed as if it had a caravan-like URL; lead + body are scored against Fundus'
standfirst + section headings + paragraphs, next to plain `trafilatura.extract(favor_precision=True)`.

    python scripts/evaluate.py
    python scripts/evaluate.py --real ../fundus/tests/resources/parser/test_data
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path

import trafilatura

from caravan_spider.parsing import FIELDS, explain, signals
from caravan_spider.parsing.page import Page
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


# --- Real pages: the Fundus test corpus (other publishers' pages, never copied here) ------------
def real_pages(root: Path):
    """(name, html bytes, crawl date, expected) for each page of a Fundus test-data folder.

    Fundus keeps `<Publisher>.json` with one expected record per parser version (V1, V1_1, V2, ...)
    and `<Publisher>_<YYYY_MM_DD>.html.gz` pages; its tests map versions to pages by crawl date,
    oldest first, which is the order of both sorted lists.
    """
    for expected_file in sorted(root.glob("*/*.json")):
        publisher, folder = expected_file.stem, expected_file.parent
        meta_file = folder / "meta.info"
        meta = json.loads(meta_file.read_text("utf-8")) if meta_file.exists() else {}
        pattern = re.compile(re.escape(publisher) + r"_\d{4}_\d{2}_\d{2}\.html\.gz")
        htmls = sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))
        versions = json.loads(expected_file.read_text("utf-8"))
        ordered = sorted(versions, key=lambda v: tuple(int(x) for x in re.findall(r"\d+", v)))
        for html_file, version in zip(htmls, ordered):
            crawled = meta.get(html_file.name, {}).get("crawl_date")
            yield (f"{folder.name}/{html_file.name}", gzip.decompress(html_file.read_bytes()),
                   datetime.fromisoformat(crawled) if crawled else None, versions[version])


def _expected_text(expected: dict) -> str:
    """The text a reader reads: standfirst (summary), section headings and paragraphs."""
    body = expected.get("body") or {}
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n".join(parts)


def _same_title(got: str | None, expected: str | None) -> bool:
    return bool(got) and " ".join((got or "").split()) == " ".join((expected or "").split())


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))  # soft hyphen, zero widths


def _typography(value: str | None) -> str:
    """A title in plain typography: Fundus' expected titles mostly come from og:title / JSON-LD,
    which print straight quotes and no soft hyphens, while the <h1> a reader sees prints ‘’ “” and
    hyphenation hints; an ideographic space is a space. The same words in other typography are the
    same title, so a second figure compares titles this way (the strict figure stays the target)."""
    value = unicodedata.normalize("NFKC", value or "").translate(_INVISIBLE)
    value = re.sub(r"[‘’‚‛′`´]", "'", value)
    return " ".join(re.sub(r"[“”„‟″]", '"', value).split())


def _same_title_typography(got: str | None, expected: str | None) -> bool:
    return bool(got) and _typography(got) == _typography(expected)


def _title_sources(html: bytes, url: str, expected: str | None) -> set[str]:
    """Which of the page's own statements Fundus' expected title is: its <h1>, JSON-LD headline,
    og:title. Fundus' parsers are per publisher, and where these differ each picks its own."""
    page = Page(html, url)
    headline = page.jsonld_article.get("headline")
    statements = {"h1": signals.first_headline(page), "json-ld": headline if isinstance(headline, str) else None,
                  "og:title": page.meta_first("og:title")}
    return {name for name, value in statements.items() if value and _typography(value) == _typography(expected)}


def evaluate_real(root: Path) -> list[dict]:
    """Each page parsed as if it were a Caravan article (a caravan-like URL) and by plain
    trafilatura in precision mode; body scored as a bag of words against Fundus' expected text."""
    rows = []
    for n, (name, html, crawled, expected) in enumerate(real_pages(root), start=1):
        url = f"https://www.caravan.kz/news/{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{900000 + n}/"
        truth = _expected_text(expected)
        result = explain(html, url, crawled)
        article = result.article
        ours = "\n".join(filter(None, [article.lead, article.body])) if article else ""
        plain_text = trafilatura.extract(html, url=url, favor_precision=True) or ""
        plain_meta = trafilatura.extract_metadata(html)
        rows.append({
            "page": name, "layout": result.layout, "reason": result.reason, "body_source": result.sources.get("body"),
            "ours": precision_recall(ours, truth), "plain": precision_recall(plain_text, truth),
            "plain_words": len(words(plain_text)),
            "title_ours": _same_title(article.title if article else None, expected.get("title")),
            "title_plain": _same_title(plain_meta.title if plain_meta else None, expected.get("title")),
            "title_ours_typography": _same_title_typography(article.title if article else None, expected.get("title")),
            "title_plain_typography": _same_title_typography(plain_meta.title if plain_meta else None,
                                                             expected.get("title")),
            "title_sources": _title_sources(html, url, expected.get("title")),
        })
    return rows


def summarise_real(rows: list[dict]) -> dict:
    def mean(key, i):
        return sum(r[key][i] if i < 2 else f1(*r[key]) for r in rows) / len(rows)

    return {
        "pages": len(rows),
        "ours": tuple(mean("ours", i) for i in range(3)), "plain": tuple(mean("plain", i) for i in range(3)),
        "below": [r["page"] for r in rows if f1(*r["ours"]) < f1(*r["plain"]) - 0.02],
        "rejected": [r["page"] for r in rows if r["reason"] and r["plain_words"] >= 50],
        "title_ours": sum(r["title_ours"] for r in rows) / len(rows),
        "title_plain": sum(r["title_plain"] for r in rows) / len(rows),
        "title_ours_typography": sum(r["title_ours_typography"] for r in rows) / len(rows),
        "title_plain_typography": sum(r["title_plain_typography"] for r in rows) / len(rows),
        "title_sources": Counter(name for r in rows for name in r["title_sources"]),
        "title_any_source": sum(bool(r["title_sources"]) for r in rows),
        "fallbacks": sum(1 for r in rows if (r["body_source"] or "").startswith("trafilatura on the untouched")),
    }


def print_real(rows: list[dict]) -> dict:
    print(f"{'page':52} {'layout':8} {'ours P':>7} {'R':>6} {'F1':>6}   {'plain P':>7} {'R':>6} {'F1':>6}  title")
    for r in rows:
        (p, rc), (pp, pr) = r["ours"], r["plain"]
        mark = "  <- >0.02 below" if f1(p, rc) < f1(pp, pr) - 0.02 else ""
        if r["reason"]:
            mark += f"  rejected: {r['reason']}"
        print(f"{r['page'][:52]:52} {r['layout'][:8]:8} {p:7.3f} {rc:6.3f} {f1(p, rc):6.3f}   {pp:7.3f} {pr:6.3f} "
              f"{f1(pp, pr):6.3f}  {'=' if r['title_ours'] else 'x'}{'=' if r['title_plain'] else 'x'}{mark}")
    s = summarise_real(rows)
    print(f"\n{s['pages']} real pages")
    print(f"{'':30} {'P':>6} {'R':>6} {'F1':>6}")
    print(f"{'ours (lead + body)':30} {s['ours'][0]:6.3f} {s['ours'][1]:6.3f} {s['ours'][2]:6.3f}")
    print(f"{'trafilatura favor_precision':30} {s['plain'][0]:6.3f} {s['plain'][1]:6.3f} {s['plain'][2]:6.3f}")
    print(f"pages more than 0.02 below trafilatura: {len(s['below'])}")
    print(f"articles rejected that trafilatura extracts with >= 50 words: {len(s['rejected'])}")
    print(f"title exact: ours {s['title_ours']:.1%}, trafilatura {s['title_plain']:.1%}")
    print(f"title exact but for typography (quotes, soft hyphens, spaces): ours {s['title_ours_typography']:.1%}, "
          f"trafilatura {s['title_plain_typography']:.1%}")
    sources = s["title_sources"]
    print(f"Fundus' title is the page's <h1> on {sources['h1']} pages, its JSON-LD headline on {sources['json-ld']}, "
          f"its og:title on {sources['og:title']}, one of them on {s['title_any_source']}")
    print(f"body from trafilatura on the untouched page (guard): {s['fallbacks']} pages")
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, metavar="PATH",
                        help="Fundus' tests/resources/parser/test_data folder: evaluate on real pages instead")
    args = parser.parse_args(argv)
    if args.real:
        if not args.real.is_dir():
            print(f"{args.real}: not a folder; give Fundus' tests/resources/parser/test_data", file=sys.stderr)
            return 2
        rows = evaluate_real(args.real)
        if not rows:
            print(f"{args.real}: no <Publisher>.json with *.html.gz pages found", file=sys.stderr)
            return 2
        s = print_real(rows)
        met = (s["ours"][2] >= max(s["plain"][2], 0.97) and not s["below"] and not s["rejected"]
               and s["title_ours"] >= 0.95)
        return 0 if met else 1
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
