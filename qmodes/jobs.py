"""Job handles: what ``Sampler.run`` and ``Estimator.run`` return.

A :class:`Job` behaves like qiskit-ibm-runtime's ``RuntimeJobV2``: ``status()`` returns the
strings ``QUEUED``, ``RUNNING``, ``DONE``, ``ERROR`` or ``CANCELLED``; ``metrics()`` has the
same shape (``timestamps`` created/running/finished, ``usage.quantum_seconds``); ``usage()``
is the job's billed seconds. It is also a Qiskit ``BasePrimitiveJob``.

Example:
    >>> import qmodes
    >>> from qiskit import QuantumCircuit
    >>> bell = QuantumCircuit(2); _ = bell.h(0); _ = bell.cx(0, 1); bell.measure_all()
    >>> job = qmodes.Sampler(mode="aer").run([bell], shots=100)
    >>> sorted(job.result()[0].data.meas.get_counts())
    ['00', '11']
    >>> job.status()
    'DONE'
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from qiskit.primitives import BasePrimitiveJob

from qmodes.errors import QModesError
from qmodes.timeline import JobRecord, Timeline
from qmodes.usage import job_usage
from qmodes.waiting import block_until

__all__ = ["Job", "JobCancelledError", "JobFailedError", "JobWork"]

FINAL_STATES = ("DONE", "ERROR", "CANCELLED")


class JobFailedError(QModesError, RuntimeError):
    """``result()`` of a job that ended in ERROR; the message gives the reason."""


class JobCancelledError(QModesError, RuntimeError):
    """``result()`` of a job that was cancelled."""


class JobWork(Protocol):
    """The work of one job, phase by phase (see :mod:`qmodes.local.scheduler`)."""

    def prepare(self) -> None:
        """Classical pre-processing: validate and, if asked, transpile."""

    def execute(self) -> Any:
        """The QPU phase: run the circuits; returns the raw result."""

    def finalize(self, raw: Any) -> Any:
        """Post-processing: build the ``PrimitiveResult``."""


class Job(BasePrimitiveJob):
    """Handle of one primitive job on a local or remote device."""

    def __init__(self, record: JobRecord, work: JobWork, scheduler: Any,
                 timeline: Timeline) -> None:
        super().__init__(record.id)
        self._record = record
        self._work = work
        self._scheduler = scheduler
        self._timeline = timeline
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
        """As qiskit-ibm-runtime: the id of the job's session or batch."""
        return self._record.context_id

    @property
    def backend_name(self) -> str:
        return self._record.backend

    def record(self) -> JobRecord:
        """A copy of the job's timeline record (spans, status, error)."""
        return self._timeline.job(self.job_id())

    # -- state -----------------------------------------------------------------------------
    def status(self) -> str:
        """``QUEUED``, ``RUNNING``, ``DONE``, ``ERROR`` or ``CANCELLED``."""
        return self._status

    def done(self) -> bool:
        return self._status == "DONE"

    def running(self) -> bool:
        return self._status == "RUNNING"

    def cancelled(self) -> bool:
        return self._status == "CANCELLED"

    def in_final_state(self) -> bool:
        return self._status in FINAL_STATES

    def error_message(self) -> str | None:
        """Why the job failed, if it did."""
        return self._error

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is final; False if ``timeout`` ran out first."""
        return block_until(self._done, timeout, self)

    def result(self, timeout: float | None = None) -> Any:
        """The ``PrimitiveResult``, waiting for it if needed.

        Raises:
            JobFailedError: the job ended in ERROR (the message says why).
            JobCancelledError: the job was cancelled.
            TimeoutError: ``timeout`` seconds passed first.
        """
        if not block_until(self._done, timeout, self):
            raise TimeoutError(f"job {self.job_id()} is still {self._status} after {timeout} s")
        if self._status == "ERROR":
            raise JobFailedError(f"job {self.job_id()} failed: {self._error}")
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

    # -- figures ---------------------------------------------------------------------------
    def usage(self) -> float:
        """Billed seconds: the job's time on the QPU (see :mod:`qmodes.usage`)."""
        return job_usage(self.record(), self._scheduler.clock.now())

    def metrics(self) -> dict[str, Any]:
        """Metrics in qiskit-ibm-runtime's shape."""
        record = self.record()
        running = record.started
        return {
            "timestamps": {
                "created": _iso(record.created),
                "running": _iso(running) if running is not None else None,
                "finished": _iso(record.finished) if record.finished is not None else None,
            },
            "usage": {"quantum_seconds": job_usage(record), "seconds": job_usage(record)},
            "executions": record.executions,
            "num_circuits": record.num_pubs,
            "source": record.source,
            "simulation_seconds": record.simulation_seconds,  # Aer's run time (device time)
        }

    # -- called by the scheduler -----------------------------------------------------------
    def _set_final(self, status: str, result: Any, error: str | None) -> None:
        self._status = status
        self._result = result
        self._error = error
        with self._callbacks_lock:
            self._done.set()

    def _run_callbacks(self) -> None:
        with self._callbacks_lock:
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
