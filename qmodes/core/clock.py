"""Clocks for the local scheduler: the real one, and a manual one for deterministic tests.

A clock tells the time (seconds since the epoch, as :func:`time.time`) and runs callbacks
later. The scheduler only talks to this interface, so every mode rule (TTLs, windows, max
TTL) can be tested in milliseconds by advancing a :class:`ManualClock` by hand.

Example:
    >>> clock = ManualClock(start=100.0)
    >>> fired = []
    >>> _ = clock.call_later(5, lambda: fired.append(clock.now()))
    >>> clock.advance(10)
    >>> fired
    [105.0]
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["MAX_WAIT", "Clock", "ManualClock", "RealClock", "Timer", "run_timer"]

MAX_WAIT = 3600.0
"""Longest single wait of a clock thread, in seconds. Python's threading waits overflow at
about 2.5 million hours ("timestamp out of range for platform time_t"); a timer further out
is simply waited for in steps of this length."""

_log = logging.getLogger("qmodes.core.clock")


def run_timer(timer: Timer) -> None:
    """Run a timer's callback unless it was cancelled; an exception is logged, not raised.

    A clock serves every context of the process: one failing callback must not stop the
    interactive TTLs, max TTLs and idle closes of all the others.
    """
    if timer.cancelled:
        return
    try:
        timer.callback()
    except Exception:
        _log.exception("qmodes: a timer callback failed (due at %s); the clock goes on",
                       timer.due)


class Timer:
    """A callback scheduled on a clock; :meth:`cancel` stops it from running."""

    __slots__ = ("callback", "cancelled", "due")

    def __init__(self, due: float, callback: Callable[[], None]) -> None:
        self.due = due
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Stop the callback from running (no effect once it ran)."""
        self.cancelled = True


class Clock(Protocol):
    """What the scheduler needs from time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` after ``delay`` seconds, on the clock's own thread."""
        ...


class _TimerHeap:
    """A heap of timers ordered by due time, then by insertion."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._counter = itertools.count()

    def push(self, timer: Timer) -> None:
        heapq.heappush(self._heap, (timer.due, next(self._counter), timer))

    def next_due(self) -> float | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def pop(self) -> Timer:
        return heapq.heappop(self._heap)[2]


class RealClock:
    """Wall-clock time; callbacks run on one shared daemon thread (not a thread per timer)."""

    def __init__(self) -> None:
        self._timers = _TimerHeap()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def now(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.now() + max(0.0, delay), callback)
        with self._condition:
            self._timers.push(timer)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="qmodes-clock", daemon=True
                )
                self._thread.start()
            self._condition.notify()
        return timer

    def _loop(self) -> None:
        while True:
            with self._condition:
                due = self._timers.next_due()
                while due is None or due > self.now():
                    self._condition.wait(None if due is None
                                         else min(due - self.now(), MAX_WAIT))
                    due = self._timers.next_due()
                timer = self._timers.pop()
            run_timer(timer)


class ManualClock:
    """A clock that moves only when told to: :meth:`advance` fires due timers in order.

    Callbacks run synchronously inside :meth:`advance`, each with :meth:`now` equal to its due
    time, so tests see exactly the instants the rules name.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._timers = _TimerHeap()
        self._lock = threading.RLock()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self._now + max(0.0, delay), callback)
        with self._lock:
            self._timers.push(timer)
        return timer

    def advance(self, seconds: float = 0.0) -> None:
        """Move time forward by ``seconds``, running every timer that falls due on the way."""
        target = self._now + seconds
        while True:
            with self._lock:
                due = self._timers.next_due()
                if due is None or due > target:
                    break
                timer = self._timers.pop()
            self._now = max(self._now, timer.due)
            run_timer(timer)
        self._now = target

    def run_until_idle(self, limit: float = 10 * 24 * 3600.0) -> None:
        """Advance until no timer is left (at most ``limit`` seconds)."""
        end = self._now + limit
        while True:
            with self._lock:
                due = self._timers.next_due()
            if due is None or due > end:
                return
            self.advance(due - self._now)
