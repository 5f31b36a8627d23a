"""Jobs and sessions as the fake server stores them, and their JSON as the REST API shows it.

Job states are IBM's API spellings (``Queued``, ``Running``, ``Completed``, ``Failed``,
``Cancelled``); the client maps them to ``QUEUED``... ``DONE``, ``ERROR``, ``CANCELLED``.
Session states are ``open`` (created, no job started), ``active``, ``inactive`` (interactive
TTL ran out) and ``closed``.

Example:
    >>> from datetime import timedelta
    >>> t0 = utcnow()
    >>> s = SessionRecord("s1", "fake_manila", "dedicated", 3600, 60.0, created=t0)
    >>> s.windows.append([t0, t0 + timedelta(seconds=5)])
    >>> s.elapsed_time(t0 + timedelta(seconds=100))
    5.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qmodes.testing.executor import utcnow

__all__ = ["FINAL", "JobRecord", "SessionRecord", "iso", "utcnow"]

FINAL = ("Completed", "Failed", "Cancelled")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z``, as the API writes timestamps (``None`` stays ``None``)."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class JobRecord:
    """One job. ``params_json`` is the params as received, ``params`` as decoded."""

    id: str
    program_id: str
    backend: str
    params_json: dict[str, Any]
    params: dict[str, Any]
    session_id: str | None = None
    mode: str = "job"
    tags: list[str] = field(default_factory=list)
    private: bool = False
    created: datetime = field(default_factory=utcnow)
    status: str = "Queued"
    reason: str | None = None
    reason_code: int | None = None
    running: datetime | None = None
    finished: datetime | None = None
    qpu_start: datetime | None = None
    qpu_end: datetime | None = None
    quantum_seconds: float = 0.0
    result_text: str | None = None
    cancel_requested: bool = False
    extra_metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        """Whether the job reached a terminal state."""
        return self.status in FINAL

    def api(self, include_params: bool = False) -> dict[str, Any]:
        """Body of ``GET /jobs/<id>`` (and one entry of ``GET /jobs``)."""
        body: dict[str, Any] = {
            "id": self.id,
            "backend": self.backend,
            "state": {
                "status": self.status,
                "reason": self.reason,
                "reason_code": self.reason_code,
            },
            "status": self.status,
            "program": {"id": self.program_id},
            "created": iso(self.created),
            "ended": iso(self.finished),
            "runtime": "",
            "session_id": self.session_id,
            "tags": list(self.tags),
            "private": self.private,
            "user_id": "qmodes-testing",
            "estimated_running_time_seconds": None,
            "usage": {"quantum_seconds": self.quantum_seconds, "seconds": self.quantum_seconds},
        }
        if include_params:
            body["params"] = self.params_json
        return body

    def metrics(self) -> dict[str, Any]:
        """Body of ``GET /jobs/<id>/metrics``."""
        charged = round(self.quantum_seconds, 6)
        body: dict[str, Any] = {
            "timestamps": {
                "created": iso(self.created),
                "running": iso(self.running),
                "finished": iso(self.finished),
            },
            "bss": {"seconds": charged},
            "usage": {
                "quantum_seconds": charged,
                "seconds": charged,
                "qpu_charge_time_seconds": charged,
                "status": "complete" if self.final else "pending",
            },
            "qpu_span": {"start": iso(self.qpu_start), "stop": iso(self.qpu_end)},
            "qiskit_version": _qiskit_version(),
            "caller": "qiskit_ibm_runtime",
            "position_in_queue": None,
            "position_in_provider": None,
        }
        body.update(self.extra_metrics)
        return body


@dataclass
class SessionRecord:
    """One session (``mode="dedicated"``) or batch (``mode="batch"``)."""

    id: str
    backend: str
    mode: str
    max_ttl: float
    interactive_ttl: float
    created: datetime = field(default_factory=utcnow)
    state: str = "open"
    accepting_jobs: bool = True
    started_at: datetime | None = None
    activated_at: datetime | None = None
    closed_at: datetime | None = None
    close_requested_at: datetime | None = None
    expired: bool = False
    last_job_started: datetime | None = None
    last_job_completed: datetime | None = None
    windows: list[list[datetime | None]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    qpu_seconds: float = 0.0

    def set_state(self, state: str, now: datetime) -> None:
        """Move to ``state`` and remember when."""
        if state != self.state:
            self.state = state
            self.history.append({"status": state, "timestamp": iso(now)})

    def elapsed_time(self, now: datetime) -> float:
        """Billed seconds: batches bill their jobs' QPU time, sessions their active windows."""
        if self.mode == "batch":
            return round(self.qpu_seconds, 6)
        total = 0.0
        for start, end in self.windows:
            assert start is not None
            total += max(((end or now) - start).total_seconds(), 0.0)
        return round(total, 6)

    def api(self, now: datetime) -> dict[str, Any]:
        """Body of ``GET /sessions/<id>`` (keys the client maps into ``Session.details()``)."""
        return {
            "id": self.id,
            "backend_name": self.backend,
            "mode": self.mode,
            "state": self.state,
            "accepting_jobs": self.accepting_jobs,
            "interactive_ttl": self.interactive_ttl,
            "max_ttl": self.max_ttl,
            "active_ttl": self.max_ttl,
            "started_at": iso(self.started_at),
            "activated_at": iso(self.activated_at),
            "closed_at": iso(self.closed_at),
            "last_job_started": iso(self.last_job_started),
            "last_job_completed": iso(self.last_job_completed),
            "elapsed_time": self.elapsed_time(now),
            "timestamps": list(self.history),
            "user_id": "qmodes-testing",
            "created_at": iso(self.created),
        }


def _qiskit_version() -> str:
    import qiskit

    return str(qiskit.__version__)
