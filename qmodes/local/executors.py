"""Executors: where the scheduler's work runs, and how long it takes.

The scheduler hands each phase of a job (classical pre-processing, the QPU, post-processing)
to an executor with a callback for when it is done. :class:`ThreadExecutor` runs the work for
real, on a pool of classical lanes and one QPU thread; :class:`SimulatedExecutor` runs it at
once and reports it done after a duration you choose, on a :class:`~qmodes.core.clock.ManualClock`,
so tests and the advisor's replays see exact, repeatable times.

**The executor stamps the phase.** It calls ``done(value, error, start=t0, end=t1)`` where
``t0``/``t1`` are its clock's ``now()`` when the phase really began and ended (for the QPU
lane: when this job took the device and when it gave it back), read on the executor's side
before anything else runs. The scheduler records exactly these times, so a phase's span does
not depend on how long the scheduler, its lock or any observer took. An executor that calls
``done(value, error)`` without them still works: the scheduler then stamps the end itself.

Example:
    >>> from qmodes.core.clock import ManualClock
    >>> clock = ManualClock(start=0.0)
    >>> executor = SimulatedExecutor(clock, {"classical": 1.0, "qpu": 2.0, "post": 0.5})
    >>> report = lambda value, error, start, end: print(start, end, value)
    >>> executor.submit("qpu", None, lambda: "counts", report)
    >>> clock.advance(5)
    0.0 2.0 counts
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from qmodes.core.clock import Clock, RealClock

__all__ = ["Executor", "Phase", "SimulatedExecutor", "ThreadExecutor"]

Phase = Literal["classical", "qpu", "post"]
Done = Callable[..., None]
"""``done(value, error, start=t0, end=t1)``: the phase's result (or error) and its stamps."""


class Executor(Protocol):
    """Runs one phase of a job and calls ``done(value, error, start=t0, end=t1)`` when it
    finishes, ``t0``/``t1`` being the executor's clock at the phase's real start and end."""

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None: ...

    def shutdown(self) -> None: ...


class ThreadExecutor:
    """Real execution: ``lanes`` threads for classical phases, one thread for the QPU.

    The threads are daemons: a kernel that exits is never held up by a long Aer run (the
    scheduler's :meth:`~qmodes.local.scheduler.Scheduler.shutdown` bounds the wait).

    Args:
        lanes: classical execution lanes.
        name: prefix of the threads' names.
        min_qpu_time: optional pacing, ``job -> seconds``: the QPU lane stays busy with a job
            at least this long (e.g. its projected time on the real device), so TTLs on Aer
            behave as on the device.
        clock: what stamps each phase's start and end (the scheduler's clock; default the
            real clock).
    """

    def __init__(self, lanes: int = 5, name: str = "qmodes",
                 min_qpu_time: Callable[[Any], float] | None = None,
                 clock: Clock | None = None) -> None:
        self._clock: Clock = clock or RealClock()
        self._classical = _Pool(lanes, f"{name}-lane")
        self._qpu = _Pool(1, f"{name}-qpu")
        self.min_qpu_time = min_qpu_time

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None:
        if phase == "qpu":
            pace = self.min_qpu_time
            self._qpu.put((work if pace is None else _paced(work, pace, job), done, self._clock))
        else:
            self._classical.put((work, done, self._clock))

    def shutdown(self) -> None:
        """Drop the work not started yet and let the threads end after their current work."""
        self._classical.close()
        self._qpu.close()


_Item = tuple[Callable[[], Any], Done, Clock]


class _Pool:
    """``size`` daemon threads running work items from one queue, started on first use."""

    def __init__(self, size: int, name: str) -> None:
        self._size = size
        self._name = name
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def put(self, item: _Item) -> None:
        if self._closed:
            raise RuntimeError(f"{self._name}: the executor was shut down")
        if len(self._threads) < self._size:
            self._start_threads()
        self._queue.put(item)

    def _start_threads(self) -> None:
        with self._lock:
            while len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"{self._name}-{len(self._threads)}")
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            _call(*item)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            for _ in self._threads:
                self._queue.put(None)


def _paced(work: Callable[[], Any], min_time: Callable[[Any], float],
           job: Any) -> Callable[[], Any]:
    def paced() -> Any:
        start = time.monotonic()
        value = work()
        remaining = min_time(job) - (time.monotonic() - start)
        if remaining > 0:
            time.sleep(remaining)
        return value

    return paced


def _call(work: Callable[[], Any], done: Done, clock: Clock) -> None:
    start = clock.now()
    try:
        value = work()
    except BaseException as error:
        done(None, error, start=start, end=clock.now())
    else:
        done(value, None, start=start, end=clock.now())


Durations = Mapping[str, float] | Callable[[Phase, Any], float]


class SimulatedExecutor:
    """Runs the work at once; reports it done after a chosen duration on the clock.

    Args:
        clock: usually a :class:`~qmodes.core.clock.ManualClock`.
        durations: seconds per phase, as a mapping ``{"classical": 1, "qpu": 5, "post": 0}``
            or a function ``(phase, job) -> seconds`` (e.g. projected device time).
    """

    def __init__(self, clock: Clock, durations: Durations) -> None:
        self._clock = clock
        self._durations = durations

    def duration(self, phase: Phase, job: Any) -> float:
        if callable(self._durations):
            return float(self._durations(phase, job))
        return float(self._durations.get(phase, 0.0))

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None:
        start = self._clock.now()
        try:
            value, error = work(), None
        except BaseException as exc:
            value, error = None, exc
        self._clock.call_later(self.duration(phase, job), lambda: done(
            value, error, start=start, end=self._clock.now()))

    def shutdown(self) -> None:
        pass
