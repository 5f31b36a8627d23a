"""The timeline: an append-only, thread-safe record of contexts, jobs and their spans.

Every state change in qmodes (a context opening, a job queued, a QPU span starting, a
session window closing) is one :class:`Event`. The timeline applies each event to the
matching :class:`ContextRecord` or :class:`JobRecord` and then tells its observers. Usage
rules (:mod:`qmodes.core.usage`), the widget and the ledger only read from here; nothing here
calls back into the runtime.

Observers never run on the thread that made the change. A change is recorded under the
timeline's lock (its times were stamped by the caller where the change happened: the
executor for spans), and the event is handed to the observers by one dispatcher thread, in
``seq`` order, in batches (:mod:`qmodes.core.dispatch`). So no observer (ledger,
widget, advisor) runs under the scheduler's lock or between one job's QPU end and the next
job's QPU start, and a slow observer delays only other observers. An observer that raises
is logged and keeps its subscription.
:meth:`Timeline.flush` waits until every event so far has been delivered (tests, doctests,
and exit handlers that must see everything).

Example:
    >>> timeline = Timeline()
    >>> seen = []
    >>> unsubscribe = timeline.subscribe(seen.append)
    >>> timeline.add_job(JobRecord(id="j1", context_id=None, mode="job", backend="aer",
    ...                            primitive="sampler", created=0.0))
    >>> timeline.open_span("j1", "queued", 0.0)
    >>> timeline.flush()
    True
    >>> [event.kind for event in seen]
    ['job.created', 'span.opened']
    >>> unsubscribe()
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from qmodes.core.dispatch import Dispatcher
from qmodes.core.states import FINAL_STATES

__all__ = [
    "CLOSE_ERROR",
    "JOB_REFUSED",
    "OTHERS_QPU",
    "REMOTE_ID",
    "ContextRecord",
    "Event",
    "JobRecord",
    "Span",
    "SpanKind",
    "Timeline",
    "Window",
    "default_timeline",
]

SpanKind = Literal["queued", "classical", "qpu", "post"]
"""The phases of a job: waiting in the queue, classical pre-processing on an execution lane,
on the QPU, and post-processing."""

SPAN_KINDS: tuple[SpanKind, ...] = ("queued", "classical", "qpu", "post")

OTHERS_QPU = "others.qpu"
"""The kind of event that says another user's job holds a QPU (:meth:`Timeline.others_qpu`)."""
JOB_REFUSED = "job.refused"
"""The kind of event that says a job was refused before submission (:meth:`Timeline.refuse_job`)."""
CLOSE_ERROR = "close_error"
"""A ``context.changed`` key: why a remote context's close is not confirmed (None: it is)."""
REMOTE_ID = "remote_id"
"""A ``context.changed`` key: the id IBM gave a remote session or batch."""



@dataclass
class Span:
    """One phase of a job, ``[start, end)`` in clock seconds; ``end`` is None while open."""

    kind: SpanKind
    start: float
    end: float | None = None

    def duration(self, now: float | None = None) -> float:
        """Length in seconds; an open span counts up to ``now`` (0 if ``now`` is None)."""
        end = self.end if self.end is not None else now
        return 0.0 if end is None else max(0.0, end - self.start)


@dataclass
class Window:
    """An active window of a session: the QPU is locked for it from ``start`` to ``end``."""

    start: float
    end: float | None = None


@dataclass
class JobRecord:
    """Everything known about one job."""

    id: str
    context_id: str | None
    mode: str  # "job", "batch" or "session"
    backend: str
    primitive: str  # "sampler" or "estimator"
    created: float
    status: str = "QUEUED"
    spans: list[Span] = field(default_factory=list)
    num_pubs: int = 0
    executions: int = 0
    shots: int | None = None
    error: str | None = None
    error_kind: str | None = None  # "user" or "system": a system error bills nothing
    finished: float | None = None
    source: str = "measured on Aer"
    usage_reported: float | None = None  # usage reported by a remote service, if any
    projected_qpu: float | None = None  # projected QPU seconds on the real device, if known
    simulation_seconds: float | None = None  # Aer's own run time of the QPU phase (device time)
    tags: tuple[str, ...] = ()  # qiskit-ibm-runtime's job tags (options.environment.job_tags)
    device_load: float | None = None  # other users' load on its emulated device (None: none)

    def span(self, kind: SpanKind) -> Span | None:
        """The last span of ``kind``, if the job had one."""
        for span in reversed(self.spans):
            if span.kind == kind:
                return span
        return None

    @property
    def started(self) -> float | None:
        """When the job started running (IBM's RUNNING: start of classical pre-processing)."""
        span = self.span("classical") or self.span("qpu")
        return span.start if span else None

    @property
    def in_final_state(self) -> bool:
        return self.status in FINAL_STATES


@dataclass
class ContextRecord:
    """Everything known about one execution context (a session or a batch)."""

    id: str
    mode: str  # "session" or "batch"
    backend: str
    created: float
    max_time: float
    interactive_ttl: float
    state: str = "open"  # qiskit-ibm-runtime's: open, active, inactive, closed
    accepting_jobs: bool = True
    started_at: float | None = None
    closed_at: float | None = None
    activated_at: float | None = None
    last_job_started: float | None = None
    last_job_completed: float | None = None
    windows: list[Window] = field(default_factory=list)
    job_ids: Sequence[str] = field(default_factory=list)
    """The context's job ids in submission order (in a copy: a read-only view, made in O(1))."""
    source: str = "measured on Aer"
    usage_reported: float | None = None
    device_load: float | None = None
    """Other users' load on its emulated device when it opened (None: not an emulated
    device); the advisor replays with it by default."""
    remote_id: str | None = None
    """The id IBM gave a remote session or batch (key :data:`REMOTE_ID`); None: local."""
    close_error: str | None = None
    """Why a remote context's close is not confirmed (key :data:`CLOSE_ERROR`); None: it is,
    or nothing was asked."""


@dataclass(frozen=True, slots=True)
class Event:
    """One change: ``kind`` is e.g. ``job.created``, ``job.changed``, ``span.opened``."""

    seq: int
    time: float
    kind: str
    subject: str
    context_id: str | None
    data: dict[str, Any]


Observer = Callable[[Event], None]


class Timeline:
    """Thread-safe store of records, changed only through events; observers hear them on the
    timeline's own dispatcher thread (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._events: list[Event] = []
        self._by_context: dict[str, list[Event]] = {}  # each context's events, in seq order
        self._jobs: dict[str, JobRecord] = {}
        self._contexts: dict[str, ContextRecord] = {}
        self._dispatcher = Dispatcher(self._events, self._lock)

    # -- observers -------------------------------------------------------------------------
    @property
    def observer_count(self) -> int:
        """How many observers are subscribed (a widget or a ledger each counts one)."""
        return self._dispatcher.observer_count

    def subscribe(self, observer: Observer | Callable[[list[Event]], None], *,
                  batches: bool = False) -> Callable[[], None]:
        """Call ``observer(event)`` for each later change; returns a function that unsubscribes.

        Events reach observers on the dispatcher thread, in order; call :meth:`flush` to wait
        for them (see :class:`qmodes.core.dispatch.Dispatcher`). With ``batches=True`` the
        observer gets each delivery's events as one list (cheaper when jobs come by the
        thousand).
        """
        return self._dispatcher.subscribe(observer, batches=batches)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event recorded so far has reached the observers.

        Returns False if ``timeout`` seconds passed first. Called from an observer (the
        dispatcher thread itself) it returns at once.
        """
        return self._dispatcher.flush(timeout)

    def _emit(self, kind: str, subject: str, context_id: str | None, time: float,
              data: dict[str, Any]) -> Event:
        """Record an event (timeline lock held)."""
        event = Event(next(self._seq), time, kind, subject, context_id, data)
        self._events.append(event)
        if context_id is not None:
            events = self._by_context.get(context_id)
            if events is None:
                events = self._by_context[context_id] = []
            events.append(event)
        return event

    def _notify(self, event: Event) -> None:
        """Tell the dispatcher (timeline lock not held): O(1), no observer runs here."""
        self._dispatcher.notify()

    # -- contexts --------------------------------------------------------------------------
    def add_context(self, record: ContextRecord) -> None:
        with self._lock:
            record.job_ids = list(record.job_ids)  # the timeline's own, appended to below
            self._contexts[record.id] = record
            event = self._emit("context.opened", record.id, record.id, record.created,
                               _public_fields(record))
        self._notify(event)

    def update_context(self, context_id: str, time: float, **changes: Any) -> None:
        with self._lock:
            record = self._contexts[context_id]
            for name, value in changes.items():
                setattr(record, name, value)
            event = self._emit("context.changed", context_id, context_id, time, changes)
        self._notify(event)

    def open_window(self, context_id: str, time: float) -> None:
        with self._lock:
            self._contexts[context_id].windows.append(Window(time))
            event = self._emit("window.opened", context_id, context_id, time, {"start": time})
        self._notify(event)

    def close_window(self, context_id: str, time: float, end: float) -> None:
        """Close the open window of a context; ``end`` is its billed end (may differ from now)."""
        with self._lock:
            window = self._contexts[context_id].windows[-1]
            window.end = end
            event = self._emit("window.closed", context_id, context_id, time, {"end": end})
        self._notify(event)

    # -- jobs ------------------------------------------------------------------------------
    def add_job(self, record: JobRecord) -> None:
        with self._lock:
            self._jobs[record.id] = record
            if record.context_id in self._contexts:
                self._contexts[record.context_id].job_ids.append(record.id)  # type: ignore[attr-defined]
            event = self._emit("job.created", record.id, record.context_id, record.created,
                               _public_fields(record))
        self._notify(event)

    def update_job(self, job_id: str, time: float, **changes: Any) -> None:
        with self._lock:
            record = self._jobs[job_id]
            for name, value in changes.items():
                setattr(record, name, value)
            event = self._emit("job.changed", job_id, record.context_id, time, changes)
        self._notify(event)

    def open_span(self, job_id: str, kind: SpanKind, time: float) -> None:
        with self._lock:
            record = self._jobs[job_id]
            record.spans.append(Span(kind, time))
            event = self._emit("span.opened", job_id, record.context_id, time,
                               {"kind": kind, "start": time})
        self._notify(event)

    def close_span(self, job_id: str, time: float, *, start: float | None = None) -> None:
        """Close the job's open span at ``time``, if it has one.

        ``start``, if given, is the span's start as stamped where the work began (the
        executor), when that differs from the time it was opened (handed to the executor);
        the event's data then carries it too.
        """
        with self._lock:
            record = self._jobs[job_id]
            if not record.spans or record.spans[-1].end is not None:
                return
            span = record.spans[-1]
            data: dict[str, Any] = {"kind": span.kind, "end": time}
            if start is not None and start != span.start:
                span.start = data["start"] = min(start, time)
            span.end = time
            event = self._emit("span.closed", job_id, record.context_id, time, data)
        self._notify(event)

    def refuse_job(self, record: JobRecord) -> None:
        """A job refused before it was submitted (the budget guard), in its final state.

        One event (kind :data:`JOB_REFUSED`, data the record's fields) and nothing kept: the
        job never ran, bills nothing and is not one of its context's jobs. Observers that keep
        a history (the ledger) record it.
        """
        time = record.finished if record.finished is not None else record.created
        with self._lock:
            event = self._emit(JOB_REFUSED, record.id, record.context_id, time,
                               _public_fields(record))
        self._notify(event)

    # -- other users ----------------------------------------------------------------------
    def others_qpu(self, backend: str, start: float, end: float | None = None) -> None:
        """Another user's job holds ``backend``'s QPU from ``start`` (``end`` None: it just
        started; the same ``start`` with an ``end``: it ended).

        An emulated device's scheduler records this for other users' jobs (their aggregate:
        no record, no row), so observers can draw the load and say why a job waited. The
        event (kind ``others.qpu``, subject the backend) belongs to no context.
        """
        with self._lock:
            event = self._emit(OTHERS_QPU, backend, None, start if end is None else end,
                               {"backend": backend, "start": start, "end": end})
        self._notify(event)

    # -- readers (copies: safe to use while the runtime goes on) ---------------------------
    def job(self, job_id: str) -> JobRecord:
        with self._lock:
            return _copy_job(self._jobs[job_id])

    def context(self, context_id: str) -> ContextRecord:
        with self._lock:
            return _copy_context(self._contexts[context_id])

    def jobs(self, context_id: str | None = None, ids: Iterable[str] | None = None
             ) -> list[JobRecord]:
        """Copies of the jobs of one context (all jobs when ``context_id`` is None)."""
        with self._lock:
            if ids is not None:
                selected = [self._jobs[i] for i in ids if i in self._jobs]
            elif context_id is None:
                selected = list(self._jobs.values())
            else:
                selected = [self._jobs[i] for i in self._contexts[context_id].job_ids]
            return [_copy_job(record) for record in selected]

    def contexts(self) -> list[ContextRecord]:
        with self._lock:
            return [_copy_context(record) for record in self._contexts.values()]

    def events_since(self, seq: int = 0, context_id: str | None = None) -> list[Event]:
        """Events with a sequence number above ``seq`` (of one context, if given)."""
        with self._lock:  # a context's own list: O(its events), however long the kernel ran
            events = self._events if context_id is None else self._by_context.get(context_id, [])
            return events[_first_index_after(events, seq):]

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._events[-1].seq if self._events else 0


def _first_index_after(events: list[Event], seq: int) -> int:
    """Binary search: events are in ``seq`` order."""
    low, high = 0, len(events)
    while low < high:
        mid = (low + high) // 2
        if events[mid].seq <= seq:
            low = mid + 1
        else:
            high = mid
    return low


def _copy_job(record: JobRecord) -> JobRecord:
    """A copy that shares nothing mutable with the stored record: its fields as they are
    (no ``__init__``, no ``__post_init__``: a few times cheaper than ``dataclasses.replace``;
    readers such as the ledger's writer copy thousands a second), its spans anew."""
    copy = object.__new__(JobRecord)
    copy.__dict__.update(record.__dict__)
    copy.spans = [Span(s.kind, s.start, s.end) for s in record.spans]
    return copy


def _copy_context(record: ContextRecord) -> ContextRecord:
    copy = object.__new__(ContextRecord)
    copy.__dict__.update(record.__dict__)
    copy.windows = [Window(w.start, w.end) for w in record.windows]
    copy.job_ids = _Prefix(record.job_ids)
    return copy


class _Prefix(Sequence[str]):
    """A read-only view of the first ``len`` items of an append-only list: an O(1) copy.

    Example:
        >>> ids = ["a", "b"]
        >>> view = _Prefix(ids)
        >>> ids.append("c")
        >>> list(view), len(view), view == ["a", "b"], view[-1]
        (['a', 'b'], 2, True, 'b')
    """

    __slots__ = ("_items", "_len")

    def __init__(self, items: Sequence[str]) -> None:
        self._items: Sequence[str] = items._items if isinstance(items, _Prefix) else items
        self._len = len(items)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return list(self._items[:self._len][index])
        if not -self._len <= index < self._len:
            raise IndexError("job id index out of range")
        return self._items[index % self._len]

    def __iter__(self) -> Iterator[str]:
        return itertools.islice(iter(self._items), self._len)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(other) == self._len and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


def _public_fields(record: JobRecord | ContextRecord) -> dict[str, Any]:
    data = dict(vars(record))
    data.pop("spans", None)
    data.pop("windows", None)
    data.pop("job_ids", None)
    return data


_DEFAULT = Timeline()


def default_timeline() -> Timeline:
    """The process-wide timeline that contexts and jobs record to unless given another."""
    return _DEFAULT
