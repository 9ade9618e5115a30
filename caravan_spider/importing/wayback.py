"""The site's past as a web archive keeps it: a CDX server's list of captures of article URLs (the
Wayback Machine's, or any pywb's), each fetched raw (`id_`: the page as captured, not rewritten).

Polite: one request at a time, `delay` seconds apart, a few retries with growing waits on 5xx, 429 and
network errors. The list lives in the archive (`wayback_captures`): a killed import, run again, fetches
only what it had not imported yet.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timezone
from urllib.parse import urlencode, urlsplit

from .. import __version__
from ..archive import Archive, utcnow
from ..settings import CARAVAN_CONTACT_URL
from ..site import CARAVAN
from . import Found, article_of, hosts_of, utc_seconds

# Where a CDX server is asked for each edition's article URLs: its public host and article path prefixes.
PREFIXES = {edition.code: [urlsplit(edition.origin).netloc + prefix for prefix in edition.article_path.prefixes]
            for edition in CARAVAN.editions}
TIMEOUT = 60  # seconds a request to the web archive may take
MAX_BODY = 16 * 1024 * 1024  # what one parse may read (parsing/bounds.py): a larger capture is no article
RUNS_FOR_A_FAILURE = 10  # runs that ask again for a capture that failed (the archive down, 5xx) before it is left


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A raw capture is asked for at its own timestamp: a redirect (to another capture) is answered as such."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class WaybackError(Exception):
    """The CDX server cannot be asked (unreachable, refuses, answers something that is no CDX)."""


def check_date(value: str | None, option: str) -> str | None:
    """A YYYY-MM-DD date as the CDX server takes it (YYYYMMDD); ValueError names the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value).strftime("%Y%m%d")
    except ValueError:
        raise ValueError(f"{option} {value!r} is not a date such as 2019-01-31") from None


def _timestamp_time(timestamp: str) -> str:
    return utc_seconds(datetime.strptime(timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc))


class Wayback:
    def __init__(self, cdx_url: str, replay_url: str | None = None, delay: float = 2.0, retries: int = 3):
        for name, url in (("--cdx", cdx_url), ("--replay", replay_url)):
            if url is not None and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
                raise ValueError(f"{name} {url!r} is not an http(s) URL")
        self.cdx_url = cdx_url
        # The Wayback Machine answers /cdx/search/cdx and replays under /web; a pywb collection
        # answers /COLL/cdx and replays under /COLL.
        if replay_url is None:
            base = cdx_url.rstrip("/")
            replay_url = base[:-len("/cdx/search/cdx")] + "/web" if base.endswith("/cdx/search/cdx") else \
                base.rsplit("/cdx", 1)[0]
        self.replay_url = replay_url.rstrip("/")
        self.delay, self.retries = delay, retries
        self.user_agent = f"caravan-archive/{__version__} (+{CARAVAN_CONTACT_URL})"
        self._last = 0.0
        self.failed = self.given_up = 0  # captures fetch() could not fetch; of them, failed in their last run

    # --- the list ---------------------------------------------------------------------------------
    def list(self, archive: Archive, editions: list[str], start: str | None, end: str | None) -> int:
        """Ask the CDX server for each edition's captures of article URLs (answered 200) and add them to
        the archive's list; a capture with the same content as the one before it of the same article is
        listed as skipped. Returns how many captures were new to the list."""
        hosts = hosts_of({})
        entries = []
        for edition in editions:
            for prefix in PREFIXES[edition]:
                for line in self._cdx(prefix, start, end):
                    ref = article_of(line["url"], hosts)
                    if ref is None or ref.edition != edition or line["status"] != "200":
                        continue
                    entries.append({"url": line["url"], "timestamp": line["timestamp"], "edition": ref.edition,
                                    "article_id": ref.article_id, "digest": line["digest"], "cdx": self.cdx_url})
        entries.sort(key=lambda e: (e["edition"], e["article_id"], e["timestamp"], e["url"]))
        previous: dict[tuple, tuple[str, str]] = {}
        for entry in entries:
            key = (entry["edition"], entry["article_id"])
            seen = previous.get(key)
            if seen and entry["digest"] and seen[0] == entry["digest"]:
                entry.update(state="skipped", detail=f"the same content as the capture of {seen[1]}")
            else:
                entry.update(state="pending", detail=None)
                previous[key] = (entry["digest"], entry["timestamp"])
        return archive.wayback_list(entries, utcnow())

    def _cdx(self, prefix: str, start: str | None, end: str | None) -> list[dict]:
        """One CDX query, as dicts with url, timestamp, status, digest, whichever server answers: the
        Wayback Machine's JSON is an array with a header row, pywb's one JSON object per line."""
        query = {"url": prefix, "matchType": "prefix", "output": "json"}
        query.update({k: v for k, v in (("from", start), ("to", end)) if v})
        url = f"{self.cdx_url}?{urlencode(query)}"
        try:
            status, _, body = self._get(url)
        except OSError as error:
            raise WaybackError(f"the CDX server {self.cdx_url} cannot be reached ({error})") from None
        if status != 200:
            raise WaybackError(f"the CDX server {self.cdx_url} answered {status} to {url}")
        text = body.decode("utf-8", "replace").strip()
        try:
            if not text:
                return []
            if text.startswith("["):
                rows = json.loads(text)
                header = rows[0] if rows else []
                found = [dict(zip(header, row)) for row in rows[1:]]
            else:
                found = [json.loads(line) for line in text.splitlines() if line.strip()]
            lines = [{"url": row.get("original") or row["url"], "timestamp": str(row["timestamp"]),
                      "status": str(row.get("statuscode") or row.get("status") or ""),
                      "digest": row.get("digest")} for row in found]
            for line in lines:  # a capture's time is read once it is fetched: one that is no time is refused here
                _timestamp_time(line["timestamp"])
            return lines
        except (ValueError, KeyError, TypeError, IndexError) as error:
            raise WaybackError(f"the CDX server {self.cdx_url} answered no CDX to {url} ({error})") from None

    # --- the captures -----------------------------------------------------------------------------
    def fetch(self, archive: Archive) -> Iterator[Found]:
        """The listed captures not imported yet, fetched raw one at a time; each marked imported in the
        list by the transaction that stores it (or skipped once the import skips it), failed after its
        retries (asked again by the next run, up to RUNS_FOR_A_FAILURE runs)."""
        for entry in archive.wayback_to_fetch(RUNS_FOR_A_FAILURE):
            address = f"{self.replay_url}/{entry['timestamp']}id_/{entry['url']}"
            answer, why = None, None
            for attempt in range(self.retries + 1):
                try:
                    answer = self._get(address)
                except OSError as error:
                    answer, why = None, f"{type(error).__name__}: {error}"
                else:
                    if answer[0] < 500 and answer[0] != 429:
                        break
                    why = f"answered {answer[0]}"
                    answer = None
                if attempt < self.retries:
                    time.sleep(self.delay * 2 ** (attempt + 1))
            if answer is None:
                last = entry["attempts"] + 1 >= RUNS_FOR_A_FAILURE  # wayback_to_fetch asks for it no more
                archive.wayback_state(entry["url"], entry["timestamp"], "failed",
                                      f"{why}; given up after {RUNS_FOR_A_FAILURE} runs" if last else why, attempts=1)
                self.failed, self.given_up = self.failed + 1, self.given_up + last
                continue
            status, headers, body = answer
            if status != 200:
                archive.wayback_state(entry["url"], entry["timestamp"], "skipped", f"the archive answered {status}",
                                      attempts=1)
                continue

            def done(found, state, detail, entry=entry):
                archive.wayback_state(entry["url"], entry["timestamp"], state, detail, attempts=1)

            yield Found(url=entry["url"], status=200, fetched_at=_timestamp_time(entry["timestamp"]), body=body,
                        content_type=headers.get("Content-Type"),
                        etag=headers.get("X-Archive-Orig-ETag") or headers.get("ETag"),
                        last_modified=headers.get("X-Archive-Orig-Last-Modified"),
                        source="wayback", source_ref=address, done=done)

    def _get(self, url: str) -> tuple[int, dict, bytes]:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with _OPENER.open(request, timeout=TIMEOUT) as response:
                body = response.read(MAX_BODY + 1)
                # read() returns what came before the connection closed: fewer bytes than announced is a
                # network error (asked again), not the page.
                announced = response.headers.get("Content-Length", "").strip()
                if announced.isdigit() and len(body) < min(int(announced), MAX_BODY + 1):
                    raise ConnectionError(f"the answer ended after {len(body)} of its {announced} bytes")
                return response.status, dict(response.headers.items()), body
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers.items()), error.read(MAX_BODY + 1)
        finally:
            self._last = time.monotonic()


__all__ = ["PREFIXES", "Wayback", "WaybackError", "check_date"]
