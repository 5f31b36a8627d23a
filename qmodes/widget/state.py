"""Timeline events turned into compact, append-only ops for the widget's front-end.

The widget never sends its whole state on each update. A :class:`TimelineState` pulls new
events from a :class:`~qmodes.core.timeline.Timeline` (``events_since``), keeps a light mirror of
the records it watches, and appends one short JSON array ("op") per event to a log. The
front-end applies the ops in order; a batch of new ops is a *delta* ``{"from": n, "to": m,
"ops": [...]}`` where ``n`` is the number of ops the receiver must already hold.

Ops (times are seconds since :attr:`TimelineState.origin`, rounded to the millisecond)::

    ["C", ci, {context fields}]              a context opened (fields as in ContextRecord)
    ["c", ci, {changed fields}]              a context changed
    ["W", ci, start]  /  ["w", ci, end]      a session window opened / closed (billed end)
    ["J", ji, job_id, ci, created, status, num_pubs, shots, primitive]   a job was created
    ["j", ji, {changed fields}]              a job changed (status, shots, error, ...)
    ["S", ji, kind, start]  /  ["s", ji, end]   a span opened (kind 0..3) / closed
    ["j", ji, {"wait": reason}]              why the job waited for the QPU, once it got it
                                             (or ended without it): :mod:`.waits`

``ci`` and ``ji`` are indexes in order of first appearance (``ci`` is -1 for job mode).
The mirror also follows other users' QPU time (``others.qpu`` events) and every job's QPU
span on the backends shown, to say why a job waited (:meth:`TimelineState.live_waits` for
the jobs still waiting) and to draw the other users' band (:meth:`TimelineState.load_band`).

Example:
    >>> from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
    >>> timeline = Timeline()
    >>> timeline.add_context(ContextRecord(id="b1", mode="batch", backend="aer", created=10.0,
    ...                                    max_time=28800.0, interactive_ttl=1.0))
    >>> timeline.add_job(JobRecord(id="j1", context_id="b1", mode="batch", backend="aer",
    ...                            primitive="sampler", created=10.5, num_pubs=1, shots=1024))
    >>> timeline.open_span("j1", "queued", 10.5)
    >>> state = TimelineState(timeline, ["b1"])
    >>> [op[0] for op in state.pull()]
    ['C', 'J', 'S']
    >>> state.ops[-1]
    ['S', 0, 0, 0.5]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from qmodes.core.states import FINAL_STATES
from qmodes.core.timeline import (
    OTHERS_QPU,
    SPAN_KINDS,
    ContextRecord,
    Event,
    JobRecord,
    Span,
    Timeline,
    Window,
)
from qmodes.widget.waits import Busy, gaps, reason, waits

__all__ = ["KIND_CODES", "LOAD_SOURCE", "TimelineState"]

Op = list[Any]

KIND_CODES = {kind: code for code, kind in enumerate(SPAN_KINDS)}
"""Span kind -> the small integer used in ops (queued 0, classical 1, qpu 2, post 3)."""

LOAD_SOURCE = "other users (seeded load model)"
"""Where the other users' band comes from."""
_TIME_FIELDS = frozenset({"created", "finished", "started_at", "closed_at", "activated_at",
                          "last_job_started", "last_job_completed"})
_CONTEXT_FIELDS = ("id", "mode", "backend", "created", "max_time", "interactive_ttl", "state",
                   "accepting_jobs", "started_at", "closed_at", "activated_at",
                   "last_job_started", "last_job_completed", "source")
_JOB_FIELDS = frozenset({"status", "num_pubs", "executions", "shots", "error", "error_kind",
                         "finished", "primitive", "source", "usage_reported"})


class TimelineState:
    """Mirror of the watched part of a timeline plus the append-only op log.

    Not thread-safe by itself: one flusher (see :mod:`qmodes.widget.throttle`) calls
    :meth:`pull`; the timeline it reads from is thread-safe.

    Args:
        timeline: the timeline to read.
        context_ids: contexts to watch; None watches everything, job-mode jobs included.
    """

    def __init__(self, timeline: Timeline, context_ids: Iterable[str] | None = None) -> None:
        self.timeline = timeline
        self.context_ids: set[str] | None = None if context_ids is None else set(context_ids)
        self.origin: float | None = None
        self.ops: list[Op] = []
        self.contexts: dict[str, ContextRecord] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.last_seq = 0
        self.job_mode_until: int | None = None
        """Job-mode jobs created after this event are not watched (None: all are)."""
        self._context_index: dict[str, int] = {}
        self._job_index: dict[str, int] = {}
        self.others: dict[str, Busy] = {}
        """Other users' QPU time per backend (their last 5,000 jobs)."""
        self.qpu: dict[tuple[str, str | None], Busy] = {}
        """Your jobs' QPU spans per backend (key ``(backend, None)``), watched or not, and
        per backend and context (``(backend, context id)``)."""
        self._qpu_open: dict[str, tuple[str, str | None, float]] = {}
        self.waits: dict[str, str] = {}
        """Why each job that got the QPU (or ended) waited: job id -> reason."""
        self.backends: set[str] = set()
        self.latest = float("-inf")
        """The latest time an event carried (device time may run ahead of the wall clock)."""
        self._waiting: dict[str, None] = {}  # watched jobs waiting now, in order
        self._settled: list[str] = []

    # -- reading the timeline --------------------------------------------------------------
    def watch(self, context_id: str) -> None:
        """Also watch ``context_id``; its past events are applied now."""
        if self.context_ids is None or context_id in self.context_ids:
            return
        self.context_ids.add(context_id)
        for event in self.timeline.events_since(0, context_id):
            if event.seq <= self.last_seq and self._wanted(event):
                self._apply(event)

    def pull(self) -> list[Op]:
        """Read new events, update the mirror and return the ops appended to :attr:`ops`."""
        start = len(self.ops)
        for event in self.timeline.events_since(self.last_seq):
            self.last_seq = event.seq
            if event.time > self.latest:
                self.latest = event.time
            if event.kind == OTHERS_QPU:
                busy = self.others.get(event.subject)
                if busy is None:
                    busy = self.others[event.subject] = Busy(limit=5000)
                if event.data["end"] is None:
                    busy.open(event.data["start"])
                else:
                    busy.close(event.data["start"], event.data["end"])
                continue
            if event.kind.startswith("span.") and event.data.get("kind") == "qpu":
                self._log_qpu(event)
            if self._wanted(event):
                self._apply(event)
        self._settle()
        return self.ops[start:]

    def _log_qpu(self, event: Event) -> None:
        """Every job's QPU span, on its backend and in its context (for why others waited)."""
        if event.kind == "span.closed":
            opened = self._qpu_open.pop(event.subject, None)
            if opened is not None:
                backend, context_id, start = opened
                for key in {(backend, None), (backend, context_id)}:
                    self.qpu[key].close(start, event.data["end"])
            return
        job = self.jobs.get(event.subject)
        backend = job.backend if job is not None else self._backend_of(event.subject)
        if backend is None:
            return
        start = event.data["start"]
        self._qpu_open[event.subject] = (backend, event.context_id, start)
        for key in {(backend, None), (backend, event.context_id)}:  # one in job mode
            busy = self.qpu.get(key)
            if busy is None:
                busy = self.qpu[key] = Busy()
            busy.open(start)

    def _backend_of(self, job_id: str) -> str | None:
        try:
            return self.timeline.job(job_id).backend
        except KeyError:
            return None

    def _settle(self) -> None:
        """The reasons of the jobs whose wait ended: one ``j`` op each."""
        for job_id in self._settled:
            job = self.jobs[job_id]
            qpu = job.span("qpu")
            end = qpu.start if qpu is not None else (
                job.finished if job.finished is not None else self.latest)
            text = self.reason(job, end)
            if text is not None and self.waits.get(job_id) != text:
                self.waits[job_id] = text
                self.ops.append(["j", self._job_index[job_id], {"wait": text}])
        self._settled.clear()

    def _wanted(self, event: Event) -> bool:
        if self.context_ids is None:
            return True
        if event.context_id not in self.context_ids:
            return False
        if event.kind == "context.opened":
            return event.subject not in self.contexts
        if event.kind == "job.created":
            if (event.context_id is None and self.job_mode_until is not None
                    and event.seq > self.job_mode_until):
                return False
            return event.subject not in self.jobs
        return True

    def _rel(self, t: float | None) -> float | None:
        if t is None:
            return None
        if self.origin is None:
            self.origin = t
        return round(t - self.origin, 3)

    def _apply(self, event: Event) -> None:
        kind, data = event.kind, event.data
        if kind == "context.opened":
            record = ContextRecord(**data)
            self.contexts[record.id] = record
            self.backends.add(record.backend)
            ci = self._context_index.setdefault(record.id, len(self._context_index))
            self.ops.append(["C", ci, self._fields(data, _CONTEXT_FIELDS)])
        elif kind == "job.created":
            self._add_job(JobRecord(**data))
        elif event.subject in self._job_index:
            self._apply_job_event(event)
        elif event.subject in self._context_index:
            self._apply_context_event(event)

    def _add_job(self, job: JobRecord) -> None:
        self.jobs[job.id] = job
        self.backends.add(job.backend)
        ji = self._job_index.setdefault(job.id, len(self._job_index))
        ci = self._context_index.get(job.context_id, -1) if job.context_id else -1
        self.ops.append(["J", ji, job.id, ci, self._rel(job.created), job.status, job.num_pubs,
                         job.shots, job.primitive])

    def _apply_job_event(self, event: Event) -> None:
        job, ji, data = self.jobs[event.subject], self._job_index[event.subject], event.data
        if event.kind == "span.opened":
            job.spans.append(Span(data["kind"], data["start"]))
            self.ops.append(["S", ji, KIND_CODES[data["kind"]], self._rel(data["start"])])
            if data["kind"] == "queued":
                self._waiting[job.id] = None
            else:
                self._waiting.pop(job.id, None)
                if data["kind"] == "qpu":
                    self._settled.append(job.id)
        elif event.kind == "span.closed":
            if job.spans and job.spans[-1].end is None:
                job.spans[-1].end = data["end"]
            self.ops.append(["s", ji, self._rel(data["end"])])
            if data.get("kind") in ("queued", "classical") and not job.in_final_state:
                self._waiting[job.id] = None  # until its next phase: waiting for the QPU
        elif event.kind == "job.changed":
            for name, value in data.items():
                setattr(job, name, value)
            if data.get("status") in FINAL_STATES and job.id in self._waiting:
                del self._waiting[job.id]
                if job.span("qpu") is None:
                    self._settled.append(job.id)  # ended while it waited
            changes = self._fields(data, [k for k in data if k in _JOB_FIELDS])
            if changes:
                self.ops.append(["j", ji, changes])

    def _apply_context_event(self, event: Event) -> None:
        context, data = self.contexts[event.subject], event.data
        ci = self._context_index[event.subject]
        if event.kind == "window.opened":
            context.windows.append(Window(data["start"]))
            self.ops.append(["W", ci, self._rel(data["start"])])
        elif event.kind == "window.closed":
            if context.windows:
                context.windows[-1].end = data["end"]
            self.ops.append(["w", ci, self._rel(data["end"])])
        elif event.kind == "context.changed":
            for name, value in data.items():
                setattr(context, name, value)
            changes = self._fields(data, [k for k in data if k in _CONTEXT_FIELDS])
            if changes:
                self.ops.append(["c", ci, changes])

    def _fields(self, data: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
        return {name: self._rel(data[name]) if name in _TIME_FIELDS else data[name]
                for name in names if name in data}

    # -- waits and the other users ---------------------------------------------------------
    def reason(self, job: JobRecord, now: float) -> str | None:
        """Why ``job`` waited for the QPU up to ``now`` (None: it did not wait)."""
        final, finished = job.in_final_state, job.finished
        context = self.contexts.get(job.context_id) if job.context_id else None
        return reason(
            waits(job.spans, final, finished, now), self.others.get(job.backend),
            self.qpu.get((job.backend, None)),
            self.qpu.get((job.backend, job.context_id)) if context is not None else None,
            context, in_queue=not gaps(job.spans, final, finished, now))

    def live_waits(self, now: float, limit: int = 10) -> dict[int, str]:
        """Why the first ``limit`` jobs still waiting wait so far: job index -> reason."""
        out: dict[int, str] = {}
        for job_id in itertools.islice(self._waiting, limit):
            text = self.reason(self.jobs[job_id], now)
            if text is not None:
                out[self._job_index[job_id]] = text
        return out

    def load_band(self, now: float, limit: int = 200) -> dict[str, Any] | None:
        """Other users' time on the QPU of the backends shown, as one band: the last
        ``limit`` merged busy intervals (seconds since :attr:`origin`), their jobs and
        seconds in all, and the source. None when no other user ran there."""
        if self.origin is None:
            return None
        shown = [self.others[b] for b in sorted(self.backends) if b in self.others]
        shown = [o for o in shown if o.jobs or o.running is not None]
        if not shown:
            return None
        intervals = sorted(i for o in shown for i in o.band(self.origin, limit, now))[-limit:]
        return {"intervals": [[self._rel(a), self._rel(b)] for a, b in intervals],
                "jobs": sum(o.jobs for o in shown),
                "seconds": round(sum(o.seconds for o in shown), 3), "source": LOAD_SOURCE}

    # -- reading the mirror ----------------------------------------------------------------
    def context_jobs(self, context_id: str | None) -> list[JobRecord]:
        """Mirrored jobs of one context (``None``: the job-mode jobs)."""
        if context_id is None:
            return [job for job in self.jobs.values() if job.context_id not in self.contexts]
        return [job for job in self.jobs.values() if job.context_id == context_id]

    @property
    def live(self) -> bool:
        """True while a watched context is open or a watched job is not final."""
        return (any(c.state != "closed" for c in self.contexts.values())
                or any(not j.in_final_state for j in self.jobs.values()))

    def relative(self, t: float | None) -> float | None:
        """``t`` in seconds since :attr:`origin` (rounded to ms), as used in ops."""
        return self._rel(t)
