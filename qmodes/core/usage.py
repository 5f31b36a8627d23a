"""The billing rules of IBM Qiskit Runtime, as pure functions over timeline records.

Rules (IBM Quantum documentation, "Introduction to execution modes", "Run jobs in a session",
"Run jobs in a batch", "Execution modes FAQ"):

* job mode: a job's usage is its time on the QPU.
* batch: the sum of the QPU time of the batch's jobs (classical processing is not billed).
* session: the sum of the session's active windows. A window starts when a job (re)activates
  the session and ends at the latest of its last job's completion and the earliest of
  (last completion + interactive TTL, close time, first start + max TTL).
* a job that failed with a system error bills nothing; a user error or a cancel bills the
  QPU time used so far.

Example:
    >>> window_end(last_completion=10.0, interactive_ttl=60.0, closed_at=None, max_end=1e9)
    70.0
    >>> window_end(last_completion=10.0, interactive_ttl=60.0, closed_at=25.0, max_end=1e9)
    25.0
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qmodes.core.timeline import ContextRecord, JobRecord

__all__ = [
    "RULES",
    "UsageFigure",
    "batch_usage",
    "context_usage",
    "job_usage",
    "session_usage",
    "window_end",
]

RULES = {
    "job": "job mode: the job's time on the QPU",
    "batch": "batch: the sum of its jobs' time on the QPU",
    "session": "session: the sum of its active windows, idle interactive TTL included",
}


@dataclass(frozen=True)
class UsageFigure:
    """A usage figure in seconds, with the rule that produced it and where the times came from."""

    seconds: float
    rule: str
    source: str

    def __str__(self) -> str:
        return f"{self.seconds:.3g} s {self.source}"


def job_usage(job: JobRecord, now: float | None = None) -> float:
    """Seconds billed for one job: its QPU span (an open span counts up to ``now``)."""
    if job.usage_reported is not None:
        return job.usage_reported
    if job.error_kind == "system":
        return 0.0
    return sum(span.duration(now) for span in job.spans if span.kind == "qpu")


def batch_usage(jobs: Iterable[JobRecord], now: float | None = None) -> float:
    """Seconds billed for a batch: the sum of its jobs' QPU time."""
    return sum(job_usage(job, now) for job in jobs)


def window_end(last_completion: float, interactive_ttl: float, closed_at: float | None,
               max_end: float) -> float:
    """The billed end of a session window that has no job left to run.

    The latest of the last completion and the earliest of (last completion + interactive TTL,
    the close time, the first job's start + max TTL).
    """
    closed = closed_at if closed_at is not None else float("inf")
    return max(last_completion, min(last_completion + interactive_ttl, closed, max_end))


def session_usage(context: ContextRecord, now: float | None = None) -> float:
    """Seconds billed for a session: its active windows (an open window counts up to ``now``)."""
    if context.usage_reported is not None:
        return context.usage_reported
    total = 0.0
    for window in context.windows:
        end = window.end if window.end is not None else now
        if end is not None:
            total += max(0.0, end - window.start)
    return total


def context_usage(context: ContextRecord, jobs: Iterable[JobRecord],
                  now: float | None = None) -> UsageFigure:
    """Usage of a session or a batch by its mode's rule, labelled with its source."""
    if context.mode == "session":
        seconds = session_usage(context, now)
    else:
        seconds = (context.usage_reported if context.usage_reported is not None
                   else batch_usage(jobs, now))
    return UsageFigure(seconds, RULES[context.mode], context.source)
