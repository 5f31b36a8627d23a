"""What would this workload cost in the other modes? Replays, a recommendation and hints.

A recorded workload (its jobs' submission times, the classical think time between a result and
the next submission, each job's size) is replayed under job, batch and session mode through
the same :class:`~qmodes.local.scheduler.Scheduler` the local engine uses, on a
:class:`~qmodes.clock.ManualClock` with a
:class:`~qmodes.local.executors.SimulatedExecutor`: the QPU phase takes the job's projected
device time (:mod:`qmodes.projection`), classical phases their measured time. The billing
rules of :mod:`qmodes.usage` then apply to the replayed records, so replays obey exactly the
mode rules of live runs.

Example:
    >>> w = Workload((WorkloadJob("a", qpu=5.0), WorkloadJob("b", qpu=5.0, offset=0.1)),
    ...              device="fake_manila", source="projected for fake_manila")
    >>> advice = advise(w)
    >>> advice.recommended, advice.outcomes["batch"].usage.seconds
    ('batch', 10.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qmodes.clock import ManualClock
from qmodes.durations import format_duration
from qmodes.errors import ContextClosedError
from qmodes.jobs import Job
from qmodes.local.executors import SimulatedExecutor
from qmodes.local.scheduler import Scheduler
from qmodes.projection import SUB_JOB_OVERHEAD
from qmodes.timeline import ContextRecord, JobRecord, Timeline
from qmodes.usage import RULES, UsageFigure, context_usage, job_usage, session_usage
from qmodes.workload import (
    Workload,
    WorkloadJob,
    projected_qpu,
    replayable,
    waited_flags,
    workload_from_records,
)

__all__ = ["Advice", "ModeOutcome", "Workload", "WorkloadJob", "advise", "combine_hint", "hints",
           "replay", "workload_from_records"]

MODES = ("job", "batch", "session")
SMALL_JOB_QPU = 60.0
"""Jobs with less QPU time than this are worth combining (IBM's advice: under a minute)."""


@dataclass(frozen=True)
class ModeOutcome:
    """A replay's result: billed usage, wall time, activations and idle billed time."""

    mode: str
    usage: UsageFigure
    wall: float
    activations: int = 0
    idle: float = 0.0
    failed: int = 0
    cost: float | None = None


@dataclass(frozen=True)
class Advice:
    """The three replays, the recommended mode, why, and hints."""

    outcomes: dict[str, ModeOutcome]
    recommended: str
    reason: str
    source: str
    hints: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"qmodes advisor ({self.source}):", *self.table()]
        lines.append(f"recommended: {self.recommended}: {self.reason}")
        lines += [f"hint: {h}" for h in self.hints]
        return "\n".join(lines)

    def table(self) -> list[str]:
        """``mode  billed usage  wall time  idle billed [cost]`` rows, recommended first (→);
        job mode bills no idle time (–)."""
        order = sorted(("batch", "session", "job"), key=lambda mode: mode != self.recommended)
        money = any(self.outcomes[mode].cost is not None for mode in order)
        head = f"  {'mode':<8} {'billed usage':>12} {'wall time':>10} {'idle billed':>12}"
        rows = [head + (f" {'at your price':>13}" if money else "")]
        for mode in order:
            o = self.outcomes[mode]
            idle = "–" if mode == "job" else seconds_text(o.idle)
            row = (f"{'→' if mode == self.recommended else ' '} {mode:<8} "
                   f"{seconds_text(o.usage.seconds):>12} {seconds_text(o.wall):>10} {idle:>12}")
            if money:
                row += f" {'–' if o.cost is None else f'{o.cost:,.2f}':>13}"
            rows.append(row)
        return rows


def seconds_text(seconds: float) -> str:
    """``"0.6 s"``, ``"12.2 s"``, ``"1,234 s"``: the advisor's figures, always in seconds."""
    return f"{seconds:,.1f} s" if seconds < 100 else f"{seconds:,.0f} s"


class _NoWork:
    """A replayed job does nothing: only its phase durations matter."""

    def prepare(self) -> None: ...
    def execute(self) -> None: ...
    def finalize(self, raw: Any) -> None: ...


def replay(workload: Workload, mode: str, *, interactive_ttl: float | None = None,
           max_time: float = 8 * 3600.0, lanes: int = 5, queue_wait: float = 0.0,
           price_per_second: float | None = None) -> ModeOutcome:
    """Replay ``workload`` in ``mode`` through the local scheduler on a manual clock.

    ``queue_wait`` (seconds in the device's fair-share queue) is paid per job in job mode and
    once per activation of a batch or session (a context that went inactive queues again).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    clock, timeline = ManualClock(start=0.0), Timeline()
    phases = {job.id: job for job in workload.jobs}
    scheduler = Scheduler(workload.device, clock, SimulatedExecutor(
        clock, lambda phase, job: getattr(phases[job.job_id()], phase)), timeline, lanes)
    context_id = None if mode == "job" else f"replay-{mode}"
    if context_id is not None:
        ttl = interactive_ttl if interactive_ttl is not None else (
            60.0 if mode == "session" else 1.0)
        scheduler.open_context(ContextRecord(id=context_id, mode=mode, backend=workload.device,
                                             created=0.0, max_time=max_time,
                                             interactive_ttl=ttl, source=workload.source))
    dependents: dict[int, list[int]] = {}
    for index, job in enumerate(workload.jobs):
        dependents.setdefault(job.after if job.after is not None else -1, []).append(index)
    state = {"submitted": 0, "done": 0, "failed": 0}
    per_job_wait = queue_wait if mode == "job" else 0.0

    def close() -> None:
        if context_id is not None:
            scheduler.close_context(context_id)

    def submit(index: int) -> None:
        spec = workload.jobs[index]
        record = JobRecord(id=spec.id, context_id=context_id, mode=mode, backend=workload.device,
                           primitive="sampler", created=clock.now(),
                           executions=spec.executions, source=workload.source)
        job = Job(record, _NoWork(), scheduler, timeline)
        job.add_done_callback(lambda _job: finished(index))
        state["submitted"] += 1
        try:
            scheduler.submit(job)
        except ContextClosedError:  # the context reached its max time: the job never ran
            state["failed"] += 1
            finished(index)
            return
        if state["submitted"] == len(workload.jobs) and workload.close_after_submit is not None:
            clock.call_later(workload.close_after_submit, close)

    def finished(index: int) -> None:
        state["done"] += 1
        for child in dependents.get(index, []):
            clock.call_later(workload.jobs[child].think + per_job_wait, _bind(submit, child))
        if state["done"] == len(workload.jobs) and workload.close_after_done is not None:
            clock.call_later(workload.close_after_done, close)

    for index in dependents.get(-1, []):
        clock.call_later(workload.jobs[index].offset + per_job_wait, _bind(submit, index))
    clock.run_until_idle()
    jobs = timeline.jobs()
    ends = [j.finished for j in jobs if j.finished is not None]
    wall = max(ends, default=0.0)
    qpu = sum(job_usage(j) for j in jobs)
    if context_id is None:
        return ModeOutcome(mode, UsageFigure(qpu, RULES["job"], workload.source), wall,
                           cost=_cost(qpu, price_per_second))
    context = timeline.context(context_id)
    figure = context_usage(context, jobs)
    activations = sum(1 for e in timeline.events_since(0, context_id)
                      if e.kind == "context.changed" and e.data.get("state") == "active")
    return ModeOutcome(mode, figure, wall + queue_wait * activations, activations,
                       idle=max(0.0, figure.seconds - qpu), failed=state["failed"],
                       cost=_cost(figure.seconds, price_per_second))


def _bind(function: Callable[[int], None], index: int) -> Callable[[], None]:
    return lambda: function(index)


def _cost(seconds: float, price: float | None) -> float | None:
    return seconds * price if price else None


def advise(subject: Any, *, jobs: Sequence[JobRecord] | None = None, target: str | None = None,
           qpu_seconds: Callable[[JobRecord], float] | None = None,
           price_per_second: float | None = None, queue_wait: float = 0.0,
           session_ttl: float | None = None, batch_ttl: float | None = None,
           load: float | None = None) -> Advice:
    """Replay a workload in the three modes and recommend one.

    Args:
        subject: a :class:`Workload`, a qmodes Session/Batch, or a ``ContextRecord`` (then
            give its ``jobs``), or None with ``jobs`` (job-mode jobs).
        target: device to project QPU time for (default: the context's backend).
        qpu_seconds: projected QPU seconds of a recorded job (default: the record's
            ``projected_qpu`` if set, else IBM's quick form of its executions).
        price_per_second: your price; no price, no money figures.
        queue_wait: assumed seconds in the fair-share queue per queue entry.
        load: other users' share of the device (0 to 0.95): the queue wait per entry is then
            the load model's mean (:meth:`qmodes.local.load.LoadModel.mean_queue_wait`).
    """
    if load is not None:
        from qmodes.local.load import LoadModel

        queue_wait = LoadModel(load).mean_queue_wait()
    workload = subject if isinstance(subject, Workload) else _workload_of(
        subject, jobs, target, qpu_seconds)
    ttls = {"session": session_ttl, "batch": batch_ttl, "job": None}
    outcomes = {mode: replay(workload, mode, interactive_ttl=ttls[mode], queue_wait=queue_wait,
                             price_per_second=price_per_second) for mode in MODES}
    recommended, reason = _recommend(workload, outcomes)
    return Advice(outcomes, recommended, reason, workload.source, _workload_hints(workload))


def _workload_of(subject: Any, jobs: Sequence[JobRecord] | None, target: str | None,
                 qpu_seconds: Callable[[JobRecord], float] | None) -> Workload:
    context = subject
    if hasattr(subject, "record") and hasattr(subject, "timeline"):  # a Session or a Batch
        context = subject.record()
        jobs = subject.timeline.jobs(ids=context.job_ids)
    return workload_from_records(list(jobs or []), context, target=target,
                                 qpu_seconds=qpu_seconds)


def _recommend(workload: Workload, outcomes: dict[str, ModeOutcome]) -> tuple[str, str]:
    job, batch, session = (outcomes[m] for m in MODES)
    if len(workload.jobs) <= 1:
        return "job", "a single job gains nothing from a batch or a session"
    if session.wall < batch.wall - 1.0 and session.usage.seconds <= batch.usage.seconds * 1.1:
        return "session", (f"finishes {seconds_text(batch.wall - session.wall)} sooner for "
                           f"{seconds_text(session.usage.seconds - batch.usage.seconds)} more")
    extra = session.usage.seconds - batch.usage.seconds
    why = (f"bills only QPU time; a session would bill {seconds_text(extra)} more"
           if extra > 0.05 else "bills only QPU time")
    if session.wall < batch.wall - 1.0:
        why += f" (but finish {seconds_text(batch.wall - session.wall)} sooner)"
    if job.wall > batch.wall + 1.0:
        why += f"; job mode would take {seconds_text(job.wall - batch.wall)} longer"
    return "batch", why


def _workload_hints(workload: Workload) -> list[str]:
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
