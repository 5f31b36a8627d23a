"""What sessions and batches share: :class:`ExecutionContext`, its identity and lifecycle.

The other parts of a context live beside it, one concern each:

* :mod:`.current`: the open-context ``ContextVar`` and the sticky default across cells;
* :mod:`.registry`: the contexts of this process (``from_id``, closed at exit);
* :mod:`.figures`: usage, status, ``details()`` and the advisor (:class:`ContextFigures`);
* :mod:`.runtime_surface`: what qiskit-ibm-runtime's code reads of a session
  (:class:`RuntimeSessionSurface`).

What qiskit-ibm-runtime's code needs of a context on a local device (its ``service``, ``_run``,
becoming its default session) and rehearsals are added by :class:`qmodes.modes.RuntimeContext`.
"""

from __future__ import annotations

import asyncio
import contextvars
import secrets
import threading
from typing import Any, ClassVar

from qmodes._util.atomic import deferred_interrupt
from qmodes.accounting.budget import parse_budget, set_budget
from qmodes.backends.names import DEFAULT_BACKEND, get_backend
from qmodes.context import current, registry
from qmodes.context.current import current_context, set_default_context
from qmodes.context.figures import ContextFigures, register_advisor
from qmodes.context.registry import _all_contexts, close_open_contexts, open_contexts
from qmodes.context.runtime_surface import RuntimeSessionSurface
from qmodes.core.durations import parse_interactive_ttl, parse_max_time
from qmodes.core.jobs import Job, JobWork
from qmodes.core.limits import MAX_TTL
from qmodes.core.protocols import EngineBackend, JobScheduler
from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.local.runtime import LocalRuntime, default_runtime

__all__ = ["ExecutionContext", "close_open_contexts", "current_context", "open_contexts",
           "register_advisor", "set_default_context"]

_all_contexts = _all_contexts  # re-exported (tests read it): the registry's weak set

_INTERRUPTIONS = (KeyboardInterrupt, asyncio.CancelledError)
"""Leaving a ``with`` block by these cancels the queued jobs before closing."""


class ExecutionContext(ContextFigures, RuntimeSessionSurface):
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
    default_max_time: ClassVar[float] = MAX_TTL

    def __init__(self, backend: Any = None, max_time: float | str | None = None, *,
                 create_new: bool | None = True,
                 interactive_ttl: float | str | None = None,
                 runtime: LocalRuntime | None = None, budget: float | str | None = None,
                 service: Any = None) -> None:
        budget = parse_budget(budget)  # a bad budget fails before anything is opened
        self._target: EngineBackend = get_backend(
            DEFAULT_BACKEND if backend is None else backend)
        self._max_time = (self.default_max_time if max_time is None
                          else parse_max_time(max_time))
        self._interactive_ttl = (self.default_interactive_ttl if interactive_ttl is None
                                 else parse_interactive_ttl(interactive_ttl))
        self._runtime = runtime or default_runtime()
        self._scheduler: JobScheduler = self._runtime.scheduler(self._target)
        self._id = f"{self.mode}-{secrets.token_hex(6)}"
        self._jobs: list[Job] = []
        self._jobs_lock = threading.Lock()
        self._tokens: list[contextvars.Token[ExecutionContext | None]] = []
        self._undo_enter: list[Any] = []
        self._scheduler.open_context(ContextRecord(
            id=self._id, mode=self.mode, backend=self._target.name,
            created=self._scheduler.clock.now(), max_time=self._max_time,
            interactive_ttl=self._interactive_ttl, source=self._target.source))
        self._service = None
        if budget is not None:  # qmodes.accounting.budget: checked before each remote submission
            set_budget(self._id, budget)
        registry.add(self)

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
        context = registry.lookup(session_id)
        if context is None:
            raise ValueError(f"no session or batch {session_id!r} in this process: qmodes "
                             f"re-joins the contexts this process opened and still refers "
                             f"to (ids such as {cls.mode}-1a2b3c4d5e6f)")
        if not isinstance(context, cls):
            raise ValueError(f"Input ID {session_id} has execution mode {context.ibm_mode} "
                             f"instead of {cls.ibm_mode}.")
        return context

    @property
    def backend_name(self) -> str:
        return self._target.name

    @property
    def timeline(self) -> Timeline:
        return self._runtime.timeline

    @property
    def scheduler(self) -> JobScheduler:
        """The scheduler of the context's device (local, or the one forwarding to IBM)."""
        return self._scheduler

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
        self._tokens.append(current.enter(self))
        self._undo_enter.append(self._make_runtime_default())
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> None:
        if self._tokens:
            current.leave(self._tokens.pop())
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

    # -- used by the primitives ------------------------------------------------------------
    @property
    def target(self) -> EngineBackend:
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
