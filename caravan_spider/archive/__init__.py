"""The archive: every SQL statement of the project lives in this package, one module per concern.

The name is deliberate: this package is the code of the archive, and the `archive/` folder at the
top of the repository is where the archive lives (`archive/caravan.db`, the default) together with
Datasette's configuration for serving it (`datasette archive/`). One thing, seen as code and as data.

    database.py       opening the file (create, migrate, read-only), the run lock; `Archive`
    schema.py         the migrations (history: a change is a new one at the end)
    tables.py         the article key, the clock, one article's row read and updated
    rows.py           the article and revision rows, built once for the crawl and for re-extraction
    articles.py       the crawl's answers: store, 304 (mark_unchanged), unpublish, restore
    rebuild.py        re-extraction's writes (plan_rebuild in workers, write_rebuilt in the writer)
    capture_store.py  captures: stored zstd with trained dictionaries, compacted, read back
    known.py          what an incremental crawl knows (KnownArticles, packed)
    coverage.py       what the site listed and what became of it
    runs.py           crawl runs
    problems.py       crawl problems, texts held back
    reading.py        records and captures for export, WARC and re-extraction
    search_index.py   every articles_fts statement, and Archive.search
    furniture.py      what furniture learning reads and keeps
    wayback.py        import-wayback's list of the captures a CDX server listed
"""

from __future__ import annotations

from ..revisions import Stored, content_hash, judge  # noqa: F401  content_hash: callers hash records from here
from ..runlock import ArchiveLocked, RunLock  # noqa: F401  ArchiveLocked: callers catch it from here
from .capture_store import Capture, CaptureLines, Compacted
from .coverage import STATES
from .database import ARCHIVE_TABLES, DEFAULT_DB, Archive, NotAnArchive, OutdatedArchive
from .known import Known, KnownArticles
from .rebuild import Rebuilt, plan_rebuild
from .runs import CrawlRun
from .schema import migrations
from .search_index import index_entry
from .tables import Key, utcnow

__all__ = ["ARCHIVE_TABLES", "DEFAULT_DB", "STATES", "Archive", "ArchiveLocked", "Capture", "CaptureLines",
           "Compacted", "CrawlRun", "Key", "Known", "KnownArticles", "NotAnArchive", "OutdatedArchive", "Rebuilt",
           "RunLock", "Stored", "content_hash", "index_entry", "judge", "migrations", "plan_rebuild", "utcnow"]
