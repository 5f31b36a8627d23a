"""The ledger: every context, job, span and usage figure in SQLite, across kernels and restarts.

A :class:`Ledger` subscribes to a :class:`~qmodes.timeline.Timeline` and writes each change as
it happens, on the thread that made it: a job's row is written on ``job.created``, before the
job is queued to run, and completed on each state change, so a killed kernel loses nothing it
had submitted. The database is in WAL mode with a busy timeout, so several kernels can write
to it at once. The file is ``$QMODES_HOME/ledger.sqlite3`` (default ``~/.qmodes``).

The plain functions at the end (:func:`usage_report`, :func:`history`,
:func:`unclosed_remote_sessions`, :func:`unclosed_report`) are what ``%qmodes usage``,
``%qmodes history`` and ``%load_ext qmodes`` show.

Example:
    >>> import tempfile, pathlib
    >>> from qmodes.timeline import Timeline, JobRecord
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3"
    >>> timeline, ledger = Timeline(), Ledger(path)
    >>> _ = ledger.attach(timeline)
    >>> timeline.add_job(JobRecord(id="j1", context_id=None, mode="job", backend="aer",
    ...                            primitive="sampler", created=0.0))
    >>> timeline.open_span("j1", "qpu", 1.0); timeline.close_span("j1", 3.5)
    >>> ledger.job("j1")["usage_seconds"]
    2.5
    >>> ledger.close()
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from qmodes.ledger_report import format_history, format_unclosed, format_usage, parse_since
from qmodes.timeline import ContextRecord, Event, JobRecord, Timeline
from qmodes.usage import context_usage, job_usage

__all__ = ["Ledger", "close_default_ledger", "default_ledger", "history", "ledger_path",
           "parse_since", "unclosed_remote_sessions", "unclosed_report", "usage_report"]

_log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS contexts (id TEXT PRIMARY KEY, mode TEXT, backend TEXT, created REAL,
  state TEXT, accepting_jobs INTEGER, started_at REAL, closed_at REAL, max_time REAL,
  interactive_ttl REAL, source TEXT, remote INTEGER, usage_seconds REAL, usage_rule TEXT,
  jobs INTEGER, pid INTEGER, updated REAL);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, context_id TEXT, mode TEXT, backend TEXT,
  primitive TEXT, created REAL, status TEXT, num_pubs INTEGER, executions INTEGER,
  shots INTEGER, error TEXT, error_kind TEXT, started REAL, finished REAL, qpu_seconds REAL,
  usage_seconds REAL, source TEXT, pid INTEGER, updated REAL);
CREATE TABLE IF NOT EXISTS spans (job_id TEXT, kind TEXT, start REAL, end REAL,
  PRIMARY KEY (job_id, kind, start));
CREATE TABLE IF NOT EXISTS windows (context_id TEXT, start REAL, end REAL,
  PRIMARY KEY (context_id, start));
CREATE INDEX IF NOT EXISTS jobs_by_context ON jobs (context_id);
CREATE INDEX IF NOT EXISTS contexts_by_created ON contexts (created);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created);
"""


def ledger_path() -> Path:
    """``$QMODES_HOME/ledger.sqlite3``, with ``QMODES_HOME`` defaulting to ``~/.qmodes``."""
    home = os.environ.get("QMODES_HOME") or "~/.qmodes"
    return Path(home).expanduser() / "ledger.sqlite3"


def _changes_context(event: Event) -> bool:
    """Whether an event can change a context's row: its own events, a new job, a QPU span
    closing or a job reaching a final state (a batch's usage is its jobs' QPU time)."""
    data = event.data
    return (event.kind.startswith(("context.", "window.")) or event.kind == "job.created"
            or (event.kind == "span.closed" and data.get("kind") == "qpu")
            or data.get("status") in ("DONE", "ERROR", "CANCELLED")
            or "usage_reported" in data)


def _is_remote(record: JobRecord | ContextRecord) -> bool:
    return record.backend.startswith(("ibm:", "ibm_")) or "IBM" in record.source


class Ledger:
    """SQLite history of contexts and jobs, written as the timeline changes.

    Args:
        path: the database file; default :func:`ledger_path`.
        busy_timeout: seconds a write waits for another kernel's write to finish.
    """

    def __init__(self, path: str | Path | None = None, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path) if path is not None else ledger_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None,
                                   check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")  # survives a killed process
        with self._transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` under the ledger's lock (rolled back on error)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def attach(self, timeline: Timeline) -> Callable[[], None]:
        """Record every later change of ``timeline`` (and what it holds now); returns detach."""
        for job in timeline.jobs():
            self.write_job(job)
        for context in timeline.contexts():
            self.write_context(context)
        return timeline.subscribe(lambda event: self._on_event(timeline, event))

    def _on_event(self, timeline: Timeline, event: Event) -> None:
        try:
            with self._lock:  # read the records and write them as one step: newest state wins
                if event.kind.startswith(("job.", "span.")):
                    self.write_job(timeline.job(event.subject))
                if event.context_id is not None and _changes_context(event):
                    try:
                        self.write_context(timeline.context(event.context_id))
                    except KeyError:  # a job of a context this timeline does not hold
                        pass
        except Exception:  # the ledger must never break the runtime that it observes
            _log.exception("qmodes ledger: could not record %s of %s", event.kind,
                           event.subject)

    def write_job(self, job: JobRecord) -> None:
        """Insert or complete one job's row and its spans."""
        qpu = sum(s.duration() for s in job.spans if s.kind == "qpu")
        row = (job.id, job.context_id, job.mode, job.backend, job.primitive, job.created,
               job.status, job.num_pubs, job.executions, job.shots, job.error, job.error_kind,
               job.started, job.finished, qpu, job_usage(job), job.source, os.getpid(),
               time.time())
        with self._transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO jobs VALUES ({','.join('?' * len(row))})", row)
            db.execute("DELETE FROM spans WHERE job_id = ?", (job.id,))
            db.executemany("INSERT OR REPLACE INTO spans VALUES (?, ?, ?, ?)",
                           [(job.id, s.kind, s.start, s.end) for s in job.spans])

    def write_context(self, context: ContextRecord, jobs: list[JobRecord] | None = None) -> None:
        """Insert or complete one context's row, its windows and its usage figure.

        A batch's usage is the sum of its jobs' usage, from ``jobs`` or else from their rows.
        """
        with self._transaction() as db:
            figure = context_usage(context, jobs or [])
            seconds = figure.seconds
            if context.mode != "session" and context.usage_reported is None and jobs is None:
                seconds = db.execute("SELECT COALESCE(SUM(usage_seconds), 0) FROM jobs "
                                     "WHERE context_id = ?", (context.id,)).fetchone()[0]
            row = (context.id, context.mode, context.backend, context.created, context.state,
                   int(context.accepting_jobs), context.started_at, context.closed_at,
                   context.max_time, context.interactive_ttl, context.source,
                   int(_is_remote(context)), seconds, figure.rule, len(context.job_ids),
                   os.getpid(), time.time())
            db.execute(f"INSERT OR REPLACE INTO contexts VALUES ({','.join('?' * len(row))})",
                       row)
            db.execute("DELETE FROM windows WHERE context_id = ?", (context.id,))
            db.executemany("INSERT OR REPLACE INTO windows VALUES (?, ?, ?)",
                           [(context.id, w.start, w.end) for w in context.windows])

    def mark_closed(self, context_id: str, when: float | None = None) -> None:
        """Record that a context was closed elsewhere (e.g. a remote session closed by hand)."""
        with self._transaction() as db:
            db.execute("UPDATE contexts SET state = 'closed', accepting_jobs = 0, "
                       "closed_at = ?, updated = ? WHERE id = ?",
                       (when or time.time(), time.time(), context_id))

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    # -- reading ---------------------------------------------------------------------------
    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query, as dictionaries."""
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def job(self, job_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return rows[0] if rows else None

    def jobs(self, context_id: str | None = None) -> list[dict[str, Any]]:
        if context_id is None:
            return self.query("SELECT * FROM jobs ORDER BY created")
        return self.query("SELECT * FROM jobs WHERE context_id = ? ORDER BY created",
                          (context_id,))

    def contexts(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Past contexts, newest first."""
        sql = "SELECT * FROM contexts ORDER BY updated DESC, created DESC"  # wall clock: fake
        # devices stamp records in device time (docs/device-time.md), ahead of the wall clock
        return self.query(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ())

    def usage_totals(self, since: Any = None, backend: str | None = None
                     ) -> list[dict[str, Any]]:
        """Billed seconds grouped by backend, mode and source (contexts + job-mode jobs)."""
        start = parse_since(since)
        where = "created >= ?"
        params: list[Any] = [start]
        if backend:
            where, params = where + " AND backend = ?", [*params, backend]
        return self.query(
            f"SELECT backend, mode, source, SUM(usage_seconds) AS seconds, COUNT(*) AS count, "
            f"SUM(jobs) AS jobs FROM (SELECT backend, mode, source, usage_seconds, jobs, created "
            f"FROM contexts UNION ALL SELECT backend, mode, source, usage_seconds, 1, created "
            f"FROM jobs WHERE context_id IS NULL) WHERE {where} "
            f"GROUP BY backend, mode, source ORDER BY backend, mode", tuple(params))

    def unclosed_remote_sessions(self) -> list[dict[str, Any]]:
        """Remote sessions and batches recorded as open but never closed."""
        return self.query("SELECT * FROM contexts WHERE remote = 1 AND closed_at IS NULL "
                          "AND state != 'closed' ORDER BY created")


# -- what the magics show -------------------------------------------------------------------
_DEFAULT: dict[Path, Ledger] = {}
_ATTACHED: dict[Path, Callable[[], None]] = {}
_DEFAULT_LOCK = threading.Lock()


def default_ledger(attach: bool = True) -> Ledger:
    """The process-wide ledger at :func:`ledger_path`; ``attach`` makes it record the default
    timeline (what ``%load_ext qmodes`` does)."""
    path = ledger_path()
    with _DEFAULT_LOCK:
        ledger = _DEFAULT.get(path)
        if ledger is None:
            ledger = _DEFAULT[path] = Ledger(path)
        if attach and path not in _ATTACHED:
            from qmodes.timeline import default_timeline

            _ATTACHED[path] = ledger.attach(default_timeline())
        return ledger


def close_default_ledger() -> None:
    """Stop recording the default timeline and close the default ledger(s) (extension unload)."""
    with _DEFAULT_LOCK:
        for detach in _ATTACHED.values():
            detach()
        for ledger in _DEFAULT.values():
            ledger.close()
        _ATTACHED.clear()
        _DEFAULT.clear()


def _with_ledger(path: str | Path | None, read: Callable[[Ledger], Any]) -> Any:
    if path is None:
        return read(default_ledger(attach=False))
    ledger = Ledger(path)
    try:
        return read(ledger)
    finally:
        ledger.close()


def usage_report(since: Any = None, backend: str | None = None,
                 price_per_second: float | None = None, path: str | Path | None = None) -> str:
    """``%qmodes usage [--since 7d] [--backend NAME]``: billed time per backend, mode, source."""
    rows = _with_ledger(path, lambda ledger: ledger.usage_totals(since, backend))
    return format_usage(rows, since, backend, price_per_second)


def history(limit: int = 20, path: str | Path | None = None) -> str:
    """``%qmodes history``: the last ``limit`` contexts, newest first."""
    return format_history(_with_ledger(path, lambda ledger: ledger.contexts(limit)))


def unclosed_remote_sessions(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Remote sessions/batches recorded as open but never closed (rows as dictionaries)."""
    return _with_ledger(path, lambda ledger: ledger.unclosed_remote_sessions())


def unclosed_report(path: str | Path | None = None) -> str | None:
    """Text for ``%load_ext qmodes``: each unclosed remote session and how to close it."""
    return format_unclosed(unclosed_remote_sessions(path))
