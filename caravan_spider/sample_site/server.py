"""Serve the sample site over HTTP on loopback, the way WordPress would answer."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ..site import CARAVAN
from . import render
from .model import NOT_FOUND_ID, SampleSite, etag


class _Handler(BaseHTTPRequestHandler):
    server_version = "nginx"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    site: SampleSite  # set per server class

    def log_message(self, format, *args):  # quiet: the site keeps its own request log
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        status, headers, body = self._answer(path)
        with self.site.lock:
            self.site.requests.append(("GET", self.path, status))
            self.site.served_at.setdefault(path, []).append(time.monotonic())
            self.site.user_agents.add(self.headers.get("User-Agent", ""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, path: str) -> tuple[int, dict, bytes]:
        site = self.site
        with site.lock:
            faults = site.faults.get(path)
            if faults:
                status, headers = faults.pop(0)
                return status, {"Content-Type": "text/html; charset=UTF-8", **headers}, b"<h1>Service Unavailable</h1>"
        base = f"http://{self.headers.get('Host', '127.0.0.1')}"
        today = site.anchor
        html = "text/html; charset=UTF-8"
        xml = "application/xml; charset=UTF-8"

        def ok(text: str, content_type: str = html) -> tuple[int, dict, bytes]:
            return 200, {"Content-Type": content_type}, text.encode("utf-8")

        if path == "/robots.txt":
            return ok(render.robots(base, site.sitemaps), "text/plain; charset=UTF-8")
        if not site.sitemaps and "sitemap" in path:
            return self._not_found()
        if path == "/sitemap_index.xml":
            return ok(render.sitemap_index(site, base), xml)
        if m := re.fullmatch(r"/post-sitemap(\d*)\.xml", path):
            text = render.post_sitemap(site, base, int(m[1] or 1))
            return ok(text, xml) if text else self._not_found()
        if path == "/page-sitemap.xml":
            return ok(render.page_sitemap(base), xml)
        if path == "/post_tag-sitemap.xml":
            return ok(render.tag_sitemap(site, base), xml)
        edition = CARAVAN.edition(site.edition)
        if path == edition.feed:
            return ok(render.feed(site, base), "application/rss+xml; charset=UTF-8")
        listing = edition.listing
        if path in ("/", listing):
            return ok(render.listing(site, 1, today))
        if m := re.fullmatch(listing + r"page/(\d+)/", path):
            text = render.listing(site, int(m[1]), today)
            return ok(text) if text else self._not_found()
        if m := re.fullmatch(r"/tag/([\w-]+)/", path):
            text = render.tag_page(site, m[1], today)
            return ok(text) if text else self._not_found()
        if m := re.fullmatch(r"/info/([\w-]+)/", path):
            text = render.info_page(m[1], today)
            return ok(text) if text else self._not_found()
        if path.startswith("/search/"):
            return ok(render.search_page("", today))
        if path == f"/news/udalennaya-novost-{NOT_FOUND_ID}/":
            return ok(render.not_found_page(today))
        return self._article(path)

    def _article(self, path: str) -> tuple[int, dict, bytes]:
        site = self.site
        with site.lock:
            article = site.by_path(path)
            renamed = site.articles.get(site.moved.get(path))
        if renamed is not None and article is None:
            return 301, {"Location": renamed.path, "Content-Type": "text/html"}, b""
        if article is None:
            return self._not_found()
        gone = site.gone.get(article.article_id)
        if gone == "404":
            return self._not_found()
        if gone == "410":
            return 410, {"Content-Type": "text/html; charset=UTF-8"}, self._not_found()[2]
        if gone == "soft404":  # the page still answers 200, with «Страница не найдена»
            return 200, {"Content-Type": "text/html; charset=UTF-8"}, self._not_found()[2]
        if gone == "redirect":  # WordPress plugins send removed posts to the section
            return 301, {"Location": CARAVAN.edition(site.edition).listing, "Content-Type": "text/html"}, b""
        if article.language == "kk":
            if path != article.path:
                return 301, {"Location": article.path, "Content-Type": "text/html"}, b""
            with site.lock:  # the same three whatever happens to them, so that the page's ETag holds
                popular = sorted((a for a in site.articles.values() if a.article_id != article.article_id),
                                 key=lambda a: -a.views)[:3]
            body = render.article_kazakh(article, site.anchor, popular).encode("utf-8")
            return self._validated(article, body, "text/html; charset=UTF-8")
        if path == article.amp_path or path == article.amp_path + "/":
            return 200, {"Content-Type": "text/html; charset=UTF-8"}, render.article_amp(article).encode("utf-8")
        if path != article.path:  # WordPress redirects to the canonical permalink
            return 301, {"Location": article.path, "Content-Type": "text/html"}, b""
        if article.layout == "legacy":
            body = render.article_legacy(article).encode(article.encoding)
            # Old pages declare their charset only in a <meta> tag.
            content_type = "text/html" if article.encoding != "utf-8" else "text/html; charset=UTF-8"
        elif site.markup == "js-app":
            body = render.article_js_app(article).encode("utf-8")
            content_type = "text/html; charset=UTF-8"
        else:
            body = render.article_today(article, site.anchor).encode("utf-8")
            content_type = "text/html; charset=UTF-8"
        return self._validated(article, body, content_type)

    def _validated(self, article, body: bytes, content_type: str) -> tuple[int, dict, bytes]:
        tag = etag(body)
        headers = {"Content-Type": content_type, "ETag": tag,
                   "Last-Modified": format_datetime(article.modified, usegmt=False)}
        if self.headers.get("If-None-Match") == tag:
            return 304, {"ETag": tag}, b""
        return 200, headers, body

    def _not_found(self) -> tuple[int, dict, bytes]:
        page = render.kazakh_not_found_page if self.site.edition == "kk" else render.not_found_page
        return 404, {"Content-Type": "text/html; charset=UTF-8"}, page(self.site.anchor).encode("utf-8")


def make_server(site: SampleSite, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    handler = type("SampleSiteHandler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


@contextlib.contextmanager
def serving(site: SampleSite, port: int = 0):
    """Serve `site` on a free loopback port for the duration of the block; yields its base URL."""
    server = make_server(site, port)
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
