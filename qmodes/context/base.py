"""What sessions and batches share: lifecycle, the open-context marker, details and usage.

What qiskit-ibm-runtime's code needs of a context on a local device (its ``service``, ``_run``,
becoming its default session) and rehearsals are added by :class:`qmodes.modes.RuntimeContext`.

The open context is held in a :class:`~contextvars.ContextVar` set by ``__enter__`` (as in
qiskit-ibm-runtime), with a sticky fallback for contexts that span notebook cells
(:func:`set_default_context`, used by the ``%session`` line magic).
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import importlib
import secrets
import threading
import weakref
from datetime import datetime, timezone
from typing import Any, ClassVar

from qmodes._util.atomic import deferred_interrupt
from qmodes.accounting.budget import parse_budget, set_budget
from qmodes.backends.names import DEFAULT_BACKEND, get_backend
from qmodes.core.durations import parse_interactive_ttl, parse_max_time
from qmodes.core.jobs import Job, JobWork, qiskit_backend
from qmodes.core.timeline import ContextRecord, JobRecord
from qmodes.core.usage import RULES, UsageFigure, context_usage
from qmodes.local.runtime import LocalRuntime, default_runtime

__all__ = ["ExecutionContext", "close_open_contexts", "current_context", "open_contexts",
           "register_advisor", "set_default_context"]

_current: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "qmodes_current_context", default=None)
_sticky: ExecutionContext | None = None
_undo_sticky: Any = None  # restores qiskit-ibm-runtime's default session when _sticky changes
_INTERRUPTIONS = (KeyboardInterrupt, asyncio.CancelledError)
"""Leaving a ``with`` block by these cancels the queued jobs before closing."""
_all_contexts: weakref.WeakSet[ExecutionContext] = weakref.WeakSet()
_by_id: weakref.WeakValueDictionary[str, ExecutionContext] = weakref.WeakValueDictionary()
"""The contexts of this process by id, for ``from_id`` (weak: a context nothing refers to any
more, with its jobs and results, is not kept alive for it)."""
_by_id_lock = threading.Lock()
_advisor: list[Any] = []
""":func:`qmodes.advisor.advise`, registered by :mod:`qmodes.advisor` (an observer, a layer
above the contexts) when it is imported; :meth:`ExecutionContext.advise` calls it."""


def register_advisor(advise: Any) -> None:
    """The advisor's ``advise(context, **options)``: what :meth:`ExecutionContext.advise`
    calls."""
    _advisor[:] = [advise]

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
    """Make ``context`` the one primitives use when no ``with`` block is open (across cells).

    It also becomes qiskit-ibm-runtime's default session (its ``ContextVar``, which keeps its
    value from one notebook cell to the next), so that its own primitives with no mode join
    it too, as in a ``with`` block.
    """
    global _sticky, _undo_sticky
    if _undo_sticky is not None:
        undo, _undo_sticky = _undo_sticky, None
        undo()
    _sticky = context
    if context is not None:
        _undo_sticky = context._make_runtime_default()


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
    """Base of :class:`~qmodes.Session` and :class:`~qmodes.Batch`.

    The signature is qiskit-ibm-runtime's ``Session(backend, max_time=None, *,
    create_new=True)``, plus qmodes' keyword-only ``interactive_ttl``, ``runtime`` and ``budget``.
    ``create_new`` is accepted for compatibility: a local context is always new (as in
    qiskit-ibm-runtime's local testing mode); re-join an existing one with :meth:`from_id`.
    ``service`` (older qiskit-ibm-runtime's ``Session(service=..., backend=...)``, e.g. a
    :class:`~qmodes.LocalService`) is accepted and not needed: the backend says where jobs run.
    """

    mode: ClassVar[str]
    ibm_mode: ClassVar[str]  # qiskit-ibm-runtime's name: "dedicated" or "batch"
    default_interactive_ttl: ClassVar[float]
    default_max_time: ClassVar[float] = 8 * 3600.0

    def __init__(self, backend: Any = None, max_time: float | str | None = None, *,
                 create_new: bool | None = True,
                 interactive_ttl: float | str | None = None,
                 runtime: LocalRuntime | None = None, budget: float | str | None = None,
                 service: Any = None) -> None:
        budget = parse_budget(budget)  # a bad budget fails before anything is opened
        self._target = get_backend(DEFAULT_BACKEND if backend is None else backend)
        self._max_time = (self.default_max_time if max_time is None
                          else parse_max_time(max_time))
        self._interactive_ttl = (self.default_interactive_ttl if interactive_ttl is None
                                 else parse_interactive_ttl(interactive_ttl))
        self._runtime = runtime or default_runtime()
        self._scheduler = self._runtime.scheduler(self._target)
        self._id = f"{self.mode}-{secrets.token_hex(6)}"
        self._jobs: list[Job] = []
        self._jobs_lock = threading.Lock()
        self._tokens: list[contextvars.Token[ExecutionContext | None]] = []
        self._undo_enter: list[Any] = []
        self._scheduler.open_context(ContextRecord(
            id=self._id, mode=self.mode, backend=self._target.name,
            created=self._scheduler.clock.now(), max_time=self._max_time,
            interactive_ttl=self._interactive_ttl, source=self._target.source))
        self._service: Any = None
        if budget is not None:  # qmodes.accounting.budget: checked before each remote submission
            set_budget(self._id, budget)
        _all_contexts.add(self)
        with _by_id_lock:
            _by_id[self._id] = self

    def __repr__(self) -> str:
        return (f"<qmodes.{type(self).__name__} {self._id} on {self._target.name}: "
                f"{self.status()}, {len(self._jobs)} jobs>")

    # -- identity --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def session_id(self) -> str:
        """As qiskit-ibm-runtime: the id of the session or batch."""
        return self._id

    @classmethod
    def from_id(cls, session_id: str, service: Any = None, use_fractional_gates: bool = False,
                calibration_id: str | None = None) -> Any:
        """Re-join a session or batch of this process by its id (qiskit-ibm-runtime's
        ``Session.from_id``); the other arguments are accepted for compatibility.

        Raises:
            ValueError: no context of this process has that id, or it is of the other mode.
        """
        with _by_id_lock:
            context = _by_id.get(session_id)
        if context is None:
            raise ValueError(f"no session or batch {session_id!r} in this process: qmodes "
                             f"re-joins the contexts this process opened and still refers "
                             f"to (ids such as {cls.mode}-1a2b3c4d5e6f)")
        if not isinstance(context, cls):
            raise ValueError(f"Input ID {session_id} has execution mode {context.ibm_mode} "
                             f"instead of {cls.ibm_mode}.")
        return context

    @property
    def service(self) -> Any:
        """As qiskit-ibm-runtime: the service jobs go through.

        On an IBM device, its ``QiskitRuntimeService``; on a local device, what
        :meth:`_local_service` makes (:class:`qmodes.modes.RuntimeContext`: a
        ``QiskitRuntimeLocalService`` bound to this context).
        """
        remote_service = getattr(self._target, "service", None)
        if remote_service is not None and getattr(self._target, "is_remote", False):
            return remote_service
        if self._service is None:
            self._service = self._local_service()
        return self._service

    def _local_service(self) -> Any:
        """The service of this context on a local device (None here; the modes layer gives
        qiskit-ibm-runtime's)."""
        return None

    @property
    def _backend(self) -> Any:
        """The Qiskit ``BackendV2`` (qiskit-ibm-runtime's primitives read ``mode._backend``)."""
        return qiskit_backend(self._target)

    @property
    def _active(self) -> bool:
        """qiskit-ibm-runtime's flag: True while the context accepts jobs."""
        return not self.closed

    @property
    def _session_id(self) -> str:
        return self._id

    @property
    def _instance(self) -> str | None:
        return getattr(self._target, "ibm_instance", None)  # qmodes.remote.backend

    @property
    def backend_name(self) -> str:
        return self._target.name

    def backend(self) -> str:
        """As qiskit-ibm-runtime: the backend's name."""
        return self._target.name

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
        return list(self._jobs)  # a copy is atomic: no lock a Ctrl-C here could leave held

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Any:
        self._tokens.append(_current.set(self))
        self._undo_enter.append(self._make_runtime_default())
        return self

    def _make_runtime_default(self) -> Any:
        """Make this context qiskit-ibm-runtime's default session; returns the undo (or None).

        Remote: the client's own Session (the scheduler's ``enter_context``); local: what
        :meth:`_enter_local_default` does (:class:`qmodes.modes.RuntimeContext`: this context
        itself becomes the default).
        """
        hook = getattr(self._scheduler, "enter_context", None)
        if hook is not None:
            return hook(self._id)
        return self._enter_local_default()

    def _enter_local_default(self) -> Any:
        """On a local device: nothing here (the modes layer makes this context IBM's default
        session); returns the undo or None."""
        return None

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
        """Billed seconds so far (see :mod:`qmodes.core.usage`)."""
        return self.usage_figure().seconds

    def advise(self, *, target: str | None = None, price_per_second: float | None = None,
               **options: Any) -> Any:
        """What this workload would cost in job, batch and session mode, and which to use.

        Replays the recorded jobs (their submission times, think time and sizes) under each
        mode on ``target`` (default: this device; give ``"fake_<device>"`` for plain Aer)
        with the projected QPU time of each job. See :func:`qmodes.advisor.advise` (registered
        by :mod:`qmodes.advisor`, which sits above this layer).

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
        if not _advisor:  # registration: qmodes.advisor registers itself when imported; it is
            importlib.import_module("qmodes.advisor")  # an observer above us: loaded by name
        return _advisor[0](self, target=target, price_per_second=price_per_second, **options)

    def status(self) -> str:
        """qiskit-ibm-runtime's status string, e.g. ``"In progress, accepting new jobs"``."""
        record = self.record()
        return _STATUS[(record.state, record.accepting_jobs)]

    def details(self) -> dict[str, Any]:
        """The keys and types of qiskit-ibm-runtime's ``Session.details()`` (IBM's REST shape).

        Durations are integers where whole (IBM's ``interactive_ttl``, ``max_ttl`` are integer
        seconds); timestamps are ISO strings or None; ``usage_time`` is None until the first
        job starts, as IBM's ``elapsed_time``. Two keys are qmodes' own: ``usage_rule`` and
        ``usage_source`` (how and from what clock ``usage_time`` was computed).
        """
        record = self.record()
        return {
            "id": record.id,
            "backend_name": record.backend,
            "interactive_timeout": _whole(record.interactive_ttl),
            "max_time": _whole(record.max_time),
            "active_timeout": _whole(record.max_time),
            "state": record.state,
            "accepting_jobs": record.accepting_jobs,
            "last_job_started": _iso(record.last_job_started),
            "last_job_completed": _iso(record.last_job_completed),
            "started_at": _iso(record.started_at),
            "closed_at": _iso(record.closed_at),
            "activated_at": _iso(record.activated_at),
            "mode": "dedicated" if record.mode == "session" else "batch",
            "usage_time": None if record.started_at is None else self.usage(),
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
        """The qmodes backend jobs run on (a ``BackendV2`` with qmodes' engine attributes)."""
        return self._target

    def _submit(self, record: JobRecord, work: JobWork) -> Job:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        record.context_id, record.mode = self._id, self.mode
        job = Job(record, work, self._scheduler, self.timeline, backend=self._target)
        with deferred_interrupt(), self._jobs_lock:  # a Ctrl-C never splits these two
            self._scheduler.submit(job)
            self._jobs.append(job)
        return job


def _whole(seconds: float) -> float | int:
    """Integral durations as ``int`` (as IBM reports them), others as they are."""
    return int(seconds) if float(seconds).is_integer() else seconds


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
