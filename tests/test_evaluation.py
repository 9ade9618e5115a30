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
