"""A workload as the advisor replays it: jobs, their phase times and what each waited for.

:func:`workload_from_records` reads one from timeline records: a job created after an earlier
job finished waited for that result (its ``think`` time is the gap); other jobs keep their
offset from the first submission. Each job's QPU time is projected for the target device
(:mod:`qmodes.accounting.projection`); classical and post-processing times are as measured.

Example:
    >>> from qmodes.core.timeline import JobRecord, Span
    >>> a = JobRecord(id="a", context_id=None, mode="job", backend="aer", primitive="sampler",
    ...               created=0.0, executions=1000, finished=3.0)
    >>> b = JobRecord(id="b", context_id=None, mode="job", backend="aer", primitive="sampler",
    ...               created=33.0, executions=1000)
    >>> w = workload_from_records([a, b], target="fake_manila")
    >>> w.jobs[1].after, w.jobs[1].think, round(w.jobs[1].qpu, 2)
    (0, 30.0, 2.35)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qmodes.accounting.projection import SUB_JOB_OVERHEAD, project_job
from qmodes.core.timeline import ContextRecord, JobRecord

__all__ = ["Workload", "WorkloadJob", "projected_qpu", "replayable", "waited_flags",
           "workload_from_records"]


@dataclass(frozen=True)
class WorkloadJob:
    """One job of a workload: when it is submitted and how long each phase takes.

    ``after`` is the index of the job whose result it waited for (then it is submitted
    ``think`` seconds after that job finished); otherwise it is submitted ``offset`` seconds
    after the workload starts. ``waited`` says it was submitted after the previous job's
    result was available (an iterative loop such as VQE): such jobs cannot be combined.
    """

    id: str
    qpu: float
    classical: float = 0.0
    post: float = 0.0
    offset: float = 0.0
    after: int | None = None
    think: float = 0.0
    executions: int = 0
    waited: bool = False


@dataclass(frozen=True)
class Workload:
    """Jobs in submission order; when the context was closed; where the times come from."""

    jobs: tuple[WorkloadJob, ...]
    device: str
    source: str
    close_after_submit: float | None = 0.0  # closed this long after the last submission, or
    close_after_done: float | None = None  # this long after the last result; None: left open
    device_load: float = 0.0  # other users' load on the device it ran on (0: idle, plain Aer)


def workload_from_records(jobs: Sequence[JobRecord], context: ContextRecord | None = None, *,
                          target: str | None = None,
                          qpu_seconds: Callable[[JobRecord], float] | None = None) -> Workload:
    """The workload recorded in a context's (or job mode's) timeline records.

    A job created after an earlier job finished waited for it: it is replayed ``think``
    seconds after the latest such result; other jobs keep their offset from the first. Jobs
    cancelled before they reached the QPU are left out (see :func:`replayable`).
    """
    ordered = sorted(replayable(jobs), key=lambda j: j.created)
    device = target or (context.backend if context else ordered[0].backend if ordered else "aer")
    projected = qpu_seconds or (lambda record: projected_qpu(record, device))
    start = ordered[0].created if ordered else 0.0
    specs: list[WorkloadJob] = []
    waits = waited_flags(ordered)
    results: list[tuple[float, int]] = []  # (finished, index) of earlier jobs, sorted
    for i, record in enumerate(ordered):
        after, think = None, 0.0
        latest = bisect.bisect_right(results, (record.created, len(ordered))) - 1
        if latest >= 0:  # the latest result available when it was submitted
            finish, after = results[latest]
            think = record.created - finish
        if record.finished is not None:
            bisect.insort(results, (record.finished, i))
        specs.append(WorkloadJob(record.id, projected(record), _span(record, "classical"),
                                 _span(record, "post"), record.created - start, after, think,
                                 record.executions, waits[i]))
    last_submit = ordered[-1].created if ordered else start
    last_done = max((j.finished for j in ordered if j.finished is not None), default=None)
    closed = context.closed_at if context is not None else last_done
    after_submit = after_done = None
    if closed is not None and (last_done is None or closed < last_done):
        after_submit = max(0.0, closed - last_submit)
    elif closed is not None and last_done is not None:
        after_done = closed - last_done
    snapshot = qpu_seconds is None and ordered and all(
        getattr(j, "projected_qpu", None) is not None and j.backend == device for j in ordered)
    how = "from its calibration snapshot" if snapshot else "by IBM's quick formula"
    label = (f"QPU time projected for {device} {how}"
             if not device.startswith("aer") else "QPU time projected for a typical IBM device "
             "by IBM's quick formula")
    loads = [j.device_load for j in ordered if j.device_load is not None]
    ran_on = context.backend if context is not None else ordered[0].backend if ordered else None
    load = 0.0
    if device == ran_on:  # the load of the device it ran on, when projected for that device
        load = (context.device_load if context is not None and context.device_load is not None
                else max(loads, default=0.0))
    return Workload(tuple(specs), device, label + "; classical time measured on Aer",
                    after_submit, after_done, load)


def replayable(jobs: Sequence[JobRecord]) -> list[JobRecord]:
    """The jobs a replay runs: all but those cancelled before they reached the QPU (they
    never ran, in any mode)."""
    return [job for job in jobs if job.status != "CANCELLED"
            or any(span.kind == "qpu" for span in job.spans)]


def waited_flags(ordered: Sequence[JobRecord]) -> list[bool]:
    """For jobs in submission order: was each submitted after the previous one's result was
    available? (True all along for a loop that reads each result before the next job.)"""
    return [i > 0 and ordered[i - 1].finished is not None
            and ordered[i - 1].finished <= record.created  # type: ignore[operator]
            for i, record in enumerate(ordered)]


def projected_qpu(record: JobRecord, device: str) -> float:
    """Projected QPU seconds of a recorded job on ``device``: its ``projected_qpu`` if the
    primitive set one for that device, else IBM's quick form of its executions, else its
    measured QPU time + overhead."""
    given = getattr(record, "projected_qpu", None)
    if given is not None and device in (record.backend, f"ibm:{record.backend}"):
        return float(given)  # projected for the device it ran on
    if record.executions:
        return project_job(record.executions, device, primitive=record.primitive).seconds
    return SUB_JOB_OVERHEAD + _span(record, "qpu")


def _span(record: JobRecord, kind: str) -> float:
    return sum(s.duration() for s in record.spans if s.kind == kind)
