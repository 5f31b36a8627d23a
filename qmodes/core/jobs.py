"""Job handles: what ``Sampler.run`` and ``Estimator.run`` return.

A :class:`Job` has the surface of qiskit-ibm-runtime 0.51's ``RuntimeJobV2`` (and is a Qiskit
``BasePrimitiveJob``): ``status()`` returns the strings ``QUEUED``, ``RUNNING``, ``DONE``,
``ERROR`` or ``CANCELLED`` as a remote ``RuntimeJobV2`` does; ``done()``, ``running()``,
``cancelled()``, ``errored()``, ``in_final_state()``; ``wait_for_final_state(timeout)``;
``result(timeout)``; ``cancel()``; ``metrics()`` in the REST shape (``timestamps``
created/running/finished, ``usage.quantum_seconds``, ``bss.seconds``); ``usage(partial=...)``;
``usage_estimation`` (qmodes' projection for the device); ``backend()``, ``creation_date``,
``tags``/``update_tags``, ``logs()``, ``primitive_id``, ``inputs``, ``session_id``,
``instance``, ``private``. The errors it raises are qiskit-ibm-runtime's own classes
(``RuntimeJobFailureError``, ``RuntimeInvalidStateError``, ``RuntimeJobTimeoutError``), so
``except`` clauses written for IBM catch them.

Example:
    >>> import qmodes
    >>> from qiskit import QuantumCircuit
    >>> bell = QuantumCircuit(2); _ = bell.h(0); _ = bell.cx(0, 1); bell.measure_all()
    >>> job = qmodes.Sampler(mode="aer").run([bell], shots=100)
    >>> sorted(job.result()[0].data.meas.get_counts())
    ['00', '11']
    >>> job.status(), job.errored(), job.primitive_id
    ('DONE', False, 'sampler')
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from qiskit.primitives import BasePrimitiveJob
from qiskit_ibm_runtime.exceptions import (
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobTimeoutError,
)

from qmodes.core.errors import QModesError
from qmodes.core.protocols import JobWork
from qmodes.core.states import FINAL_STATES
from qmodes.core.timeline import JobRecord, Timeline
from qmodes.core.usage import job_usage
from qmodes.core.waiting import block_until

if TYPE_CHECKING:
    from qmodes.core.protocols import JobScheduler

__all__ = ["ForeignJob", "Job", "JobCancelledError", "JobFailedError", "JobMaxTimeoutError",
           "JobTimeoutError", "JobWork", "qiskit_backend"]


class JobFailedError(QModesError, RuntimeJobFailureError, RuntimeError):
    """``result()`` of a job that ended in ERROR; the message gives the reason.

    Also qiskit-ibm-runtime's ``RuntimeJobFailureError``, as IBM raises for a failed job.
    """


class JobMaxTimeoutError(JobFailedError, RuntimeJobMaxTimeoutError):
    """``result()`` of a job stopped at its ``max_execution_time`` (IBM's error 1305)."""


class JobCancelledError(QModesError, RuntimeInvalidStateError, RuntimeError):
    """``result()`` of a job that was cancelled (IBM: ``RuntimeInvalidStateError``)."""


class JobTimeoutError(QModesError, RuntimeJobTimeoutError, TimeoutError):
    """``result(timeout)`` or ``wait_for_final_state(timeout)`` ran out of time.

    Both qiskit-ibm-runtime's ``RuntimeJobTimeoutError`` and Python's ``TimeoutError``.
    """


def qiskit_backend(target: Any) -> Any:
    """The Qiskit ``BackendV2`` behind a qmodes backend (itself if it already is one)."""
    from qiskit.providers import BackendV2

    if target is None or isinstance(target, BackendV2):
        return target
    return getattr(target, "device", None) or getattr(target, "simulator", None) or target


class Job(BasePrimitiveJob):
    """Handle of one primitive job on a local or remote device.

    Args:
        record: the job's timeline record (its id, mode, backend name, sizes).
        work: what runs in each phase.
        scheduler: the device's scheduler (local or remote).
        timeline: where the record lives.
        backend: the qmodes backend the job runs on (for :meth:`backend`).
        tags: the job's tags (qiskit-ibm-runtime's ``options.environment.job_tags``).

    Its scheduler moves it between states through the controller's surface at the end of the
    class (:class:`qmodes.core.protocols.ControlledJob`).
    """

    JOB_FINAL_STATES: tuple[str, ...] = ("DONE", "CANCELLED", "ERROR")  # RuntimeJobV2's order
    ERROR = "ERROR"
    foreign: ClassVar[bool] = False
    """True for another user's job on an emulated device (:class:`ForeignJob`)."""

    def __init__(self, record: JobRecord, work: JobWork, scheduler: JobScheduler,
                 timeline: Timeline, *, backend: Any = None,
                 tags: list[str] | None = None) -> None:
        super().__init__(record.id)
        self._record = record
        self._work = work
        self._scheduler = scheduler
        self._timeline = timeline
        self._backend = backend if backend is not None else getattr(work, "backend", None)
        bind = getattr(work, "bind", None)  # work that reads its own spans (execution spans)
        if bind is not None:
            bind(record.id, timeline)
        if tags is None:
            tags = record.tags or getattr(work, "tags", None)
        self._tags: list[str] = list(tags or [])
        record.tags = tuple(self._tags)  # on the timeline (and what observers read) too
        self._status = "QUEUED"
        self._result: Any = None
        self._error: str | None = None
        self._done = threading.Event()
        self._callbacks: list[Callable[[Job], None]] = []
        self._callbacks_lock = threading.Lock()
        self._cancel_requested = False

    def __repr__(self) -> str:
        record = self._record
        return f"<qmodes.Job {self.job_id()} {record.mode} on {record.backend}: {self._status}>"

    # -- identity --------------------------------------------------------------------------
    @property
    def context_id(self) -> str | None:
        """The id of the session or batch the job belongs to (None in job mode)."""
        return self._record.context_id

    @property
    def session_id(self) -> str | None:
        """As qiskit-ibm-runtime: the id of the job's session or batch (None in job mode)."""
        return self._record.context_id

    @property
    def backend_name(self) -> str:
        return self._record.backend

    def backend(self, timeout: float | None = None) -> Any:
        """The Qiskit ``BackendV2`` the job runs on (as ``RuntimeJobV2.backend()``)."""
        return qiskit_backend(self._backend)

    @property
    def primitive_id(self) -> str:
        """``"sampler"``, ``"estimator"`` (or ``"executor"``), as ``RuntimeJobV2``."""
        return self._record.primitive

    @property
    def creation_date(self) -> datetime:
        """When the job was created, in local time (timezone-aware, as ``RuntimeJobV2``)."""
        return datetime.fromtimestamp(self._record.created, tz=timezone.utc).astimezone()

    @property
    def inputs(self) -> dict[str, Any]:
        """The job's inputs: its PUBs, and its options if it was given any."""
        inputs: dict[str, Any] = {"pubs": list(getattr(self._work, "pubs", []) or [])}
        options = getattr(self._work, "options", None)
        if options is not None:
            inputs["options"] = options
        inputs["version"] = 2
        return inputs

    @property
    def instance(self) -> str | None:
        """The IBM Cloud instance CRN (None for local devices)."""
        return getattr(self._backend, "ibm_instance", None)  # qmodes.remote.backend

    @property
    def private(self) -> bool:
        """As ``RuntimeJobV2.private``: qmodes jobs are never private."""
        return False

    @property
    def image(self) -> str:
        return ""

    @property
    def tags(self) -> list[str]:
        """The job's tags (``options.environment.job_tags``)."""
        return list(self._tags)

    def update_tags(self, new_tags: list[str]) -> list[str]:
        """Replace the job's tags; returns them (as ``RuntimeJobV2.update_tags``).

        Raises:
            IBMInputValueError: not a list of strings (qiskit-ibm-runtime's own check).
        """
        from qiskit_ibm_runtime.utils import validate_job_tags

        validate_job_tags(new_tags)
        self._tags = sorted(set(new_tags))
        try:
            self._timeline.update_job(self.job_id(), self._scheduler.clock.now(),
                                      tags=tuple(self._tags))
        except KeyError:  # not on the timeline (refused before it was queued)
            pass
        return list(self._tags)

    @property
    def usage_estimation(self) -> dict[str, Any]:
        """``{"quantum_seconds": ...}``: the projected QPU seconds on the device.

        qmodes' projection (:mod:`qmodes.accounting.projection`) from the device's calibration,
        IBM's "Estimate job run time" rule; None on plain Aer, which models no device.
        """
        seconds = self._record.projected_qpu
        if seconds is None:
            seconds = getattr(self._work, "projected_qpu", None)
        return {"quantum_seconds": seconds}

    def record(self) -> JobRecord:
        """A copy of the job's timeline record (spans, status, error)."""
        return self._timeline.job(self.job_id())

    # -- state -----------------------------------------------------------------------------
    def status(self) -> str:
        """``QUEUED``, ``RUNNING``, ``DONE``, ``ERROR`` or ``CANCELLED`` (strings, as 0.51)."""
        return self._status

    def done(self) -> bool:
        return self._status == "DONE"

    def running(self) -> bool:
        return self._status == "RUNNING"

    def cancelled(self) -> bool:
        return self._status == "CANCELLED"

    def errored(self) -> bool:
        return self._status == "ERROR"

    def in_final_state(self) -> bool:
        return self._status in FINAL_STATES

    def error_message(self) -> str | None:
        """Why the job failed, if it did."""
        return self._error

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is final; False if ``timeout`` ran out first."""
        return block_until(self._done, timeout, self)

    def wait_for_final_state(self, timeout: float | None = None,
                             poll_interval: float | None = None) -> None:
        """Block until the job is final (``poll_interval`` is accepted and unused: no polling).

        Raises:
            JobTimeoutError: ``timeout`` seconds passed first (a ``RuntimeJobTimeoutError``).
        """
        if not block_until(self._done, timeout, self):
            raise JobTimeoutError(f"Timed out waiting for job {self.job_id()} to complete "
                                  f"after {timeout} secs (it is {self._status}).")

    def result(self, timeout: float | None = None, decoder: Any = None,
               poll_interval: float | None = None) -> Any:
        """The ``PrimitiveResult``, waiting for it if needed.

        Raises:
            JobFailedError: the job ended in ERROR (the message says why).
            JobMaxTimeoutError: it was stopped at its ``max_execution_time``.
            JobCancelledError: the job was cancelled.
            JobTimeoutError: ``timeout`` seconds passed first.
        """
        self.wait_for_final_state(timeout)
        if self._status == "ERROR":
            message = f"job {self.job_id()} failed: {self._error}"
            if "execution time" in (self._error or "").lower():
                raise JobMaxTimeoutError(message)
            raise JobFailedError(message)
        if self._status == "CANCELLED":
            raise JobCancelledError(f"job {self.job_id()} was cancelled")
        return self._result

    def cancel(self) -> bool:
        """Cancel the job. A job on the QPU finishes its run, then ends CANCELLED."""
        return bool(self._scheduler.cancel(self))

    def add_done_callback(self, callback: Callable[[Job], None]) -> None:
        """Call ``callback(job)`` once the job is final (at once if it already is)."""
        with self._callbacks_lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def logs(self) -> str:
        """The job's logs: empty, as IBM returns for a job with none."""
        return ""

    # -- figures ---------------------------------------------------------------------------
    def usage(self, partial: bool = False) -> float:
        """Billed seconds: the job's time on the QPU (see :mod:`qmodes.core.usage`).

        As ``RuntimeJobV2.usage``: 0 until the job is final, unless ``partial`` asks for
        the usage so far.
        """
        if not partial and not self.in_final_state():
            return 0
        return job_usage(self.record(), self._scheduler.clock.now())

    def metrics(self) -> dict[str, Any]:
        """Metrics in the shape of IBM's ``GET /jobs/{id}/metrics`` (``RuntimeJobV2.metrics``)."""
        import qiskit

        record = self.record()
        final = record.in_final_state
        charged = job_usage(record, None if final else self._scheduler.clock.now())
        return {
            "timestamps": {
                "created": _iso(record.created),
                "running": _iso(record.started),
                "finished": _iso(record.finished),
            },
            "bss": {"seconds": charged},
            "usage": {
                "quantum_seconds": charged,
                "seconds": charged,
                "qpu_charge_time_seconds": charged,
                "status": "complete" if final else "pending",
            },
            "executions": record.executions,
            "num_circuits": record.num_pubs,
            "qiskit_version": str(qiskit.__version__),
            "caller": "qmodes",
            "position_in_queue": None,
            "position_in_provider": None,
            "source": record.source,
            "simulation_seconds": record.simulation_seconds,  # Aer's run time (device time)
        }

    # -- the controller's surface (qmodes.core.protocols.ControlledJob) --------------------
    @property
    def live_record(self) -> JobRecord:
        """The job's own record, not a copy (:meth:`record` is the copy to read): its
        scheduler fills it in before putting it on the timeline."""
        return self._record

    @property
    def work(self) -> Any:
        """What runs in each phase (a :class:`JobWork`; remote: a ``RemoteWork``)."""
        return self._work

    @property
    def scheduler(self) -> JobScheduler:
        """The device's scheduler (local or remote): its clock, its other users."""
        return self._scheduler

    @property
    def timeline(self) -> Timeline:
        """The timeline the job's record lives on."""
        return self._timeline

    @property
    def cancel_requested(self) -> bool:
        """True once a cancel was asked for while a phase ran: it ends CANCELLED."""
        return self._cancel_requested

    def request_cancel(self) -> None:
        """Called by the scheduler: end CANCELLED when the running phase returns."""
        self._cancel_requested = True

    def mark_running(self) -> None:
        """Called by the scheduler: the job left the queue."""
        self._status = "RUNNING"

    def take_id(self, job_id: str) -> None:
        """Called by the scheduler: the job's id is now ``job_id`` (IBM's, remote)."""
        self._record.id = self._job_id = job_id

    def set_final(self, status: str, result: Any, error: str | None) -> None:
        """Called by the scheduler: a final state; waiters wake up."""
        self._status = status
        self._result = result
        self._error = error
        with self._callbacks_lock:
            self._done.set()

    def run_done_callbacks(self) -> None:
        """Called by the scheduler, outside its lock: the done-callbacks, once."""
        with self._callbacks_lock:
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


class ForeignJob(Job):
    """Another user's job on an emulated device (:mod:`qmodes.local.load`): it holds the QPU
    for ``seconds`` and runs no work here.

    Args:
        seconds: its time on the QPU (drawn by the load model).
        *args, **kwargs: as :class:`Job`.
    """

    foreign: ClassVar[bool] = True

    def __init__(self, *args: Any, seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds = seconds


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
