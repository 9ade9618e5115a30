"""WARC and ARC files (gzip'd or not) from any crawler, read with warcio: their response records.

A file is read twice: first whole, to refuse one that is not a WARC/ARC file or is cut short before
anything of it is stored (one line, exit 64), then for its records.
"""

from __future__ import annotations

import contextlib
import gzip
import io
from collections.abc import Iterator
from datetime import datetime

from warcio.archiveiterator import ArchiveIterator

from ..parsing.bounds import MAX_BYTES
from . import Found, utc_seconds

CHUNK = 1 << 20  # bytes read at a time of a record that is only checked
LEFT_OUT = "bytes follow it that its Content-Length leaves out"


class BadArchiveFile(Exception):
    """A file that is not a WARC or ARC file, or not a whole one."""


def check(path: str) -> int:
    """Read a file to its end; returns its records, or raises BadArchiveFile saying what is wrong."""
    records, iterator = 0, None
    try:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream, arc2warc=True)
            # warcio writes a warning, with the bytes it found (a page's), where a record goes on past its
            # Content-Length, and reads on: counted in err_count, that record refuses the file.
            with contextlib.redirect_stderr(io.StringIO()):
                for record in iterator:
                    if iterator.err_count:
                        break
                    content = record.content_stream()
                    while content.read(CHUNK):  # a video of hundreds of MB is never held whole
                        pass
                    if getattr(record.raw_stream, "limit", 0):  # fewer bytes than its Content-Length
                        raise EOFError(f"the record ends {record.raw_stream.limit} bytes before its Content-Length")
                    if record.rec_type == "response":
                        _warc_date(record.rec_headers.get_header("WARC-Date") or "")
                    records += 1
            stream.seek(0)
            if stream.read(2) == b"\x1f\x8b":
                # warcio stops quietly at a gzip member cut short: the file is read through gzip to its end,
                # the member after the last record read the one cut.
                with gzip.open(path) as whole:
                    while whole.read(CHUNK):
                        pass
    except OSError as error:
        raise BadArchiveFile(f"{path}: {error.strerror or error}") from None
    except Exception as error:  # warcio raises what its readers meet: ArchiveLoadFailed, zlib, EOF, ValueError
        if iterator is None or not iterator.err_count:  # else warcio failed on the bytes a record left: below
            detail = " ".join(str(error).split())[:160] or type(error).__name__
            raise BadArchiveFile(f"{path} is not a whole WARC or ARC file (record {records + 1}: {detail})") from None
    if iterator is not None and iterator.err_count:  # record `records` goes on past its Content-Length
        raise BadArchiveFile(f"{path} is not a whole WARC or ARC file (record {records}: {LEFT_OUT})")
    if not records:
        raise BadArchiveFile(f"{path} holds no WARC or ARC record")
    return records


def read(path: str) -> Iterator[Found]:
    """The response records of a file, as captures (revisits and requests have no page to import)."""
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, arc2warc=True)
        for record in iterator:
            if record.rec_type != "response" or record.http_headers is None:
                continue
            headers = record.http_headers
            try:
                status = int(headers.get_statuscode())
            except (TypeError, ValueError):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            body = record.content_stream().read(MAX_BYTES + 1)  # beyond, the parse refuses it unread
            yield Found(
                url=url.strip("<>"), status=status,
                fetched_at=utc_seconds(_warc_date(record.rec_headers.get_header("WARC-Date") or "")),
                body=body, content_type=headers.get_header("Content-Type"), etag=headers.get_header("ETag"),
                last_modified=headers.get_header("Last-Modified"), location=headers.get_header("Location"),
                source="warc", source_ref=f"{path}#{iterator.get_record_offset()}", cut=_cut(record))


def _cut(record) -> str | None:
    """Why a response record is not the whole answer by its own headers: the crawler says it cut it
    (WARC-Truncated: length, time...), or it holds fewer bytes than its Content-Length announced."""
    truncated = record.rec_headers.get_header("WARC-Truncated")
    if truncated:
        return f"WARC-Truncated: {truncated}"
    announced = (record.http_headers.get_header("Content-Length") or "").strip()
    if announced.isdigit() and 0 <= record.payload_length < int(announced):
        return f"{record.payload_length} of the {announced} bytes its Content-Length announces"
    return None


def _warc_date(value: str) -> datetime:
    """WARC-Date: ISO 8601 in UTC, to the second or finer (an ARC's 14 digits, converted by warcio)."""
    value = value.strip()
    if value.isdigit():
        return datetime.strptime(value[:14], "%Y%m%d%H%M%S")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
