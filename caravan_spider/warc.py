"""Write the archive's raw captures as a WARC file, for replay tools (pywb, ReplayWeb.page).

A warcinfo record first, then one response record per capture. WARC-Target-URI is the
article's canonical URL (what a replay tool is asked for), not the address it was fetched
from (a mirror, the sample site on loopback): that one is kept in WARC-Caravan-Fetched-URI.
"""

from __future__ import annotations

from http import HTTPStatus
from io import BytesIO
from typing import BinaryIO

from w3lib.url import safe_url_string
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import __version__
from .archive import Archive
from .urls import article_ref


def status_line(status: int) -> str:
    """The status with its standard reason phrase, "301 Moved Permanently" (the phrase the site's
    server wrote is not kept; every status the crawl stores has a standard one)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def canonical(capture: dict) -> str:
    if capture["canonical_url"]:
        return uri(capture["canonical_url"])
    ref = article_ref(capture["url"])
    return uri(ref.url if ref else capture["url"])


def uri(address: str) -> str:
    """An address as a WARC names it: a URI, what is not ASCII percent-encoded as a browser asks for it (a
    canonical link written in Cyrillic), which is how replay tools key their lookups."""
    return safe_url_string(address)


def write_warc(archive: Archive, out: BinaryIO, compress: bool, filename: str, **filters) -> int:
    """Write the captures `filters` select (see Archive.iter_captures); returns how many."""
    writer = WARCWriter(out, gzip=compress)
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": f"caravan-archive/{__version__} (warcio)",
        "format": "WARC File Format 1.0",
        "description": "Raw responses of Caravan.kz article pages, as archived by caravan-archive",
        "x-caravan-filters": ", ".join(f"{k}={'|'.join(v) if isinstance(v, tuple) else v}"
                                       for k, v in filters.items() if v) or "none",
    }))
    count = 0
    for capture in archive.iter_captures(**filters):
        body = archive.decompress_capture(capture)
        # Scrapy decoded any Content-Encoding before we stored the body, so the record
        # declares the identity encoding and the decoded length.
        headers = [("Content-Type", capture["content_type"] or "application/octet-stream"),
                   ("Content-Length", str(len(body)))]
        headers += [(name, capture[key]) for name, key in (("ETag", "etag"), ("Last-Modified", "last_modified"),
                                                           ("Location", "location")) if capture[key]]
        http = StatusAndHeaders(status_line(capture["status"]), headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            canonical(capture), "response", payload=BytesIO(body), http_headers=http,
            warc_headers_dict={"WARC-Date": capture["fetched_at"].replace("+00:00", "Z"),
                               "WARC-Caravan-Fetched-URI": capture["url"],
                               "WARC-Caravan-Capture-Id": str(capture["capture_id"]),
                               "WARC-Caravan-Note": capture["note"] or "",
                               # crawl, or the import it came from (file and offset, or a web archive's address)
                               "WARC-Caravan-Source": capture.get("source") or "crawl",
                               **({"WARC-Caravan-Source-Ref": capture["source_ref"]} if capture.get("source_ref")
                                  else {})},
        )
        writer.write_record(record)
        count += 1
    return count
