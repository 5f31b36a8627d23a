"""What sessions and batches share: lifecycle, the open-context marker, details and usage.

The open context is held in a :class:`~contextvars.ContextVar` set by ``__enter__`` (as in
qiskit-ibm-runtime), with a sticky fallback for contexts that span notebook cells
(:func:`set_default_context`, used by the ``%session`` line magic).
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import secrets
import threading
import weakref
from datetime import datetime, timezone
from typing import Any, ClassVar

from qmodes._atomic import deferred_interrupt
from qmodes.backends import DEFAULT_BACKEND, get_backend
from qmodes.durations import parse_interactive_ttl, parse_max_time
from qmodes.jobs import Job, JobWork
from qmodes.local.runtime import LocalRuntime, default_runtime
from qmodes.timeline import ContextRecord, JobRecord
from qmodes.usage import RULES, UsageFigure, context_usage

__all__ = ["ExecutionContext", "close_open_contexts", "current_context", "open_contexts",
           "set_default_context"]

_current: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "qmodes_current_context", default=None)
_sticky: ExecutionContext | None = None
_INTERRUPTIONS = (KeyboardInterrupt, asyncio.CancelledError)
"""Leaving a ``with`` block by these cancels the queued jobs before closing."""
_all_contexts: weakref.WeakSet[ExecutionContext] = weakref.WeakSet()

_STATUS = {
    ("open", True): "Pending", ("open", False): "Pending",
    ("inactive", True): "Pending", ("inactive", False): "Pending",
    ("active", True): "In progress, accepting new jobs",
    ("active", False): "In progress, not accepting new jobs",
    ("closed", True): "Closed", ("closed", False): "Closed",
}


def current_context() -> ExecutionContext | None:
    """The context opened by the innermost ``with``, else the sticky one, else None."""
    context = _current.get()
    if context is None and _sticky is not None and not _sticky.closed:
        return _sticky
    return context


def set_default_context(context: ExecutionContext | None) -> None:
    """Make ``context`` the one primitives use when no ``with`` block is open (across cells)."""
    global _sticky
    _sticky = context


def open_contexts() -> list[ExecutionContext]:
    """Every session and batch of this process that still accepts jobs."""
    return [context for context in list(_all_contexts) if not context.closed]


@atexit.register
def close_open_contexts() -> None:
    """Close every context still open; runs at interpreter exit, so none is left open."""
    for context in open_contexts():
        try:
            context.close()
        except Exception:
            pass


class ExecutionContext:
    """Base of :class:`~qmodes.Session` and :class:`~qmodes.Batch`."""

    mode: ClassVar[str]
    default_interactive_ttl: ClassVar[float]
    default_max_time: ClassVar[float] = 8 * 3600.0

    def __init__(self, backend: Any = None, *, max_time: float | str | None = None,
                 interactive_ttl: float | str | None = None,
                 runtime: LocalRuntime | None = None) -> None:
        self._backend = get_backend(DEFAULT_BACKEND if backend is None else backend)
        self._max_time = (self.default_max_time if max_time is None
                          else parse_max_time(max_time))
        self._interactive_ttl = (self.default_interactive_ttl if interactive_ttl is None
                                 else parse_interactive_ttl(interactive_ttl))
        self._runtime = runtime or default_runtime()
        self._scheduler = self._runtime.scheduler(self._backend)
        self._id = f"{self.mode}-{secrets.token_hex(6)}"
        self._jobs: list[Job] = []
        self._jobs_lock = threading.Lock()
        self._tokens: list[contextvars.Token[ExecutionContext | None]] = []
        self._undo_enter: list[Any] = []
        self._scheduler.open_context(ContextRecord(
            id=self._id, mode=self.mode, backend=self._backend.name,
            created=self._scheduler.clock.now(), max_time=self._max_time,
            interactive_ttl=self._interactive_ttl, source=self._backend.source))
        _all_contexts.add(self)

    def __repr__(self) -> str:
        return (f"<qmodes.{type(self).__name__} {self._id} on {self._backend.name}: "
                f"{self.status()}, {len(self._jobs)} jobs>")

    # -- identity --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def session_id(self) -> str:
        """As qiskit-ibm-runtime: the id of the session or batch."""
        return self._id

    @property
    def backend_name(self) -> str:
        return self._backend.name

    def backend(self) -> str:
        """As qiskit-ibm-runtime: the backend's name."""
        return self._backend.name

    @property
    def timeline(self) -> Any:
        return self._runtime.timeline

    @property
    def closed(self) -> bool:
        """True once the context accepts no more jobs."""
        return not self.record().accepting_jobs

    def record(self) -> ContextRecord:
        """A copy of the context's timeline record."""
        return self.timeline.context(self._id)

    def jobs(self) -> list[Job]:
        """The jobs submitted in this context, in submission order."""
        with self._jobs_lock:
            return list(self._jobs)

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> ExecutionContext:
        self._tokens.append(_current.set(self))
        hook = getattr(self._scheduler, "enter_context", None)  # remote: the client's own
        self._undo_enter.append(hook(self._id) if hook is not None else None)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> None:
        if self._tokens:
            _current.reset(self._tokens.pop())
        undo = self._undo_enter.pop() if self._undo_enter else None
        if undo is not None:
            undo()
        if exc_type is not None and issubclass(exc_type, _INTERRUPTIONS):
            self.cancel()
        else:
            self.close()

    def close(self) -> None:
        """Accept no new jobs; jobs already submitted still run. Idempotent."""
        self._scheduler.close_context(self._id)

    def cancel(self) -> None:
        """Cancel the jobs that have not reached the QPU, then close."""
        self._scheduler.cancel_context(self._id)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every job is final; False if ``timeout`` ran out first."""
        return all(job.wait(timeout) for job in self.jobs())

    # -- figures ---------------------------------------------------------------------------
    def usage_figure(self) -> UsageFigure:
        """Usage so far by this mode's rule, with its source."""
        record = self.record()
        jobs = self.timeline.jobs(ids=record.job_ids)
        return context_usage(record, jobs, self._scheduler.clock.now())

    def usage(self) -> float:
        """Billed seconds so far (see :mod:`qmodes.usage`)."""
        return self.usage_figure().seconds

    def advise(self, *, target: str | None = None, price_per_second: float | None = None,
               **options: Any) -> Any:
        """What this workload would cost in job, batch and session mode, and which to use.

        Replays the recorded jobs (their submission times, think time and sizes) under each
        mode on ``target`` (default: this device; give ``"fake_<device>"`` for plain Aer)
        with the projected QPU time of each job. See :func:`qmodes.advisor.advise`.

        Example:
            >>> import qmodes
            >>> from qiskit import QuantumCircuit
            >>> c = QuantumCircuit(1); _ = c.x(0); c.measure_all()
            >>> with qmodes.Batch("fake_manila") as batch:
            ...     jobs = [qmodes.Sampler().run([c], shots=100) for _ in range(3)]
            >>> _ = batch.wait()
            >>> batch.advise().recommended
            'batch'
        """
        from qmodes.advisor import advise

        return advise(self, target=target, price_per_second=price_per_second, **options)

    def status(self) -> str:
        """qiskit-ibm-runtime's status string, e.g. ``"In progress, accepting new jobs"``."""
        record = self.record()
        return _STATUS[(record.state, record.accepting_jobs)]

    def details(self) -> dict[str, Any]:
        """The same keys as qiskit-ibm-runtime's ``Session.details()``."""
        record = self.record()
        return {
            "id": record.id,
            "backend_name": record.backend,
            "interactive_timeout": record.interactive_ttl,
            "max_time": record.max_time,
            "active_timeout": record.max_time,
            "state": record.state,
            "accepting_jobs": record.accepting_jobs,
            "last_job_started": _iso(record.last_job_started),
            "last_job_completed": _iso(record.last_job_completed),
            "started_at": _iso(record.started_at),
            "closed_at": _iso(record.closed_at),
            "activated_at": _iso(record.activated_at),
            "mode": "dedicated" if record.mode == "session" else "batch",
            "usage_time": self.usage(),
            "usage_rule": RULES[record.mode],
            "usage_source": record.source,
            "timestamps": [
                {"status": event.data["state"], "timestamp": _iso(event.time)}
                for event in self.timeline.events_since(0, record.id)
                if event.kind == "context.changed" and "state" in event.data
            ],
        }

    # -- used by the primitives ------------------------------------------------------------
    @property
    def target(self) -> Any:
        return self._backend

    def _submit(self, record: JobRecord, work: JobWork) -> Job:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        record.context_id, record.mode = self._id, self.mode
        job = Job(record, work, self._scheduler, self.timeline)
        with deferred_interrupt(), self._jobs_lock:  # a Ctrl-C never splits these two
            self._scheduler.submit(job)
            self._jobs.append(job)
        return job


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
