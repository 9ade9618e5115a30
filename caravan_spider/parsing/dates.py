"""Dates as the site writes them, into ISO 8601 with the Asia/Almaty offset.

htmldate (trafilatura's date finder) misses Russian month names, so visible dates are read
here: «24 Июля 2025», «24 шілде 2025», «12.03.2016, 14:05», «Сегодня, 10:15», «Вчера, 18:40».
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from ..almaty import ALMATY, iso, localize

# Genitive Russian month names (the site capitalises them) and Kazakh month names.
MONTHS = {
    **{name: n for n, name in enumerate(
        ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
         "ноября", "декабря"], start=1)},
    **{name: n for n, name in enumerate(
        ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
         "ноябрь", "декабрь"], start=1)},
    **{name: n for n, name in enumerate(
        ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
         "қараша", "желтоқсан"], start=1)},
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_TIME = r"(?:\s*(?:г\.|года|жыл\w*)?\s*[,в]?\s*(?P<h>\d{1,2}):(?P<mi>\d{2}))?"
_PATTERNS = [
    re.compile(rf"(?P<d>\d{{1,2}})\s+(?P<mon>{_MONTH})\s+(?P<y>\d{{4}}){_TIME}", re.I),
    # Kazakh order: «2025 жылғы 24 шілде, 09:40»
    re.compile(rf"(?P<y>\d{{4}})\s*(?:ж\.|жылғы)?\s+(?P<d>\d{{1,2}})\s+(?P<mon>{_MONTH}){_TIME}", re.I),
    re.compile(rf"(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_TIME}"),
    re.compile(rf"(?P<y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}}){_TIME}"),
]
_RELATIVE = re.compile(r"(?P<rel>сегодня|вчера|бүгін|кеше)\s*,?\s*(?:в\s*)?(?P<h>\d{1,2}):(?P<mi>\d{2})", re.I)
_RELATIVE_DAYS = {"сегодня": 0, "бүгін": 0, "вчера": 1, "кеше": 1}


def parse_visible(text: str | None, fetched_at: datetime | None = None) -> datetime | date | None:
    """A date a reader sees; a datetime (Almaty) when the text has a time, else a date."""
    if not text:
        return None
    text = " ".join(text.split())
    rel = _RELATIVE.search(text)
    if rel:
        if fetched_at is None:
            return None  # «Сегодня» means nothing without knowing when the page was fetched
        day = localize(fetched_at).date() - timedelta(days=_RELATIVE_DAYS[rel["rel"].lower()])
        return datetime(day.year, day.month, day.day, int(rel["h"]), int(rel["mi"]), tzinfo=ALMATY)
    for pattern in _PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        month = MONTHS[m["mon"].lower()] if "mon" in m.groupdict() and m["mon"] else int(m["m"])
        try:
            day = date(int(m["y"]), month, int(m["d"]))
            if m["h"] is None:
                return day
            return datetime(day.year, day.month, day.day, int(m["h"]), int(m["mi"]), tzinfo=ALMATY)
        except ValueError:
            continue
    return None


# The words a date stamp carries besides the date: «Опубликовано», «Stand: … Uhr», «Uppdaterad |
# Publicerad», «Updated», «(… 更新)». Whole words only, so that a sentence is never a stamp.
_DATE_LINE_WORDS = re.compile(
    r"\b(просмотр\w*|опубликовано|обновлено|дата|views?|published|updated|last updated|stand|uhr"
    r"|aktualisiert|veröffentlicht|am|um|publicerad|uppdaterad|publisert|oppdatert|kl|publié|mis à jour"
    r"|le|à|publicado|actualizado|pubblicato|aggiornato|alle|ore|pm)\b|更新|公開|配信|掲載", re.I)
# Dates and times of other languages, in a stamp only: «2025年1月14日 01時28分», «22.04.2024, 06:00»,
# «15.59» (a time with a dot).
_STAMP_PARTS = re.compile(r"(\d{4}年)?\d{1,2}月\d{1,2}日|\d{1,2}時\d{1,2}分|\b\d{1,2}[:.]\d{2}\b|"
                          r"\b\d{1,2}\.\d{1,2}\.(\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b")


def is_date_line(line: str) -> bool:
    """A line that is only a date, a time and perhaps a view count or a stamp's label («Stand:»,
    «Uppdaterad … | Publicerad …», «… 更新»): page furniture, not text."""
    if len(line) > 80 or not any(p.search(line) for p in (*_PATTERNS, _RELATIVE, _STAMP_PARTS)):
        return False
    rest = line
    for pattern in (*_PATTERNS, _RELATIVE, _STAMP_PARTS, _DATE_LINE_WORDS):
        rest = pattern.sub(" ", rest)
    return not re.search(r"[^\W\d_]", rest)


def parse_machine(value: str | None) -> datetime | date | None:
    """An ISO 8601 value from JSON-LD, a meta tag or <time datetime>."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        return localize(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return parse_visible(value)


def as_datetime(value: str | datetime | date | None) -> datetime | None:
    """A machine date (or an already parsed one) as an aware datetime; a bare date is its
    midnight in Almaty. What the crawl compares sitemap lastmods and stored times with."""
    parsed = parse_machine(value) if isinstance(value, str) else value
    if isinstance(parsed, datetime):
        return parsed
    if isinstance(parsed, date):
        return localize(datetime(parsed.year, parsed.month, parsed.day))
    return None


def to_iso(value: datetime | date | None) -> str | None:
    return iso(value) if value is not None else None
