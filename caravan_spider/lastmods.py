"""A sitemap's <lastmod> as the crawl reads it: the instant it names, or None for what names none.

A site's sitemap is input like any other: a value may be no date at all, or a date Python cannot
hold in UTC (year 1 with an offset east of Greenwich, year 9999 west of it). Such a value says
nothing about the article; it must never stop the planning of the entries after it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .parsing.dates import as_datetime


def read(text: str | None) -> datetime | None:
    """The instant a <lastmod> names, in UTC; None when it names none (no date, or out of range)."""
    if not text or not text.strip():
        return None
    try:
        moment = as_datetime(text.strip())
        return moment.astimezone(timezone.utc) if moment is not None else None
    except (ValueError, OverflowError):  # e.g. 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        return None
