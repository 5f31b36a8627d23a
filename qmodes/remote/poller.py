"""One thread that polls IBM for every remote job and context, never faster than 0.5 s.

Each thing followed is a :class:`Watch`: ``poll()`` asks IBM once, records what it learnt on
the timeline and returns how long to wait before the next poll (or None when done). Watches
back off themselves (longer while a job is queued, longer again after a network error); the
poller never polls a watch sooner than :attr:`Poller.min_interval` after its last poll, and a
watch that raises is retried later, never dropped.

Example:
    >>> import time
    >>> class Countdown:
    ...     def __init__(self): self.left = 2
    ...     def poll(self):
    ...         self.left -= 1
    ...         return None if self.left == 0 else 0.0
    >>> poller = Poller(min_interval=0.01)
    >>> watch = Countdown()
    >>> poller.watch(watch)
    >>> time.sleep(0.2); watch.left
    0
    >>> poller.stop()
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Protocol

from qmodes._util.lazy import ProcessWide

__all__ = ["MIN_INTERVAL", "Poller", "Watch", "default_poller"]

MIN_INTERVAL = 0.5
"""Seconds between two polls of the same job or context, at least."""

log = logging.getLogger(__name__)


class Watch(Protocol):
    """Something the poller follows."""

    def poll(self) -> float | None:
        """Poll once; return the delay before the next poll, or None to stop."""


class Poller:
    """Polls every :class:`Watch` on one daemon thread.

    Args:
        min_interval: the shortest delay between two polls of one watch (seconds).
        error_delay: the delay after a watch raised (it is then retried).
    """

    def __init__(self, min_interval: float = MIN_INTERVAL, error_delay: float = 2.0) -> None:
        self.min_interval = min_interval
        self.error_delay = error_delay
        self._heap: list[tuple[float, int, Watch]] = []
        self._seq = itertools.count()
        self._due: dict[int, float] = {}  # id(watch) -> when it is next due
        self._last: dict[int, float] = {}  # id(watch) -> when it was last polled
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._generation = 0  # a thread polls only while its generation is current

    def watch(self, watch: Watch, delay: float | None = None) -> None:
        """Follow ``watch``: first poll after ``delay`` (default: ``min_interval``)."""
        self._schedule(watch, self.min_interval if delay is None else delay)

    def nudge(self, watch: Watch) -> None:
        """Poll ``watch`` as soon as the minimum interval allows (e.g. after a cancel)."""
        self._schedule(watch, 0.0, only_sooner=True)

    def _schedule(self, watch: Watch, delay: float, only_sooner: bool = False) -> None:
        key = id(watch)
        with self._condition:
            earliest = self._last.get(key, -float("inf")) + self.min_interval
            due = max(time.monotonic() + max(0.0, delay), earliest)
            if only_sooner and key in self._due and self._due[key] <= due:
                return
            if only_sooner and key not in self._due:
                return  # not followed (any more)
            self._due[key] = due
            heapq.heappush(self._heap, (due, next(self._seq), watch))
            if self._stopped or self._thread is None or not self._thread.is_alive():
                # after stop(), a thread still busy in a poll must not be relied on: it exits
                # when it sees its generation is over, and a new thread takes over
                self._stopped = False
                self._thread = threading.Thread(target=self._loop, args=(self._generation,),
                                                name="qmodes-ibm-poller", daemon=True)
                self._thread.start()
            self._condition.notify()

    @property
    def watching(self) -> int:
        """How many watches are followed."""
        with self._condition:
            return len(self._due)

    def stop(self) -> None:
        """Stop the thread (watches are forgotten)."""
        with self._condition:
            self._stopped = True
            self._generation += 1
            self._heap.clear()
            self._due.clear()
            self._condition.notify_all()

    def _next(self, generation: int) -> Watch | None:
        with self._condition:
            while not self._stopped and generation == self._generation:
                if not self._heap:
                    self._condition.wait()
                    continue
                due, _, watch = self._heap[0]
                if self._due.get(id(watch)) != due:  # superseded by a later schedule
                    heapq.heappop(self._heap)
                    continue
                wait = due - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                heapq.heappop(self._heap)
                del self._due[id(watch)]
                self._last[id(watch)] = time.monotonic()
                return watch
            return None

    def _loop(self, generation: int = 0) -> None:
        while (watch := self._next(generation)) is not None:
            try:
                delay = watch.poll()
            except Exception:  # a bug in one watch must not stop the others
                log.exception("qmodes: polling failed; retrying in %.1f s", self.error_delay)
                delay = self.error_delay
            if delay is None:
                with self._condition:
                    self._last.pop(id(watch), None)
            else:
                self._schedule(watch, delay)


_default: ProcessWide[Poller] = ProcessWide(Poller)


def default_poller() -> Poller:
    """The process-wide poller all remote schedulers share."""
    return _default.get()
