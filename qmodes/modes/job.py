"""Job mode: a single primitive request, queued on its own.

:func:`submit_job` queues a job with no session or batch. Whoever wants to hear of each one
(the notebook layer, which draws a cell's job-mode jobs) registers with
:func:`qmodes.core.submitted.on_submit`; :class:`JobMode` gathers job-mode jobs for a view such as
the timeline widget.

Example:
    >>> import qmodes
    >>> from qiskit import QuantumCircuit
    >>> from qmodes.core.submitted import on_submit
    >>> seen = []
    >>> remove = on_submit(seen.append)
    >>> c = QuantumCircuit(1); _ = c.x(0); c.measure_all()
    >>> job = qmodes.Sampler(mode="aer").run([c], shots=5)
    >>> remove(); seen == [job]
    True
"""

from __future__ import annotations

import threading
from typing import Any

from qmodes._util.atomic import deferred_interrupt
from qmodes.core import submitted
from qmodes.core.jobs import Job, JobWork
from qmodes.core.timeline import JobRecord
from qmodes.local.runtime import LocalRuntime, default_runtime

__all__ = ["JobMode", "submit_job"]

def submit_job(backend: Any, record: JobRecord, work: JobWork,
               runtime: LocalRuntime | None = None) -> Job:
    """Queue one job on ``backend`` with no session or batch."""
    runtime = runtime or default_runtime()
    scheduler = runtime.scheduler(backend)
    record.context_id, record.mode = None, "job"
    job = Job(record, work, scheduler, runtime.timeline)
    with deferred_interrupt():  # a Ctrl-C is raised once the job is queued, not half-way
        scheduler.submit(job)
    submitted.tell(job)
    return job


class JobMode:
    """Job-mode jobs of one device, seen as one context (for views: the timeline widget).

    It has what a view reads of a session or batch: ``id`` (None: job mode has no context),
    ``mode``, ``timeline``, the device's clock and scheduler, and :meth:`jobs`;
    :meth:`cancel` cancels its jobs that are not final, :meth:`close` does nothing (job mode
    has nothing to close).

    Args:
        job: the first job; later ones join with :meth:`add`.
    """

    id = None
    mode = "job"

    def __init__(self, job: Job) -> None:
        self._scheduler = job.scheduler  # the device's: its clock, its other users
        self.timeline = job.timeline
        self.clock = self._scheduler.clock
        self._jobs = [job]
        self._lock = threading.Lock()

    @property
    def scheduler(self) -> Any:
        """The device's scheduler (as :attr:`ExecutionContext.scheduler`)."""
        return self._scheduler

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs.append(job)

    def jobs(self) -> list[Job]:
        """The jobs gathered, in submission order."""
        return list(self._jobs)

    def close(self) -> None:
        """Job mode has nothing to close."""

    def cancel(self) -> None:
        """Cancel every gathered job that is not final."""
        for job in self.jobs():
            if not job.in_final_state():
                job.cancel()
