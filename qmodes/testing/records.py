"""Jobs and sessions as the REST API shows them, read from the server engine's timeline.

A :class:`ServedJob` wraps the qmodes :class:`~qmodes.core.jobs.Job` a ``POST /jobs`` made; its
status, timestamps, QPU span and usage are those of the job's timeline record: ``created``,
``running`` (IBM's RUNNING: the start of classical processing), ``finished``, the ``qpu`` span,
and :func:`qmodes.core.usage.job_usage`. A :class:`ServedSession` wraps the qmodes ``Session`` or
``Batch`` a ``POST /sessions`` made: states ``open``, ``active``, ``inactive``, ``closed``,
and ``elapsed_time`` = :func:`qmodes.core.usage.context_usage` (a session's active windows, a
batch's jobs' QPU time).

Job states are IBM's API spellings (``Queued``, ``Running``, ``Completed``, ``Failed``,
``Cancelled``); the client maps them to ``QUEUED``... ``DONE``, ``ERROR``, ``CANCELLED``.

Example:
    >>> iso(0.25)
    '1970-01-01T00:00:00.250000Z'
    >>> seconds(iso(0.25))
    0.25
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from qmodes.core.usage import context_usage, job_usage

if TYPE_CHECKING:
    from qmodes.core.jobs import Job
    from qmodes.modes import ExecutionContext
    from qmodes.testing.engine import ServedWork

__all__ = ["STATUS", "ServedJob", "ServedSession", "iso", "moment", "seconds"]

STATUS = {"QUEUED": "Queued", "RUNNING": "Running", "DONE": "Completed", "ERROR": "Failed",
          "CANCELLED": "Cancelled"}  # fmt: skip
"""qmodes job states → the REST API's."""


def moment(clock_seconds: float | None) -> datetime | None:
    """A clock reading (seconds since the epoch) as an aware UTC datetime."""
    if clock_seconds is None:
        return None
    return datetime.fromtimestamp(clock_seconds, tz=timezone.utc)


def iso(clock_seconds: float | None) -> str | None:
    """ISO 8601 UTC with a ``Z`` and microseconds, as the API writes timestamps."""
    when = moment(clock_seconds)
    return None if when is None else when.isoformat(timespec="microseconds").replace("+00:00", "Z")


def seconds(when: datetime | str) -> float:
    """A datetime (or the API's ISO text) as clock seconds."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return when.timestamp()


@dataclass
class ServedJob:
    """One REST job: the qmodes job that runs it, plus what only the API keeps."""

    id: str
    program_id: str
    backend: str
    job: Job
    params_json: dict[str, Any]
    session_id: str | None = None
    mode: str = "job"  # "job", "dedicated" or "batch"
    tags: list[str] = field(default_factory=list)
    private: bool = False

    @property
    def final(self) -> bool:
        """Whether the job reached a terminal state."""
        return self.job.in_final_state()

    @property
    def status(self) -> str:
        """The API's spelling of the job's state."""
        return STATUS[self.job.status()]

    @property
    def reason(self) -> str | None:
        """Why the job failed, if it did."""
        return self.job.error_message()

    @property
    def created(self) -> datetime:
        return moment(self.job.record().created)  # type: ignore[return-value]

    @property
    def quantum_seconds(self) -> float:
        """Billed seconds as reported: :func:`qmodes.core.usage.job_usage` of the record."""
        return round(job_usage(self.job.record()), 6)

    @property
    def work(self) -> ServedWork:
        return self.job.work  # type: ignore[return-value]

    def result_text(self) -> str | None:
        """The results body: the encoded result, or the error text of a failed job."""
        if self.job.status() == "DONE":
            return str(self.job.result())
        if self.job.status() == "ERROR":
            return self.work.error_text or self.job.error_message()
        return None

    def api(self, include_params: bool = False) -> dict[str, Any]:
        """Body of ``GET /jobs/<id>`` (and one entry of ``GET /jobs``)."""
        record = self.job.record()
        charged = round(job_usage(record), 6)
        body: dict[str, Any] = {
            "id": self.id,
            "backend": self.backend,
            "state": {"status": STATUS[record.status], "reason": record.error, "reason_code": None},
            "status": STATUS[record.status],
            "program": {"id": self.program_id},
            "created": iso(record.created),
            "ended": iso(record.finished),
            "runtime": "",
            "session_id": self.session_id,
            "tags": list(self.tags),
            "private": self.private,
            "user_id": "qmodes-testing",
            "estimated_running_time_seconds": None,
            "usage": {"quantum_seconds": charged, "seconds": charged},
        }
        if include_params:
            body["params"] = self.params_json
        return body

    def metrics(self) -> dict[str, Any]:
        """Body of ``GET /jobs/<id>/metrics``: timestamps and QPU span from the timeline."""
        record = self.job.record()
        charged = round(job_usage(record), 6)
        qpu = record.span("qpu")
        body: dict[str, Any] = {
            "timestamps": {
                "created": iso(record.created),
                "running": iso(record.started),
                "finished": iso(record.finished),
            },
            "bss": {"seconds": charged},
            "usage": {
                "quantum_seconds": charged,
                "seconds": charged,
                "qpu_charge_time_seconds": charged,
                "status": "complete" if record.in_final_state else "pending",
            },
            "qpu_span": {
                "start": iso(qpu.start if qpu else None),
                "stop": iso(qpu.end if qpu else None),
            },
            "executions": record.executions,
            "num_circuits": record.num_pubs,
            "qiskit_version": _qiskit_version(),
            "caller": "qiskit_ibm_runtime",
            "position_in_queue": None,
            "position_in_provider": None,
        }
        body.update(self.work.extra_metrics)
        return body


@dataclass
class ServedSession:
    """One REST session (``mode="dedicated"``) or batch: a qmodes ``Session`` or ``Batch``."""

    id: str
    context: ExecutionContext
    mode: str  # "dedicated" or "batch"

    @property
    def backend(self) -> str:
        return self.context.backend_name

    @property
    def closed_at(self) -> datetime | None:
        """When the context stopped accepting jobs (close, cancel or max TTL), if it did."""
        return moment(self.context.record().closed_at)

    def elapsed_time(self, now: datetime | None = None) -> float:
        """Billed seconds up to ``now`` (default: the engine's clock), by the mode's rule."""
        if now is None:
            return round(self.context.usage(), 6)
        record = self.context.record()
        jobs = self.context.timeline.jobs(ids=record.job_ids)
        return round(context_usage(record, jobs, seconds(now)).seconds, 6)

    def api(self) -> dict[str, Any]:
        """Body of ``GET /sessions/<id>`` (keys the client maps into ``Session.details()``)."""
        record = self.context.record()
        history = [{"status": "open", "timestamp": iso(record.created)}]
        history += [
            {"status": event.data["state"], "timestamp": iso(event.time)}
            for event in self.context.timeline.events_since(0, record.id)
            if event.kind == "context.changed" and "state" in event.data
        ]
        return {
            "id": self.id,
            "backend_name": record.backend,
            "mode": self.mode,
            "state": record.state,
            "accepting_jobs": record.accepting_jobs,
            "interactive_ttl": record.interactive_ttl,
            "max_ttl": record.max_time,
            "active_ttl": record.max_time,
            "started_at": iso(record.started_at),
            "activated_at": iso(record.activated_at),
            "closed_at": iso(record.closed_at),
            "last_job_started": iso(record.last_job_started),
            "last_job_completed": iso(record.last_job_completed),
            "elapsed_time": self.elapsed_time(),
            "timestamps": history,
            "user_id": "qmodes-testing",
            "created_at": iso(record.created),
        }


def _qiskit_version() -> str:
    # heavy: Qiskit loads when a job or device needs it, not on import
    import qiskit

    return str(qiskit.__version__)
