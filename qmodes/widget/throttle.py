"""One place that pushes widget updates, at most ten times a second.

Timeline observers run on the runtime's threads and must be quick, so a widget's observer
only calls :meth:`Flusher.request`. A single daemon thread per process (not one per job, not
one per widget) wakes up, waits until the last round is at least ``interval`` old, and calls
``flush()`` on every widget that asked. Widgets that are live (something still running) are
also flushed every ``tick`` seconds, so usage that grows with time stays current.

The thread, not the kernel's event loop, does the pushing: while a cell runs, the kernel's
loop is busy, and the rows must still appear.

Example:
    >>> times = iter([0.0, 0.05, 0.2])
    >>> throttle = Throttle(0.1, now=lambda: next(times))
    >>> throttle.mark()           # a round at t=0.0
    >>> round(throttle.wait_time(), 3)  # at t=0.05: wait 0.05 s more
    0.05
    >>> throttle.wait_time()      # at t=0.2: go
    0.0
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Protocol

from qmodes._util.lazy import ProcessWide

__all__ = ["Flushable", "Flusher", "Throttle", "shared_flusher"]

_log = logging.getLogger(__name__)


class Flushable(Protocol):
    """What the flusher drives: a widget that pushes its pending changes in ``flush()``."""

    def flush(self) -> bool:
        """Push pending changes; return True while the target is live (wants ticks)."""
        ...


class Throttle:
    """Spaces events at least ``interval`` seconds apart."""

    def __init__(self, interval: float = 0.1, now: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._now = now
        self._last: float | None = None

    def wait_time(self) -> float:
        """Seconds to wait before the next event is allowed (0.0: go now)."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.interval - self._now())

    def mark(self) -> None:
        """Record that an event happened now."""
        self._last = self._now()


class Flusher:
    """Calls ``flush()`` on requesting targets from one daemon thread, throttled.

    Args:
        interval: the shortest time between two rounds (0.1 s: at most 10 updates a second).
        tick: how often live targets are flushed even without a request.
    """

    def __init__(self, interval: float = 0.1, tick: float = 1.0) -> None:
        self.interval = interval
        self.tick = tick
        self.rounds = 0
        self._throttle = Throttle(interval)
        self._pending: weakref.WeakSet[Flushable] = weakref.WeakSet()
        self._live: weakref.WeakSet[Flushable] = weakref.WeakSet()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def request(self, target: Flushable) -> None:
        """Ask for ``target.flush()`` in the next round (cheap: call it from any thread)."""
        with self._condition:
            self._pending.add(target)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="qmodes-widget-flusher",
                                                daemon=True)
                self._thread.start()
            self._condition.notify()

    def flush_now(self) -> None:
        """Run one round on the caller's thread, ignoring the throttle (tests, final pushes)."""
        with self._condition:
            targets = list(self._pending) + [t for t in self._live if t not in self._pending]
            self._pending.clear()
        self._run(targets)

    def _loop(self) -> None:
        while True:
            with self._condition:
                while not self._pending:
                    if not self._condition.wait(self.tick if self._live else None):
                        if self._live:
                            break  # a tick: flush the live targets
                wait = self._throttle.wait_time()
            if wait > 0:
                time.sleep(wait)  # let more changes pile up into this round
            with self._condition:
                targets = list(self._pending) + [t for t in self._live if t not in self._pending]
                self._pending.clear()
                self._throttle.mark()
            self._run(targets)

    def _run(self, targets: list[Flushable]) -> None:
        self.rounds += 1
        for target in targets:
            try:
                live = target.flush()
            except Exception:  # a broken widget must not stop the others
                _log.exception("qmodes widget flush failed")
                live = False
            with self._condition:
                if live:
                    self._live.add(target)
                else:
                    self._live.discard(target)


_SHARED: ProcessWide[Flusher] = ProcessWide(Flusher)


def shared_flusher() -> Flusher:
    """The process-wide flusher that every :class:`~qmodes.widget.TimelineWidget` uses."""
    return _SHARED.get()
