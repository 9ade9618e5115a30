"""Local time of Kazakhstan (IANA zone Asia/Almaty), the zone every date on the site is written in."""

from __future__ import annotations

import importlib.resources
from datetime import date, datetime
from zoneinfo import ZoneInfo


def _load_zone() -> ZoneInfo:
    # Almaty moved from UTC+6 to UTC+5 on 2024-03-01 (tzdata 2024a). The system's
    # zone files may predate that, so read the zone from the pinned `tzdata` package.
    with importlib.resources.files("tzdata.zoneinfo").joinpath("Asia/Almaty").open("rb") as f:
        return ZoneInfo.from_file(f, key="Asia/Almaty")


ALMATY = _load_zone()


def localize(value: datetime) -> datetime:
    """A naive time is Almaty wall time; an aware one is converted to Almaty."""
    if value.tzinfo is None:
        return value.replace(tzinfo=ALMATY)
    return value.astimezone(ALMATY)


def iso(value: datetime | date) -> str:
    """ISO 8601 with the Almaty offset of that instant (or a bare date)."""
    if isinstance(value, datetime):
        return localize(value).isoformat(timespec="seconds")
    return value.isoformat()


def now() -> datetime:
    return datetime.now(ALMATY)
