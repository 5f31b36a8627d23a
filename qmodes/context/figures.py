"""What a context reports: usage (IBM's rule for its mode), status, ``details()``, and the
advisor's view of its workload (:meth:`ContextFigures.advise`).

A mixin of :class:`~qmodes.context.base.ExecutionContext`: it reads the context's timeline
record (``record()``), its ``timeline`` and its scheduler's clock, and changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from qmodes.core.usage import RULES, UsageFigure, context_usage

if TYPE_CHECKING:
    from qmodes.core.protocols import JobScheduler
    from qmodes.core.timeline import ContextRecord, Timeline

__all__ = ["ContextFigures", "register_advisor"]

_advisor: list[Callable[..., Any]] = []
""":func:`qmodes.advisor.advise`, registered by :mod:`qmodes.advisor` (an observer, a layer
above the contexts) when it is imported; :meth:`ContextFigures.advise` calls it."""

_STATUS = {
    ("open", True): "Pending", ("open", False): "Pending",
    ("inactive", True): "Pending", ("inactive", False): "Pending",
    ("active", True): "In progress, accepting new jobs",
    ("active", False): "In progress, not accepting new jobs",
    ("closed", True): "Closed", ("closed", False): "Closed",
}


def register_advisor(advise: Callable[..., Any]) -> None:
    """The advisor's ``advise(context, **options)``: what :meth:`ContextFigures.advise`
    calls."""
    _advisor[:] = [advise]


class ContextFigures:
    """Usage, status, details and advice of a context (read-only)."""

    if TYPE_CHECKING:
        @property
        def timeline(self) -> Timeline: ...

        @property
        def scheduler(self) -> JobScheduler: ...

        def record(self) -> ContextRecord: ...

    def usage_figure(self) -> UsageFigure:
        """Usage so far by this mode's rule, with its source."""
        record = self.record()
        jobs = self.timeline.jobs(ids=record.job_ids)
        return context_usage(record, jobs, self.scheduler.clock.now())

    def usage(self) -> float:
        """Billed seconds so far (see :mod:`qmodes.core.usage`)."""
        return self.usage_figure().seconds

    def advise(self, *, target: str | None = None, price_per_second: float | None = None,
               **options: Any) -> Any:
        """What this workload would cost in job, batch and session mode, and which to use.

        Replays the recorded jobs (their submission times, think time and sizes) under each
        mode on ``target`` (default: this device; give ``"fake_<device>"`` for plain Aer)
        with the projected QPU time of each job. See :func:`qmodes.advisor.advise` (registered
        by :mod:`qmodes.advisor`, which sits above this layer).

        Example:
            >>> import qmodes
            >>> from qiskit import QuantumCircuit
            >>> c = QuantumCircuit(1); _ = c.x(0); c.measure_all()
            >>> with qmodes.Batch("fake_manila") as batch:
            ...     jobs = [qmodes.Sampler().run([c], shots=100) for _ in range(3)]
            >>> _ = batch.wait()
            >>> batch.advise().recommended
            'batch'
        """
        if not _advisor:  # registration: qmodes.advisor registers itself when imported; it is
            importlib.import_module("qmodes.advisor")  # an observer above us: loaded by name
        return _advisor[0](self, target=target, price_per_second=price_per_second, **options)

    def status(self) -> str:
        """qiskit-ibm-runtime's status string, e.g. ``"In progress, accepting new jobs"``."""
        record = self.record()
        return _STATUS[(record.state, record.accepting_jobs)]

    def details(self) -> dict[str, Any]:
        """The keys and types of qiskit-ibm-runtime's ``Session.details()`` (IBM's REST shape).

        Durations are integers where whole (IBM's ``interactive_ttl``, ``max_ttl`` are integer
        seconds); timestamps are ISO strings or None; ``usage_time`` is None until the first
        job starts, as IBM's ``elapsed_time``. Two keys are qmodes' own: ``usage_rule`` and
        ``usage_source`` (how and from what clock ``usage_time`` was computed).
        """
        record = self.record()
        return {
            "id": record.id,
            "backend_name": record.backend,
            "interactive_timeout": _whole(record.interactive_ttl),
            "max_time": _whole(record.max_time),
            "active_timeout": _whole(record.max_time),
            "state": record.state,
            "accepting_jobs": record.accepting_jobs,
            "last_job_started": _iso(record.last_job_started),
            "last_job_completed": _iso(record.last_job_completed),
            "started_at": _iso(record.started_at),
            "closed_at": _iso(record.closed_at),
            "activated_at": _iso(record.activated_at),
            "mode": "dedicated" if record.mode == "session" else "batch",
            "usage_time": None if record.started_at is None else self.usage(),
            "usage_rule": RULES[record.mode],
            "usage_source": record.source,
            "timestamps": [
                {"status": event.data["state"], "timestamp": _iso(event.time)}
                for event in self.timeline.events_since(0, record.id)
                if event.kind == "context.changed" and "state" in event.data
            ],
        }


def _whole(seconds: float) -> float | int:
    """Integral durations as ``int`` (as IBM reports them), others as they are."""
    return int(seconds) if float(seconds).is_integer() else seconds


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
