"""Best-practice hints: combine small jobs, close idle sessions, mind the idle TTL.

Example:
    >>> combine_hint([2.4] * 5, [False] * 5)[:20]
    '5 jobs use under a m'
"""

from __future__ import annotations

from collections.abc import Sequence

from qmodes.accounting.projection import SUB_JOB_OVERHEAD
from qmodes.advisor.workload import Workload, projected_qpu, replayable, waited_flags
from qmodes.core.durations import format_duration
from qmodes.core.timeline import ContextRecord, JobRecord
from qmodes.core.usage import session_usage

__all__ = ["SMALL_JOB_QPU", "combine_hint", "hints", "workload_hints"]

SMALL_JOB_QPU = 60.0
"""Jobs with less QPU time than this are worth combining (IBM's advice: under a minute)."""


def workload_hints(workload: Workload) -> list[str]:
    """The hints a recorded workload earns whatever the mode (combine small jobs)."""
    jobs = workload.jobs
    waited = [job.waited or (job.after is not None and job.after == i - 1)
              for i, job in enumerate(jobs)]
    hint = combine_hint([job.qpu for job in jobs], waited)
    return [hint] if hint else []


def combine_hint(qpu: Sequence[float], waited: Sequence[bool]) -> str | None:
    """The "combine small jobs" hint, or None when it does not apply.

    Only jobs submitted without waiting for the previous job's result can share one job: a
    run of ``n`` such small jobs (under a minute of QPU time each) could be one job, saving
    ``n - 1`` times the per-job overhead. A loop that reads each result before submitting the
    next job (VQE) has no such run and is never told to combine.

    Example:
        >>> combine_hint([2.4] * 5, [False] * 5)[:46]
        '5 jobs use under a minute of QPU time each: co'
        >>> combine_hint([2.4] * 5, [False] + [True] * 4) is None  # each waited: a loop
        True
    """
    runs: list[int] = [0]
    for seconds, after_result in zip(qpu, waited, strict=True):
        if after_result:
            runs.append(0)  # a new run starts with a job that waited for a result
        if seconds < SMALL_JOB_QPU:
            runs[-1] += 1
    combinable = [n for n in runs if n >= 2]
    count, saved = sum(combinable), sum(n - 1 for n in combinable)
    if count < 3:
        return None
    return (f"{count} jobs use under a minute of QPU time each: combine their PUBs into fewer "
            f"jobs (sampler.run([pub1, pub2, ...])) to save ~{saved * SUB_JOB_OVERHEAD:,.0f} s "
            f"of QPU time (~{SUB_JOB_OVERHEAD:g} s of overhead per job on a device); they did "
            f"not wait for each other's results")


def hints(context: ContextRecord | None, jobs: Sequence[JobRecord], now: float, *,
          target: str | None = None) -> list[str]:
    """Best-practice hints as a workload runs (for the widget and the magics' summary line).

    Example:
        >>> ctx = ContextRecord(id="s", mode="session", backend="aer", created=0.0,
        ...                     max_time=28800.0, interactive_ttl=60.0)
        >>> hints(ctx, [], now=600.0)[0].startswith("session s has been open")
        True
    """
    found: list[str] = []
    device = target or (context.backend if context else "aer")
    ordered = sorted(replayable(jobs), key=lambda j: j.created)
    combine = combine_hint([projected_qpu(j, device) for j in ordered], waited_flags(ordered))
    if combine:
        found.append(combine)
    if context is None or context.mode != "session":
        return found
    billed = session_usage(context, now)
    idle = billed - _busy_in_windows(context, jobs, now)
    if idle > 10.0 and idle > 0.5 * billed:
        found.append(f"session {context.id} billed {format_duration(idle)} of idle time "
                     f"({idle / billed:.0%} of its usage) waiting for the next job: a batch "
                     f"bills only QPU time, and closing the session ends the idle TTL")
    pending = any(not j.in_final_state for j in jobs)
    last = context.last_job_completed or context.created
    if context.accepting_jobs and not pending and now - last > context.interactive_ttl:
        found.append(f"session {context.id} has been open with nothing to run for "
                     f"{format_duration(now - last)}: close it (session.close()); each later "
                     f"job reactivates it and bills another idle TTL")
    return found


def _busy_in_windows(context: ContextRecord, jobs: Sequence[JobRecord], now: float) -> float:
    """Seconds of the session's windows during which at least one of its jobs was running."""
    spans = sorted((j.started, j.finished if j.finished is not None else now)
                   for j in jobs if j.started is not None)
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return sum(max(0.0, min(end, w.end if w.end is not None else now) - max(start, w.start))
               for start, end in merged for w in context.windows)
