"""One replay: a recorded workload in one mode, through the emulated device, on one crowd.

The replay runs the emulator itself, not a model of it: the device's own
:class:`~qmodes.local.device_scheduler.DeviceScheduler` (IBM's mode rules, fair share, other
users), its :class:`~qmodes.local.device_time.DeviceTimeExecutor` (each job holds the QPU for
its projected time) and the seeded :class:`~qmodes.local.load.LoadModel` (other users, in
their steady state from the start). Only the clock differs: the manual clock
(:class:`~qmodes.core.clock.ManualClock`, with the device clock's ``call_at`` and holds), so time
only jumps from event to event, as device time does while you wait (no Aer runs, nothing
waits in wall time), and classical phases and think times take their recorded seconds. The
billing rules of :mod:`qmodes.core.usage` then apply to the records.

Example:
    >>> from qmodes.advisor.workload import Workload, WorkloadJob
    >>> w = Workload((WorkloadJob("a", qpu=5.0), WorkloadJob("b", qpu=5.0)), "fake_manila", "t")
    >>> run = replay_once(w, "batch")
    >>> run.usage, run.wall, run.waited
    (10.0, 10.0, 5.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qmodes.advisor.workload import Workload
from qmodes.core.clock import ManualClock, Timer
from qmodes.core.errors import ContextClosedError
from qmodes.core.jobs import Job
from qmodes.core.limits import MAX_TTL
from qmodes.core.timeline import ContextRecord, JobRecord, Span, Window
from qmodes.core.usage import context_usage, job_usage
from qmodes.local.device_scheduler import DeviceScheduler
from qmodes.local.device_time import DeviceTimeExecutor, InlineExecutor
from qmodes.local.executors import Done, Phase
from qmodes.local.load import LoadModel, check_load
from qmodes.local.virtual_clock import Hold

__all__ = ["MODES", "ReplayClock", "ReplayRecords", "Run", "percentile", "replay_once"]

MODES = ("job", "batch", "session")
HORIZON = 60 * 24 * 3600.0
"""A replay that has not finished after this many device seconds is stopped (a safeguard)."""


@dataclass(frozen=True)
class Run:
    """What one replay measured: billed usage, wall time (first submission to last result),
    seconds the jobs waited for the device in all, QPU seconds, activations, failed jobs."""

    mode: str
    usage: float
    wall: float
    waited: float
    qpu: float
    activations: int = 0
    failed: int = 0


class ReplayClock(ManualClock):
    """The manual clock with what the device's executor asks of a device clock: ``call_at``,
    and holds (nothing runs in wall time here, so a hold never has to stop a jump)."""

    def __init__(self) -> None:
        super().__init__(start=0.0)

    def call_at(self, due: float, callback: Callable[[], None]) -> Timer:
        return self.call_later(due - self._now, callback)

    def hold(self, at: float | None = None) -> Hold:
        return Hold(self._now if at is None else at, 0)

    def release(self, hold: Hold) -> None:
        pass

    def step(self) -> bool:
        """Jump to the next timer and fire it (and all due with it); False if none is left."""
        due = self._timers.next_due()
        if due is None:
            return False
        self.advance(due - self._now)
        return True


class ReplayRecords:
    """Where a replay's scheduler writes: the same records (jobs, spans, contexts, windows) a
    :class:`~qmodes.core.timeline.Timeline` keeps, without its events, copies and observers (a
    replay has no observer; this keeps a 100-job workload's replays interactive)."""

    def __init__(self) -> None:
        self.job_records: dict[str, JobRecord] = {}
        self.context_records: dict[str, ContextRecord] = {}
        self.activations = 0

    def add_context(self, record: ContextRecord) -> None:
        record.job_ids = []
        self.context_records[record.id] = record

    def update_context(self, context_id: str, time: float, **changes: Any) -> None:
        record = self.context_records[context_id]
        for name, value in changes.items():
            setattr(record, name, value)
        if changes.get("state") == "active":
            self.activations += 1

    def open_window(self, context_id: str, time: float) -> None:
        self.context_records[context_id].windows.append(Window(time))

    def close_window(self, context_id: str, time: float, end: float) -> None:
        self.context_records[context_id].windows[-1].end = end

    def add_job(self, record: JobRecord) -> None:
        self.job_records[record.id] = record
        if record.context_id in self.context_records:
            self.context_records[record.context_id].job_ids.append(  # type: ignore[attr-defined]
                record.id)

    def update_job(self, job_id: str, time: float, **changes: Any) -> None:
        record = self.job_records[job_id]
        for name, value in changes.items():
            setattr(record, name, value)

    def open_span(self, job_id: str, kind: Any, time: float) -> None:
        self.job_records[job_id].spans.append(Span(kind, time))

    def close_span(self, job_id: str, time: float, *, start: float | None = None) -> None:
        spans = self.job_records[job_id].spans
        if not spans or spans[-1].end is not None:
            return
        if start is not None:
            spans[-1].start = min(start, time)
        spans[-1].end = time

    def others_qpu(self, backend: str, start: float, end: float | None = None) -> None:
        """Other users' QPU time: the replay reads the device's occupancy, no event."""


class _NoWork:
    """A replayed job does nothing: only its phase durations matter."""

    pubs: tuple[Any, ...] = ()
    projected_qpu = None

    def prepare(self) -> None: ...
    def execute(self) -> None: ...
    def finalize(self, raw: Any) -> None: ...


class _ReplayExecutor:
    """The device's QPU executor for the QPU phase (and other users' jobs); the recorded
    seconds on the virtual clock for the classical phases."""

    def __init__(self, clock: ReplayClock, workload: Workload) -> None:
        self.clock = clock
        self.phases = {job.id: job for job in workload.jobs}
        self.device = DeviceTimeExecutor(clock, InlineExecutor(),  # type: ignore[arg-type]
                                         lambda job: self.phases[job.job_id()].qpu)

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None:
        if phase == "qpu" or getattr(job, "foreign", False):
            self.device.submit(phase, job, work, done)
            return
        seconds = self.phases[job.job_id()].classical if phase == "classical" else (
            self.phases[job.job_id()].post)
        start = self.clock.now()
        if seconds <= 0:  # no time on the clock: done at once, as Aer run inline is
            done(None, None, start=start, end=start)
            return
        self.clock.call_later(seconds, lambda: done(None, None, start=start,
                                                    end=self.clock.now()))

    def shutdown(self) -> None:
        pass


def replay_once(workload: Workload, mode: str, *, load: float = 0.0, seed: int = 0,
                interactive_ttl: float | None = None, max_time: float = MAX_TTL,
                lanes: int = 5) -> Run:
    """Replay ``workload`` in ``mode`` on the emulated device with other users' ``load``
    (their crowd drawn from ``seed``); the first job is submitted as the crowd starts.

    ``interactive_ttl`` defaults to 60 s for a session and 1 s for a batch.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    load = check_load(load)
    clock = ReplayClock()
    timeline = ReplayRecords()
    scheduler = DeviceScheduler(workload.device, workload.device, clock,
                                _ReplayExecutor(clock, workload),
                                timeline, lanes)  # type: ignore[arg-type]
    context_id = None if mode == "job" else f"replay-{mode}"
    if context_id is not None:
        ttl = interactive_ttl if interactive_ttl is not None else (
            60.0 if mode == "session" else 1.0)
        scheduler.open_context(ContextRecord(id=context_id, mode=mode, backend=workload.device,
                                             created=0.0, max_time=max_time,
                                             interactive_ttl=ttl, source=workload.source))
    if load > 0:
        scheduler.start_load(LoadModel(load, seed=seed))
    state = _drive(workload, mode, scheduler, clock, timeline, context_id)
    return _measure(workload, mode, timeline, context_id, state["failed"])


def _drive(workload: Workload, mode: str, scheduler: DeviceScheduler, clock: ReplayClock,
           timeline: ReplayRecords, context_id: str | None) -> dict[str, int]:
    """Submit the jobs as recorded (each ``think`` seconds after the result it waited for)
    and jump from event to event until the last result (and the context's last window)."""
    dependents: dict[int, list[int]] = {}
    for index, job in enumerate(workload.jobs):
        dependents.setdefault(job.after if job.after is not None else -1, []).append(index)
    state = {"submitted": 0, "done": 0, "failed": 0}

    def close() -> None:
        if context_id is not None:
            scheduler.close_context(context_id)

    def submit(index: int) -> None:
        spec = workload.jobs[index]
        record = JobRecord(id=spec.id, context_id=context_id, mode=mode,
                           backend=workload.device, primitive="sampler", created=clock.now(),
                           executions=spec.executions, source=workload.source)
        job = Job(record, _NoWork(), scheduler, timeline)  # type: ignore[arg-type]
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
            clock.call_later(workload.jobs[child].think, _bind(submit, child))
        if state["done"] == len(workload.jobs) and workload.close_after_done is not None:
            clock.call_later(workload.close_after_done, close)

    for index in dependents.get(-1, []):
        clock.call_later(workload.jobs[index].offset, _bind(submit, index))

    def over() -> bool:
        if state["done"] < len(workload.jobs):
            return False
        return context_id is None or not scheduler.context_active(context_id)

    while not over() and clock.step():
        if clock.now() > HORIZON:
            raise RuntimeError(f"the replay in {mode} mode did not finish within "
                               f"{HORIZON / 86400:g} days of device time")
    scheduler.stop_load()
    return state


def _measure(workload: Workload, mode: str, timeline: ReplayRecords, context_id: str | None,
             failed: int) -> Run:
    jobs = list(timeline.job_records.values())
    wall = max((j.finished for j in jobs if j.finished is not None), default=0.0)
    qpu = sum(job_usage(j) for j in jobs)
    waited = sum(_waited(j) for j in jobs)
    if context_id is None:
        return Run(mode, qpu, wall, waited, qpu, failed=failed)
    usage = context_usage(timeline.context_records[context_id], jobs).seconds
    return Run(mode, usage, wall, waited, qpu, timeline.activations, failed)


def _waited(record: JobRecord) -> float:
    """Seconds from submission to the QPU that were not the job's own classical work."""
    qpu = next((s for s in record.spans if s.kind == "qpu"), None)
    if qpu is None:
        return 0.0
    classical = sum(s.duration() for s in record.spans if s.kind == "classical")
    return max(0.0, qpu.start - record.created - classical)


def _bind(function: Callable[[int], None], index: int) -> Callable[[], None]:
    return lambda: function(index)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, linearly interpolated (as numpy's default)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
