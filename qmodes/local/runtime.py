"""The local runtime: one scheduler per device, sharing a clock, an executor kind and a timeline.

The default runtime uses the real clock and runs jobs on threads. Tests and the advisor build
their own with a :class:`~qmodes.clock.ManualClock` and a
:class:`~qmodes.local.executors.SimulatedExecutor`, and pass it as ``runtime=``.

Example:
    >>> from qmodes.clock import ManualClock
    >>> from qmodes.local.executors import SimulatedExecutor
    >>> clock = ManualClock(start=0.0)
    >>> runtime = LocalRuntime(clock=clock,
    ...     executor=SimulatedExecutor(clock, {"classical": 1, "qpu": 5, "post": 0.5}))
    >>> runtime.lanes
    5
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from qmodes.backends import LocalBackend
from qmodes.clock import Clock, RealClock
from qmodes.local.executors import Executor, ThreadExecutor
from qmodes.local.scheduler import Scheduler
from qmodes.timeline import Timeline, default_timeline

__all__ = ["LocalRuntime", "default_runtime"]


class LocalRuntime:
    """Creates and keeps the scheduler of each local device.

    Args:
        clock: time source for every scheduler (default: the real clock).
        executor: one executor shared by all devices (e.g. a ``SimulatedExecutor``); by
            default each device gets its own ``ThreadExecutor`` with ``lanes`` lanes.
        timeline: where events go (default: the process-wide timeline).
        lanes: classical execution lanes per device (IBM: 5).
    """

    def __init__(self, *, clock: Clock | None = None, executor: Executor | None = None,
                 timeline: Timeline | None = None, lanes: int = 5) -> None:
        if lanes < 1:
            raise ValueError(f"lanes must be at least 1, got {lanes}")
        self.clock: Clock = clock or RealClock()
        self.timeline = timeline or default_timeline()
        self.lanes = lanes
        self._executor = executor
        self._make_executor: Callable[[str], Executor] = (
            (lambda name: executor) if executor is not None
            else (lambda name: ThreadExecutor(lanes, name=f"qmodes-{name}")))
        self._schedulers: dict[str, Scheduler] = {}
        self._lock = threading.Lock()

    def scheduler(self, backend: LocalBackend) -> Scheduler:
        """The scheduler of ``backend``'s device (made on first use).

        A remote backend brings its own scheduler (it forwards to IBM and polls); it shares
        this runtime's timeline.
        """
        if getattr(backend, "is_remote", False):
            return backend.scheduler(self)  # type: ignore[attr-defined,no-any-return]
        with self._lock:
            scheduler = self._schedulers.get(backend.name)
            if scheduler is None:
                scheduler = Scheduler(backend.name, self.clock, self._make_executor(backend.name),
                                      self.timeline, self.lanes)
                self._schedulers[backend.name] = scheduler
            return scheduler

    def shutdown(self) -> None:
        with self._lock:
            for scheduler in self._schedulers.values():
                scheduler.shutdown()
            self._schedulers.clear()


_default: LocalRuntime | None = None
_default_lock = threading.Lock()


def default_runtime() -> LocalRuntime:
    """The process-wide runtime (real clock, threads, the default timeline)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = LocalRuntime()
        return _default
