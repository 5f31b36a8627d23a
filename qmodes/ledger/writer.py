"""The ledger's writer thread: what the timeline reports is queued, then written in batches.

Observers only put an item on a queue (a few microseconds, never a lock the engine waits on):
for each delivery of timeline events, one :class:`Changed` naming the jobs and contexts that
changed, so nothing is allocated per event. One daemon thread takes everything queued,
coalesces it (a job changed ten times since the last write is written once, in its newest
state) and writes it in one transaction. A batch that fails (a disk that is full, a database
another process holds locked for longer than the busy timeout) is kept and retried with
backoff; nothing is dropped while the process lives. :meth:`Writer.flush` waits until
everything queued before it is on disk.

Example:
    >>> import sqlite3
    >>> db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    >>> _ = db.execute("CREATE TABLE t (x)")
    >>> writer = Writer(db, lambda db, batch: [db.execute("INSERT INTO t VALUES (?)", (x,))
    ...                                         for x in batch.calls_args()])
    >>> writer.put(Call(None, 1)); writer.put(Call(None, 2))
    >>> writer.flush(5.0)
    True
    >>> db.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    2
    >>> writer.stop(5.0)
    True
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from qmodes.ledger.db import transaction

__all__ = ["Batch", "Call", "Changed", "Record", "Writer"]

_log = logging.getLogger("qmodes.ledger")

MAX_BATCH = 20_000
"""Items taken from the queue for one transaction, at most."""
GATHER_SECONDS = 0.5
"""The writer writes once changes have stopped coming for this long (or a flush or stop
waits): a job that changes ten times while it runs is written once, and the writer's Python
work does not compete with the engine's threads for the GIL while a burst of jobs runs."""
GATHER_LIMIT = 5.0
"""...but never holds a change back longer than this, however busy the engine is."""
FIRST_ROW_LIMIT = 1.0
"""A job or context with no row yet is written within this many seconds, busy or not: its
first row is what a killed process leaves behind. (A batch shorter than this is over before
its rows are written, so they do not share the GIL with its QPU lane.)"""
ISOLATE_AFTER = 3
"""Failed attempts (not a locked or busy database) before a batch is written item by item."""


def _transient(error: BaseException | None) -> bool:
    """Whether an error can pass by itself (a locked, busy or full database; an interrupt)."""
    return isinstance(error, (sqlite3.OperationalError, KeyboardInterrupt))


@dataclass
class Changed:
    """These jobs and contexts changed: rewrite each from ``source`` (a Timeline to read the
    newest record from) when the batch is written."""

    source: Any
    jobs: Collection[str] = ()
    contexts: Collection[str] = ()


@dataclass
class Record:
    """Write this record as given (``extra``: e.g. the jobs that bill a batch)."""

    kind: str
    record: Any
    extra: Any = None


@dataclass
class Call:
    """Run ``function(db, arg)`` in the batch's transaction, after the rows (None: only ``arg``)."""

    function: Callable[[Any, Any], None] | None
    arg: Any = None


@dataclass
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


_STOP = object()


Item = Changed | Record | Call


@dataclass
class Batch:
    """What one transaction writes: the newest state of each job and context, then calls.

    ``jobs`` and ``contexts`` map an id to the :class:`Record` to write or to the timeline to
    read its newest record from (a later change replaces an earlier one).
    """

    jobs: dict[str, Any] = field(default_factory=dict)
    contexts: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    new_jobs: set[str] = field(default_factory=set)
    """Jobs with no row on disk yet (set by the writer): nothing of theirs to delete first."""

    def add(self, item: Item) -> None:
        if isinstance(item, Call):
            self.calls.append(item)
        elif isinstance(item, Changed):
            self.jobs.update(dict.fromkeys(item.jobs, item.source))
            self.contexts.update(dict.fromkeys(item.contexts, item.source))
        else:
            target = self.jobs if item.kind == "job" else self.contexts
            target[item.record.id] = item

    def split(self) -> list[Batch]:
        """One batch per row or call (to find the one a write keeps failing on)."""
        return ([Batch(jobs={key: value}) for key, value in self.jobs.items()]
                + [Batch(contexts={key: value}) for key, value in self.contexts.items()]
                + [Batch(calls=[call]) for call in self.calls])

    def merge(self, other: Batch) -> None:
        """Add ``other``'s rows and calls (``other`` is the newer)."""
        self.jobs.update(other.jobs)
        self.contexts.update(other.contexts)
        self.calls.extend(other.calls)

    def calls_args(self) -> list[Any]:
        return [call.arg for call in self.calls]

    def __len__(self) -> int:
        return len(self.jobs) + len(self.contexts) + len(self.calls)


class Writer:
    """A daemon thread that writes batches with ``write(db, batch)`` inside a transaction.

    Args:
        db: the connection; only this thread writes with it.
        write: writes one :class:`Batch` (called inside ``BEGIN IMMEDIATE`` ... ``COMMIT``).
        name: the thread's name.
        max_backoff: the longest wait before a failed batch is tried again (seconds).
        gather: seconds without a change before the gathered changes are written (a flush
            writes at once).
        gather_limit: the longest a change waits to be written while changes keep coming.
        first_row_limit: the longest a job or context with no row yet waits.
    """

    def __init__(self, db: Any, write: Callable[[Any, Batch], None], name: str = "qmodes-ledger",
                 max_backoff: float = 2.0, gather: float = GATHER_SECONDS,
                 gather_limit: float = GATHER_LIMIT,
                 first_row_limit: float = FIRST_ROW_LIMIT) -> None:
        self._db = db
        self.gather = gather
        self.gather_limit = gather_limit
        self.first_row_limit = first_row_limit
        self._written: set[str] = set()  # keys with a row on disk (first rows go out soon)
        self._write = write
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.max_backoff = max_backoff
        self.error: BaseException | None = None
        """The last error of a batch that is still unwritten (None once it is written)."""
        self.failures = 0
        self.unwritten = 0
        """Rows (jobs, contexts, calls) waiting after a failed write."""
        self.batches = 0
        self.lost = 0
        """Rows dropped because they could never be written (each said on standard error)."""
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- any thread ------------------------------------------------------------------------
    def put(self, item: Item) -> None:
        """Queue an item (cheap, never blocks, safe from any thread)."""
        self._queue.put(item)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued before this call is written; False on time-out (or if
        the rows cannot be written now: see :attr:`error`)."""
        if threading.current_thread() is self._thread:
            return False
        if self._stopped.is_set():
            return self._queue.empty() and self.unwritten == 0
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def stop(self, timeout: float | None = None) -> bool:
        """Write what is queued (trying until ``timeout``), then end the thread; True if all
        was written."""
        self._stop_by = None if timeout is None else time.monotonic() + timeout
        if not self._stopped.is_set():
            self._queue.put(_STOP)
        self._thread.join(None if timeout is None else timeout + 1.0)
        return not self._thread.is_alive() and self.unwritten == 0

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the writer thread -----------------------------------------------------------------
    _stop_by: float | None = None

    def _run(self) -> None:
        pending, waiting, stopping, backoff = Batch(), [], False, 0.0
        gather_until: float | None = None
        gather_limit = 0.0
        new_rows = False  # pending holds a job or context with no row on disk yet
        while True:
            wait = backoff if len(pending) else None
            if len(pending) and not backoff and gather_until is not None:
                wait = max(0.0, gather_until - time.monotonic())
            if stopping and wait is not None and self._stop_by is not None:
                wait = min(wait, max(0.0, self._stop_by - time.monotonic()))
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = None
            count = 0
            while item is not None:
                if item is _STOP:
                    stopping = True
                elif isinstance(item, _Flush):
                    waiting.append(item)
                else:
                    pending.add(item)
                    new_rows = new_rows or self._has_new_rows(item)
                count += 1
                if count >= MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            if len(pending) and not (waiting or stopping or backoff):
                now = time.monotonic()
                if gather_until is None:
                    gather_limit = now + self.gather_limit
                if new_rows:  # a row that does not exist yet: soon
                    gather_limit = min(gather_limit, now + self.first_row_limit)
                if count or gather_until is None:  # changes still coming: wait for a lull
                    gather_until = min(now + self.gather, gather_limit)
                gather_until = min(gather_until, gather_limit)
                if now < gather_until:
                    continue  # gather more before writing
            if len(pending) and self._write_batch(pending):
                self._written.update(pending.jobs)
                self._written.update(pending.contexts)
                pending, backoff, gather_until, new_rows = Batch(), 0.0, None, False
            elif len(pending):
                if self.failures >= ISOLATE_AFTER and not _transient(self.error):
                    pending = self._isolate(pending)
                backoff = min(max(backoff * 2, 0.05), self.max_backoff)
            self.unwritten = len(pending)
            if not len(pending):
                for marker in waiting:
                    marker.done.set()
                waiting = []
            if stopping and (not len(pending) or self._out_of_time()):
                break
        self._stopped.set()  # markers still waiting return False after their own time-out

    def _has_new_rows(self, item: Item) -> bool:
        """Whether ``item`` names a job or context never written: its first row is what
        survives a killed process, so it is not held back for a lull."""
        written = self._written
        if isinstance(item, Changed):
            return not (written.issuperset(item.jobs) and written.issuperset(item.contexts))
        return isinstance(item, Record) and item.record.id not in written

    def _out_of_time(self) -> bool:
        return self._stop_by is not None and time.monotonic() >= self._stop_by

    def _isolate(self, batch: Batch) -> Batch:
        """Write a batch that keeps failing item by item; drop (and say so) the items that
        cannot be written at all, keep those that failed for a passing reason."""
        kept = Batch()
        for single in batch.split():
            try:
                with transaction(self._db) as db:
                    self._write(db, single)
            except sqlite3.OperationalError:
                kept.merge(single)
            except Exception as error:
                self.lost += 1
                text = (f"qmodes ledger: a row could not be recorded and was dropped "
                        f"({type(error).__name__}: {error})")
                _log.error(text)
                print(text, file=sys.stderr)
        if not len(kept):
            self.error, self.failures = None, 0
        return kept

    def _write_batch(self, batch: Batch) -> bool:
        batch.new_jobs = batch.jobs.keys() - self._written
        try:
            with transaction(self._db) as db:
                self._write(db, batch)
        except BaseException as error:  # an interrupt too: the batch is kept
            if self.failures == 0:
                _log.warning("qmodes ledger: could not write %d row(s) (%s: %s); retrying",
                             len(batch), type(error).__name__, error)
            self.error, self.failures = error, self.failures + 1
            return False
        if self.failures:
            _log.warning("qmodes ledger: caught up after %d failed attempt(s)", self.failures)
        self.error, self.failures = None, 0
        self.batches += 1
        return True
