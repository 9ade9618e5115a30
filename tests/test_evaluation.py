"""The evaluation script: its scoring, and its verdict that our body is never worse than plain trafilatura."""

import importlib.util
import json
import shutil
import sys

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("evaluate", ROOT / "scripts/evaluate.py")
evaluate = importlib.util.module_from_spec(spec)
sys.modules["evaluate"] = evaluate  # (its dataclasses look their module up there)
spec.loader.exec_module(evaluate)


def test_the_evaluation_counts_a_wrong_field_and_a_wrong_verdict(tmp_path):
    # test_parsing.py checks every page; this checks the scorer: a miss must show in its report.
    for case in ("seed", "tag-page", "legacy-2015"):
        shutil.copytree(ROOT / "tests/pages" / case, tmp_path / case)
    seed = tmp_path / "seed/expected.json"
    seed.write_text(json.dumps({**json.loads(seed.read_text("utf-8")), "title": "Не тот заголовок"}), "utf-8")
    tag = tmp_path / "tag-page/expected.json"
    tag.write_text(json.dumps({"not_an_article": "listing page"}), "utf-8")
    report = evaluate.evaluate(tmp_path)
    assert (report["cases"], report["articles"], report["classified"]) == (3, 2, 2)
    assert dict(report["fields"]) == {name: 1 if name == "title" else 2 for name in evaluate.FIELDS}
    assert [name for name, *_ in report["bodies"]] == ["legacy-2015", "seed"]


@pytest.mark.slow
def test_body_is_never_worse_than_plain_trafilatura():
    for name, _, ours, plain in evaluate.evaluate()["bodies"]:
        assert evaluate.f1(*ours) >= evaluate.f1(*plain), name


def test_precision_recall_counts_words():
    assert evaluate.precision_recall("а б в", "а б г д") == (2 / 3, 2 / 4)
    assert evaluate.precision_recall(None, "а") == (0.0, 0.0)


def _fundus_like(folder, pages: dict[str, tuple[str, dict]], publisher: str = "Acme", country: str = "xx"):
    """A folder laid out like Fundus' test data: <Publisher>.json, <Publisher>_<date>.html.gz, meta.info."""
    import gzip

    country = folder / country
    country.mkdir(parents=True, exist_ok=True)
    expected, meta = {}, {}
    for version, (date, record) in pages.items():
        name = f"{publisher}_{date}.html.gz"
        (country / name).write_bytes(gzip.compress(record.pop("html").encode()))
        meta[name] = {"url": f"https://acme.example/{version}", "crawl_date": date.replace("_", "-") + " 10:00:00"}
        expected[version] = record
    (country / f"{publisher}.json").write_text(json.dumps(expected), "utf-8")
    (country / "meta.info").write_text(json.dumps(meta), "utf-8")


PARAS = [f"Paragraph {n} of the article tells what happened in the city council on Monday evening." for n in range(4)]


def _html(title, paragraphs, junk=""):
    return (f"<html><head><title>{title} | Acme</title><meta property='og:title' content='{title}'></head><body>"
            f"<nav><a href='/'>Home</a><a href='/world/'>World</a></nav><article><h1>{title}</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + f"{junk}</article></body></html>")


@pytest.mark.slow
def test_real_pages_are_matched_to_versions_by_date_and_scored(tmp_path, capsys):
    _fundus_like(tmp_path, {
        # versions sort V1 < V1_1 < V2 and pages by date: the oldest page belongs to V1
        "V2": ("2025_03_01", {"html": _html("Third title here", PARAS[:2]), "title": "Third title here",
                              "body": {"summary": [], "sections": [{"headline": [], "paragraphs": PARAS[:2]}]}}),
        "V1": ("2023_01_01", {"html": _html("First title here", PARAS), "title": "First title here",
                              "body": {"summary": [PARAS[0]], "sections": [{"headline": [], "paragraphs": PARAS[1:]}]}}),
        "V1_1": ("2024_06_01", {"html": _html("Second title", PARAS[:3]), "title": "Not what the page says",
                                "body": {"summary": [], "sections": [{"headline": ["Sub"], "paragraphs": PARAS[:3]}]}}),
    })
    names = [(name, crawled.year, expected["title"]) for name, _, crawled, expected in evaluate.real_pages(tmp_path)]
    assert names == [("xx/Acme_2023_01_01.html.gz", 2023, "First title here"),
                     ("xx/Acme_2024_06_01.html.gz", 2024, "Not what the page says"),
                     ("xx/Acme_2025_03_01.html.gz", 2025, "Third title here")]
    rows = evaluate.evaluate_real(tmp_path)
    assert [r["title_ours"] for r in rows] == [True, False, True]
    assert rows[0]["ours"] == (1.0, 1.0)  # lead + body against summary + paragraphs
    assert rows[1]["ours"][0] == 1.0 and rows[1]["ours"][1] < 1.0  # the heading «Sub» is not on the page
    summary = evaluate.summarise_real(rows)
    assert summary["pages"] == 3 and summary["rejected"] == [] and summary["title_ours"] == 2 / 3
    # Fundus' title is the page's <h1> and og:title on the two pages that say it, none of them on the third
    assert [r["title_sources"] for r in rows] == [{"h1", "og:title"}, set(), {"h1", "og:title"}]
    # both sides' parse CPU is measured on every page
    assert all(r["cpu_ours"] > 0 and r["cpu_plain"] > 0 for r in rows)
    assert summary["cpu_ratio"] == sum(r["cpu_ours"] for r in rows) / sum(r["cpu_plain"] for r in rows)
    # the verdict: 0 when every target is met, 1 otherwise (CPU figures differ from run to run: the
    # verdict printed by the same run)
    status = evaluate.main(["--real", str(tmp_path)])
    [verdict] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("fundus: ")
                 and ("every target met" in line or ": missed: " in line)]
    assert status == (0 if verdict == "fundus: every target met" else 1)


def _row(ours, plain, reason=None, plain_words=100, cpu=(0.010, 0.010)):
    return {"page": f"p{ours}{plain}{reason}", "kind": "scrapinghub", "group": "scrapinghub", "layout": "generic",
            "reason": reason, "body_source": "", "ours": ours, "plain": plain, "plain_words": plain_words,
            "cpu_ours": cpu[0], "cpu_plain": cpu[1], "native_ours": (1.0, 0.0, 0.0), "native_plain": (1.0, 0.0, 0.0),
            "title_ours": None, "title_plain": None, "title_ours_typography": None, "title_plain_typography": None,
            "title_sources": set()}


def test_each_target_is_checked_on_every_corpus():
    good = [_row((1.0, 1.0), (0.9, 0.9)), _row((0.9, 0.9), (0.8, 0.8))]
    summary = evaluate.summarise_real(good)
    assert summary["missed"] == [] and summary["below"] == summary["far_below"] == summary["rejected"] == []
    # a page 0.03 below is listed, one 0.06 below misses the target; an article rejected that plain
    # trafilatura extracts 50 words of misses it, one of 49 words does not
    rows = good + [_row((0.87, 0.87), (0.9, 0.9)), _row((0.84, 0.84), (0.9, 0.9)),
                   _row((0.0, 0.0), (1.0, 1.0), "no headline", 50), _row((0.0, 0.0), (0.0, 0.0), "static page", 49)]
    summary = evaluate.summarise_real(rows)
    assert (len(summary["below"]), len(summary["far_below"]), len(summary["rejected"])) == (3, 2, 1)
    assert [m.split(" ", 2)[:2] for m in summary["missed"]] == [["mean", "F1"], ["2", "pages"], ["1", "articles"]]
    # a mean F1 less than 0.01 above plain trafilatura's misses; so does CPU above 1.2 x or a page over 1 s
    close = [_row((0.905, 0.905), (0.9, 0.9), cpu=(0.013, 0.010)), _row((0.9, 0.9), (0.9, 0.9), cpu=(1.01, 1.0))]
    assert [m.split(" ")[:2] for m in evaluate.summarise_real(close)["missed"]] == [
        ["mean", "F1"], ["a", "page"]]
    slow = [_row((1.0, 1.0), (0.9, 0.9), cpu=(0.0121, 0.010))]
    assert evaluate.summarise_real(slow)["missed"] == ["parse CPU 1.21 x trafilatura's > 1.2"]


@pytest.mark.slow
def test_fundus_is_split_by_publisher_into_fixed_halves(tmp_path):
    record = {"html": _html("A title of the page", PARAS), "title": "A title of the page",
              "body": {"summary": [], "sections": [{"headline": [], "paragraphs": PARAS}]}}
    # CRC-32 of the publisher's name: «Acme» is even (tuning), «Beta» odd (validation), wherever they are
    _fundus_like(tmp_path, {"V1": ("2024_01_01", dict(record)), "V2": ("2025_01_01", dict(record))}, "Acme", "xx")
    _fundus_like(tmp_path, {"V1": ("2024_01_01", dict(record))}, "Beta", "yy")
    assert (evaluate.fundus_half("Acme"), evaluate.fundus_half("Beta"), evaluate.fundus_half("Omega")) == (
        "tuning", "validation", "tuning")
    rows = evaluate.evaluate_real(tmp_path)
    assert [(r["page"], r["group"]) for r in rows] == [("xx/Acme_2024_01_01.html.gz", "fundus tuning"),
                                                       ("xx/Acme_2025_01_01.html.gz", "fundus tuning"),
                                                       ("yy/Beta_2024_01_01.html.gz", "fundus validation")]
    grouped = evaluate.groups(rows)
    assert {name: len(members) for name, members in grouped.items()} == {
        "fundus tuning": 2, "fundus validation": 1, "fundus": 3}
    assert list(grouped) == ["fundus tuning", "fundus validation", "fundus"]


def test_scrapinghub_and_trafilatura_sets_are_split_by_page_into_fixed_halves(tmp_path):
    # CRC-32 of the page's name: «ccc3» is even (tuning), «aaa1» odd (held out); rules are designed on
    # the failures of the tuning half only, and each half is reported
    assert (evaluate.page_half("ccc3"), evaluate.page_half("aaa1"), evaluate.page_half("one.html")) == (
        "tuning", "held-out", "held-out")
    import gzip

    (tmp_path / "html").mkdir()
    truth = {}
    for key in ("aaa1", "ccc3", "ddd4"):
        (tmp_path / "html" / f"{key}.html.gz").write_bytes(gzip.compress(_html("A title of the page", PARAS).encode()))
        truth[key] = {"articleBody": "\n".join(PARAS), "url": f"https://acme.example/{key}"}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth), "utf-8")
    rows = evaluate.evaluate_real(tmp_path)
    assert [(r["page"], r["group"]) for r in rows] == [
        ("aaa1", "scrapinghub held-out"), ("ccc3", "scrapinghub tuning"), ("ddd4", "scrapinghub tuning")]
    grouped = evaluate.groups(rows)
    assert list(grouped) == ["scrapinghub tuning", "scrapinghub held-out", "scrapinghub"]
    assert [len(members) for members in grouped.values()] == [2, 1, 3]


@pytest.mark.slow
def test_scrapinghub_pages_are_scored_by_words_and_by_its_own_shingles(tmp_path):
    import gzip

    (tmp_path / "html").mkdir()
    truth = {}
    for key, paragraphs in (("aaa1", PARAS), ("bbb2", PARAS[:2])):
        (tmp_path / "html" / f"{key}.html.gz").write_bytes(gzip.compress(_html("A title of the page", paragraphs).encode()))
        truth[key] = {"articleBody": "\n".join(PARAS), "url": f"https://acme.example/{key}"}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth), "utf-8")
    rows = evaluate.evaluate_real(tmp_path)
    assert [(r["page"], r["kind"], r["group"], r["title_ours"]) for r in rows] == [
        ("aaa1", "scrapinghub", "scrapinghub held-out", None), ("bbb2", "scrapinghub", "scrapinghub held-out", None)]
    assert rows[0]["ours"] == (1.0, 1.0) and rows[1]["ours"] == (1.0, 0.5)
    # scrapinghub's own figure: word 4-grams as shares of the page's, mean precision and recall, then F1
    assert evaluate.shingle_counts("a b c d e", "a b c d") == (1 / 2, 1 / 2, 0.0)
    assert evaluate.shingle_counts("", "a b c d") == (0.0, 0.0, 1.0)
    summary = evaluate.summarise_real(rows)
    label, ours, plain = summary["native"]
    assert label == "4-gram F1 as its evaluate.py" and ours == evaluate._shingle_f1(
        [evaluate.shingle_counts(t, "\n".join(PARAS)) for t in ("\n".join(PARAS), "\n".join(PARAS[:2]))])
    assert summary["title_ours"] is None


@pytest.mark.slow
def test_trafilatura_pages_are_scored_by_the_passages_they_must_and_must_not_hold(tmp_path):
    for sub in ("eval", "cache"):
        (tmp_path / sub).mkdir()
    # a page in cache/ wins over one of the same name in eval/, as in trafilatura's own evaluation
    (tmp_path / "cache" / "one.html").write_text(_html("A title of the page", PARAS), "utf-8")
    (tmp_path / "eval" / "one.html").write_text(_html("A title of the page", PARAS[:1]), "utf-8")
    (tmp_path / "eval" / "two.html").write_text(_html("Another title here", PARAS[:2], "<p>Impressum</p>"), "utf-8")
    data = {"https://acme.example/1": {"file": "one.html", "with": [PARAS[0][:40], PARAS[3][-40:]], "without": ["Home"]},
            "https://acme.example/2": {"file": "two.html", "with": [PARAS[1][:40], PARAS[3][:40]],
                                       "without": ["World", "Impressum"]},
            "https://acme.example/3": {"file": "missing.html", "with": ["x"], "without": ["y"]}}
    (tmp_path / "evaldata.json").write_text(json.dumps(data), "utf-8")
    assert evaluate.passage_counts("a  b\nc d", (["a b c", "x"], ["d", "y"])) == (1, 1, 1, 1)
    rows = evaluate.evaluate_real(tmp_path)
    assert [(r["page"], r["kind"]) for r in rows] == [("one.html", "trafilatura"), ("two.html", "trafilatura")]
    assert rows[0]["ours"] == (1.0, 1.0)
    assert rows[0]["native_ours"] == (2, 0, 0, 1)
    p, r = rows[1]["ours"]
    assert r == 0.5 and p == (0.5 if rows[1]["native_ours"][1] else 1.0)
    summary = evaluate.summarise_real(rows)
    assert summary["native"][0] == "passage F1 as its evaluate.py"
    assert summary["native"][1] == evaluate._pooled_f1([rows[0]["native_ours"], rows[1]["native_ours"]])


@pytest.mark.slow
def test_readability_pages_of_a_site_are_scored_and_its_unit_tests_left_out(tmp_path):
    big = _html("A title of the page", PARAS, "<!-- " + "x" * evaluate.READABILITY_REAL_BYTES + " -->")
    for name, source in (("site-page", big), ("001-tiny-test", _html("Tiny", PARAS[:1]))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "source.html").write_text(source, "utf-8")
        (tmp_path / name / "expected.html").write_text(
            "<div>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</div>", "utf-8")
        (tmp_path / name / "expected-metadata.json").write_text(json.dumps({"title": "A title of the page"}), "utf-8")
    rows = evaluate.evaluate_real(tmp_path)
    assert [(r["page"], r["kind"], r["title_ours"]) for r in rows] == [("site-page", "readability", True)]
    assert rows[0]["ours"] == (1.0, 1.0)


@pytest.mark.slow
def test_one_command_prints_a_row_per_corpus_and_fundus_half(tmp_path, capsys):
    record = {"html": _html("A title of the page", PARAS), "title": "A title of the page",
              "body": {"summary": [], "sections": [{"headline": [], "paragraphs": PARAS}]}}
    _fundus_like(tmp_path / "fundus", {"V1": ("2024_01_01", dict(record))}, "Acme", "xx")
    _fundus_like(tmp_path / "fundus", {"V1": ("2024_01_01", dict(record))}, "Beta", "yy")
    (tmp_path / "readability" / "page").mkdir(parents=True)
    (tmp_path / "readability" / "page" / "source.html").write_text(
        _html("A title of the page", PARAS, "<!-- " + "x" * evaluate.READABILITY_REAL_BYTES + " -->"), "utf-8")
    (tmp_path / "readability" / "page" / "expected.html").write_text("<p>" + " ".join(PARAS) + "</p>", "utf-8")
    cache = tmp_path / "plain.json"
    argv = ["--real", str(tmp_path / "fundus"), "--real", str(tmp_path / "readability"), "--cache", str(cache),
            "--repeat", "2"]
    status = evaluate.main(argv)
    out = capsys.readouterr().out.splitlines()
    verdicts = [line.split(": ", 1)[1] for line in out if line.endswith("every target met") or ": missed: " in line]
    assert len(verdicts) == 4 and status == (0 if set(verdicts) == {"every target met"} else 1)
    table = [line.split()[:3] for line in out if line.startswith(("fundus", "readability")) and ":" not in line]
    assert table == [["fundus", "tuning", "1"], ["fundus", "validation", "1"], ["fundus", "2", "1.000"],
                     ["readability", "1", "1.000"]]
    # plain trafilatura's results are kept by its version, page and URL, and read back the next time
    kept = json.loads(cache.read_text("utf-8"))
    assert len(kept) == 3 and all(set(v) == {"text", "title"} for v in kept.values())
    evaluate.main(argv)
    assert json.loads(cache.read_text("utf-8")) == kept


def test_the_second_title_figure_forgives_typography_only():
    same = evaluate._same_title_typography
    assert same("Strava unveils ‘family’ plan", "Strava unveils 'family' plan")
    assert same("«Да» — и “нет”", "«Да» — и \"нет\"")  # guillemets stay guillemets
    assert same("Helikopter\u00adlandeplatz\u200b", "Helikopterlandeplatz")
    assert same("イオン銀行社長解任、金融庁処分で 持ち株社長も引責", "イオン銀行社長解任、金融庁処分で\u3000持ち株社長も引責")
    assert not same("Five key policies", "Five key policies announced")
    assert not same("«Да»", '"Да"') and not same(None, "")
    assert not evaluate._same_title("Strava unveils ‘family’ plan", "Strava unveils 'family' plan")


def test_real_evaluation_refuses_a_folder_without_a_corpus(tmp_path, capsys):
    assert evaluate.main(["--real", str(tmp_path / "missing")]) == 2
    assert evaluate.main(["--real", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{tmp_path / 'missing'}: not a folder; give {evaluate.SHAPES}",
                   f"{tmp_path}: no pages of a known corpus found; give {evaluate.SHAPES}"]


@pytest.mark.slow
def test_scale_measures_each_shape_as_an_article_that_grows_with_its_size(capsys):
    # --scale's pages: each shape an article at every size, twice the size about twice the bytes
    rows = evaluate.scale_rows(sizes=(1, 2))
    assert [(r["shape"], r["size"], r["article"]) for r in rows] == [
        (shape, size, True) for shape in evaluate.SCALE_SHAPES for size in (1, 2)]
    for small, large in zip(rows[::2], rows[1::2]):
        assert 1.8 * small["bytes"] < large["bytes"] < 2.2 * small["bytes"]
    evaluate.print_scale(rows)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["shape", "KB", "ours"] and len(lines) == 1 + len(rows)
