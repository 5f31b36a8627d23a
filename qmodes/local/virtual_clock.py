"""Virtual time for an emulated device: wall time plus an offset that grows by jumps.

Virtual time flows with the wall clock (times ``pace``) while user code runs, so think time is
real. Two things stop it or move it:

* **It never passes an unfired timer.** A timer fires with :meth:`VirtualClock.now` equal to
  its due time, whether the clock's thread reached it by flowing or a wait jumped to it.
* **Holds.** :meth:`VirtualClock.hold` pins an instant virtual time may not pass (e.g. the
  device end of a job whose Aer run has not finished yet); a *barrier* (a hold with no
  instant) lets time flow but stops jumps while a classical phase runs on a thread;
  :meth:`~VirtualClock.release` lets it go on.

:meth:`VirtualClock.advance_to` is the jump: it fires every timer due on the way, in order,
as :class:`~qmodes.core.clock.ManualClock.advance` does. Waits use it through :meth:`step` (see
:mod:`qmodes.local.device_time`).

Example:
    >>> from qmodes.core.clock import ManualClock
    >>> wall = ManualClock(start=0.0)
    >>> clock = VirtualClock(wall=wall.now, thread=False)
    >>> fired = []
    >>> _ = clock.call_later(60, lambda: fired.append(clock.now()))
    >>> wall.advance(5); clock.now()          # flows with the wall clock
    5.0
    >>> clock.advance_to(100.0); fired, clock.now(), clock.offset
    ([60.0], 100.0, 95.0)
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from qmodes.core.clock import MAX_WAIT, Timer, _TimerHeap, run_timer

__all__ = ["Hold", "VirtualClock"]


class Hold:
    """An instant virtual time may not pass until :meth:`VirtualClock.release`.

    ``pause``: time that flowed past the instant while held is lost (the device waited);
    otherwise time resumes where the wall clock has brought it.
    """

    __slots__ = ("at", "id", "pause")

    def __init__(self, at: float, id: int, pause: bool = True) -> None:
        self.at = at
        self.id = id
        self.pause = pause


class VirtualClock:
    """A clock for emulated devices: wall time + offset, jumps forward on demand.

    Args:
        wall: the wall clock (default :func:`time.time`; tests pass a manual clock's ``now``).
        pace: speed of virtual time while it flows (1.0: as fast as the wall clock).
        thread: run due timers on a daemon thread as time flows (tests pass False and call
            :meth:`poll` or :meth:`advance_to`).
    """

    def __init__(self, *, wall: Callable[[], float] = time.time, pace: float = 1.0,
                 thread: bool = True) -> None:
        _check_pace(pace)
        self._wall = wall
        self._pace = pace
        self._cond = threading.Condition(threading.RLock())
        self._anchor_wall = wall()
        self._anchor = self._anchor_wall
        self._last = self._anchor
        self._timers = _TimerHeap()
        self._holds: dict[int, float] = {}
        self._barriers: dict[int, float] = {}
        self._ids = itertools.count()
        self._use_thread = thread
        self._thread: threading.Thread | None = None
        self.jumped = 0.0
        """Seconds virtual time has jumped ahead in total (the offset minus pace drift)."""

    # -- reading -------------------------------------------------------------------------
    def now(self) -> float:
        """Virtual seconds since the epoch."""
        with self._cond:
            return self._now()

    def _flowing(self) -> float:
        return self._anchor + self._pace * (self._wall() - self._anchor_wall)

    def _now(self) -> float:
        value = self._flowing()
        due = self._timers.next_due()
        if due is not None:
            value = min(value, due)
        if self._holds:
            value = min(value, min(self._holds.values()))
        self._last = max(self._last, value)
        return self._last

    @property
    def offset(self) -> float:
        """Virtual time minus wall time."""
        with self._cond:
            return self._now() - self._wall()

    @property
    def pace(self) -> float:
        """Speed of virtual time while nothing waits (1.0: the wall clock's speed)."""
        return self._pace

    @pace.setter
    def pace(self, value: float) -> None:
        _check_pace(value)
        with self._cond:
            self._anchor_at(self._now())
            self._pace = value
            self._cond.notify_all()

    def _anchor_at(self, virtual: float) -> None:
        self._anchor = max(virtual, self._last)
        self._anchor_wall = self._wall()
        self._last = self._anchor

    # -- timers --------------------------------------------------------------------------
    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` when virtual time reaches now + ``delay``."""
        with self._cond:
            return self._push(self._now() + max(0.0, delay), callback)

    def call_at(self, due: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` when virtual time reaches ``due`` (at once if it is past)."""
        with self._cond:
            return self._push(max(due, self._now()), callback)

    def _push(self, due: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(due, callback)
        self._timers.push(timer)
        if self._use_thread and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="qmodes-device-clock",
                                            daemon=True)
            self._thread.start()
        self._cond.notify_all()
        return timer

    def next_due(self) -> float | None:
        """Due time of the next timer, if any."""
        with self._cond:
            return self._timers.next_due()

    # -- holds ---------------------------------------------------------------------------
    def hold(self, at: float | None = None) -> Hold:
        """Stop virtual time from passing ``at`` until released.

        With ``at`` None the hold is a *barrier*: time still flows with the wall clock, but
        no jump happens until it is released (work in wall time is under way whose outcome
        a jump could skip).
        """
        with self._cond:
            if at is None:
                hold = Hold(self._now(), next(self._ids))
                self._barriers[hold.id] = hold.at
                return hold
            moment = max(at, self._last)
            hold = Hold(moment, next(self._ids))
            self._holds[hold.id] = moment
            return hold

    def release(self, hold: Hold) -> None:
        """Let virtual time pass the held instant (it resumes from where it stopped)."""
        with self._cond:
            self._barriers.pop(hold.id, None)
            if hold.id in self._holds:
                if hold.pause:
                    self._anchor_at(self._now())
                self._holds.pop(hold.id, None)
            self._cond.notify_all()

    def held(self) -> float | None:
        """The earliest held instant (a barrier holds the present), if any."""
        with self._cond:
            if self._barriers:
                return self._now()
            return min(self._holds.values()) if self._holds else None

    # -- moving --------------------------------------------------------------------------
    def advance_to(self, target: float) -> None:
        """Jump to ``target`` (never back, never past a hold), firing due timers in order."""
        while True:
            with self._cond:
                limit = target
                if self._holds:
                    limit = min(limit, min(self._holds.values()))
                if self._barriers:
                    limit = min(limit, self._now())
                due = self._timers.next_due()
                if due is None or due > limit:
                    if limit > self._flowing():
                        self.jumped += limit - self._now()
                        self._anchor_at(limit)
                    return
                timer, hold = self._fire_next(due)
            self._run(timer, hold)

    def step(self) -> bool:
        """Jump to the next event (a timer or a hold) and fire it; False if nothing to do."""
        with self._cond:
            due = self._timers.next_due()
            held = min(self._holds.values()) if self._holds else None
            if self._barriers:
                held = self._now() if held is None else min(held, self._now())
            target = due if held is None else held if due is None else min(due, held)
            if target is None or (target <= self._now() and due != target):
                return False
        self.advance_to(target)
        return True

    def wait_for_change(self, timeout: float) -> None:
        """Block up to ``timeout`` wall seconds for a release, a new timer or a pace change."""
        with self._cond:
            self._cond.wait(max(0.0, min(timeout, MAX_WAIT)))

    def poll(self) -> None:
        """Fire the timers that flowing time has reached (what the thread does)."""
        while True:
            with self._cond:
                due = self._timers.next_due()
                if due is None or self._now() < due:
                    return
                timer, hold = self._fire_next(due)
            self._run(timer, hold)

    def _fire_next(self, due: float) -> tuple[Timer, Hold]:
        """Move to ``due``, take its timer off the heap and hold time there (lock held).

        The hold lasts while the callback runs, so no jump passes what the callback starts.
        """
        if due > self._flowing():  # a jump; else time flowed here and keeps its pace
            self.jumped += due - self._now()
            self._anchor_at(due)
        self._last = max(self._last, due)
        timer = self._timers.pop()
        hold = Hold(due, next(self._ids), pause=False)
        self._holds[hold.id] = due
        self._cond.notify_all()
        return timer, hold

    def _run(self, timer: Timer, hold: Hold) -> None:
        try:
            run_timer(timer)
        finally:
            self.release(hold)

    def _loop(self) -> None:
        while True:
            with self._cond:
                due = self._timers.next_due()
                flowing = self._flowing()
                held = min(self._holds.values()) if self._holds else None
                if due is not None and flowing >= due and (held is None or held >= due):
                    timer, hold = self._fire_next(due)
                else:
                    wait = MAX_WAIT
                    if due is not None and (held is None or held >= due):
                        wait = min(wait, (due - flowing) / self._pace)
                    self._cond.wait(max(wait, 0.0005))
                    continue
            self._run(timer, hold)


def _check_pace(value: float) -> None:
    if isinstance(value, bool) or not (value > 0 and value != float("inf")):
        raise ValueError(f"pace must be a positive speed factor such as 1.0 (virtual time "
                         f"flows as fast as the wall clock) or 10 (ten times faster); "
                         f"got {value!r}")
