"""When to ask the site again about an article it already gave us: a decaying recheck schedule.

Editors change and remove stories mostly in their first hours, rarely after a month. So the wait
before the next check grows with the article's age: the longest step of the schedule that the age
has reached (at least the first step). With the default steps an article an hour old is checked
again an hour later, one ten days old a week later, one from 2015 a year later.

Pure functions with the clock as an argument: the spider and the archive pass the time, tests pass
any time they like.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

DEFAULT_SCHEDULE = "1h,6h,1d,3d,7d,30d,90d,365d"
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_STEP = re.compile(r"^(\d+(?:\.\d+)?)([mhdw])$")
# A due date is a datetime: a step of millennia would overflow it mid-crawl. A century is "never" enough.
MAX_STEP = timedelta(days=36500)
# A clock from which the longest step still lands on a date Python can hold (9999-12-31).
LATEST_CLOCK = datetime(9899, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """"1h,6h,1d" → the steps, shortest first; ValueError naming the bad part otherwise."""
    steps = []
    for part in (p.strip() for p in str(text).split(",")):
        match = _STEP.match(part)
        if not match or float(match[1]) <= 0:
            raise ValueError(f"recheck schedule step {part!r} is not a duration such as 6h, 3d or 30m "
                             f"(e.g. CARAVAN_RECHECK_SCHEDULE={DEFAULT_SCHEDULE})")
        try:
            step = timedelta(**{_UNITS[match[2]]: float(match[1])})
        except OverflowError:
            step = None
        if step is None or step > MAX_STEP:
            raise ValueError(f"recheck schedule step {part!r} is longer than {MAX_STEP.days}d (a century)")
        steps.append(step)
    if steps != sorted(steps):
        raise ValueError(f"recheck schedule {text!r} must grow: shortest step first")
    return tuple(steps)


def parse_clock(text: str | None) -> datetime | None:
    """CARAVAN_CLOCK, the "now" a run judges due dates by (tests): ISO 8601, UTC without an offset."""
    if not text:
        return None
    try:
        clock = datetime.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a date-time such as 2026-01-20T13:00:00+00:00") from None
    clock = clock if clock.tzinfo else clock.replace(tzinfo=timezone.utc)
    if clock > LATEST_CLOCK:
        raise ValueError(f"{text!r} is too late: the schedule counts up to {MAX_STEP.days // 365} years on from it "
                         f"(at most {LATEST_CLOCK.date()})")
    return clock


def _instant(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A bare date (the page gave no time) is taken as midnight UTC: hours do not matter at that age.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def interval(age: timedelta, steps: tuple[timedelta, ...]) -> timedelta:
    """The wait before the next check of an article this old."""
    reached = [step for step in steps if step <= age]
    return reached[-1] if reached else steps[0]


def next_check(checked_at: str | datetime, born: str | datetime | None, steps: tuple[timedelta, ...]) -> str:
    """When an article checked at `checked_at` is due again; `born` is when it was published
    (or first seen, when the page gives no date). UTC, ISO 8601 to the second."""
    checked = _instant(checked_at)
    start = _instant(born) or checked
    wait = interval(max(checked - start, timedelta(0)), steps)
    return (checked + wait).astimezone(timezone.utc).isoformat(timespec="seconds")


def is_due(next_check_at: str | None, now: datetime) -> bool:
    """An article never scheduled (an archive from before schedules) is due."""
    due = _instant(next_check_at)
    return due is None or due <= now
