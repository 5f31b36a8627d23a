"""Executors: where the scheduler's work runs, and how long it takes.

The scheduler hands each phase of a job (classical pre-processing, the QPU, post-processing)
to an executor with a callback for when it is done. :class:`ThreadExecutor` runs the work for
real, on a pool of classical lanes and one QPU thread; :class:`SimulatedExecutor` runs it at
once and reports it done after a duration you choose, on a :class:`~qmodes.clock.ManualClock`,
so tests and the advisor's replays see exact, repeatable times.

Example:
    >>> from qmodes.clock import ManualClock
    >>> clock = ManualClock(start=0.0)
    >>> executor = SimulatedExecutor(clock, {"classical": 1.0, "qpu": 2.0, "post": 0.5})
    >>> report = lambda value, error: print(clock.now(), value)
    >>> executor.submit("qpu", None, lambda: "counts", report)
    >>> clock.advance(5)
    2.0 counts
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from qmodes.clock import Clock

__all__ = ["Executor", "Phase", "SimulatedExecutor", "ThreadExecutor"]

Phase = Literal["classical", "qpu", "post"]
Done = Callable[[Any, "BaseException | None"], None]


class Executor(Protocol):
    """Runs one phase of a job and calls ``done(value, error)`` when it finishes."""

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None: ...

    def shutdown(self) -> None: ...


class ThreadExecutor:
    """Real execution: ``lanes`` threads for classical phases, one thread for the QPU.

    Args:
        lanes: classical execution lanes.
        name: prefix of the threads' names.
        min_qpu_time: optional pacing, ``job -> seconds``: the QPU lane stays busy with a job
            at least this long (e.g. its projected time on the real device), so TTLs on Aer
            behave as on the device.
    """

    def __init__(self, lanes: int = 5, name: str = "qmodes",
                 min_qpu_time: Callable[[Any], float] | None = None) -> None:
        self._classical = concurrent.futures.ThreadPoolExecutor(lanes, f"{name}-lane")
        self._qpu = concurrent.futures.ThreadPoolExecutor(1, f"{name}-qpu")
        self.min_qpu_time = min_qpu_time

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None:
        if phase == "qpu":
            pace = self.min_qpu_time
            self._qpu.submit(_call, work if pace is None else _paced(work, pace, job), done)
        else:
            self._classical.submit(_call, work, done)

    def shutdown(self) -> None:
        self._classical.shutdown(wait=False, cancel_futures=True)
        self._qpu.shutdown(wait=False, cancel_futures=True)


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


def _call(work: Callable[[], Any], done: Done) -> None:
    try:
        value = work()
    except BaseException as error:
        done(None, error)
    else:
        done(value, None)


Durations = Mapping[str, float] | Callable[[Phase, Any], float]


class SimulatedExecutor:
    """Runs the work at once; reports it done after a chosen duration on the clock.

    Args:
        clock: usually a :class:`~qmodes.clock.ManualClock`.
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
        try:
            value, error = work(), None
        except BaseException as exc:
            value, error = None, exc
        self._clock.call_later(self.duration(phase, job), lambda: done(value, error))

    def shutdown(self) -> None:
        pass
