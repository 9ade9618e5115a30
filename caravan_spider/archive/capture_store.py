"""Captures as the archive keeps them: every response to an article URL, stored zstd-compressed with
a dictionary trained on earlier captures (the codec is captures.py), never altered; early ones are
stored again with a better dictionary (compaction)."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import captures as capture_codec
from .tables import Tables, insert_sql, utcnow


@dataclass(frozen=True)
class Capture:
    """One response to an article URL as the archive keeps it, whatever the parser made of it; the
    spider's items.ArticlePage is one, with the parse's results."""

    url: str  # as fetched
    status: int
    fetched_at: str  # UTC, ISO 8601
    # As Scrapy hands it: already decoded from gzip/br by HttpCompressionMiddleware. Never in a
    # repr, so no log line can hold page bytes.
    body: bytes = field(repr=False)
    edition: str  # the edition asked, which the article belongs to (post ids are per edition)
    article_id: int | None = None  # from the requested URL
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # of body, when the parse worker has made it already
    run_id: int | None = None
    note: str | None = None
    # The page's lines as furniture learning counts them (boilerplate.capture_lines: hashes), when a
    # parse worker read them; stored beside the capture.
    lines: CaptureLines | None = field(default=None, repr=False)
    location: str | None = None  # a redirect's Location header, as received
    source: str = "crawl"  # where it came from: crawl, warc or wayback (an import of the archive's past)
    source_ref: str | None = None  # an import's record: file and offset, or the web archive's address


class CaptureLines(NamedTuple):
    """A page's lines that furniture learning counts, as parsing.furniture.line_hashes() stores them."""

    version: int  # parsing.furniture.LINES_MADE_BY where they were made
    hashes: bytes


class Compacted(NamedTuple):
    """What Archive.compact_captures did: captures stored again, their bytes before and after,
    the dictionary they use now, and captures left as they were because they do not match their digest."""

    captures: int
    before: int
    after: int
    dictionary_id: int | None
    damaged: int


class CaptureStore(Tables):
    def _insert_capture(self, capture: Capture) -> int:
        body = capture.body
        dictionary_id = self._dictionary_for_next(body)
        cursor = self.db.conn.execute(*insert_sql("captures", {
            "edition": capture.edition,
            "article_id": capture.article_id, "url": capture.url, "status": capture.status,
            "content_type": capture.content_type, "etag": capture.etag,
            "last_modified": capture.last_modified, "fetched_at": capture.fetched_at,
            "sha256": capture.sha256 or hashlib.sha256(body).hexdigest(), "size": len(body),
            "compression": "zstd", "dictionary_id": dictionary_id,
            "body": capture_codec.compress(body, self._dictionary(dictionary_id)), "note": capture.note,
            "run_id": capture.run_id, "location": capture.location, "source": capture.source,
            "source_ref": capture.source_ref,
        }))
        self._writing = (self._writing[0], self._writing[1], self._writing[2] + 1)
        if capture.lines is not None:
            self.db.conn.execute("INSERT INTO capture_lines (capture_id, version, hashes) VALUES (?, ?, ?)",
                                 [cursor.lastrowid, capture.lines.version, capture.lines.hashes])
        return cursor.lastrowid

    def holds_capture(self, edition: str, article_id: int, fetched_at: str, sha256: str) -> bool:
        """Whether the archive holds this very capture already (an import of it again is skipped)."""
        return self.db.conn.execute(
            "SELECT 1 FROM captures INDEXED BY idx_captures_edition_article_fetched WHERE edition = ? AND "
            "article_id = ? AND fetched_at = ? AND sha256 = ?", [edition, article_id, fetched_at, sha256]).fetchone() \
            is not None

    def _dictionary_for_next(self, body: bytes) -> int | None:
        """The dictionary the next capture is stored with; trains a new one when due (inside
        the caller's transaction, so a killed run leaves no half-made dictionary)."""
        if self._writing is None:
            current = next(self.db.query("SELECT dictionary_id, captures FROM capture_dictionaries "
                                         "ORDER BY dictionary_id DESC LIMIT 1"), None)
            count = next(self.db.query("SELECT count(*) AS n FROM captures"))["n"]
            self._writing = (current and current["dictionary_id"], current and current["captures"], count)
        dictionary_id, trained_at, count = self._writing
        if capture_codec.due(count + 1, trained_at) and count + 1 >= self._train_again_at:
            samples = capture_codec.samples(itertools.chain([body], self._newest_bodies()))
            content = capture_codec.train(samples)
            if content is None:  # too few pages to learn from yet: tried again once the archive has doubled
                self._train_again_at = 2 * (count + 1)
                return dictionary_id
            table = self.db["capture_dictionaries"]
            table.insert({"created_at": utcnow(), "captures": count + 1, "samples": len(samples),
                          "size": len(content), "content": content})
            dictionary_id = table.last_pk
            self._dictionaries[dictionary_id] = capture_codec.load(content)
            self._writing = (dictionary_id, count + 1, count)
        return dictionary_id

    def _newest_bodies(self) -> Iterator[bytes]:
        """Capture bodies as fetched, newest first, read one at a time (what dictionaries learn from;
        a damaged one is no sample, and compaction counts it)."""
        ids = [capture_id for (capture_id,) in self.db.conn.execute(
            "SELECT capture_id FROM captures ORDER BY capture_id DESC LIMIT ?", [capture_codec.MAX_SAMPLES])]
        for capture_id in ids:
            with contextlib.suppress(capture_codec.CaptureFormatError):
                yield self.decompress_capture(next(self.db.query(
                    "SELECT compression, dictionary_id, body FROM captures WHERE capture_id = ?", [capture_id])))

    def _dictionary(self, dictionary_id: int | None):
        if dictionary_id is None:
            return None
        if dictionary_id not in self._dictionaries:
            row = next(self.db.query("SELECT content FROM capture_dictionaries WHERE dictionary_id = ?",
                                     [dictionary_id]), None)
            if row is None:
                raise capture_codec.CaptureFormatError(
                    f"capture dictionary {dictionary_id} is missing from {self.path}; the archive is damaged")
            try:
                self._dictionaries[dictionary_id] = capture_codec.load(row["content"])
            except ValueError as error:  # its bytes are no zstd dictionary: damage, like a cut capture
                raise capture_codec.CaptureFormatError(
                    f"capture dictionary {dictionary_id} cannot be read ({error}); the archive is damaged: "
                    "restore it from a backup") from None
        return self._dictionaries[dictionary_id]

    def compact_captures(self, limit: int = capture_codec.COMPACT_PER_RUN, batch: int = 200) -> Compacted:
        """Store again, with a dictionary trained on the archive as it now is, the captures stored
        before it had a good one (none, gzip, or one trained on fewer than EARLY_SAMPLES pages):
        what a run does at its end. Each capture's bytes are checked against its sha256 and the new
        form is read back before it replaces the old, a few hundred per transaction (a run killed
        midway leaves every capture readable); dictionaries no capture needs any more are dropped."""
        early_ids = [capture_id for (capture_id,) in self.db.conn.execute(
            "SELECT capture_id FROM captures WHERE dictionary_id IS NULL OR dictionary_id IN "
            "(SELECT dictionary_id FROM capture_dictionaries WHERE samples < ?) ORDER BY capture_id LIMIT ?",
            [capture_codec.EARLY_SAMPLES, limit])]
        target = self._compaction_dictionary() if early_ids else None
        if target is None:
            return Compacted(0, 0, 0, None, 0)
        dictionary = self._dictionary(target)
        done = before = after = damaged = 0
        for at in range(0, len(early_ids), batch):
            chunk = early_ids[at:at + batch]
            updates = []
            for row in self.db.query(f"SELECT capture_id, compression, dictionary_id, body, sha256 FROM captures "
                                     f"WHERE capture_id IN ({', '.join('?' * len(chunk))}) AND "
                                     f"dictionary_id IS NOT ?", [*chunk, target]):
                try:
                    body = self.decompress_capture(row)
                except capture_codec.CaptureFormatError:
                    damaged += 1  # unreadable: left as stored, counted as damaged
                    continue
                if row["sha256"] and hashlib.sha256(body).hexdigest() != row["sha256"]:
                    damaged += 1  # never re-store what does not match its digest
                    continue
                stored = capture_codec.compress(body, dictionary)
                if capture_codec.decompress_capture("zstd", stored, dictionary) != body:
                    damaged += 1
                    continue
                updates.append((stored, target, row["capture_id"]))
                before, after = before + len(row["body"]), after + len(stored)
            with self.db.atomic():
                self.db.conn.executemany("UPDATE captures SET compression = 'zstd', dictionary_id = ?, body = ? "
                                         "WHERE capture_id = ?", [(d, b, i) for b, d, i in updates])
            done += len(updates)
        with self.db.atomic():
            self.db.execute("DELETE FROM capture_dictionaries WHERE dictionary_id < ? AND NOT EXISTS "
                            "(SELECT 1 FROM captures WHERE captures.dictionary_id = capture_dictionaries.dictionary_id)",
                            [target])
        self._writing = None  # the next capture asks again which dictionary is current
        return Compacted(done, before, after, target, damaged)

    def _compaction_dictionary(self) -> int | None:
        """The dictionary early captures are stored again with: the newest when it was trained on
        EARLY_SAMPLES pages or on every capture the archive holds, else a new one trained on the
        newest captures (None while the archive holds fewer than TRAIN_FIRST)."""
        newest = next(self.db.query("SELECT dictionary_id, captures, samples FROM capture_dictionaries "
                                    "ORDER BY dictionary_id DESC LIMIT 1"), None)
        count = next(self.db.query("SELECT count(*) AS n FROM captures"))["n"]
        if newest and (newest["samples"] >= capture_codec.EARLY_SAMPLES or newest["captures"] >= count):
            return newest["dictionary_id"]
        if count < capture_codec.TRAIN_FIRST:
            return None
        samples = capture_codec.samples(self._newest_bodies())
        content = capture_codec.train(samples)
        if content is None:  # too few pages to learn from: the early captures stay as they are
            return newest and newest["dictionary_id"]
        with self.db.atomic():
            table = self.db["capture_dictionaries"]
            table.insert({"created_at": utcnow(), "captures": count, "samples": len(samples), "size": len(content),
                          "content": content})
        self._dictionaries[table.last_pk] = capture_codec.load(content)
        return table.last_pk

    def decompress_capture(self, capture: dict) -> bytes:
        """A stored capture's body as fetched (every reader of captures goes through here)."""
        try:
            return capture_codec.decompress_capture(capture["compression"], capture["body"],
                                                    self._dictionary(capture.get("dictionary_id")))
        except capture_codec.CaptureFormatError as error:
            which = f"capture {capture['capture_id']}" if capture.get("capture_id") else "a capture"
            raise capture_codec.CaptureFormatError(f"{which} in {self.path}: {error}") from None

    def capture_sizes(self, run_id: int | None = None) -> tuple[int, int]:
        """Bytes of the run's captures (of every capture without a run) as fetched, and as stored
        compressed (dictionaries not counted)."""
        row = next(self.db.query("SELECT coalesce(sum(size), 0) AS raw, coalesce(sum(length(body)), 0) AS stored "
                                 "FROM captures WHERE ? IS NULL OR run_id = ?", [run_id, run_id]))
        return row["raw"], row["stored"]

    def dictionary_sizes(self) -> tuple[int, int]:
        """How many capture dictionaries the archive holds, and their bytes."""
        row = next(self.db.query("SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM capture_dictionaries"))
        return row["n"], row["bytes"]
