"""The sample site's past, as web archives hold it: pages of earlier versions (old layouts, an article
the site has since removed) written into WARC files by warcio, and a real pywb serving them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from caravan_spider.sample_site import render
from caravan_spider.sample_site.model import NOT_FOUND_ID, SampleArticle, SampleSite

OLD = datetime(2019, 5, 14, 8, 30, tzinfo=timezone.utc)  # when "the web archive" captured the past


def page(article: SampleArticle, site: SampleSite) -> tuple[bytes, str]:
    """The page of an article as the sample site serves it (body, Content-Type)."""
    if article.language == "kk":
        return render.article_kazakh(article, site.anchor, []).encode("utf-8"), "text/html; charset=UTF-8"
    if article.layout == "legacy":
        content_type = "text/html" if article.encoding != "utf-8" else "text/html; charset=UTF-8"
        return render.article_legacy(article).encode(article.encoding), content_type
    return render.article_today(article, site.anchor).encode("utf-8"), "text/html; charset=UTF-8"


def earlier(article: SampleArticle) -> SampleArticle:
    """An article as it was years before: its first paragraphs only, another headline, the 2015 markup."""
    return replace(article, title=f"{article.title} (первая версия)", blocks=article.blocks[:2], layout="legacy",
                   encoding="utf-8", legacy_date_style="full")


def removed(site: SampleSite) -> SampleArticle:
    """The article the sample site has since removed (it answers «Страница не найдена» now), as it was."""
    model = next(a for a in site.articles.values() if a.layout == "legacy")
    return replace(model, article_id=NOT_FOUND_ID, slug="udalennaya-novost", title="Удалённая новость о тарифах",
                   encoding="utf-8")


def write_warc(path: Path, captures: list[tuple]) -> Path:
    """A WARC file (gzip'd when the name ends in .gz) of (url, when, status, body, content type[, headers])
    responses; `headers` adds or replaces WARC headers (WARC-...) and HTTP headers, as a crawler wrote them."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=str(path).endswith(".gz"))
        for url, when, status, body, content_type, *more in captures:
            extra = more[0] if more else {}
            http_headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
            http_headers.update({k: v for k, v in extra.items() if not k.startswith("WARC-")})
            http = StatusAndHeaders(f"{status} {'OK' if status == 200 else 'Not Found'}", list(http_headers.items()),
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   **{k: v for k, v in extra.items() if k.startswith("WARC-")}}))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pywb:
    """A real pywb (wayback, with its CDX server) on loopback, serving collection `caravan` made of WARCs."""

    def __init__(self, root: Path, warcs: list[Path], wacz: Path | None = None):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "wb-manager"), "init", "caravan"], cwd=root, check=True, capture_output=True)
        added = ["--unpack-wacz", str(wacz)] if wacz else list(map(str, warcs))
        subprocess.run([str(bin_dir / "wb-manager"), "add", "caravan", *added], cwd=root, check=True,
                       capture_output=True)
        self.port = free_port()
        self.process = subprocess.Popen([str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(self.port)],
                                        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env={**os.environ, "PYTHONWARNINGS": "ignore"})
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.cdx}?url=example.com&limit=1", timeout=5).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"pywb did not start: {self.process.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)

    @property
    def cdx(self) -> str:
        return f"{self.base}/caravan/cdx"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


def write_arc(path: Path, captures: list[tuple[str, datetime, bytes, str]]) -> Path:
    """An ARC file (version 1, the Internet Archive's format before WARC; gzip'd per record when the name
    ends in .gz) of (url, when, body, content type) 200 responses, written by hand: warcio only reads ARC."""
    import gzip

    def block(header: str, content: bytes) -> bytes:
        data = f"{header} {len(content)}\n".encode() + content + b"\n"
        return gzip.compress(data) if str(path).endswith(".gz") else data

    version = b"1 0 caravan-archive tests\nURL IP-address Archive-date Content-type Archive-length\n"
    out = [block(f"filedesc://{path.name} 0.0.0.0 {OLD:%Y%m%d%H%M%S} text/plain", version)]
    for url, when, body, content_type in captures:
        http = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        out.append(block(f"{url} 127.0.0.1 {when:%Y%m%d%H%M%S} {content_type.split(';')[0]}", http))
    path.write_bytes(b"".join(out))
    return path
