"""The sample site behind a server that misbehaves on chosen paths, the way real servers do.

    site = SampleSite(articles=24)
    with serving_faults(site) as (base_url, faults):
        faults[article.path] = truncate(0.6)

Every path without a fault is answered by the sample site as usual. A fault is a function of
(handler, path) that writes the whole HTTP answer itself; `site.requests` records it with the
fault's name in place of the status.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import threading
import time
import zlib
from collections.abc import Callable
from functools import lru_cache
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

from caravan_spider.sample_site.model import SampleSite
from caravan_spider.sample_site.server import _Handler

Fault = Callable[[_Handler, str], None]


class FaultHandler(_Handler):
    faults: dict[str, Fault]

    def do_GET(self):
        path = urlsplit(self.path).path
        fault = self.faults.get(path)
        if fault is None:
            return super().do_GET()
        with self.site.lock:
            self.site.requests.append(("GET", self.path, getattr(fault, "name", "fault")))
        del self.headers["If-None-Match"]  # a fault answers with the page, not with a 304
        fault(self, path)


def _named(name: str, fault: Fault) -> Fault:
    fault.name = name
    return fault


def _send(handler: _Handler, status: int, headers: dict, body: bytes, length: int | None = None) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    if length is not None:
        handler.send_header("Content-Length", str(length))
    else:  # no length: the body ends when the connection closes
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def status(code: int, body: bytes = b"<html><body><h1>Error</h1></body></html>") -> Fault:
    """Answer with this status every time."""
    return _named(f"status {code}", lambda h, path: _send(h, code, {"Content-Type": "text/html"}, body, len(body)))


def replace(body: bytes, content_type: str = "text/html; charset=UTF-8", code: int = 200) -> Fault:
    """Answer with this body instead of the real one (an empty page, HTML instead of XML...)."""
    return _named("replaced", lambda h, path: _send(h, code, {"Content-Type": content_type}, body, len(body)))


def transform(change: Callable[[bytes], bytes]) -> Fault:
    """The real answer with its body changed; Content-Length matches the new body."""
    def fault(handler: _Handler, path: str) -> None:
        code, headers, body = handler._answer(path)
        new = change(body) if code == 200 else body
        _send(handler, code, headers, new, len(new))
    return _named("transformed", fault)


def another_site(host: str = "www.wsj.com", name: str = "WSJ") -> Fault:
    """The real page as another publisher's: the site's addresses (canonical link, og:url) on `host`,
    its name (og:site_name, the <title>'s suffix, JSON-LD publisher) `name`, in English: what a
    misconfigured or hijacked server answers at an article address."""
    def change(body: bytes) -> bytes:
        text = re.sub(r"https?://(?:[a-z]+\.)?caravan\.kz", f"https://{host}", body.decode("utf-8"))
        for own in ("Караван", "Керуен", "Caravan.kz", "Caravan"):
            text = text.replace(own, name)
        return text.replace('lang="ru"', 'lang="en-US"').encode("utf-8")
    return _named("another site's page", transform(change))


def truncate(fraction: float) -> Fault:
    """The real page cut after `fraction` of its bytes, no Content-Length, connection closed."""
    def fault(handler: _Handler, path: str) -> None:
        code, headers, body = handler._answer(path)
        _send(handler, 200, {k: v for k, v in headers.items() if k != "Content-Length"}, body[:int(len(body) * fraction)])
    return _named("truncated", fault)


def short_of_length(fraction: float) -> Fault:
    """The real page's full Content-Length declared, `fraction` of it sent, connection closed."""
    def fault(handler: _Handler, path: str) -> None:
        code, headers, body = handler._answer(path)
        handler.send_response(200)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:int(len(body) * fraction)])
        handler.wfile.flush()
        handler.close_connection = True
    return _named("short of length", fault)


_bomb_lock = threading.Lock()


def gzip_bomb(expanded: int, prefix: bytes = b"") -> bytes:
    """A gzip stream of `prefix` and then zeros, `expanded` bytes in all (1 GiB → about 1 MB);
    made once, whichever thread asks first."""
    with _bomb_lock:
        return _gzip_bomb(expanded, prefix)


@lru_cache(maxsize=4)
def _gzip_bomb(expanded: int, prefix: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    out = [packer.compress(prefix)]
    for _ in range((expanded - len(prefix)) // len(chunk)):
        out.append(packer.compress(chunk))
    out.append(packer.flush())
    return b"".join(out)


def bomb(expanded: int, content_type: str = "text/html; charset=UTF-8", encoded: bool = True,
         prefix: bytes = b"") -> Fault:
    """A gzip bomb: as Content-Encoding (encoded) or as a .gz file body."""
    def fault(handler: _Handler, path: str) -> None:
        body = gzip_bomb(expanded, prefix)
        headers = {"Content-Type": content_type, **({"Content-Encoding": "gzip"} if encoded else {})}
        _send(handler, 200, headers, body, len(body))
    return _named("gzip bomb", fault)


def redirect(location: str, code: int = 301) -> Fault:
    return _named(f"redirect {code}", lambda h, path: _send(h, code, {"Location": location, "Content-Type": "text/html"},
                                                             b"", 0))


def sitemap_entries(first: list[tuple[str, str | None]] = (), lastmods: dict[str, str] | None = None) -> Fault:
    """The real sitemap with `first` entries (loc, lastmod or None) put before the others, and the
    <lastmod> of chosen entries (by the path their loc ends with) replaced, as a broken plugin writes them."""
    def change(body: bytes) -> bytes:
        text = body.decode("utf-8")
        for path, lastmod in (lastmods or {}).items():
            text = re.sub(rf"(<loc>[^<]*{re.escape(path)}</loc><lastmod>)[^<]*(</lastmod>)",
                          lambda m: m[1] + lastmod + m[2], text)
        added = "".join(f"<url><loc>{loc}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</url>"
                        for loc, lastmod in first)
        return re.sub(r"(<urlset[^>]*>)", lambda m: m[1] + added, text, count=1).encode("utf-8")
    return _named("sitemap entries", transform(change))


def retry_after(seconds: int, code: int = 503) -> Fault:
    """Answer 503 (or 429) asking to come back in `seconds`, every time."""
    body = b"<html><body><h1>Service Unavailable</h1></body></html>"
    return _named(f"retry after {seconds}", lambda h, path: _send(
        h, code, {"Content-Type": "text/html", "Retry-After": str(seconds)}, body, len(body)))


def stall(seconds: float) -> Fault:
    """Say nothing for `seconds` (a server that hangs), then answer as usual: the request stays in flight."""
    def fault(handler: _Handler, path: str) -> None:
        time.sleep(seconds)
        code, headers, body = handler._answer(path)
        with contextlib.suppress(OSError):  # the crawl may have gone by then
            _send(handler, code, headers, body, len(body))
    return _named(f"stall {seconds}", fault)


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@contextlib.contextmanager
def serving_faults(site: SampleSite, port: int = 0):
    """Serve `site` with faults on a free loopback port; yields (base URL, the faults dict)."""
    faults: dict[str, Fault] = {}
    handler = type("FaultySiteHandler", (FaultHandler,), {"site": site, "faults": faults})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fault-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", faults
    finally:
        server.shutdown()
        server.server_close()
