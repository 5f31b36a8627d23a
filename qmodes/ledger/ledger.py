"""The ledger: every context, job, span and usage figure in SQLite, across kernels and restarts.

A :class:`Ledger` subscribes to a :class:`~qmodes.core.timeline.Timeline`. Its observer only queues
what changed (microseconds, no lock the engine waits on); the ledger's own writer thread
(:mod:`qmodes.ledger.writer`) writes each job and context in its newest state, in batched
transactions, as soon as it can. A slow disk or a database another kernel holds locked never
slows the engine: the writer catches up later, and the ledger is flushed at exit, on
:meth:`Ledger.close` and on :func:`close_default_ledger`. Reads (:meth:`Ledger.query` and
everything built on it) first wait for what this ledger was given to be written.

The database is in WAL mode with a busy timeout, so several kernels can write to it at once;
creating it from several processes at once is safe. Each row names the process that wrote it
(pid plus start time, see :mod:`qmodes.ledger.process`): opening the ledger, ``%qmodes history`` and
the ``%load_ext`` report close what processes that died left open (contexts "closed",
reason "process ended"; jobs ``CANCELLED``). The file is ``$QMODES_HOME/ledger.sqlite3``
(default ``~/.qmodes``).

The plain functions at the end (:func:`usage_report`, :func:`history`,
:func:`unclosed_remote_sessions`, :func:`unclosed_report`) are what ``%qmodes usage``,
``%qmodes history`` and ``%load_ext qmodes`` show.

Example:
    >>> import tempfile, pathlib
    >>> from qmodes.core.timeline import Timeline, JobRecord
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3"
    >>> timeline, ledger = Timeline(), Ledger(path)
    >>> _ = ledger.attach(timeline)
    >>> timeline.add_job(JobRecord(id="j1", context_id=None, mode="job", backend="aer",
    ...                            primitive="sampler", created=0.0))
    >>> timeline.open_span("j1", "qpu", 1.0); timeline.close_span("j1", 3.5)
    >>> ledger.job("j1")["usage_seconds"]  # a read waits for the writer
    2.5
    >>> ledger.close()
    True
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qmodes.core.states import FINAL_STATES
from qmodes.core.timeline import (
    CLOSE_ERROR,
    JOB_REFUSED,
    REMOTE_ID,
    ContextRecord,
    Event,
    JobRecord,
    Timeline,
    default_timeline,
)
from qmodes.ledger.db import connect, process_columns, recover_dead_processes
from qmodes.ledger.process import current_process
from qmodes.ledger.report import format_history, format_unclosed, format_usage, parse_since
from qmodes.ledger.rows import set_reason, set_remote_id, write_context, write_jobs
from qmodes.ledger.writer import Batch, Call, Changed, Record, Writer

__all__ = ["Ledger", "close_default_ledger", "default_ledger", "flush_open_ledgers", "history",
           "ledger_path", "parse_since", "unclosed_remote_sessions", "unclosed_report",
           "usage_report"]

_log = logging.getLogger(__name__)

READ_CHUNK = 256
"""Jobs the writer copies from the timeline per hold of its lock (the engine waits on it)."""


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
            or data.get("status") in FINAL_STATES
            or "usage_reported" in data)


class Ledger:
    """SQLite history of contexts and jobs, written by its own thread as the timeline changes.

    Args:
        path: the database file; default :func:`ledger_path`.
        busy_timeout: seconds a write waits for another kernel's write to finish (and how long
            opening retries while other processes create the file).
        recover: close the rows of processes that no longer run (see :meth:`recover`).

    Example:
        >>> import tempfile, pathlib
        >>> ledger = Ledger(pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3")
        >>> ledger.flush(5.0), ledger.problem
        (True, None)
        >>> ledger.close()
        True
    """

    read_timeout: float = 5.0
    """Seconds a read waits for this ledger's queued rows to be written."""

    def __init__(self, path: str | Path | None = None, *, busy_timeout: float = 30.0,
                 recover: bool = True) -> None:
        self.path = Path(path) if path is not None else ledger_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.busy_timeout = busy_timeout
        self._db = connect(self.path, busy_timeout)
        self._read_db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None,
                                        check_same_thread=False)
        self._read_db.row_factory = sqlite3.Row
        self._read_lock = threading.Lock()
        self._closed = False
        self._timelines: list[Timeline] = []  # attached: flushed before this ledger
        self._process = current_process()
        self.recovered = 0
        """Rows of dead processes this ledger closed when it was opened."""
        if recover:
            try:
                self.recovered = recover_dead_processes(self._db)
            except sqlite3.Error as error:  # never a reason not to record this process
                _log.warning("qmodes ledger: could not check for ended processes (%s)", error)
        self._writer = Writer(self._db, self._write_batch, name=f"qmodes-ledger-{id(self):x}")
        _OPEN.add(self)

    def __repr__(self) -> str:
        return f"<Ledger {self.path}{' closed' if self._closed else ''}>"

    # -- writing (the observer queues, the writer thread writes) ---------------------------
    def attach(self, timeline: Timeline) -> Callable[[], None]:
        """Record every later change of ``timeline`` (and what it holds now); returns detach."""
        self._writer.put(Changed(timeline, [job.id for job in timeline.jobs()],
                                 [context.id for context in timeline.contexts()]))
        unsubscribe = timeline.subscribe(lambda events: self._on_events(timeline, events),
                                         batches=True)
        self._timelines.append(timeline)

        def detach() -> None:
            timeline.flush(self.read_timeout)  # what happened before detach is recorded
            unsubscribe()
            with contextlib.suppress(ValueError):
                self._timelines.remove(timeline)

        return detach

    def _on_events(self, timeline: Timeline, events: list[Event]) -> None:
        """The observer: queue which jobs and contexts changed, once per delivery (never
        blocks, never raises; nothing allocated per event)."""
        if self._closed:
            return
        jobs: set[str] = set()
        contexts: set[str] = set()
        calls: list[Call] = []
        refused: list[Record] = []
        for event in events:
            kind, context_id = event.kind, event.context_id
            if kind == JOB_REFUSED:  # the budget guard's: a final record the timeline keeps not
                refused.append(Record("job", JobRecord(**event.data)))
                continue
            if kind[0] in "js":  # "job.*", "span.*"
                jobs.add(event.subject)
            if context_id is not None and context_id not in contexts and _changes_context(event):
                contexts.add(context_id)
            if kind == "context.changed":
                data = event.data
                if CLOSE_ERROR in data:
                    calls.append(Call(_set_reason, (event.subject, data[CLOSE_ERROR])))
                if REMOTE_ID in data:
                    calls.append(Call(_set_remote_id, (event.subject, data[REMOTE_ID])))
        put = self._writer.put
        put(Changed(timeline, jobs, contexts))
        for record in refused:
            put(record)
        for call in calls:
            put(call)

    def _write_batch(self, db: sqlite3.Connection, batch: Batch) -> None:
        """Write one batch (on the writer thread, inside its transaction): the jobs in bulk,
        then the contexts (a batch's usage sums its jobs' rows), then the calls."""
        process = process_columns(self._process)
        jobs: list[JobRecord] = []
        read: dict[int, tuple[Timeline, list[str]]] = {}  # timeline -> ids to read from it
        for key, item in batch.jobs.items():
            if isinstance(item, Record):
                jobs.append(item.record)
            else:
                read.setdefault(id(item), (item, []))[1].append(key)
        for timeline, ids in read.values():
            for start in range(0, len(ids), READ_CHUNK):  # a job the timeline forgot is skipped
                jobs.extend(timeline.jobs(ids=ids[start:start + READ_CHUNK]))
        write_jobs(db, jobs, process, batch.new_jobs)
        for key, item in batch.contexts.items():
            if isinstance(item, Record):
                write_context(db, item.record, item.extra, process)
                continue
            try:
                context = item.context(key)
            except KeyError:  # a job of a context this timeline does not hold
                continue
            write_context(db, context, None, process)
        for call in batch.calls:
            if call.function is not None:
                call.function(db, call.arg)

    def write_job(self, job: JobRecord) -> None:
        """Insert or complete one job's row and its spans (written when this returns)."""
        self._put_and_flush(Record("job", job))

    def write_context(self, context: ContextRecord, jobs: list[JobRecord] | None = None) -> None:
        """Insert or complete one context's row, its windows and its usage figure (written
        when this returns). A batch's usage is the sum of its jobs' usage, from ``jobs`` or
        else from their rows."""
        self._put_and_flush(Record("context", context, jobs))

    def mark_closed(self, context_id: str, when: float | None = None) -> None:
        """Record that a context was closed elsewhere (e.g. a remote session closed by hand)."""
        self._put_and_flush(Call(_mark_closed, (context_id, when)))

    def recover(self) -> int:
        """Close the rows of processes that no longer run; returns how many rows changed.

        Their open contexts are recorded as closed with reason "process ended" (remote ones
        as "unclosed": IBM may still hold them open), their unfinished jobs as ``CANCELLED``
        with error "process ended". A process is its pid plus its start time.
        """
        result: list[int] = []
        self._put_and_flush(Call(lambda db, _: result.append(recover_dead_processes(db))))
        return result[0] if result else 0

    def _put_and_flush(self, item: Changed | Record | Call) -> None:
        if self._closed:
            raise ValueError(f"the ledger at {self.path} is closed")
        self._writer.put(item)
        if not self._writer.flush(self.busy_timeout):
            _log.warning("qmodes ledger: %s", self.problem or "still writing")

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every change of the attached timelines so far is written (the
        timelines' events delivered, then the rows written); False if not after ``timeout``
        seconds: :attr:`problem` then says why."""
        if self._closed:
            return self._writer.unwritten == 0
        deadline = None if timeout is None else time.monotonic() + timeout
        for timeline in list(self._timelines):
            timeline.flush(_left(deadline))
        return self._writer.flush(_left(deadline))

    @property
    def problem(self) -> str | None:
        """Why rows wait to be written (e.g. a locked or full disk), or None."""
        error, unwritten, lost = self._writer.error, self._writer.unwritten, self._writer.lost
        parts = []
        if error is not None or unwritten:
            reason = f"{type(error).__name__}: {error}" if error is not None else "busy"
            parts.append(f"{unwritten} row(s) not yet written to {self.path} ({reason}); "
                         f"{'retrying' if self._writer.alive else 'the writer has stopped'}")
        if lost:
            parts.append(f"{lost} row(s) could not be recorded at all and were dropped")
        return "; ".join(parts) or None

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is queued (for up to ``timeout`` seconds), then close the database.

        Returns:
            True if everything was written. Otherwise the rows are lost; this is said on
            standard error, not only logged.
        """
        if self._closed:
            return True
        deadline = time.monotonic() + timeout
        for timeline in list(self._timelines):
            timeline.flush(_left(deadline))
        self._closed = True
        written = self._writer.stop(_left(deadline))
        if not written:
            _report_lost(self, self.problem or "the writer did not finish")
        if not self._writer.alive:
            self._db.close()
        with self._read_lock:
            self._read_db.close()
        _OPEN.discard(self)
        return written

    # -- reading ---------------------------------------------------------------------------
    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query, as dictionaries (after this ledger's queued writes)."""
        if not self._closed:
            self.flush(self.read_timeout)
        with self._read_lock:
            cursor = self._read_db.execute(sql, params)
            try:
                return [dict(row) for row in cursor.fetchall()]
            finally:  # even when interrupted: no statement keeps a read transaction open
                cursor.close()

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



def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _set_reason(db: sqlite3.Connection, arg: tuple[str, str | None]) -> None:
    set_reason(db, *arg)


def _set_remote_id(db: sqlite3.Connection, arg: tuple[str, str | None]) -> None:
    set_remote_id(db, *arg)


def _mark_closed(db: sqlite3.Connection, arg: tuple[str, float | None]) -> None:
    context_id, when = arg
    now = time.time()
    db.execute("UPDATE contexts SET state = 'closed', accepting_jobs = 0, closed_at = ?, "
               "reason = NULL, updated = ? WHERE id = ?", (when or now, now, context_id))


# -- flushed at exit ------------------------------------------------------------------------
_OPEN: weakref.WeakSet[Ledger] = weakref.WeakSet()
EXIT_TIMEOUT = 10.0
"""Seconds the process waits at exit for each open ledger to write what it was given."""


def _report_lost(ledger: Ledger, problem: str) -> None:
    text = f"qmodes ledger: rows were NOT recorded: {problem}"
    _log.error(text)
    print(text, file=sys.stderr)


@atexit.register
def flush_open_ledgers(timeout: float = EXIT_TIMEOUT) -> bool:
    """Write what every open ledger holds (run at exit: the writer threads are daemons; also
    for exit hooks that change records late, e.g. contexts closed at exit). What cannot be
    written is said on standard error. Returns True if everything was written."""
    written = True
    for ledger in list(_OPEN):
        if not ledger.flush(timeout):
            written = False
            _report_lost(ledger, ledger.problem or "the writer did not finish in time")
    return written


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
            _ATTACHED[path] = ledger.attach(default_timeline())
        return ledger


def close_default_ledger() -> None:
    """Stop recording the default timeline, write what is queued and close the default
    ledger(s) (extension unload, kernel shutdown)."""
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


def _recovered(ledger: Ledger) -> Ledger:
    ledger.recover()
    return ledger


def usage_report(since: Any = None, backend: str | None = None,
                 price_per_second: float | None = None, path: str | Path | None = None) -> str:
    """``%qmodes usage [--since 7d] [--backend NAME]``: billed time per backend, mode, source."""
    rows = _with_ledger(path, lambda ledger: ledger.usage_totals(since, backend))
    return format_usage(rows, since, backend, price_per_second)


def history(limit: int = 20, path: str | Path | None = None) -> str:
    """``%qmodes history``: the last ``limit`` contexts, newest first (what processes that
    ended left open is first recorded as closed: a dead kernel's context is never active)."""
    return format_history(_with_ledger(path, lambda ledger: _recovered(ledger).contexts(limit)))


def unclosed_remote_sessions(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Remote sessions/batches recorded as open but never closed (rows as dictionaries)."""
    return _with_ledger(path, lambda ledger: _recovered(ledger).unclosed_remote_sessions())


def unclosed_report(path: str | Path | None = None) -> str | None:
    """Text for ``%load_ext qmodes``: each unclosed remote session and how to close it."""
    return format_unclosed(unclosed_remote_sessions(path))

