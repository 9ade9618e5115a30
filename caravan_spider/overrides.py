"""`crawl --set NAME=VALUE`, checked before anything starts: a value the crawl cannot use is one line
naming the setting (exit 64), never a traceback mid-crawl, and a misspelled caravan setting, which
Scrapy would keep without a word, names the one that was meant."""

from __future__ import annotations

import difflib
import importlib.util
import logging

# Numbers that are sizes, counts, times or shares: a negative one is a typo (Scrapy asserts on a
# negative DOWNLOAD_TIMEOUT at every request). Every caravan setting that is a number is one too.
NOT_NEGATIVE = frozenset({
    "DOWNLOAD_TIMEOUT", "DOWNLOAD_DELAY", "DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE", "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_REQUESTS_PER_IP", "CONCURRENT_ITEMS", "RETRY_TIMES",
    "REDIRECT_MAX_TIMES", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "CLOSESPIDER_TIMEOUT", "CLOSESPIDER_ITEMCOUNT", "CLOSESPIDER_PAGECOUNT", "CLOSESPIDER_ERRORCOUNT", "DEPTH_LIMIT",
    "MEMUSAGE_LIMIT_MB", "MEMUSAGE_WARNING_MB"})
MODULES = frozenset({"SPIDER_MODULES", "NEWSPIDER_MODULE"})  # module names, comma-separated
LOG_LEVELS = "CRITICAL, ERROR, WARNING, INFO or DEBUG"


def check(name: str, value: str, settings) -> None:
    """Raise ValueError, its message one line without "Error: ", when `--set name=value` cannot be
    used; `settings` are the project's (their values are the defaults named)."""
    if name.startswith("CARAVAN_") and name not in settings:
        known = [known for known in settings if known.startswith("CARAVAN_")]
        meant = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {meant[0]}?" if meant else "caravan_spider/settings.py lists them"
        raise ValueError(f"--set {name}: there is no such setting; {hint}")
    default = settings.get(name)
    wrong = _wrong(name, value.strip(), default)
    if wrong:
        raise ValueError(f"--set {name}={value!r}: {wrong} (default {default!r})")


def _wrong(name: str, value: str, default) -> str | None:
    """What is wrong with `value` (what the setting takes), or None."""
    if name == "LOG_LEVEL":
        return None if value in logging.getLevelNamesMapping() else f"{name} takes {LOG_LEVELS}"
    if name in MODULES:
        missing = [module.strip() for module in value.split(",") if not _module(module.strip())]
        return f"there is no module {', '.join(missing)}" if missing else None
    if name == "CARAVAN_PARSE_WORKERS":
        whole = value.lower() in ("", "auto", "none") or value.isdigit()
        return None if whole else f"{name} takes auto or a whole number of 0 or more"
    kind = type(default)
    if kind is bool:
        return None if value.lower() in ("0", "1", "true", "false", "yes", "no") else f"{name} takes true/false"
    if kind in (int, float):
        try:
            number = float(value) if kind is float else int(value)
        except ValueError:
            return f"{name} takes a number"
        if number < 0 and (name in NOT_NEGATIVE or name.startswith("CARAVAN_")):
            return f"{name} takes a number of 0 or more"
    return None


def _module(name: str) -> bool:
    try:
        return bool(name) and importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package that does not exist, an empty part
        return False
