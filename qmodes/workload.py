"""A workload as the advisor replays it: jobs, their phase times and what each waited for.

:func:`workload_from_records` reads one from timeline records: a job created after an earlier
job finished waited for that result (its ``think`` time is the gap); other jobs keep their
offset from the first submission. Each job's QPU time is projected for the target device
(:mod:`qmodes.projection`); classical and post-processing times are as measured.

Example:
    >>> from qmodes.timeline import JobRecord, Span
    >>> a = JobRecord(id="a", context_id=None, mode="job", backend="aer", primitive="sampler",
    ...               created=0.0, executions=1000, finished=3.0)
    >>> b = JobRecord(id="b", context_id=None, mode="job", backend="aer", primitive="sampler",
    ...               created=33.0, executions=1000)
    >>> w = workload_from_records([a, b], target="fake_manila")
    >>> w.jobs[1].after, w.jobs[1].think, round(w.jobs[1].qpu, 2)
    (0, 30.0, 2.35)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qmodes.projection import SUB_JOB_OVERHEAD, project_job
from qmodes.timeline import ContextRecord, JobRecord

__all__ = ["Workload", "WorkloadJob", "projected_qpu", "workload_from_records"]


@dataclass(frozen=True)
class WorkloadJob:
    """One job of a workload: when it is submitted and how long each phase takes.

    ``after`` is the index of the job whose result it waited for (then it is submitted
    ``think`` seconds after that job finished); otherwise it is submitted ``offset`` seconds
    after the workload starts.
    """

    id: str
    qpu: float
    classical: float = 0.0
    post: float = 0.0
    offset: float = 0.0
    after: int | None = None
    think: float = 0.0
    executions: int = 0


@dataclass(frozen=True)
class Workload:
    """Jobs in submission order; when the context was closed; where the times come from."""

    jobs: tuple[WorkloadJob, ...]
    device: str
    source: str
    close_after_submit: float | None = 0.0  # closed this long after the last submission, or
    close_after_done: float | None = None  # this long after the last result; None: left open


def workload_from_records(jobs: Sequence[JobRecord], context: ContextRecord | None = None, *,
                          target: str | None = None,
                          qpu_seconds: Callable[[JobRecord], float] | None = None) -> Workload:
    """The workload recorded in a context's (or job mode's) timeline records.

    A job created after an earlier job finished waited for it: it is replayed ``think``
    seconds after the latest such result; other jobs keep their offset from the first.
    """
    ordered = sorted(jobs, key=lambda j: j.created)
    device = target or (context.backend if context else ordered[0].backend if ordered else "aer")
    projected = qpu_seconds or (lambda record: projected_qpu(record, device))
    start = ordered[0].created if ordered else 0.0
    specs: list[WorkloadJob] = []
    for i, record in enumerate(ordered):
        done = [(j.finished, k) for k, j in enumerate(ordered[:i])
                if j.finished is not None and j.finished <= record.created]
        after, think = None, 0.0
        if done:
            finish, after = max(done)
            think = record.created - finish
        specs.append(WorkloadJob(record.id, projected(record), _span(record, "classical"),
                                 _span(record, "post"), record.created - start, after, think,
                                 record.executions))
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
    return Workload(tuple(specs), device, label + "; classical time measured on Aer",
                    after_submit, after_done)


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
