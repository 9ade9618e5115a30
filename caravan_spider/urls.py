"""One canonical URL per article, whatever form a link to it takes.

An article is reachable as `/news/<slug>-<id>/`, its AMP copy `/amp/news/<slug>-<id>`,
with or without `www.`, `utm_*` parameters or the trailing slash. The numeric WordPress
post id identifies it; the canonical URL is always on the public origin, even when the
crawl fetches from a mirror or the bundled sample site. Each edition's rules (its article path,
origin, hosts, listing) are data in site.py; this module applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .site import CARAVAN, Edition, Site, either

# The archive keys an article by its post id, an SQLite INTEGER: a larger one (a broken sitemap) is
# no post of the site, and is skipped where it is met.
MAX_POST_ID = 2 ** 63 - 1

# The editions by code, as site.py specifies them.
EDITIONS: dict[str, Edition] = {edition.code: edition for edition in CARAVAN.editions}


@dataclass(frozen=True)
class ArticleRef:
    article_id: int
    url: str  # canonical, on the public origin
    path: str  # canonical path, e.g. /news/<slug>-<id>/
    edition: str  # code of the edition the article belongs to

    @property
    def key(self) -> tuple[str, int]:
        return self.edition, self.article_id


def splittable(url: str) -> bool:
    """Whether urlsplit can read a URL at all (it refuses an unclosed IPv6 bracket, for one): a
    site's link it refuses leads nowhere."""
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def article_ref(url: str, site: Site = CARAVAN) -> ArticleRef | None:
    """The article a URL points to, or None when it is not an article URL of the site."""
    if not splittable(url):
        return None
    parts = urlsplit(url)
    for edition in site.editions:
        match = edition.article_path.compiled.match(parts.path)
        if match:
            break
    else:
        return None
    path = edition.article_path.canonical_path(match)
    owner = site.owner(edition, (parts.hostname or "").lower())
    return ArticleRef(int(match["id"]), owner.origin + path, path, owner.code)


def edition_of(url: str, site: Site = CARAVAN) -> str:
    """The edition an article URL belongs to; the main edition for any other URL."""
    ref = article_ref(url, site)
    return ref.edition if ref else site.main.code


# What a browser opens as an http(s) address whatever surrounds it: the scheme written first,
# with nothing before it (a browser strips spaces and control characters there, and tabs inside it).
_WEB_URL = re.compile(r"https?://", re.I)


def web_url(value: str | None) -> str | None:
    """The value when it is an absolute http(s) URL with a host; None for anything else a page may
    give as a link (javascript:, data:, file:, a relative path): a reader's link must never run a script."""
    if not value or not _WEB_URL.match(value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return None
    return value if parts.hostname else None


class Origin:
    """Where a crawl fetches from: the live site or a mirror given by `base_url`.

    Links on the site's own hosts are rebased onto this origin, so a crawl of a mirror
    never wanders off to the live site, and anything on other hosts is dropped.
    """

    def __init__(self, base_url: str | None, edition: str, site: Site = CARAVAN):
        self.edition = site.edition(edition)
        base_url = base_url or self.edition.origin
        try:
            parts = urlsplit(base_url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL {base_url!r} is not an http(s) origin such as {self.edition.origin}")
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.scheme = parts.scheme
        self.host = (parts.hostname or "").lower()
        self.port = port or {"http": 80, "https": 443}[parts.scheme]

    def url(self, path: str) -> str:
        return self.base + path

    def rebase(self, link: str, page_url: str | None = None) -> str | None:
        """The link as a URL on this origin, or None when it leaves the site."""
        if not splittable(link):
            return None
        absolute = urljoin(page_url or self.base + "/", link.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower()
        if host != self.host and host not in self.edition.hosts:
            return None
        if host == self.host and parts.port != urlsplit(self.base).port:
            return None  # another server on the same host (the other edition of a local mirror)
        rebased = self.base + (parts.path or "/")
        return rebased + (f"?{parts.query}" if parts.query else "")

    def listing_url(self, page: int) -> str:
        path = self.edition.listing if page == 1 else f"{self.edition.listing}page/{page}/"
        return self.base + path

    def article_url(self, ref: ArticleRef) -> str:
        """Where to fetch an article: its canonical path on this origin."""
        return self.base + ref.path


def base_urls(values: tuple[str, ...] | list[str], edition: str, site: Site = CARAVAN) -> dict[str, str | None]:
    """Where each crawled edition is fetched from: `--base-url URL` for the one chosen edition,
    or `ru=URL` / `kk=URL`; editions without one are fetched from their public origin."""
    editions = list(site.codes) if edition == "all" else [edition]
    if edition not in ("all", *site.codes):
        raise ValueError(f"edition {edition!r} is not {either([*site.codes, 'all'])}")
    chosen: dict[str, str | None] = dict.fromkeys(editions)
    given: dict[str, str] = {}  # edition -> the value that named its URL
    for value in values:
        name, sep, url = value.partition("=")
        named = bool(sep) and name in site.codes
        if not (url if named else value).strip():  # e.g. kk=$MIRROR with $MIRROR unset: not the live site
            raise ValueError(f"{value!r} names no URL")
        Origin(url if named else value, name if named else editions[0], site)  # raises unless it is an origin
        if named:
            if name not in chosen:
                raise ValueError(f"{value} names edition {name}, which this crawl (--edition {edition}) "
                                 f"does not include")
        elif len(editions) == 1:
            name, url = editions[0], value
        else:
            raise ValueError(f"{value} is ambiguous with --edition all: add --edition {either(site.codes)}, or "
                             f"write {either(f'{code}={value}' for code in site.codes)}")
        if name in given:  # which one was meant? Not the last by accident.
            raise ValueError(f"{given[name]} and {value} both name where edition {name} is fetched from: give one")
        given[name], chosen[name] = value, url
    return chosen
