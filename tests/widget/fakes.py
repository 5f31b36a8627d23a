"""Timelines filled by hand, and stand-ins for contexts and jobs, for the widget's tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline

PHASES = (("classical", 0.2), ("qpu", 0.5), ("post", 0.1))


def batch_actions(n_jobs: int, context_id: str = "batch-1", start: float = 0.0,
                  lanes: int = 5) -> list[tuple[float, tuple]]:
    """The time-ordered actions of a batch of ``n_jobs`` on ``lanes`` lanes and one QPU."""
    actions: list[tuple[float, int, tuple]] = []
    lane_free = [start] * lanes
    qpu_free = start
    for i in range(n_jobs):
        job_id = f"{context_id}-job{i:05d}"
        created = start + 0.001 * i
        actions.append((created, 0, ("job", job_id, created)))
        lane = min(range(lanes), key=lane_free.__getitem__)
        t_classical = max(created, lane_free[lane])
        t_qpu = max(t_classical + PHASES[0][1], qpu_free)
        t_post = t_qpu + PHASES[1][1]
        t_end = t_post + PHASES[2][1]
        lane_free[lane] = t_qpu
        qpu_free = t_post
        for t, kind in ((t_classical, "classical"), (t_qpu, "qpu"), (t_post, "post")):
            actions.append((t, 1, ("span", job_id, kind)))
        actions.append((t_end, 2, ("done", job_id)))
    actions.sort(key=lambda a: (a[0], a[1]))
    return [(t, action) for t, _, action in actions]


def fill_batch(timeline: Timeline, n_jobs: int, context_id: str = "batch-1", start: float = 0.0,
               lanes: int = 5, mode: str = "batch", until: float | None = None) -> float:
    """Record a batch of ``n_jobs`` that ran with ``lanes`` classical lanes and one QPU.

    Events are recorded in time order; with ``until`` only those up to that time. Returns the
    time of the last recorded action.
    """
    timeline.add_context(ContextRecord(id=context_id, mode=mode, backend="aer", created=start,
                                       max_time=28800.0, interactive_ttl=1.0))
    last = start
    for t, action in batch_actions(n_jobs, context_id, start, lanes):
        if until is not None and t > until:
            break
        apply_action(timeline, t, action, context_id, mode)
        last = t
    return last


def apply_action(timeline: Timeline, t: float, action: tuple, context_id: str, mode: str) -> None:
    kind, job_id = action[0], action[1]
    if kind == "job":
        timeline.add_job(JobRecord(id=job_id, context_id=context_id, mode=mode, backend="aer",
                                   primitive="sampler", created=t, num_pubs=1, shots=1024))
        timeline.open_span(job_id, "queued", t)
    elif kind == "span":
        timeline.close_span(job_id, t)
        if action[2] == "classical":
            timeline.update_job(job_id, t, status="RUNNING")
        timeline.open_span(job_id, action[2], t)
    else:
        timeline.close_span(job_id, t)
        timeline.update_job(job_id, t, status="DONE", finished=t)


@dataclass
class FakeJob:
    """A job handle whose ``cancel`` records the call and marks the record cancelled."""

    timeline: Timeline
    id: str
    cancelled: bool = False

    def job_id(self) -> str:
        return self.id

    def cancel(self) -> None:
        self.cancelled = True
        self.timeline.close_span(self.id, 1.0)
        self.timeline.update_job(self.id, 1.0, status="CANCELLED")


@dataclass
class FakeContext:
    """What the widget needs of a Session or Batch: id, timeline, jobs(), close(), cancel()."""

    timeline: Timeline
    id: str
    calls: list[str] = field(default_factory=list)

    def jobs(self) -> list[FakeJob]:
        return [FakeJob(self.timeline, job.id) for job in self.timeline.jobs(self.id)]

    def close(self) -> None:
        self.calls.append("close")

    def cancel(self) -> None:
        self.calls.append("cancel")
