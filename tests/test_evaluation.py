"""The evaluation script's verdict, kept by a test: 100 % on the corpus, never worse than trafilatura."""

import importlib.util

from conftest import ROOT

spec = importlib.util.spec_from_file_location("evaluate", ROOT / "scripts/evaluate.py")
evaluate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(evaluate)


def test_every_field_is_right_on_every_page():
    report = evaluate.evaluate()
    assert report["classified"] == report["cases"] >= 15
    assert dict(report["fields"]) == {name: report["articles"] for name in evaluate.FIELDS}


def test_body_is_never_worse_than_plain_trafilatura():
    for name, _, ours, plain in evaluate.evaluate()["bodies"]:
        assert evaluate.f1(*ours) >= evaluate.f1(*plain), name


def test_precision_recall_counts_words():
    assert evaluate.precision_recall("а б в", "а б г д") == (2 / 3, 2 / 4)
    assert evaluate.precision_recall(None, "а") == (0.0, 0.0)
