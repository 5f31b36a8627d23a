"""Why a job waited for the QPU, from what the timeline records.

A job *waits* whenever none of its phases runs before it ends: in the queue (its ``queued``
span), between phases (after its classical pre-processing, until the QPU takes it) and, while
it is not final, since its last phase ended. The widget draws every wait as queued time.

Why it waited is read from the same records: other users' QPU time on the device
(``others.qpu`` events, :meth:`qmodes.core.timeline.Timeline.others_qpu`), your other jobs' QPU
spans, and the job's context (a session's active windows). A reason reads, for example,
``"2 other users' jobs ahead"``, ``"session inactive; 1 other user's job ahead"`` or
``"waiting for the batch's turn (3 of its jobs ahead)"``.

Example:
    >>> from qmodes.core.timeline import Span
    >>> spans = [Span("queued", 0.0, 0.0), Span("classical", 0.0, 0.1), Span("qpu", 4.1, 6.1)]
    >>> gaps(spans, final=False, finished=None, now=7.0)
    [(0.1, 4.1)]
    >>> others = Busy()
    >>> others.close(0.5, 2.0); others.close(2.0, 4.1)
    >>> reason(waits(spans, False, None, 7.0), others, mine=None)
    "2 other users' jobs ahead"
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from qmodes.core.timeline import ContextRecord, Span

__all__ = ["EPSILON", "Busy", "during", "gaps", "reason", "waits"]

EPSILON = 0.0005
"""Shorter stretches are not waits (the ops round times to the millisecond)."""

Stretch = tuple[float, float]


def gaps(spans: Sequence[Span], final: bool, finished: float | None,
         now: float) -> list[Stretch]:
    """Stretches between a job's phases before the QPU took it, and since its last phase
    while the QPU has not (up to ``now``; to ``finished`` if it ended so, e.g. cancelled)."""
    out: list[Stretch] = []
    for before, after in itertools.pairwise(spans):
        if before.kind == "qpu":
            return out  # after the QPU nothing waits for it
        if before.end is not None and after.start - before.end > EPSILON:
            out.append((before.end, after.start))
    last = spans[-1] if spans else None
    if last is not None and last.end is not None and last.kind in ("queued", "classical"):
        end = now if not final else finished
        if end is not None and end - last.end > EPSILON:
            out.append((last.end, end))
    return out


def waits(spans: Sequence[Span], final: bool, finished: float | None,
          now: float) -> list[Stretch]:
    """Every stretch of waiting for the QPU, in order: queued spans and :func:`gaps`."""
    queued = [(s.start, now if s.end is None else s.end) for s in spans if s.kind == "queued"]
    return sorted([w for w in queued if w[1] - w[0] > EPSILON]
                  + gaps(spans, final, finished, now))


class Busy:
    """When something held one QPU: intervals in order of start (a QPU runs one job at a
    time, so their ends are in order too) and the one running now, counted by bisection.

    Args:
        limit: keep about the last ``limit`` intervals (None: all).

    Example:
        >>> busy = Busy()
        >>> busy.open(1.0); busy.running
        1.0
        >>> busy.close(1.0, 3.0); busy.jobs, busy.seconds, busy.count(0.0, 2.0)
        (1, 2.0, 1)
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.running: float | None = None
        """The start of the job on the QPU now, if any."""
        self.jobs = 0
        self.seconds = 0.0

    def open(self, start: float) -> None:
        """A job took the QPU at ``start``."""
        self.running = start

    def close(self, start: float, end: float) -> None:
        """The job that took the QPU at ``start`` left it at ``end``."""
        if self.running is not None and self.running <= end:
            self.running = None
        self.jobs += 1
        self.seconds += max(0.0, end - start)
        index = bisect_right(self.starts, start)  # the end, unless told out of order
        self.starts.insert(index, start)
        self.ends.insert(index, end)
        if self.limit is not None and len(self.starts) > 2 * self.limit:
            del self.starts[: self.limit], self.ends[: self.limit]

    def count(self, a: float, b: float) -> int:
        """Jobs that held the QPU at some moment within ``(a, b)``."""
        found = max(0, bisect_left(self.starts, b) - bisect_right(self.ends, a))
        return found + (self.running is not None and self.running < b)

    def within(self, a: float, b: float) -> int:
        """Jobs that held the QPU only within ``[a, b]`` (ended, no wait overlapped)."""
        return max(0, bisect_right(self.ends, b) - bisect_left(self.starts, a))

    def band(self, since: float, limit: int, now: float) -> list[Stretch]:
        """The last ``limit`` merged busy intervals that end after ``since`` (the running job
        up to ``now``)."""
        first = bisect_right(self.ends, since)
        pairs = list(zip(self.starts[first:], self.ends[first:], strict=True))
        if self.running is not None and now > self.running:
            pairs.append((self.running, now))
        merged: list[list[float]] = []
        for start, end in pairs:
            if merged and start <= merged[-1][1] + 1e-9:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(a, b) for a, b in merged[-limit:]]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def during(busy: Busy | None, stretches: Sequence[Stretch]) -> int:
    """Jobs of ``busy`` on the QPU during some of ``stretches`` (each counted once)."""
    if busy is None or not stretches:
        return 0
    found = busy.count(stretches[0][0], stretches[-1][1])
    for (_, a), (b, _) in itertools.pairwise(stretches):
        found -= busy.within(a, b)  # held the QPU only while the job was not waiting
    return found


def reason(stretches: Sequence[Stretch], others: Busy | None, mine: Busy | None,
           mine_here: Busy | None = None, context: ContextRecord | None = None,
           in_queue: bool = False) -> str | None:
    """Why a job waited during ``stretches`` (None if it did not wait).

    Args:
        stretches: the job's waits, in order (:func:`waits`).
        others: other users' time on the job's QPU.
        mine: your jobs' QPU spans on it (the job's own starts when its wait ends).
        mine_here: those of the job's own context.
        context: the job's session or batch (None in job mode).
        in_queue: every stretch is time in the queue (none after pre-processing).
    """
    if not stretches:
        return None
    theirs, ours = during(others, stretches), during(mine, stretches)
    same = during(mine_here, stretches) if context is not None else 0
    parts = []
    if context is not None and context.mode == "session" and any(
            not _in_window(context, a) for a, _ in stretches):
        parts.append("session inactive")
    if same and context is not None and context.mode == "batch":
        parts.append(f"waiting for the batch's turn ({same} of its jobs ahead)")
    elif same:
        parts.append(f"{_count(same, 'earlier job', 'earlier jobs')} of the session ahead")
    if ours > same:
        parts.append(f"{ours - same} of your jobs ahead")
    if theirs:
        parts.append(_count(theirs, "other user's job", "other users' jobs") + " ahead")
    if not parts and in_queue:
        return "waiting for a classical lane"  # nothing on the QPU meanwhile: lanes were full
    return "; ".join(parts) or "waiting for the QPU"


def _in_window(context: ContextRecord, moment: float) -> bool:
    """Whether a session's active window was open at ``moment``."""
    return any(w.start <= moment + EPSILON and (w.end is None or moment < w.end)
               for w in context.windows)
