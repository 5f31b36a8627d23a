"""The ledger's rows: a job or context record as written to SQLite (inside a transaction).

Example:
    >>> import tempfile, pathlib
    >>> from qmodes.ledger.db import connect, transaction
    >>> from qmodes.core.timeline import JobRecord, Span
    >>> db = connect(pathlib.Path(tempfile.mkdtemp()) / "l.sqlite3")
    >>> job = JobRecord(id="j1", context_id=None, mode="job", backend="aer",
    ...                 primitive="sampler", created=0.0, spans=[Span("qpu", 1.0, 3.0)])
    >>> with transaction(db):
    ...     write_job(db, job, {"pid": 1})
    >>> db.execute("SELECT qpu_seconds, pid FROM jobs").fetchone()[:]
    (2.0, 1)
    >>> db.close()
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from qmodes.backends.names import is_remote_name
from qmodes.core.timeline import ContextRecord, JobRecord
from qmodes.core.usage import context_usage, job_usage
from qmodes.ledger.db import upsert, upsert_sql

__all__ = ["is_remote", "set_reason", "set_remote_id", "write_context", "write_job",
           "write_jobs"]

JOB_COLUMNS = ("id", "context_id", "mode", "backend", "primitive", "created", "status",
               "num_pubs", "executions", "shots", "error", "error_kind", "started", "finished",
               "qpu_seconds", "usage_seconds", "source")


def is_remote(record: JobRecord | ContextRecord) -> bool:
    """Whether a record is of an IBM device (its usage is IBM's, it can be left open there)."""
    return is_remote_name(record.backend) or "IBM" in record.source


def write_job(db: sqlite3.Connection, job: JobRecord, process: dict[str, Any]) -> None:
    """Insert or complete one job's row and its spans (``process``: who writes it)."""
    write_jobs(db, [job], process)


def write_jobs(db: sqlite3.Connection, jobs: Sequence[JobRecord],
               process: dict[str, Any], new: Collection[str] = ()) -> None:
    """Insert or complete the rows and spans of many jobs, three statements in all (SQLite
    loops over the rows; Python only builds the tuples). ``new``: ids known to have no row
    yet (no old spans to delete)."""
    if not jobs:
        return
    names = tuple(process)
    extra = tuple(process.values())
    db.executemany(upsert_sql("jobs", JOB_COLUMNS + names), [
        (job.id, job.context_id, job.mode, job.backend, job.primitive, job.created, job.status,
         job.num_pubs, job.executions, job.shots, job.error, job.error_kind, job.started,
         job.finished, sum(s.duration() for s in job.spans if s.kind == "qpu"),
         job_usage(job), job.source, *extra) for job in jobs])
    db.executemany("DELETE FROM spans WHERE job_id = ?",
                   [(job.id,) for job in jobs if job.id not in new])
    db.executemany("INSERT OR REPLACE INTO spans VALUES (?, ?, ?, ?)",
                   [(job.id, s.kind, s.start, s.end) for job in jobs for s in job.spans])


def write_context(db: sqlite3.Connection, context: ContextRecord, jobs: list[JobRecord] | None,
                  process: dict[str, Any]) -> None:
    """Insert or complete one context's row, its windows and its usage figure.

    A batch's usage is the sum of its jobs' usage, from ``jobs`` or else from their rows.
    """
    figure = context_usage(context, jobs or [])
    seconds = figure.seconds
    if context.mode != "session" and context.usage_reported is None and jobs is None:
        seconds = db.execute("SELECT COALESCE(SUM(usage_seconds), 0) FROM jobs "
                             "WHERE context_id = ?", (context.id,)).fetchone()[0]
    upsert(db, "contexts", {
        "id": context.id, "mode": context.mode, "backend": context.backend,
        "created": context.created, "state": context.state,
        "accepting_jobs": int(context.accepting_jobs), "started_at": context.started_at,
        "closed_at": context.closed_at, "max_time": context.max_time,
        "interactive_ttl": context.interactive_ttl, "source": context.source,
        "remote": int(is_remote(context)), "usage_seconds": seconds, "usage_rule": figure.rule,
        "jobs": len(context.job_ids), **process})
    db.execute("DELETE FROM windows WHERE context_id = ?", (context.id,))
    db.executemany("INSERT OR REPLACE INTO windows VALUES (?, ?, ?)",
                   [(context.id, w.start, w.end) for w in context.windows])


def set_remote_id(db: sqlite3.Connection, context_id: str, remote_id: str | None) -> None:
    """Record the id IBM gave a remote context (what ``Session.from_id`` needs)."""
    db.execute("UPDATE contexts SET remote_id = ? WHERE id = ?", (remote_id, context_id))


def set_reason(db: sqlite3.Connection, context_id: str, reason: str | None) -> None:
    """Record why a context is in its state (e.g. a close IBM did not acknowledge)."""
    db.execute("UPDATE contexts SET reason = ? WHERE id = ?", (reason, context_id))
