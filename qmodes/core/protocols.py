"""The seams between the engine's parts, as types.

Three conversations happen across them, and each side relies only on what is written here:

* :class:`EngineBackend`: what a backend offers the engine (the contexts, the primitives and
  the runtime). qmodes makes two kinds: local ones (:class:`qmodes.backends.types.LocalBackend`
  and its ``BackendV2`` subclasses) and ``ibm:<device>``
  (:class:`qmodes.remote.backend.RemoteBackend`); ``is_remote`` tells them apart.
* :class:`JobScheduler`: what a device's scheduler offers contexts and jobs (local:
  :class:`qmodes.local.scheduler.Scheduler`; remote:
  :class:`qmodes.remote.scheduler.RemoteScheduler`).
* :class:`ControlledJob`: what a job's controller (its scheduler, or the tracker of a remote
  job) needs of the job handle (:class:`qmodes.core.jobs.Job`) to move it between states.
  Nothing outside the handle touches its private attributes.

Plus :class:`JobWork`, the work of one job, phase by phase.

They are ``typing.Protocol`` classes: structural, nothing inherits from them, and they cost
nothing at run time. ``runtime_checkable`` ones can be used with ``isinstance`` in tests.

Example:
    >>> import qmodes
    >>> backend = qmodes.get_backend("fake_manila")
    >>> isinstance(backend, EngineBackend), backend.is_remote
    (True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from qmodes.core.clock import Clock
    from qmodes.core.timeline import ContextRecord, JobRecord, Timeline

__all__ = ["ControlledJob", "EngineBackend", "JobScheduler", "JobWork"]


class JobWork(Protocol):
    """The work of one job, phase by phase (see :mod:`qmodes.local.scheduler`)."""

    def prepare(self) -> None:
        """Classical pre-processing: validate and, if asked, transpile."""

    def execute(self) -> Any:
        """The QPU phase: run the circuits; returns the raw result."""

    def finalize(self, raw: Any) -> Any:
        """Post-processing: build the ``PrimitiveResult``."""


@runtime_checkable
class EngineBackend(Protocol):
    """What a backend offers the engine: every backend :func:`qmodes.get_backend` returns."""

    @property
    def name(self) -> str:
        """The name jobs and usage figures are reported under (``"fake_manila"``,
        ``"ibm:ibm_kyiv"``)."""
        ...

    @property
    def source(self) -> str:
        """Where this backend's times and usage figures come from (``"measured on Aer"``)."""
        ...

    @property
    def requires_isa(self) -> bool:
        """True when circuits must use the device's basis gates and coupling map."""
        ...

    @property
    def is_remote(self) -> bool:
        """True for ``ibm:<device>`` (jobs go to IBM); False for every local backend."""
        ...

    @property
    def device(self) -> Any:
        """The device modelled or wrapped (its target, calibration), or None (plain Aer)."""
        ...

    @property
    def target(self) -> Any:
        """The Qiskit ``Target`` circuits are checked and transpiled against."""
        ...

    @property
    def num_qubits(self) -> int: ...

    def make_work(self, primitive: str, pubs: list[Any], transpile: bool) -> Any:
        """The work (a :class:`JobWork`) of one job of ``primitive`` on this backend."""
        ...


class JobScheduler(Protocol):
    """What a device's scheduler offers the contexts and the jobs on it."""

    backend_name: str
    clock: Clock
    timeline: Timeline

    def open_context(self, record: ContextRecord) -> None:
        """Open a session or batch (its record goes on the timeline)."""
        ...

    def close_context(self, context_id: str) -> None:
        """Accept no new jobs in the context; those submitted still run."""
        ...

    def cancel_context(self, context_id: str) -> None:
        """Cancel the context's jobs that have not reached the QPU, then close it."""
        ...

    def submit(self, job: ControlledJob) -> None:
        """Queue a job (its record is not on the timeline yet)."""
        ...

    def cancel(self, job: ControlledJob) -> bool:
        """Cancel a job; True if it will end CANCELLED."""
        ...


class ControlledJob(Protocol):
    """What a job's controller needs of the job: its record and work, and the moves between
    states (queued → running → a final state)."""

    foreign: bool
    """True for another user's job on an emulated device (:mod:`qmodes.local.load`)."""

    @property
    def context_id(self) -> str | None: ...

    @property
    def live_record(self) -> JobRecord:
        """The job's own record (not a copy): the controller fills in ``created``,
        ``source``... before it puts it on the timeline."""
        ...

    @property
    def work(self) -> Any:
        """The job's work (a :class:`JobWork`; remote: a ``RemoteWork``)."""
        ...

    @property
    def cancel_requested(self) -> bool:
        """True once a cancel was asked for while a phase ran (it ends CANCELLED)."""
        ...

    def job_id(self) -> str: ...

    def in_final_state(self) -> bool: ...

    def status(self) -> str: ...

    def request_cancel(self) -> None:
        """Mark the job to end CANCELLED when its running phase returns."""
        ...

    def mark_running(self) -> None:
        """The job left the queue."""
        ...

    def take_id(self, job_id: str) -> None:
        """The job's id is now ``job_id`` (IBM's, for a remote job)."""
        ...

    def set_final(self, status: str, result: Any, error: str | None) -> None:
        """Put the job in a final state; waiters wake up."""
        ...

    def run_done_callbacks(self) -> None:
        """Run the callbacks added with ``add_done_callback`` (outside the controller's
        lock)."""
        ...

    def add_done_callback(self, callback: Callable[[Any], None]) -> None: ...
