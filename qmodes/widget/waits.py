"""Why a job waited for the QPU, from what the timeline records.

A job *waits* whenever none of its phases runs before it ends: in the queue (its ``queued``
span), between phases (after its classical pre-processing, until the QPU takes it) and, while
it is not final, since its last phase ended. The widget draws every wait as queued time.

Why it waited is read from the same records: other users' QPU time on the device
(``others.qpu`` events, :meth:`qmodes.timeline.Timeline.others_qpu`), your other jobs' QPU
spans, and the job's context (a session's active windows). A reason reads, for example,
``"2 other users' jobs ahead"``, ``"session inactive; 1 other user's job ahead"`` or
``"waiting for the batch's turn (3 of its jobs ahead)"``.

Example:
    >>> from qmodes.timeline import Span
    >>> spans = [Span("queued", 0.0, 0.0), Span("classical", 0.0, 0.1), Span("qpu", 4.1, 6.1)]
    >>> gaps(spans, final=False, finished=None, now=7.0)
    [(0.1, 4.1)]
    >>> others = OthersOnQpu()
    >>> others.add(0.5, 2.0); others.add(2.0, 4.1)
    >>> reason(waits(spans, False, None, 7.0), others.between, lambda a, b: {})
    "2 other users' jobs ahead"
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from qmodes.timeline import ContextRecord, Span

__all__ = ["EPSILON", "OthersOnQpu", "QpuLog", "gaps", "reason", "waits"]

EPSILON = 0.0005
"""Shorter stretches are not waits (the ops round times to the millisecond)."""

Stretch = tuple[float, float]


def gaps(spans: Sequence[Span], final: bool, finished: float | None,
         now: float) -> list[Stretch]:
    """Stretches between a job's phases before the QPU took it, and since its last phase
    while the QPU has not (up to ``now``; to ``finished`` if it ended so, e.g. cancelled)."""
    out: list[Stretch] = []
    for before, after in zip(spans, spans[1:], strict=False):
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


class OthersOnQpu:
    """Other users' QPU time on one backend, as the timeline told it (the last ``limit``
    intervals, with totals). Their jobs hold the QPU one at a time, in order.

    Example:
        >>> others = OthersOnQpu()
        >>> others.add(1.0); others.running
        1.0
        >>> others.add(1.0, 3.0); others.jobs, others.seconds, others.between(0.0, 2.0)
        (1, 2.0, {1.0})
    """

    def __init__(self, limit: int = 5000) -> None:
        self.limit = limit
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.running: float | None = None
        """The start of the job of theirs on the QPU now, if any."""
        self.jobs = 0
        self.seconds = 0.0

    def add(self, start: float, end: float | None = None) -> None:
        """One of their jobs took the QPU at ``start`` (``end`` None) or left it at ``end``."""
        if end is None:
            self.running = start
            return
        self.running = None
        self.jobs += 1
        self.seconds += max(0.0, end - start)
        self.starts.append(start)
        self.ends.append(end)
        if len(self.starts) > 2 * self.limit:
            del self.starts[: self.limit], self.ends[: self.limit]

    def between(self, a: float, b: float) -> set[float]:
        """Their jobs (by QPU start) that held the QPU at some moment within ``(a, b)``."""
        first, last = bisect_right(self.ends, a), bisect_left(self.starts, b)
        found = set(self.starts[first:last])
        if self.running is not None and self.running < b:
            found.add(self.running)
        return found

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


class QpuLog:
    """Your jobs' QPU spans on one backend, in order of start: ``(start, end, job, context)``."""

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.spans: list[list[Any]] = []
        self._open: dict[str, list[Any]] = {}

    def opened(self, job_id: str, context_id: str | None, start: float) -> None:
        index = bisect_right(self.starts, start)
        span = [start, None, job_id, context_id]
        self.starts.insert(index, start)
        self.spans.insert(index, span)
        self._open[job_id] = span

    def closed(self, job_id: str, end: float) -> None:
        span = self._open.pop(job_id, None)
        if span is not None:
            span[1] = end

    def between(self, a: float, b: float, exclude: str) -> dict[str, str | None]:
        """Jobs (id → context) other than ``exclude`` on the QPU at some moment in ``(a, b)``."""
        found: dict[str, str | None] = {}
        index = bisect_left(self.starts, b) - 1
        while index >= 0:
            start, end, job_id, context_id = self.spans[index]
            if end is not None and end <= a:
                break  # one job at a time on a QPU: every earlier span ended before this one
            if job_id != exclude and (end is None or end > a):
                found[job_id] = context_id
            index -= 1
        return found


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def reason(stretches: Iterable[Stretch], others: Callable[[float, float], set[float]],
           mine: Callable[[float, float], dict[str, str | None]],
           context: ContextRecord | None = None, in_queue: bool = False) -> str | None:
    """Why a job waited during ``stretches`` (None if it did not wait).

    Args:
        stretches: the job's waits (:func:`waits`).
        others: ``(a, b) -> `` other users' jobs on the QPU within ``(a, b)``.
        mine: ``(a, b) ->`` your other jobs on the QPU within ``(a, b)``: id → context.
        context: the job's session or batch (None in job mode).
        in_queue: every stretch is time in the queue (none after pre-processing).
    """
    stretches = list(stretches)
    if not stretches:
        return None
    theirs: set[float] = set()
    ours: dict[str, str | None] = {}
    for a, b in stretches:
        theirs |= others(a, b)
        ours.update(mine(a, b))
    parts = []
    own = context.id if context is not None else None
    same = sum(1 for c in ours.values() if own is not None and c == own)
    if context is not None and context.mode == "session" and any(
            not _in_window(context, a) for a, _ in stretches):
        parts.append("session inactive")
    if same and context is not None and context.mode == "batch":
        parts.append(f"waiting for the batch's turn ({same} of its jobs ahead)")
    elif same:
        parts.append(f"{_count(same, 'earlier job', 'earlier jobs')} of the session ahead")
    if len(ours) > same:
        parts.append(f"{len(ours) - same} of your jobs ahead")
    if theirs:
        parts.append(_count(len(theirs), "other user's job", "other users' jobs") + " ahead")
    if not parts and in_queue:
        return "waiting for a classical lane"  # nothing on the QPU meanwhile: lanes were full
    return "; ".join(parts) or "waiting for the QPU"


def _in_window(context: ContextRecord, moment: float) -> bool:
    """Whether a session's active window was open at ``moment``."""
    return any(w.start <= moment + EPSILON and (w.end is None or moment < w.end)
               for w in context.windows)
