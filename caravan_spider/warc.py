"""Write the archive's raw captures as WARC response records, for replay tools (pywb, ReplayWeb.page)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .archive import Archive

REASONS = {200: "OK", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found", 410: "Gone"}


def write_warc(archive: Archive, path: str | Path) -> int:
    count = 0
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=str(path).endswith(".gz"))
        for capture in archive.iter_captures():
            body = archive.decompress_capture(capture)
            # Scrapy decoded any Content-Encoding before we stored the body, so the record
            # declares the identity encoding and the decoded length.
            headers = [("Content-Type", capture["content_type"] or "application/octet-stream"),
                       ("Content-Length", str(len(body)))]
            headers += [(name, capture[key]) for name, key in (("ETag", "etag"), ("Last-Modified", "last_modified"))
                        if capture[key]]
            http = StatusAndHeaders(f"{capture['status']} {REASONS.get(capture['status'], 'OK')}", headers,
                                    protocol="HTTP/1.1")
            record = writer.create_warc_record(
                capture["url"], "response", payload=BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": capture["fetched_at"].replace("+00:00", "Z"),
                                   "WARC-Caravan-Capture-Id": str(capture["capture_id"]),
                                   "WARC-Caravan-Note": capture["note"] or ""},
            )
            writer.write_record(record)
            count += 1
    return count
