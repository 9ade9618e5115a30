"""Write the archive's captures as a WACZ file (Web Archive Collection Zipped), for ReplayWeb.page and pywb.

The layout of the WACZ specification (1.1.1; 1.2.0 keeps it): `archive/data.warc.gz` (written by
warc.write_warc, the records of `export --warc`), `indexes/index.cdx` (CDXJ, sorted by SURT key and
time), `pages/pages.jsonl` (one page per article: its URL, capture time, title and text) and
`datapackage.json` (every file with its sha256 and size), with `datapackage-digest.json`. Written by
hand rather than with the `wacz` package: these are four small files, and that package would bring
some twenty others (frictionless, pydantic, typer, rich) for them.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from datetime import datetime, timezone
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from . import __version__
from .archive import Archive
from .warc import uri, write_warc

WACZ_VERSION = "1.1.1"  # what py-wacz 0.6.0 writes and validates; 1.2.0 deprecates the field, the layout is the same


def surt(url: str) -> str:
    """The SURT key a CDXJ line is sorted by: host labels reversed (no www.), then path and query,
    lower-cased, query arguments sorted, as pywb's index (the surt package) does: https://www.caravan.kz/news/a-1/ -> kz,caravan)/news/a-1."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    labels = ",".join(reversed(host.split(".")))
    if parts.port and parts.port not in (80, 443):
        labels += f":{parts.port}"
    path = (parts.path or "/").lower()
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    query = "&".join(sorted(parts.query.lower().split("&"))) if parts.query else ""
    return f"{labels}){path}" + (f"?{query}" if query else "")


def cdxj_lines(warc_path: str, filename: str) -> list[str]:
    """The CDXJ index of a WARC file's response records, sorted."""
    lines = []
    with open(warc_path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_type != "response":
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            when = datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00"))
            http = record.http_headers
            entry = {"url": url, "mime": (http.get_header("Content-Type") or "").split(";")[0].strip() or "unk",
                     "status": http.get_statuscode(),
                     "digest": record.rec_headers.get_header("WARC-Payload-Digest")}
            if http.get_header("Location"):
                entry["redirect"] = http.get_header("Location")
            record.content_stream().read()  # to the record's end, so that its length is known
            entry.update(length=str(iterator.get_record_length()), offset=str(iterator.get_record_offset()),
                         filename=filename)
            lines.append(f"{surt(url)} {when:%Y%m%d%H%M%S} {json.dumps(entry, ensure_ascii=False)}\n")
    return sorted(lines)


def pages(archive: Archive, **filters) -> list[str]:
    """pages/pages.jsonl: a header line, then one page per article (its URL as the WARC names it, the
    time of the capture its row was made from, title and text: full-text search in ReplayWeb.page)."""
    header = {"format": "json-pages-1.0", "id": "pages", "title": "Articles", "hasText": True}
    out = [json.dumps(header, ensure_ascii=False) + "\n"]
    for article in archive.iter_articles(**filters):
        when = datetime.fromisoformat(archive.fetched_at((article["edition"], article["article_id"])))
        when = when.astimezone(timezone.utc)
        text = "\n\n".join(filter(None, [article["lead"], article["body"]]))
        out.append(json.dumps({"id": f"{article['edition']}-{article['article_id']}", "url": uri(article["url"]),
                               "ts": f"{when:%Y-%m-%dT%H:%M:%SZ}", "title": article["title"], "text": text},
                              ensure_ascii=False) + "\n")
    return out


def write_wacz(archive: Archive, out: BinaryIO, **filters) -> int:
    """Write the captures `filters` select (as export --warc does) as a WACZ to `out`; returns how many."""
    with tempfile.TemporaryDirectory(prefix="caravan-wacz-") as tmp:
        warc_path = f"{tmp}/data.warc.gz"
        with open(warc_path, "wb") as warc:
            count = write_warc(archive, warc, True, "data.warc.gz", **filters)
        files = {"archive/data.warc.gz": None,
                 "indexes/index.cdx": "".join(cdxj_lines(warc_path, "data.warc.gz")).encode(),
                 "pages/pages.jsonl": "".join(pages(archive, **filters)).encode()}
        resources = []
        with zipfile.ZipFile(out, "w") as wacz:
            for name, data in files.items():
                if data is None:  # the WARC is stored as it is: its records are gzip members a reader seeks to
                    digest, size = _hash_file(warc_path)
                    wacz.write(warc_path, name, compress_type=zipfile.ZIP_STORED)
                else:
                    digest, size = hashlib.sha256(data).hexdigest(), len(data)
                    wacz.writestr(zipfile.ZipInfo(name, _now_tuple()), data, compress_type=zipfile.ZIP_DEFLATED)
                resources.append({"name": name.rsplit("/", 1)[1], "path": name, "hash": f"sha256:{digest}",
                                  "bytes": size})
            package = json.dumps({
                "profile": "data-package", "wacz_version": WACZ_VERSION, "resources": resources,
                "title": "Caravan.kz, as archived by caravan-archive",
                "created": f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}",
                "software": f"caravan-archive/{__version__}",
            }, indent=2).encode()
            wacz.writestr(zipfile.ZipInfo("datapackage.json", _now_tuple()), package,
                          compress_type=zipfile.ZIP_DEFLATED)
            wacz.writestr(zipfile.ZipInfo("datapackage-digest.json", _now_tuple()), json.dumps(
                {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(package).hexdigest()}"}, indent=2),
                compress_type=zipfile.ZIP_DEFLATED)
    return count


def _hash_file(path: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _now_tuple() -> tuple:
    return datetime.now().timetuple()[:6]


__all__ = ["cdxj_lines", "pages", "surt", "write_wacz"]
