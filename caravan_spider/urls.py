"""One canonical URL per article, whatever form a link to it takes.

An article is reachable as `/news/<slug>-<id>/`, its AMP copy `/amp/news/<slug>-<id>`,
with or without `www.`, `utm_*` parameters or the trailing slash. The numeric WordPress
post id identifies it; the canonical URL is always on the public origin, even when the
crawl fetches from a mirror or the bundled sample site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

PUBLIC_ORIGIN = "https://www.caravan.kz"
KAZAKH_ORIGIN = "https://kaz.caravan.kz"
# Hosts that are the Russian edition under another name.
RUSSIAN_HOSTS = frozenset({"caravan.kz", "www.caravan.kz", "m.caravan.kz"})
KAZAKH_HOSTS = frozenset({"kaz.caravan.kz"})

# Russian edition: /news/<slug>-<id>/ (sport news under /sport/); AMP copies under /amp/.
# Kazakh edition: /art/<slug>-<id>/.
_ARTICLE_PATH = re.compile(
    r"^/(?:amp/)?(?P<section>news|sport|art)/(?P<slug>[^/?#]*?)-?(?P<id>\d{2,})/?(?:amp/?)?$"
)


@dataclass(frozen=True)
class ArticleRef:
    article_id: int
    url: str  # canonical, on the public origin
    path: str  # canonical path, e.g. /news/<slug>-<id>/


def article_ref(url: str) -> ArticleRef | None:
    """The article a URL points to, or None when it is not an article URL."""
    parts = urlsplit(url)
    match = _ARTICLE_PATH.match(parts.path)
    if not match:
        return None
    section, slug, post_id = match["section"], match["slug"], match["id"]
    path = f"/{section}/{slug}-{post_id}/" if slug else f"/{section}/{post_id}/"
    host = (parts.hostname or "").lower()
    origin = KAZAKH_ORIGIN if section == "art" or host in KAZAKH_HOSTS else PUBLIC_ORIGIN
    return ArticleRef(int(post_id), origin + path, path)


class Origin:
    """Where a crawl fetches from: the live site or a mirror given by `base_url`.

    Links on the site's own hosts are rebased onto this origin, so a crawl of a mirror
    never wanders off to the live site, and anything on other hosts is dropped.
    """

    def __init__(self, base_url: str = PUBLIC_ORIGIN):
        try:
            parts = urlsplit(base_url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL {base_url!r} is not an http(s) origin such as https://www.caravan.kz")
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.scheme = parts.scheme
        self.host = (parts.hostname or "").lower()
        self.port = port or {"http": 80, "https": 443}[parts.scheme]

    def url(self, path: str) -> str:
        return self.base + path

    def rebase(self, link: str, page_url: str | None = None) -> str | None:
        """The link as a URL on this origin, or None when it leaves the site."""
        absolute = urljoin(page_url or self.base + "/", link.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower()
        if host != self.host and not (host in RUSSIAN_HOSTS and self.is_russian_edition()):
            return None
        rebased = self.base + (parts.path or "/")
        return rebased + (f"?{parts.query}" if parts.query else "")

    def is_russian_edition(self) -> bool:
        return self.host not in KAZAKH_HOSTS

    def article_url(self, ref: ArticleRef) -> str:
        """Where to fetch an article: its canonical path on this origin."""
        return self.base + ref.path
