"""Opening the archive's file: made and migrated when a crawl opens it, never written when a reader
does; one run at a time (the run lock). `Archive` is every part of the package on one connection."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from .. import captures as capture_codec
from ..runlock import RunLock
from ..schedule import DEFAULT_SCHEDULE, parse_schedule
from ..settings import CARAVAN_DB
from .articles import ArticleStore
from .capture_store import CaptureStore
from .coverage import Coverage
from .furniture import Furniture
from .known import KnownQueries
from .problems import Problems
from .reading import Reading
from .rebuild import Rebuild
from .runs import Runs
from .schema import migrations
from .search_index import Search
from .wayback import WaybackList

DEFAULT_DB = CARAVAN_DB  # the one default, in settings.py (where `-s CARAVAN_DB=...` overrides it)
ARCHIVE_TABLES = {"articles", "revisions", "captures", "crawl_runs"}


class OutdatedArchive(Exception):
    """A reader met an archive whose schema is older than this program's (readers never migrate)."""


class NotAnArchive(Exception):
    """The file exists but is not a caravan-archive database."""


class Archive(Runs, KnownQueries, Coverage, Problems, CaptureStore, ArticleStore, Rebuild, Reading, Search,
              Furniture, WaybackList):
    """The archive, opened: one connection, and each concern's statements in its own module of this
    package. The run lock (runlock.py) and the revision policy (revisions.py) live in their own modules.

    create=False: the file must exist already; read_only=True: opened with SQLite's mode=ro,
    never migrated nor switched to WAL (readers never write)."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB, create: bool = True, read_only: bool = False):
        self.path = Path(path)
        self.lock = RunLock(self.path)
        if (read_only or not create) and not self.path.exists():
            raise FileNotFoundError(f"{self.path} does not exist: run `caravan-archive crawl --db {self.path}` first")
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"{self.path.parent} is not a directory: create it first")
        try:
            if read_only:
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            else:
                conn = sqlite3.connect(self.path, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            tables = set(self.db.table_names())
        except sqlite3.OperationalError as error:
            raise NotAnArchive(f"{self.path} cannot be opened ({error})") from None
        except sqlite3.DatabaseError as error:
            raise NotAnArchive(f"{self.path} is not a caravan-archive database ({error})") from None
        if (read_only or not create or tables) and not ARCHIVE_TABLES <= tables:
            self.db.close()
            raise NotAnArchive(f"{self.path} is not a caravan-archive database (it has no "
                               f"{', '.join(sorted(ARCHIVE_TABLES - tables))} table)")
        self.db.execute("PRAGMA busy_timeout=10000")
        if read_only and migrations.pending(self.db):
            self.db.close()
            raise OutdatedArchive(f"{self.path} was made by an older caravan-archive: run "
                                  f"`caravan-archive crawl --db {self.path}` once to upgrade it")
        if not read_only:
            self.db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses
            # nothing committed; a power loss may lose the last commits (never corrupts the file),
            # and the next run fetches those pages again.
            self.db.execute("PRAGMA synchronous=NORMAL")
            migrations.apply(self.db)
        self.schedule = parse_schedule(DEFAULT_SCHEDULE)  # the pipeline sets CARAVAN_RECHECK_SCHEDULE's
        self._dictionaries: dict[int, capture_codec.zstd.ZstdDict] = {}
        self._writing: tuple[int | None, int | None, int] | None = None  # (dictionary id, trained at, captures)
        self._train_again_at = 0  # captures before training is tried again, after one found too few samples

    def close(self) -> None:
        self.release()
        if hasattr(self, "db"):
            self.db.close()

    # --- one run at a time ----------------------------------------------------------------
    def acquire(self, run_id: int | None = None) -> None:
        """Take the archive's run lock (runlock.py), or raise ArchiveLocked naming its holder."""
        self.lock.acquire(run_id)

    def release(self) -> None:
        self.lock.release()

    def check_writable(self) -> None:
        """Take SQLite's write lock and let it go: raises sqlite3.OperationalError (database is
        locked) when another process keeps writing longer than busy_timeout."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("ROLLBACK")
