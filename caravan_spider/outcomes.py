"""What became of a crawl run and of each article it fetched, as members whose values are the text stored.

A run's status is kept in crawl_runs and gives the exit status of `caravan-archive crawl` (README: Run
outcomes). An article's outcome is counted in the run's stats under a key derived here, and the run's
row keeps the counts of some (COUNTED) in columns derived here too: nobody spells a key from the text.
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """How a run ended (crawl_runs.status), with the exit status `caravan-archive crawl` gives for it."""

    exit_status: int

    def __new__(cls, value: str, exit_status: int):
        member = str.__new__(cls, value)
        member._value_ = value
        member.exit_status = exit_status
        return member

    FINISHED = "finished", 0  # every planned fetch done (a few failures are listed and retried next run)
    DRIFT = "drift", 1  # the site's markup changed: fields missing in too many pages
    LOCKED = "locked", 2  # another run holds the archive; nothing was done
    FAILED = "failed", 3  # site unreachable, most planned fetches failed, or something could not be stored
    INCOMPLETE = "incomplete", 4  # a sitemap, feed or listing could not be read: coverage unknown
    INTERRUPTED = "interrupted", 130  # Ctrl-C or SIGTERM; the next run continues


EXIT_STATUS = {status: status.exit_status for status in RunStatus}  # the members equal their text as keys


class Outcome(StrEnum):
    """What became of one article URL a run fetched (Archive.store says new, updated, unchanged,
    older or not-article; revisions.judge decides the first three)."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # a 304 too, counted also as NOT_MODIFIED
    FAILED = "failed"  # not fetched whole, not parsed, or held back much shorter: the next run tries again
    NOT_ARTICLE = "not-article"
    NOT_MODIFIED = "not_modified"
    GONE = "gone"  # answered 404 or 410, not being an archived article
    UNPUBLISHED = "unpublished"  # an archived article the site says is gone
    # An import's (import-warc, import-wayback): a capture older than the article's row, its version
    # placed among the revisions (Archive._store_older).
    OLDER = "older"

    @property
    def stat(self) -> str:
        """The run's stats key that counts this outcome."""
        return "caravan/not_articles" if self is Outcome.NOT_ARTICLE else f"caravan/articles/{self.value}"

    @property
    def column(self) -> str:
        """The crawl_runs column that keeps the count of this outcome (those in COUNTED)."""
        return "not_articles" if self is Outcome.NOT_ARTICLE else f"articles_{self.value}"


# The outcomes a run's row keeps from its stats: the articles the progress bar counts as done.
COUNTED = (Outcome.NEW, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.FAILED, Outcome.NOT_ARTICLE)


def counted(stats: dict) -> dict[str, int]:
    """The crawl_runs figures of the COUNTED outcomes, from the run's stats."""
    return {outcome.column: stats.get(outcome.stat, 0) for outcome in COUNTED}
