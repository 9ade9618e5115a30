"""Crawl runs: one row per run, from begin_run to how it ended (finish_run)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from .tables import Tables, utcnow


@dataclass(frozen=True)
class CrawlRun:
    """A crawl_runs row: how a run ended and what it did (counts as stored, None while running)."""

    run_id: int
    status: str
    message: str | None
    started_at: str | None
    finished_at: str | None
    base_url: str | None
    mode: str | None
    requests: int | None
    articles_new: int | None
    articles_updated: int | None
    articles_unchanged: int | None
    articles_failed: int | None
    not_articles: int | None
    articles_unpublished: int | None = None
    articles_restored: int | None = None
    editions: str | None = None  # the editions crawled, e.g. "ru,kk"


class Runs(Tables):
    def begin_run(self, base_url: str, mode: str, editions: str | None = None, config: str | None = None) -> int:
        """A new run, `running`; `config`: its configuration as JSON (config.Config.to_json)."""
        with self.db.atomic():
            # A run still marked running was killed: nobody holds the lock we now hold.
            self.db.execute(
                "UPDATE crawl_runs SET status = 'killed', message = 'the process ended without finishing the run' "
                "WHERE status = 'running'"
            )
            table = self.db["crawl_runs"]
            table.insert({"started_at": utcnow(), "status": "running", "pid": os.getpid(), "base_url": base_url,
                          "mode": mode, "editions": editions, "config": config})
            run_id = table.last_pk
        self.lock.name_run(run_id)
        return run_id

    def finish_run(self, run_id: int, status: str, figures: dict) -> None:
        row = {"finished_at": utcnow(), "status": status}
        for key, value in figures.items():
            row[key] = json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else value
        with self.db.atomic():
            # What the run did to the life of articles, from the events it recorded.
            for event, column in (("unpublished", "articles_unpublished"), ("restored", "articles_restored")):
                row[column] = next(self.db.query("SELECT count(*) AS n FROM status_changes WHERE run_id = ? "
                                                 "AND event = ?", [run_id, event]))["n"]
            self.db["crawl_runs"].update(run_id, row)

    def run(self, run_id: int) -> CrawlRun:
        """One run as its crawl_runs row tells it; KeyError when there is no such run."""
        row = next(self.db.query("SELECT * FROM crawl_runs WHERE run_id = ?", [run_id]), None)
        if row is None:
            raise KeyError(f"no crawl run {run_id} in {self.path}")
        return CrawlRun(**{name: row[name] for name in CrawlRun.__dataclass_fields__})

    # crawl_runs columns that hold JSON objects (begin_run and finish_run write them), decoded for --json output.
    RUN_JSON_COLUMNS = ("responses_by_status", "errors_by_kind", "coverage", "config")

    def runs(self, limit: int = 10) -> list[dict]:
        return list(self.db.query("SELECT * FROM crawl_runs ORDER BY run_id DESC LIMIT ?", [limit]))
