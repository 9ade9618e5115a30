"""A crawl's configuration: one typed, frozen value, validated once, where it is made.

`caravan-archive crawl` makes it from its options and `--set` (cli.py); `scrapy crawl caravan -s ...` and
Scrapyd give settings, from which the crawler reads it back (`Config.of(crawler)`). The Scrapy settings
of a run are made from it (`to_settings`), and each run stores it (`crawl_runs.config`, as the
settings it amounts to) so that offline commands (`reextract`) do what the crawl did. The defaults of
the CARAVAN_* settings are the ones below; settings.py takes them from here.

Nothing here imports Scrapy at import time: settings.py imports this module.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from .schedule import DEFAULT_SCHEDULE, parse_clock, parse_schedule


class ConfigError(ValueError):
    """A value a crawl cannot use. str() is the problem alone (what `scrapy crawl` prints after "could
    not start the crawl: "); `setting` names where it came from (what `crawl` prints before it)."""

    def __init__(self, setting: str, problem: str):
        super().__init__(problem)
        self.setting = setting


# --- How a setting's value (text from -s/--set, or the value itself) becomes the field's ----------------
def _number(kind: type) -> Callable[[str, Any], Any]:
    def read(name: str, value: Any) -> Any:
        try:
            number = kind(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number < 0:
            raise ConfigError(name, f"{name} takes a{' whole' if kind is int else ''} number of 0 or more, "
                                    f"not {value!r}")
        return number
    return read


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError(name, f"{name} takes true/false, not {value!r}")
    return text in ("1", "true", "yes")


def _text(name: str, value: Any) -> str:
    return str(value)


def _edition(name: str, value: Any) -> str:
    from .urls import EDITIONS

    edition = str(value or "all")
    if edition not in ("all", *EDITIONS):
        raise ConfigError(name, f"edition {edition!r} is not ru, kk or all")
    return edition


def _since(name: str, value: Any) -> datetime | None:
    from .parsing.dates import as_datetime

    since = as_datetime(value) if value else None
    if value and since is None:
        raise ConfigError(name, f"since={value!r} is not a date such as 2025-01-31")
    return since


def _clock(name: str, value: Any) -> datetime | None:
    if isinstance(value, datetime):
        value = value.isoformat()
    try:
        return parse_clock(value)
    except ValueError as error:
        raise ConfigError(name, str(error)) from None


def _schedule(name: str, value: Any) -> str:
    try:
        parse_schedule(value)
    except ValueError as error:
        raise ConfigError(name, str(error)) from None
    return str(value)


def _workers(name: str, value: Any) -> str | int:
    text = str(value).strip().lower()
    if text in ("", "auto", "none"):
        return "auto"
    if not text.isdigit():
        raise ConfigError(name, f"{name} takes auto or a whole number of 0 or more, not {value!r}")
    return int(text)


def _setting(name: str, default: Any, read: Callable[[str, Any], Any]):
    """A field that is the Scrapy setting `name`, read from its value by `read`."""
    return field(default=default, metadata={"setting": name, "read": read})


def _validated(config) -> None:
    """Each field read by its setting's rule (a value given as text becomes the field's type), once."""
    for spec in fields(config):
        if "read" in spec.metadata:
            object.__setattr__(config, spec.name, spec.metadata["read"](spec.metadata["setting"],
                                                                        getattr(config, spec.name)))


@dataclass(frozen=True)
class Learning:
    """How furniture is learned from the archive's captures at the end of every run (boilerplate.py): a
    line on more than `min_share` of an edition's pages fetched in the `window_days` before the newest
    capture, and on at least `min_pages` pages, is dropped from the text on every layout."""

    min_share: float = _setting("CARAVAN_FURNITURE_MIN_SHARE", 0.3, _number(float))
    window_days: float = _setting("CARAVAN_FURNITURE_WINDOW_DAYS", 7.0, _number(float))
    min_pages: int = _setting("CARAVAN_FURNITURE_MIN_PAGES", 5, _number(int))

    def __post_init__(self):
        _validated(self)


@dataclass(frozen=True)
class Config:
    """Everything a crawl run is told, as typed values; each field is the CARAVAN_* setting named beside
    it (`--set NAME=VALUE`, `scrapy crawl -s NAME=VALUE`). `scrapy`: Scrapy's own settings given."""

    # --- What to crawl: which editions, from where, in which mode (crawlrun.RunSpec) ---------------
    edition: str = _setting("CARAVAN_EDITION", "all", _edition)  # ru, kk or all (crawl --edition, -a edition=)
    base_url: str = _setting("CARAVAN_BASE_URL", "https://www.caravan.kz", _text)  # the Russian edition
    kk_base_url: str = _setting("CARAVAN_KK_BASE_URL", "https://kaz.caravan.kz", _text)  # the Kazakh one («Керуен»)
    since: datetime | None = _setting("CARAVAN_SINCE", None, _since)  # (re)visit articles published since then
    full: bool = _setting("CARAVAN_FULL", False, _flag)  # revisit every article, conditionally
    # Re-ask archived articles (conditionally) on a decaying schedule: the wait before the next check is
    # the longest step the article's age has reached (schedule.py). m, h, d, w units.
    schedule: str = _setting("CARAVAN_RECHECK_SCHEDULE", DEFAULT_SCHEDULE, _schedule)
    clock: datetime | None = _setting("CARAVAN_CLOCK", None, _clock)  # "now" for the schedule (tests); None: real time
    listing_pages: int = _setting("CARAVAN_LISTING_PAGES", 2, _number(int))  # read every run, for the newest articles
    # An article URL whose last answer was not an article (empty, «Страница не найдена») is asked again
    # this many hours later, then after twice as long each time (at most 30 days).
    recheck_not_article_hours: float = _setting("CARAVAN_RECHECK_NOT_ARTICLE_HOURS", 1.0, _number(float))
    # --- Politeness and limits beyond Scrapy's own ---------------------------------------------------
    # The User-Agent is "caravan-archive/<version> (+contact_url)" unless USER_AGENT is set.
    contact_url: str = _setting("CARAVAN_CONTACT_URL", "https://github.com/caravan-archive/caravan-archive", _text)
    retry_backoff: float = _setting("CARAVAN_RETRY_BACKOFF", 5.0, _number(float))  # s before the first retry, doubled
    retry_backoff_max: float = _setting("CARAVAN_RETRY_BACKOFF_MAX", 120.0, _number(float))
    # Seconds; a longer Retry-After leaves the page to the next run.
    max_retry_after: int = _setting("CARAVAN_MAX_RETRY_AFTER", 600, _number(int))
    # A .xml.gz sitemap is opened up to this size (the protocol allows 50 MB uncompressed).
    sitemap_maxsize: int = _setting("CARAVAN_SITEMAP_MAXSIZE", 50 * 1024 * 1024, _number(int))
    # --- How a run is judged (README: Run outcomes) --------------------------------------------------
    # Title, body and published_at must be found in this share of articles, judged once a run has
    # fetched at least drift_min_pages article pages.
    drift_min_coverage: float = _setting("CARAVAN_DRIFT_MIN_COVERAGE", 0.9, _number(float))
    drift_min_pages: int = _setting("CARAVAN_DRIFT_MIN_PAGES", 5, _number(int))
    # Planned article fetches that may fail (listed, retried next run) before the run is `incomplete`,
    # and beyond which it `failed`.
    tolerated_failed_share: float = _setting("CARAVAN_TOLERATED_FAILED_SHARE", 0.05, _number(float))
    max_failed_share: float = _setting("CARAVAN_MAX_FAILED_SHARE", 0.5, _number(float))
    # A text with fewer words than this share of the archived one is held back (not stored) until a
    # later fetch gives the same text again: a cut page must not replace a whole one.
    much_shorter_ratio: float = _setting("CARAVAN_MUCH_SHORTER_RATIO", 0.5, _number(float))
    # --- Extraction -----------------------------------------------------------------------------------
    furniture: Learning = field(default_factory=Learning)
    # "all": the known layouts first, the generic one for the rest; "generic": the known layouts
    # switched off, to see what the generic path alone makes of the site.
    layouts: str = _setting("CARAVAN_LAYOUTS", "all", _text)
    # Worker processes that parse pages (and make their lemmas) off the reactor thread, so that
    # downloading, parsing and storing overlap: "auto" is one per core, 0 parses in the reactor thread.
    parse_workers: str | int = _setting("CARAVAN_PARSE_WORKERS", "auto", _workers)
    # --- Stopping and telling ---------------------------------------------------------------------------
    # Ctrl-C or SIGTERM: requests in flight are waited for this many seconds, then the crawl stops at once
    # (the run is recorded interrupted either way; systemd kills a unit 90 s after its stop).
    stop_grace: float = _setting("CARAVAN_STOP_GRACE", 5.0, _number(float))
    progress_interval: float = _setting("CARAVAN_PROGRESS_INTERVAL", 5.0, _number(float))  # s between progress lines
    summary: bool = _setting("CARAVAN_SUMMARY", True, _flag)  # print the run's summary at its end (crawl prints its own)
    # The origins of editions with no field above (one added to site.py): code → URL, each its
    # CARAVAN_<CODE>_BASE_URL setting (crawlrun.ORIGIN_SETTINGS), as `--base-url code=URL` gives it.
    origins: Mapping[str, str] = field(default_factory=dict)
    scrapy: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if isinstance(self.furniture, Mapping):
            object.__setattr__(self, "furniture", Learning(**self.furniture))
        _validated(self)
        more = _more_origin_settings()
        if unknown := sorted(set(self.origins) - set(more)):
            raise ConfigError("origins", f"origins name {', '.join(unknown)}: not an edition without an origin "
                                         f"setting of its own ({', '.join(more) or 'there is none'})")
        object.__setattr__(self, "origins", {code: _text(more[code], url) for code, url in self.origins.items()})
        object.__setattr__(self, "scrapy", dict(self.scrapy))
        self.spec  # noqa: B018 - the origins of the editions crawled are checked now, not mid-crawl

    # --- what the parts of a crawl read --------------------------------------------------------------
    @property
    def spec(self):
        """Which editions the run crawls, from where, in which mode (crawlrun.RunSpec)."""
        from .crawlrun import ORIGIN_SETTINGS, RunSpec
        from .urls import EDITIONS, Origin

        editions = list(EDITIONS) if self.edition == "all" else [self.edition]
        origins = {}
        for code in editions:
            name = ORIGIN_SETTINGS[code]
            try:
                origins[code] = Origin(self.origin_of(code), code)
            except ValueError as error:
                raise ConfigError(name, str(error)) from None
        return RunSpec(origins, self.since, self.full)

    def origin_of(self, code: str) -> str:
        """Where the run fetches an edition from: its setting, or the spec's origin for an edition
        that has no setting of its own yet (one added to site.py only)."""
        from .site import CARAVAN

        given = {CARAVAN.main.code: self.base_url, "kk": self.kk_base_url, **self.origins}
        return given.get(code) or CARAVAN.edition(code).origin

    @property
    def steps(self) -> tuple[timedelta, ...]:
        """The recheck schedule's steps (schedule.py)."""
        return parse_schedule(self.schedule)

    @property
    def jobs(self) -> int:
        """Worker processes that parse pages: parse_workers, "auto" being one per core."""
        from .workers import jobs_from

        return jobs_from(self.parse_workers)

    # --- to and from settings ----------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The CARAVAN_* settings this config amounts to (a date-time as ISO 8601 text)."""
        out = {}
        for spec, value in _settings_of(self):
            out[spec.metadata["setting"]] = value.isoformat() if isinstance(value, datetime) else value
        return {**out, **{_more_origin_settings()[code]: url for code, url in self.origins.items()}}

    def to_json(self) -> str:
        """What crawl_runs.config keeps: the settings of the run, Scrapy's own given ones included."""
        return json.dumps({**self.settings(), **self.scrapy}, ensure_ascii=False, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str | None) -> Config:
        """A stored config; the defaults for None (a run stored before configs were)."""
        return cls.from_settings(json.loads(text)) if text else cls()

    def to_settings(self, db: str):
        """The Scrapy settings of a run into the archive at `db`: the project's, with this config's
        values and the Scrapy settings it was given on top (as `-s` gives them)."""
        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "caravan_spider.settings")
        from scrapy.utils.project import get_project_settings

        settings = get_project_settings()
        settings.setdict({**self.settings(), **self.scrapy, "CARAVAN_DB": db}, priority="cmdline")
        return settings

    @classmethod
    def from_settings(cls, settings: Mapping) -> Config:
        """The config of Scrapy settings (or of a stored config): each CARAVAN_* value the settings hold
        (their defaults for those they lack), and Scrapy's own settings given on the command line (`-s`;
        every non-CARAVAN name of a plain mapping). ConfigError names a value that cannot be used."""
        values = _values(cls, settings)
        if hasattr(settings, "getpriority"):
            from scrapy.settings import SETTINGS_PRIORITIES

            given = {name: value for name, value in settings.items()
                     if not name.startswith("CARAVAN_") and settings.getpriority(name) >= SETTINGS_PRIORITIES["cmdline"]}
        else:
            given = {name: value for name, value in settings.items() if not name.startswith("CARAVAN_")}
        origins = {code: settings.get(name) for code, name in _more_origin_settings().items() if settings.get(name)}
        return cls(**values, origins=origins, scrapy=given)

    @classmethod
    def of_archive(cls, archive) -> Config:
        """The config of the archive's latest crawl run: what an offline command does as the crawl did."""
        latest = archive.runs(1)
        return cls.from_json(latest[0].get("config") if latest else None)

    @classmethod
    def of(cls, crawler) -> Config:
        """The crawler's config, read from its settings once (after the spider's arguments became
        settings: the spider asks first) and kept with it for the pipeline and the others."""
        config = getattr(crawler, "caravan_config", None)
        if config is None:
            config = crawler.caravan_config = cls.from_settings(crawler.settings)
        return config


def _more_origin_settings() -> dict[str, str]:
    """Edition → origin setting, for the editions Config has no field for (KeyError names another)."""
    from .crawlrun import ORIGIN_SETTINGS

    named = {spec.metadata.get("setting") for spec in fields(Config)}
    return {code: name for code, name in ORIGIN_SETTINGS.items() if name not in named}


def _settings_of(config):
    """(field, value) of every field that is a setting, those of nested configs too."""
    for spec in fields(config):
        value = getattr(config, spec.name)
        if "setting" in spec.metadata:
            yield spec, value
        elif is_dataclass(value):
            yield from _settings_of(value)


def _values(cls, settings: Mapping) -> dict[str, Any]:
    """The arguments of `cls` from settings: a setting's value, or the field's default when it has none."""
    values = {}
    for spec in fields(cls):
        if "setting" in spec.metadata:
            value = settings.get(spec.metadata["setting"])
            if value is not None:
                values[spec.name] = value
        elif spec.default_factory is not MISSING and is_dataclass(spec.default_factory):
            values[spec.name] = spec.default_factory(**_values(spec.default_factory, settings))
    return values
