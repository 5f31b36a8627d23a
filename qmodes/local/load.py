"""Other users of an emulated device: a seeded background load of job-mode jobs.

A real IBM device is shared. With ``load = 0.8`` other users' jobs keep the QPU busy about
80 % of the time, and the device's own scheduler (:mod:`qmodes.local.scheduler`) schedules
them by the same rules as yours: first come, first served in the queue (IBM's fair-share
queue, approximated: see below), nothing else while your session's window is open, your
active batch's jobs ahead of the queue.

**Durations.** IBM does not publish job-size statistics; it publishes how a job's QPU time is
estimated ("Estimate job run time": about 2 s per job plus 350 µs per execution, the quick
form) and the limits ("Job limits": 10 million executions, 3 h per job; the Sampler's default
of 4,096 shots). A foreign job here has 4,096 shots and ``n`` circuits, ``n`` log-uniform
between 1 and 100 (our assumption: most jobs are small, a few are sweeps), so its duration is
``2 + 0.00035 × 4096 × n`` seconds: 3.4 s to 2.4 min, median 16 s, mean about 33 s.

**Arrivals.** A Poisson process with rate ``load / mean duration``, so the QPU is busy
``load`` of the time in the long run. **The crowd starts in its steady state**, however the
load is set: :meth:`LoadModel.steady_state` runs the crowd alone (first come, first served)
for about :data:`WARMUP_JOBS` arrivals before the load starts, and the device takes over what
is left at that instant: the job on the QPU with its remaining time, the jobs queued behind it,
and the next arrival. So a job of yours that arrives at once finds the QPU busy with
probability ``load``, as one arriving at a random moment of a long-running crowd does.

**Fair share.** IBM orders the queue by each instance's recent usage against its share
("Fair-share scheduler"), so a light user is not stuck behind a heavy one. qmodes approximates
it with two parties of equal share, you and everyone else: while both have jobs waiting for
the QPU, you take turns (one of theirs, one of yours); within a party, first come, first
served. An active batch's jobs and an open session window come first, as IBM's rules say.

Example:
    >>> model = LoadModel(0.8, seed=1)
    >>> durations = [model.duration() for _ in range(2000)]
    >>> 20 < sum(durations) / len(durations) < 45
    True
    >>> round(model.mean_duration, 1)
    32.8
"""

from __future__ import annotations

import collections
import itertools
import math
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmodes.accounting.projection import QUICK_PER_EXECUTION, SUB_JOB_OVERHEAD
from qmodes.core.timeline import JobRecord

if TYPE_CHECKING:
    from qmodes.core.clock import Timer
    from qmodes.local.scheduler import Scheduler

__all__ = ["FOREIGN_PREFIX", "MAX_LOAD", "WARMUP_JOBS", "BackgroundLoad", "CrowdState",
           "LoadModel", "Occupancy", "check_load"]

MAX_LOAD = 0.95
"""Highest load accepted: at 1.0 and above the queue grows without bound."""
FOREIGN_PREFIX = "other-"
"""Job ids of other users' jobs start with this."""
SHOTS = 4096
"""Shots of a foreign job (qiskit-ibm-runtime's Sampler default)."""
MAX_CIRCUITS = 100
"""Circuits of a foreign job are log-uniform between 1 and this."""
WARMUP_JOBS = 400
"""Arrivals the crowd runs alone before the load starts (:meth:`LoadModel.steady_state`):
many times the queue's relaxation at the highest load, and well under a millisecond."""


@dataclass(frozen=True)
class CrowdState:
    """Other users at the instant the load starts: what the device takes over.

    ``running``: seconds the job on the QPU still holds it (0.0: the QPU is idle);
    ``queued``: durations of the jobs waiting behind it, first come first;
    ``next_arrival``: seconds until the next job arrives.
    """

    running: float
    queued: tuple[float, ...]
    next_arrival: float


def check_load(value: Any, name: str = "load") -> float:
    """``value`` as a load in [0, 0.95], or a ValueError naming the bound."""
    try:
        load = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between 0 and {MAX_LOAD} (the share of "
                         f"the device other users keep busy), not {value!r}") from None
    if isinstance(value, bool) or not (0.0 <= load <= MAX_LOAD):
        raise ValueError(f"{name} must be between 0 and {MAX_LOAD} (the share of the device "
                         f"other users keep busy, e.g. 0.8), not {value!r}")
    return load


_STEADY: dict[tuple[Any, ...], tuple[CrowdState, Any]] = {}
"""Steady states already drawn, by (load, seed, generator state): a pure function of them."""


@dataclass
class LoadModel:
    """Other users' jobs on one device: arrivals and durations, seeded.

    Args:
        load: the share of device time other users' jobs need (0 to 0.95).
        seed: the random seed (the same seed replays the same crowd).
    """

    load: float
    seed: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.load = check_load(self.load)
        self.rng = random.Random(self.seed)

    @property
    def mean_duration(self) -> float:
        """Mean seconds of a foreign job (exact, from the distribution)."""
        per_circuit = QUICK_PER_EXECUTION * SHOTS
        mean_circuits = (MAX_CIRCUITS - 1) / math.log(MAX_CIRCUITS)
        return SUB_JOB_OVERHEAD + per_circuit * mean_circuits

    @property
    def mean_square_duration(self) -> float:
        """E[duration²] (exact, from the distribution)."""
        a, b = SUB_JOB_OVERHEAD, QUICK_PER_EXECUTION * SHOTS
        log_n = math.log(MAX_CIRCUITS)
        mean_n = (MAX_CIRCUITS - 1) / log_n
        mean_n2 = (MAX_CIRCUITS**2 - 1) / (2 * log_n)
        return a * a + 2 * a * b * mean_n + b * b * mean_n2

    def mean_queue_wait(self) -> float:
        """Expected wait of one of your jobs entering the queue at a random moment.

        The job on the QPU (busy with probability ``load``) finishes its residual time,
        ``E[S²] / (2 E[S])``; fair share then gives you the next turn (others had theirs
        while you were away): ``load × E[S²] / (2 E[S])``. The steady-state crowd gives this
        mean (``tests/local/test_load.py``).

        Example:
            >>> round(LoadModel(0.8).mean_queue_wait(), 1)
            28.7
        """
        return self.load * self.mean_square_duration / (2 * self.mean_duration)

    def duration(self) -> float:
        """Seconds on the QPU of the next foreign job."""
        circuits = math.exp(self.rng.uniform(0.0, math.log(MAX_CIRCUITS)))
        return SUB_JOB_OVERHEAD + QUICK_PER_EXECUTION * SHOTS * circuits

    def gap(self) -> float:
        """Seconds until the next foreign job arrives."""
        if self.load <= 0:
            return math.inf
        return self.rng.expovariate(self.load / self.mean_duration)

    def steady_state(self) -> CrowdState:
        """The crowd at a random instant of its long run, drawn from this model's seed.

        The crowd runs alone (one QPU, first come, first served) from about
        :data:`WARMUP_JOBS` arrivals before the instant up to it; what is on the QPU and in the
        queue then is returned. With ``load`` 0.8 the QPU is busy at that instant in 80 % of
        the seeds.

        Example:
            >>> states = [LoadModel(0.8, seed=s).steady_state() for s in range(400)]
            >>> 0.75 < sum(1 for c in states if c.running > 0) / 400 < 0.85
            True
        """
        if self.load <= 0:
            return CrowdState(0.0, (), math.inf)
        key = (self.load, self.seed, self.rng.getstate())
        known = _STEADY.get(key)
        if known is not None:  # the same crowd again (the advisor replays each mode with it)
            self.rng.setstate(known[1])
            return known[0]
        state = self._warm_up()
        if len(_STEADY) >= 1024:
            _STEADY.clear()
        _STEADY[key] = (state, self.rng.getstate())
        return state

    def _warm_up(self) -> CrowdState:
        now = -WARMUP_JOBS * self.mean_duration / self.load
        free = now  # when the QPU is free of the jobs so far
        pending: collections.deque[tuple[float, float]] = collections.deque()  # (start, end)
        while True:
            now += self.gap()
            if now >= 0.0:
                break
            start = max(now, free)
            free = start + self.duration()
            pending.append((start, free))
            while pending and pending[0][1] <= now:
                pending.popleft()
        left = [(start, end) for start, end in pending if end > 0.0]
        running = left[0][1] if left and left[0][0] <= 0.0 else 0.0
        queued = tuple(end - start for start, end in left if start > 0.0)
        return CrowdState(running, queued, now)


class Occupancy:
    """Other users' time on the QPU: merged intervals (the last ``limit``) and totals."""

    def __init__(self, limit: int = 5000) -> None:
        self._lock = threading.Lock()
        self._intervals: list[list[float]] = []
        self.limit = limit
        self.jobs = 0
        self.seconds = 0.0
        self.recent: collections.deque[tuple[float, float, float]] = collections.deque(
            maxlen=limit)
        """The last jobs as ``(arrived, qpu_start, qpu_end)``."""

    def add(self, start: float, end: float, arrived: float | None = None) -> None:
        """Record one foreign job's QPU interval (and when it arrived, if known)."""
        with self._lock:
            self.jobs += 1
            self.recent.append((start if arrived is None else arrived, start, end))
            self.seconds += max(0.0, end - start)
            if self._intervals and start <= self._intervals[-1][1] + 1e-9:
                self._intervals[-1][1] = max(self._intervals[-1][1], end)
            else:
                self._intervals.append([start, end])
                if len(self._intervals) > self.limit:
                    del self._intervals[: len(self._intervals) - self.limit]

    def intervals(self, since: float = -math.inf) -> list[tuple[float, float]]:
        """Busy intervals ``(start, end)`` of other users that end after ``since``."""
        with self._lock:
            return [(a, b) for a, b in self._intervals if b > since]

    def busy_between(self, start: float, end: float) -> float:
        """Seconds other users held the QPU within ``[start, end]``."""
        return sum(max(0.0, min(b, end) - max(a, start)) for a, b in self.intervals(start))


class _NoWork:
    """A foreign job's work: nothing runs on this machine."""

    pubs: tuple[Any, ...] = ()
    projected_qpu = None

    def prepare(self) -> None:
        return None

    def execute(self) -> Any:
        return None

    def finalize(self, raw: Any) -> Any:
        return None


class BackgroundLoad:
    """Feeds other users' jobs into a device's scheduler on its (virtual) clock.

    Args:
        scheduler: the device's scheduler (its clock and executor must know foreign jobs:
            :class:`~qmodes.local.device_time.DeviceTimeExecutor`).
        model: arrivals and durations.
    """

    def __init__(self, scheduler: Scheduler, model: LoadModel) -> None:
        self.scheduler = scheduler
        self.model = model
        self._ids = itertools.count(1)
        self._timer: Timer | None = None
        self._stopped = False

    def start(self) -> None:
        """Take over the crowd in its steady state (:meth:`LoadModel.steady_state`) and
        schedule the next arrival. A device that still has other users' jobs (the load was
        changed) keeps them instead."""
        state = self.model.steady_state()
        if not self._others_present():
            for seconds in ((state.running,) if state.running > 0 else ()) + state.queued:
                self._submit(seconds)
        if not self._stopped and math.isfinite(state.next_arrival):
            self._timer = self.scheduler.clock.call_later(state.next_arrival, self._arrive)

    def _others_present(self) -> bool:
        return any(job.foreign for job in self.scheduler.unfinished_jobs())

    def stop(self) -> None:
        """No more arrivals (jobs already queued still run)."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()

    def _schedule(self) -> None:
        gap = self.model.gap()
        if not self._stopped and math.isfinite(gap):
            self._timer = self.scheduler.clock.call_later(gap, self._arrive)

    def _arrive(self) -> None:
        if self._stopped:
            return
        self._submit()
        self._schedule()

    def _submit(self, seconds: float | None = None) -> None:
        """Queue one job of other users, lasting ``seconds`` (default: drawn)."""
        from qmodes.core.jobs import ForeignJob

        scheduler = self.scheduler
        record = JobRecord(id=f"{FOREIGN_PREFIX}{next(self._ids)}", context_id=None,
                           mode="job", backend=scheduler.backend_name, primitive="sampler",
                           created=0.0, source="other users")
        job = ForeignJob(record, _NoWork(), scheduler, scheduler.timeline,
                         seconds=self.model.duration() if seconds is None else seconds)
        scheduler.submit(job)
