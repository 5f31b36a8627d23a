"""Job mode: a single primitive request, queued on its own."""

from __future__ import annotations

from typing import Any

from qmodes._atomic import deferred_interrupt
from qmodes.jobs import Job, JobWork
from qmodes.local.runtime import LocalRuntime, default_runtime
from qmodes.timeline import JobRecord

__all__ = ["submit_job"]


def submit_job(backend: Any, record: JobRecord, work: JobWork,
               runtime: LocalRuntime | None = None) -> Job:
    """Queue one job on ``backend`` with no session or batch."""
    runtime = runtime or default_runtime()
    scheduler = runtime.scheduler(backend)
    record.context_id, record.mode = None, "job"
    job = Job(record, work, scheduler, runtime.timeline)
    with deferred_interrupt():  # a Ctrl-C is raised once the job is queued, not half-way
        scheduler.submit(job)
    return job
