"""The evaluation script: its scoring, and its verdict that our body is never worse than plain trafilatura."""

import importlib.util
import json
import shutil

from conftest import ROOT

spec = importlib.util.spec_from_file_location("evaluate", ROOT / "scripts/evaluate.py")
evaluate = importlib.util.module_from_spec(spec)
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


def test_body_is_never_worse_than_plain_trafilatura():
    for name, _, ours, plain in evaluate.evaluate()["bodies"]:
        assert evaluate.f1(*ours) >= evaluate.f1(*plain), name


def test_precision_recall_counts_words():
    assert evaluate.precision_recall("а б в", "а б г д") == (2 / 3, 2 / 4)
    assert evaluate.precision_recall(None, "а") == (0.0, 0.0)


def _fundus_like(folder, pages: dict[str, tuple[str, dict]]):
    """A folder laid out like Fundus' test data: <Publisher>.json, <Publisher>_<date>.html.gz, meta.info."""
    import gzip

    country = folder / "xx"
    country.mkdir()
    expected, meta = {}, {}
    for version, (date, record) in pages.items():
        name = f"Acme_{date}.html.gz"
        (country / name).write_bytes(gzip.compress(record.pop("html").encode()))
        meta[name] = {"url": f"https://acme.example/{version}", "crawl_date": date.replace("_", "-") + " 10:00:00"}
        expected[version] = record
    (country / "Acme.json").write_text(json.dumps(expected), "utf-8")
    (country / "meta.info").write_text(json.dumps(meta), "utf-8")


PARAS = [f"Paragraph {n} of the article tells what happened in the city council on Monday evening." for n in range(4)]


def _html(title, paragraphs, junk=""):
    return (f"<html><head><title>{title} | Acme</title><meta property='og:title' content='{title}'></head><body>"
            f"<nav><a href='/'>Home</a><a href='/world/'>World</a></nav><article><h1>{title}</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + f"{junk}</article></body></html>")


def test_real_pages_are_matched_to_versions_by_date_and_scored(tmp_path):
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
    # the verdict: 0 when every target is met, 1 otherwise (titles: 2 of 3 < 95 %)
    assert evaluate.main(["--real", str(tmp_path)]) == 1


def test_the_second_title_figure_forgives_typography_only():
    same = evaluate._same_title_typography
    assert same("Strava unveils ‘family’ plan", "Strava unveils 'family' plan")
    assert same("«Да» — и “нет”", "«Да» — и \"нет\"")  # guillemets stay guillemets
    assert same("Helikopter\u00adlandeplatz\u200b", "Helikopterlandeplatz")
    assert same("イオン銀行社長解任、金融庁処分で 持ち株社長も引責", "イオン銀行社長解任、金融庁処分で\u3000持ち株社長も引責")
    assert not same("Five key policies", "Five key policies announced")
    assert not same("«Да»", '"Да"') and not same(None, "")
    assert not evaluate._same_title("Strava unveils ‘family’ plan", "Strava unveils 'family' plan")


def test_real_evaluation_refuses_a_folder_without_the_corpus(tmp_path, capsys):
    assert evaluate.main(["--real", str(tmp_path / "missing")]) == 2
    assert evaluate.main(["--real", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{tmp_path / 'missing'}: not a folder; give Fundus' tests/resources/parser/test_data",
                   f"{tmp_path}: no <Publisher>.json with *.html.gz pages found"]
