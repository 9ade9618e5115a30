"""What one crawl run is, and how its parts tell each other about it without side doors.

`RunSpec` (editions, their origins and mode) is part of the run's Config (config.py), read from the
crawler's settings alone: the spider's arguments (`-a edition=... base_url=... since=... full=...`)
become the settings CARAVAN_EDITION, CARAVAN_BASE_URL / CARAVAN_KK_BASE_URL, CARAVAN_SINCE and
CARAVAN_FULL in the spider's from_crawler, so the spider, the run keeper and the middlewares each read
the same answer from the one place. The run keeper (crawl.RunKeeper) says whether the run began (and
its id) or was refused with the signals below; the run's outcome is read back from the archive's
crawl_runs row (`Archive.run`). Stats are for counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .site import CARAVAN
from .urls import Origin

# Sent by the run keeper once the archive is open and locked: run_id=int.
run_begun = object()
# Sent by the run keeper when the run cannot begin: reason (the spider's finish reason:
# "archive_locked" or "archive_unavailable") and message (one line for people).
run_refused = object()
# Sent by the retry middleware when nothing of the site answers: message.
site_unreachable = object()


# The setting that holds each edition's origin (a spider argument base_url=ru=URL,kk=URL sets them):
# CARAVAN_BASE_URL for the main edition, CARAVAN_<CODE>_BASE_URL for each other one (site.py).
ORIGIN_SETTINGS = {edition.code: "CARAVAN_BASE_URL" if edition is CARAVAN.main else
                   f"CARAVAN_{edition.code.upper()}_BASE_URL" for edition in CARAVAN.editions}


@dataclass(frozen=True)
class RunSpec:
    """Which editions a run crawls, from where (edition → origin), and in which mode."""

    origins: dict[str, Origin]
    since: datetime | None = None
    full: bool = False

    @property
    def origin(self) -> Origin:
        """The origin of the first edition crawled (the only one, with --edition ru or kk)."""
        return next(iter(self.origins.values()))

    @property
    def editions(self) -> str:
        return ",".join(self.origins)

    @property
    def base_url(self) -> str:
        """Where this run fetches from, as crawl_runs records it."""
        if len(self.origins) == 1:
            return self.origin.base
        return " ".join(f"{code}={origin.base}" for code, origin in self.origins.items())

    @property
    def mode(self) -> str:
        return "full" if self.full else f"since {self.since:%Y-%m-%d}" if self.since else "incremental"

    @property
    def on_loopback(self) -> bool:
        """Servers on loopback (the sample site, a local mirror) are ours to crawl at full speed."""
        return all(o.host in ("localhost", "::1") or o.host.startswith("127.") for o in self.origins.values())

    @classmethod
    def from_settings(cls, settings) -> RunSpec:
        """The run's spec from CARAVAN_EDITION, CARAVAN_BASE_URL, CARAVAN_KK_BASE_URL, CARAVAN_SINCE
        and CARAVAN_FULL (config.Config reads and checks them); ValueError names a bad one."""
        from .config import Config

        return Config.from_settings(settings).spec


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


def exit_status(start: RunStart, db: str) -> int:
    """The exit status of a run that was started (README: Run outcomes), from its crawl_runs row."""
    from .archive import Archive
    from .outcomes import EXIT_STATUS

    if start.refused == "archive_locked":
        return EXIT_STATUS["locked"]
    if start.run_id is None:
        return EXIT_STATUS["failed"]
    archive = Archive(db, create=False, read_only=True)
    try:
        status = archive.run(start.run_id).status
    finally:
        archive.close()
    return EXIT_STATUS.get(status, EXIT_STATUS["failed"])  # "running": its end could not be recorded
