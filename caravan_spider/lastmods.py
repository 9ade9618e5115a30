"""A sitemap's <lastmod> as the crawl reads it: what it says, whether it is believable, and whether it
says the archived copy may be out of date.

W3C Datetime (what sitemaps.org asks for) writes a year, a year-month, a date, or a date and time with
a zone designator. Sites also write a time without one, which names no instant (it may be any zone's
wall time): such a value, like a bare date or a year-month, is read as the span of instants it may
mean, from its earliest reading (UTC+14) to its latest (UTC−12). So that no reading can miss an edit,
a lastmod is not ordered against our clock where a lastmod is recorded with the archived copy: any
difference from that one is a change (compared as instants or spans, so a re-formatted value is none),
whatever the site's clock or zone. Only where none is recorded is it compared with our last fetch,
by its latest reading.

A value that names no date, or one out of range (year 1 east of Greenwich), says nothing; so does an
implausible one, never stored: before 1991 (no web page is older) or more than a day ahead of our clock
(a server clock a little ahead is tolerated; a year ahead, recorded, would hide every later edit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

EARLIEST = datetime(1991, 1, 1, tzinfo=timezone.utc)
AHEAD = timedelta(days=1)
# Zones in use run from UTC+14 (Kiribati) to UTC−12: the readings of a wall time without a zone.
EAST, WEST = timedelta(hours=14), timedelta(hours=12)
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d{2}))?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Lastmod:
    """The instants (UTC) a <lastmod> may mean: one instant when it names one."""

    earliest: datetime
    latest: datetime


def read(text: str | None) -> Lastmod | None:
    """What a <lastmod> says; None when it names no date, or one beyond datetime's range."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if coarse := _YEAR_MONTH.fullmatch(text):  # 2025 or 2025-06: the whole year or month
            year, month = int(coarse[1]), int(coarse[2] or 0)
            start = datetime(year, month or 1, 1, tzinfo=timezone.utc)
            end = datetime(year + (month in (0, 12)), month % 12 + 1 if month else 1, 1, tzinfo=timezone.utc)
            return Lastmod(start - EAST, end + WEST)
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            instant = moment.astimezone(timezone.utc)
            return Lastmod(instant, instant)
        wall = moment.replace(tzinfo=timezone.utc)
        return Lastmod(wall - EAST, wall + (timedelta(days=1) if _DATE.fullmatch(text) else timedelta(0)) + WEST)
    except (ValueError, OverflowError):  # no date; or e.g. 0001-01-01T00:00:00+05:00, before year 1 in UTC
        return None


def plausible(text: str | None, now: datetime) -> Lastmod | None:
    """What a <lastmod> says when it is believable at `now`; None otherwise (see above)."""
    said = read(text)
    if said is None or said.latest < EARLIEST or said.earliest > now + AHEAD:
        return None
    return said


def may_be_newer(listed: Lastmod, recorded: str | None, fetched_at: str | None) -> bool:
    """Whether a copy recorded with lastmod `recorded` (None: none) and fetched at `fetched_at` may
    predate what `listed` says: when a lastmod was recorded, whenever the two differ; else when
    `listed` may be as late as the fetch (or the copy has no fetch time)."""
    if recorded is not None:
        return read(recorded) != listed
    if not fetched_at:
        return True
    fetched = datetime.fromisoformat(fetched_at)
    fetched = fetched if fetched.tzinfo else fetched.replace(tzinfo=timezone.utc)
    return listed.latest >= fetched
