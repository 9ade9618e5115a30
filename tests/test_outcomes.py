"""Run statuses and article outcomes are members; their stats keys, columns and exit statuses stay as stored."""

from caravan_spider.outcomes import COUNTED, EXIT_STATUS, Outcome, RunStatus, counted


def test_each_run_status_gives_its_exit_status():
    assert EXIT_STATUS == {"finished": 0, "drift": 1, "locked": 2, "failed": 3, "incomplete": 4, "interrupted": 130}
    assert (RunStatus("drift").exit_status, EXIT_STATUS.get("running", EXIT_STATUS["failed"])) == (1, 3)


def test_an_article_outcome_is_counted_under_its_stats_key_and_crawl_runs_column():
    assert {o: o.stat for o in Outcome} == {
        Outcome.NEW: "caravan/articles/new", Outcome.UPDATED: "caravan/articles/updated",
        Outcome.UNCHANGED: "caravan/articles/unchanged", Outcome.FAILED: "caravan/articles/failed",
        Outcome.NOT_ARTICLE: "caravan/not_articles", Outcome.NOT_MODIFIED: "caravan/articles/not_modified",
        Outcome.GONE: "caravan/articles/gone", Outcome.UNPUBLISHED: "caravan/articles/unpublished",
        Outcome.OLDER: "caravan/articles/older"}
    stats = {"caravan/articles/new": 3, "caravan/articles/failed": 1, "caravan/not_articles": 2,
             "caravan/articles/gone": 5}
    assert counted(stats) == {"articles_new": 3, "articles_updated": 0, "articles_unchanged": 0, "articles_failed": 1,
                              "not_articles": 2}
    assert [o.value for o in COUNTED] == ["new", "updated", "unchanged", "failed", "not-article"]
