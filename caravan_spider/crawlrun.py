"""What one crawl run is, and how its parts tell each other about it without side doors.

`RunSpec` (origin and mode) is decided from the crawler's settings alone: the spider's arguments
(`-a base_url=... since=... full=...`) become the settings CARAVAN_BASE_URL, CARAVAN_SINCE and
CARAVAN_FULL in the spider's from_crawler, so the spider, the pipeline and the middlewares each
read the same answer from the one place. The pipeline says whether the run began (and its id)
or was refused with the signals below; the run's outcome is read back from the archive's
crawl_runs row (`Archive.run`). Stats are for counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .parsing.dates import as_datetime
from .urls import Origin

# Sent by the pipeline once the archive is open and locked: run_id=int.
run_begun = object()
# Sent by the pipeline when the run cannot begin: reason (the spider's finish reason:
# "archive_locked" or "archive_unavailable") and message (one line for people).
run_refused = object()
# Sent by the retry middleware when nothing of the site answers: message.
site_unreachable = object()


@dataclass(frozen=True)
class RunSpec:
    """Where a run crawls and in which mode (incremental, full, since a date)."""

    origin: Origin
    since: datetime | None = None
    full: bool = False

    @property
    def mode(self) -> str:
        return "full" if self.full else f"since {self.since:%Y-%m-%d}" if self.since else "incremental"

    @property
    def on_loopback(self) -> bool:
        """A server on loopback (the sample site, a local mirror) is ours to crawl at full speed."""
        return self.origin.host in ("localhost", "::1") or self.origin.host.startswith("127.")

    @classmethod
    def from_settings(cls, settings) -> RunSpec:
        """The run's spec from CARAVAN_BASE_URL, CARAVAN_SINCE and CARAVAN_FULL; ValueError names a bad one."""
        since = settings.get("CARAVAN_SINCE")
        since_at = as_datetime(since) if since else None
        if since and since_at is None:
            raise ValueError(f"since={since!r} is not a date such as 2025-01-31")
        return cls(Origin(settings.get("CARAVAN_BASE_URL")), since_at, settings.getbool("CARAVAN_FULL"))


@dataclass
class RunStart:
    """What `caravan-archive crawl` learns of its run: the id it began with, or why it never began."""

    run_id: int | None = None
    refused: str | None = None  # the finish reason
    message: str | None = None

    def watch(self, crawler) -> RunStart:
        crawler.signals.connect(self._begun, signal=run_begun)
        crawler.signals.connect(self._refused, signal=run_refused)
        return self

    def _begun(self, run_id: int) -> None:
        self.run_id = run_id

    def _refused(self, reason: str, message: str) -> None:
        self.refused, self.message = reason, message
