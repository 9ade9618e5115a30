"""The drift alarm's judgement on a run's coverage."""

from caravan_spider.drift import Coverage
from caravan_spider.parsing import Rejection


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
        coverage.add_rejection(Rejection.NO_TEXT.because("0 words"))
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
    coverage.add_rejection(Rejection.NOT_FOUND.because("«Страница не найдена»"))
    coverage.add_rejection(Rejection.TAG_PAGE.because())
    coverage.add_rejection("redirect to /")  # the site's word that an article is gone, no parse
    assert coverage.problems(0.9) == []
    assert coverage.as_dict()["fields"]["title"] == 1.0
    assert coverage.as_dict()["fields_by_layout"]["today"]["views"] == 1.0


def test_every_drift_marker_is_a_line_the_parser_drops():
    # One list of furniture phrases (parsing/phrases.py): what drift looks for is what body.py removes.
    from caravan_spider.parsing.body import BOILERPLATE_LINES
    from caravan_spider.parsing.phrases import BOILERPLATE_MARKERS

    assert BOILERPLATE_MARKERS == ("Читайте также:", "Смотрите также:", "Сондай-ақ оқыңыз", "Все права защищены",
                                   "Подписывайтесь на наш", "Поделиться:", "В тренде:")
    for marker in BOILERPLATE_MARKERS:
        assert any(pattern.search(marker) for pattern, _ in BOILERPLATE_LINES), marker


def test_one_credit_prefix_for_every_credit_line():
    from caravan_spider.parsing.phrases import CREDIT_PREFIX

    for line in ("Фото: МВД РК", "фото : МВД РК", "Фото и видео: МВД РК", "Сурет: МВД РК", "Источник фото: МВД РК"):
        assert CREDIT_PREFIX.sub("", line) == "МВД РК", line
    assert CREDIT_PREFIX.sub("", "Фотограф МВД РК") == "Фотограф МВД РК"
