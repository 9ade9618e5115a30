"""One crawl run at a time per archive: an flock on `<archive>.lock`, naming its holder.

The kernel drops an flock when its process dies, so a killed run never leaves a stale lock behind.
The file holds "<run id> <pid>" so that a refused run can say who holds the archive.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class ArchiveLocked(Exception):
    """Another process holds the archive; the message names it and what to do."""


class RunLock:
    def __init__(self, archive_path: str | os.PathLike):
        self.archive_path = Path(archive_path)
        self.path = Path(str(archive_path) + ".lock")
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self, run_id: int | None = None) -> None:
        """Take the lock at once or raise ArchiveLocked naming the holder; never waits."""
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().split()
            handle.close()
            who = f"crawl run {holder[0]} (pid {holder[1]})" if len(holder) == 2 else "another process"
            raise ArchiveLocked(f"{self.archive_path} is locked by {who}; wait for it to finish or stop it") from None
        self._handle = handle
        self.name_run(run_id)

    def name_run(self, run_id: int | None) -> None:
        """Record which run holds the lock, once the run has its id."""
        if self._handle is None:
            return
        self._handle.truncate(0)
        self._handle.write(f"{run_id or '?'} {os.getpid()}\n")
        self._handle.flush()

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
