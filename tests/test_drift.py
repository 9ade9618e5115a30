"""The drift alarm's judgement on a run's coverage."""

from caravan_spider.drift import Coverage


def record(**overrides):
    base = {"title": "Заголовок", "lead": "Лид", "body": "Текст статьи.", "published_at": "2026-01-21",
            "views": 10, "tags": None}
    return {**base, **overrides}


def test_a_boilerplate_marker_in_stored_text_is_drift_whatever_the_run_size():
    coverage = Coverage()
    coverage.add(record(body="Текст статьи.\n\nВ тренде:\n\nПенсия 2026"), "today")
    assert coverage.problems(0.9) == ["boilerplate «В тренде:» in 1 stored article(s)"]


def test_coverage_is_judged_only_on_enough_pages():
    coverage = Coverage()
    for _ in range(4):
        coverage.add_rejection("no article text (0 words)")
    assert coverage.problems(0.9, min_pages=5) == []
    coverage.add(record(), "generic")
    assert coverage.problems(0.9, min_pages=5) == [
        "title found in 20% of 5 article pages (minimum 90%)",
        "body found in 20% of 5 article pages (minimum 90%)",
        "published_at found in 20% of 5 article pages (minimum 90%)",
    ]


def test_not_found_pages_do_not_count_against_coverage():
    coverage = Coverage()
    for _ in range(5):
        coverage.add(record(), "today")
    coverage.add_rejection("not found page («Страница не найдена»)")
    coverage.add_rejection("tag page")
    assert coverage.problems(0.9) == []
    assert coverage.as_dict()["fields"]["title"] == 1.0
    assert coverage.as_dict()["fields_by_layout"]["today"]["views"] == 1.0
