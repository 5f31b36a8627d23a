"""The ledger's SQLite file: opening it (safely when several processes create it at once),
its schema and migrations, interrupt-safe transactions, rows, and the recovery of rows left
open by processes that died.

Every write is an idempotent upsert keyed by id, so a transaction that is retried after an
error (or an interrupt) writes the same rows again and never twice.

Example:
    >>> import tempfile, pathlib
    >>> db = connect(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite3")
    >>> with transaction(db):
    ...     upsert(db, "jobs", {"id": "j1", "status": "QUEUED"})
    >>> db.execute("SELECT status FROM jobs").fetchone()[0], db.in_transaction
    ('QUEUED', False)
    >>> db.close()
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qmodes.ledger.process import ProcessId, current_process, is_alive

__all__ = ["COLUMNS", "PROCESS_ENDED", "connect", "migrate", "recover_dead_processes",
           "transaction", "upsert", "upsert_sql"]

_log = logging.getLogger("qmodes.ledger")

PROCESS_ENDED = "process ended"
"""The reason recorded on the rows of a process that died without closing them."""

COLUMNS: dict[str, list[tuple[str, str]]] = {
    "contexts": [("id", "TEXT PRIMARY KEY"), ("mode", "TEXT"), ("backend", "TEXT"),
                 ("created", "REAL"), ("state", "TEXT"), ("accepting_jobs", "INTEGER"),
                 ("started_at", "REAL"), ("closed_at", "REAL"), ("max_time", "REAL"),
                 ("interactive_ttl", "REAL"), ("source", "TEXT"), ("remote", "INTEGER"),
                 ("usage_seconds", "REAL"), ("usage_rule", "TEXT"), ("jobs", "INTEGER"),
                 ("pid", "INTEGER"), ("updated", "REAL"),
                 # added by issue 10 (migrated with ALTER TABLE):
                 ("proc_start", "TEXT"), ("host", "TEXT"), ("reason", "TEXT"),
                 ("remote_id", "TEXT")],
    "jobs": [("id", "TEXT PRIMARY KEY"), ("context_id", "TEXT"), ("mode", "TEXT"),
             ("backend", "TEXT"), ("primitive", "TEXT"), ("created", "REAL"),
             ("status", "TEXT"), ("num_pubs", "INTEGER"), ("executions", "INTEGER"),
             ("shots", "INTEGER"), ("error", "TEXT"), ("error_kind", "TEXT"),
             ("started", "REAL"), ("finished", "REAL"), ("qpu_seconds", "REAL"),
             ("usage_seconds", "REAL"), ("source", "TEXT"), ("pid", "INTEGER"),
             ("updated", "REAL"), ("proc_start", "TEXT"), ("host", "TEXT")],
}

_EXTRA = """
CREATE TABLE IF NOT EXISTS spans (job_id TEXT, kind TEXT, start REAL, end REAL,
  PRIMARY KEY (job_id, kind, start));
CREATE TABLE IF NOT EXISTS windows (context_id TEXT, start REAL, end REAL,
  PRIMARY KEY (context_id, start));
CREATE INDEX IF NOT EXISTS jobs_by_context ON jobs (context_id);
CREATE INDEX IF NOT EXISTS contexts_by_created ON contexts (created);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created);
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (pid)
  WHERE status NOT IN ('DONE', 'ERROR', 'CANCELLED');
CREATE INDEX IF NOT EXISTS contexts_open ON contexts (pid)
  WHERE state NOT IN ('closed', 'unclosed');
"""


def _retry_locked(step: Any, deadline: float) -> Any:
    """Run ``step()``, retrying "database is locked/busy" with jittered backoff to ``deadline``.

    ``PRAGMA journal_mode = WAL`` on a brand-new file fails at once with "database is locked"
    while another process creates the same file: SQLite's busy timeout does not cover it.
    """
    delay = 0.005
    while True:
        try:
            return step()
        except sqlite3.OperationalError as error:
            text = str(error).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 0.25)


def connect(path: str | Path, busy_timeout: float = 30.0) -> sqlite3.Connection:
    """Open (and if needed create and migrate) the ledger at ``path`` in WAL mode."""
    deadline = time.monotonic() + busy_timeout
    db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None,
                         check_same_thread=False)
    try:
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")

        def wal() -> None:
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"database is locked (journal mode {mode})")

        _retry_locked(wal, deadline)
        db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL survives a killed process
        _retry_locked(lambda: migrate(db), deadline)
    except BaseException:
        db.close()
        raise
    return db


def migrate(db: sqlite3.Connection) -> None:
    """Create the tables, and add the columns an older ledger lacks (``ALTER TABLE``)."""
    with transaction(db):
        for table, columns in COLUMNS.items():
            db.execute(f"CREATE TABLE IF NOT EXISTS {table} "
                       f"({', '.join(f'{n} {t}' for n, t in columns)})")
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns:
                if name not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        for statement in _EXTRA.split(";"):
            if statement.strip():
                db.execute(statement)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back on any error or interrupt.

    A transaction some earlier interrupt left open (between ``BEGIN`` and the ``try``) is
    rolled back first: its writes are retried by whoever made them, never half-committed.
    """
    if db.in_transaction:
        db.execute("ROLLBACK")
    db.execute("BEGIN IMMEDIATE")
    done = False
    try:
        yield db
        db.execute("COMMIT")
        done = True
    finally:
        if not done and db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")


def upsert(db: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    """Insert ``row`` or update the named columns of the row with its id (others are kept)."""
    db.execute(upsert_sql(table, tuple(row)), tuple(row.values()))


@functools.lru_cache(maxsize=64)
def upsert_sql(table: str, names: tuple[str, ...]) -> str:
    """``INSERT`` of the ``names`` columns that updates them in the row with the same id."""
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "id")
    return (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            f" ON CONFLICT(id) DO UPDATE SET {updates}")


def process_columns(process: ProcessId | None = None) -> dict[str, Any]:
    """The columns that name the writing process."""
    process = process or current_process()
    return {"pid": process.pid, "proc_start": process.start, "host": process.host,
            "updated": time.time()}


def recover_dead_processes(db: sqlite3.Connection) -> int:
    """Close what processes that no longer run left open; returns how many rows changed.

    A local context left open becomes ``closed`` with reason "process ended"; a remote one
    (IBM may still hold it open) becomes ``unclosed`` and stays in the unclosed report. Jobs
    not in a final state become ``CANCELLED`` with error "process ended".
    """
    writers = db.execute(
        "SELECT pid, proc_start, host, MAX(updated) AS updated FROM ("
        " SELECT pid, proc_start, host, updated FROM contexts"
        "  WHERE state NOT IN ('closed', 'unclosed')"
        " UNION ALL SELECT pid, proc_start, host, updated FROM jobs"
        "  WHERE status NOT IN ('DONE', 'ERROR', 'CANCELLED'))"
        " GROUP BY pid, proc_start, host").fetchall()
    dead = [tuple(w)[:3] for w in writers
            if is_alive(w["pid"], w["proc_start"], w["host"], w["updated"]) is False]
    if not dead:
        return 0
    changed, now = 0, time.time()
    with transaction(db):
        for pid, start, host in dead:
            same = "pid IS ? AND proc_start IS ? AND host IS ?"
            changed += db.execute(
                f"UPDATE jobs SET status = 'CANCELLED', error = COALESCE(error, ?), "
                f"error_kind = COALESCE(error_kind, 'system'), "
                f"finished = COALESCE(finished, updated, ?), updated = ? WHERE {same} "
                f"AND status NOT IN ('DONE', 'ERROR', 'CANCELLED')",
                (PROCESS_ENDED, now, now, pid, start, host)).rowcount
            changed += db.execute(
                f"UPDATE contexts SET state = 'closed', accepting_jobs = 0, "
                f"closed_at = COALESCE(closed_at, updated, ?), reason = ?, updated = ? "
                f"WHERE {same} AND state NOT IN ('closed', 'unclosed') AND "
                f"(remote IS NOT 1 OR closed_at IS NOT NULL)",
                (now, PROCESS_ENDED, now, pid, start, host)).rowcount
            changed += db.execute(
                f"UPDATE contexts SET state = 'unclosed', accepting_jobs = 0, reason = ?, "
                f"updated = ? WHERE {same} AND state NOT IN ('closed', 'unclosed') "
                f"AND remote = 1 AND closed_at IS NULL",
                (f"{PROCESS_ENDED}; it may still be open on IBM", now, pid, start,
                 host)).rowcount
    if changed:
        _log.info("qmodes ledger: closed %d row(s) of %d process(es) that ended", changed,
                  len(dead))
    return changed
