"""Delivery of a timeline's events to its observers, from one thread, in batches.

A :class:`~qmodes.core.timeline.Timeline` records each change under its lock and then calls
:meth:`Dispatcher.notify`, which only wakes the dispatcher thread if it sleeps (O(1), no
observer runs there). The dispatcher gathers events for :data:`DISPATCH_INTERVAL` and hands
them to every observer in ``seq`` order, so the threads that change the timeline (the
scheduler under its lock, the executor between two QPU jobs) never wait for an observer, and
observers wake a few times a second rather than once per event. :meth:`Dispatcher.flush`
waits for delivery (and skips the gathering wait).

Example:
    >>> import threading
    >>> events, lock = [], threading.RLock()
    >>> dispatcher = Dispatcher(events, lock)
    >>> heard = []
    >>> _ = dispatcher.subscribe(heard.append)
    >>> events.append(1); dispatcher.notify()
    >>> dispatcher.flush(5), heard
    (True, [1])
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["DISPATCH_INTERVAL", "Dispatcher"]

DISPATCH_INTERVAL = 0.2
"""Seconds the dispatcher gathers events before delivering them (unless a flush waits): five
wake-ups a second leave the engine's threads the GIL (at 20 a second, attaching any observer
made a 500-job batch's usage on Aer read ~9 % higher), and are still live for a person."""

_log = logging.getLogger("qmodes.core.timeline")


class Dispatcher:
    """Hands the items appended to ``events`` to the observers, on its own daemon thread.

    Args:
        events: the append-only list of events.
        lock: the lock the owner holds while appending to ``events``.
    """

    def __init__(self, events: list[Any], lock: threading.RLock) -> None:
        self._events = events
        self._lock = lock
        self._observers: tuple[tuple[Callable[[Any], None], int, bool], ...] = ()
        self._delivered = 0  # events[:delivered] have reached the observers
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._idle = False  # the thread waits for a first event: notify() must wake it
        self._flushing = 0  # threads waiting in flush()

    @property
    def observer_count(self) -> int:
        return len(self._observers)

    def subscribe(self, observer: Callable[[Any], None], *, batches: bool = False
                  ) -> Callable[[], None]:
        """Deliver every later event to ``observer``; returns a function that unsubscribes.

        With ``batches=True`` the observer is called once per delivery with the list of new
        events (in order), instead of once per event: a busy engine delivers thousands of
        events a second, and one call each would take that much more of the GIL.
        After ``unsubscribe()`` returns the observer hears nothing more, except events of a
        batch being delivered at that moment.
        """
        with self._lock:
            self._observers = (*self._observers, (observer, len(self._events), batches))

        def unsubscribe() -> None:
            with self._lock:
                self._observers = tuple(o for o in self._observers if o[0] is not observer)

        return unsubscribe

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event appended so far has reached the observers.

        Returns False if ``timeout`` seconds passed first; at once from an observer.
        """
        if threading.current_thread() is self._thread:
            return True
        with self._lock:
            target = len(self._events)
        with self._wake:
            if self._delivered >= target:
                return True
            self._flushing += 1  # deliver at once, without gathering
            try:
                self._wake.notify_all()
                return self._wake.wait_for(lambda: self._delivered >= target, timeout)
            finally:
                self._flushing -= 1

    def notify(self) -> None:
        """Events were appended (owner's lock not held): wake the thread if it sleeps."""
        if not self._observers:
            self._delivered = len(self._events)  # nobody to tell: nothing to flush
            return
        thread = self._thread
        if thread is not None and not self._idle and thread.is_alive():
            return  # awake: it sees these events before it sleeps again
        with self._wake:
            if self._thread is None or not self._thread.is_alive():  # first use, or forked
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="qmodes-timeline")
                self._thread.start()
            self._wake.notify_all()

    def _loop(self) -> None:
        while True:
            with self._wake:
                self._idle = True
                self._wake.wait_for(lambda: self._delivered < len(self._events))
                self._idle = False
                if not self._flushing:
                    self._wake.wait_for(lambda: self._flushing > 0, DISPATCH_INTERVAL)
            self._deliver()

    def _deliver(self) -> None:
        while True:
            with self._lock:
                start, end = self._delivered, len(self._events)
                if start >= end:
                    return
                events = self._events[start:end]
                observers = self._observers
            for observer, since, batches in observers:
                # events[i] is number start + i + 1: heard if appended after subscribing
                heard = events[since - start:] if since > start else events
                if batches:
                    if heard:
                        _call(observer, heard, "a batch of events")
                    continue
                for event in heard:
                    _call(observer, event, getattr(event, "kind", event))
            with self._wake:
                self._delivered = max(self._delivered, end)
                self._wake.notify_all()


def _call(observer: Callable[[Any], None], what: Any, label: Any) -> None:
    try:
        observer(what)
    except Exception:  # an observer must not stop the others
        _log.exception("qmodes timeline: observer %r failed on %s", observer, label)
