"""The fake server's runtime model: queues, one QPU per device, sessions and batches.

Rules (IBM Quantum documentation, "Introduction to execution modes", "Run jobs in a session",
"Run jobs in a batch"), simplified to one QPU thread per device and no classical lanes:

* a device runs one job at a time, first come first served;
* the first job of a session/batch to start activates it; while it is ``active`` only its
  jobs start on that device (other work waits), until its interactive TTL passes with no job
  of it queued (it turns ``inactive``: the next job of it queues like any other and
  reactivates it), or it is closed;
* ``close`` (PATCH ``accepting_jobs: false``) refuses new jobs and closes once its jobs are
  done; ``cancel`` (DELETE ``/close``) also cancels its queued jobs; the maximum TTL counts
  from the first job's start: then queued jobs fail and the session closes after the running
  one; a session with no job for ``open_timeout`` seconds closes;
* usage: a job bills its QPU time; a batch the sum of its jobs'; a session its active
  windows, each ending at ``max(last completion, min(last completion + interactive TTL,
  close request, first start + max TTL))``.

Example:
    >>> from qmodes.testing.devices import DeviceCatalog
    >>> state = RuntimeState(DeviceCatalog(["fake_manila"]), executor=lambda request: None)
    >>> state.create_session("fake_manila", "batch", None).interactive_ttl
    1.0
"""

from __future__ import annotations

import json
import threading
import traceback
import uuid
from datetime import datetime
from typing import Any

from qmodes.testing.devices import DeviceCatalog
from qmodes.testing.executor import ExecutionOutcome, ExecutionRequest, Executor
from qmodes.testing.records import JobRecord, SessionRecord, utcnow
from qmodes.testing.rules import end, jobs_of, tick

__all__ = ["ApiError", "RuntimeState"]


class ApiError(Exception):
    """A request the API refuses: becomes an HTTP error with IBM's error body."""

    def __init__(self, status: int, message: str, code: int | str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or status


class RuntimeState:
    """Jobs, sessions and the per-device QPU threads that run them.

    Args:
        catalog: The devices.
        executor: Runs a started job (see :mod:`qmodes.testing.executor`).
        interactive_ttl: Sessions' interactive TTL, seconds.
        batch_interactive_ttl: Batches' interactive TTL, seconds.
        max_ttl: Default maximum TTL, seconds (a session's ``max_time`` overrides it).
        open_timeout: A session with no job closes after this many seconds.
    """

    def __init__(
        self,
        catalog: DeviceCatalog,
        executor: Executor,
        *,
        interactive_ttl: float = 60.0,
        batch_interactive_ttl: float = 1.0,
        max_ttl: float = 8 * 3600.0,
        open_timeout: float = 1800.0,
    ) -> None:
        self.catalog = catalog
        self.executor = executor
        self.interactive_ttl = interactive_ttl
        self.batch_interactive_ttl = batch_interactive_ttl
        self.max_ttl = max_ttl
        self.open_timeout = open_timeout
        self.usage_limit_seconds: float | None = None
        self.jobs: dict[str, JobRecord] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self.cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopped = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start one QPU thread per device."""
        for name in self.catalog.names():
            thread = threading.Thread(target=self._worker, args=(name,), daemon=True)
            thread.name = f"qmodes-testing-qpu-{name}"
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the QPU threads (a running job is waited for up to ``timeout``)."""
        with self.cond:
            self._stopped = True
            self.cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    # -- API operations (called with the lock NOT held) ---------------------------------------
    def create_session(self, backend: str, mode: str, max_ttl: float | None) -> SessionRecord:
        """Create a session (``mode="dedicated"``) or batch (``"batch"``)."""
        if self.catalog.get(backend) is None:
            raise ApiError(404, f"Backend {backend} not found", 1216)
        if mode not in ("dedicated", "batch"):
            raise ApiError(400, f"Invalid mode {mode!r}")
        ttl = self.batch_interactive_ttl if mode == "batch" else self.interactive_ttl
        record = SessionRecord(uuid.uuid4().hex, backend, mode, float(max_ttl or self.max_ttl), ttl)
        record.history.append(
            {"status": "open", "timestamp": record.api(record.created)["created_at"]}
        )
        with self.cond:
            self.sessions[record.id] = record
            self.cond.notify_all()
        return record

    def submit(
        self, program_id: str, backend: str, body: dict[str, Any], params: dict[str, Any]
    ) -> JobRecord:
        """Queue a job from a ``POST /jobs`` body (``params`` is its decoded ``params``)."""
        if self.catalog.get(backend) is None:
            raise ApiError(404, f"Backend {backend} not found", 1216)
        job = JobRecord(uuid.uuid4().hex, program_id, backend, body.get("params") or {}, params)
        job.tags = list(body.get("tags") or [])
        job.private = bool(body.get("private", False))
        with self.cond:
            session_id = body.get("session_id")
            if body.get("start_session") and not session_id:
                session = SessionRecord(
                    job.id,
                    backend,
                    "dedicated",
                    float(body.get("session_time") or self.max_ttl),
                    self.interactive_ttl,
                )
                self.sessions[session.id] = session
                session_id = session.id
            if session_id:
                session = self.sessions.get(session_id)
                if session is None:
                    raise ApiError(404, f"Session {session_id} not found", 1217)
                if session.state == "closed" or not session.accepting_jobs:
                    raise ApiError(
                        400, f"Session {session_id} is closed and not accepting jobs", 1218
                    )
                if session.backend != backend:
                    raise ApiError(
                        400, f"Session {session_id} runs on {session.backend}, not {backend}"
                    )
                job.session_id, job.mode = session.id, session.mode
            self.jobs[job.id] = job
            self.cond.notify_all()
        return job

    def cancel_job(self, job_id: str) -> None:
        """Cancel a queued job now, a running one when it ends (409 if already final)."""
        with self.cond:
            job = self.job(job_id)
            if job.final:
                raise ApiError(409, f"Job {job_id} is already in a final state", 3209)
            if job.status == "Queued":
                end(job, "Cancelled", utcnow())
            else:
                job.cancel_requested = True
            self.cond.notify_all()

    def close_session(self, session_id: str, cancel: bool = False) -> None:
        """Stop accepting jobs; with ``cancel`` also cancel the queued ones."""
        with self.cond:
            session = self.session(session_id)
            now = utcnow()
            session.accepting_jobs = False
            session.close_requested_at = session.close_requested_at or now
            if cancel:
                for job in jobs_of(self.jobs, session, "Queued"):
                    end(job, "Cancelled", now)
            tick(self, now)
            self.cond.notify_all()

    def job(self, job_id: str) -> JobRecord:
        """The job ``job_id`` (404 if unknown)."""
        try:
            return self.jobs[job_id]
        except KeyError:
            raise ApiError(404, f"Job {job_id} not found", 1291) from None

    def session(self, session_id: str) -> SessionRecord:
        """The session ``session_id`` (404 if unknown)."""
        try:
            return self.sessions[session_id]
        except KeyError:
            raise ApiError(404, f"Session {session_id} not found", 1217) from None

    def queue_length(self, backend: str) -> int:
        """Jobs waiting for ``backend``."""
        return sum(
            1 for j in list(self.jobs.values()) if j.backend == backend and j.status == "Queued"
        )

    def usage_consumed(self) -> float:
        """Billed seconds so far over the whole instance."""
        now = utcnow()
        with self.cond:
            total = sum(j.quantum_seconds for j in self.jobs.values() if j.mode == "job")
            return total + sum(s.elapsed_time(now) for s in self.sessions.values())

    # -- scheduler (lock held) ------------------------------------------------------------------
    def _pick(self, backend: str, now: datetime) -> JobRecord | None:
        owner = next(
            (s for s in self.sessions.values() if s.backend == backend and s.state == "active"),
            None,
        )
        if owner is not None:
            queued = jobs_of(self.jobs, owner, "Queued")
            return queued[0] if queued else None
        for job in self.jobs.values():
            if job.backend == backend and job.status == "Queued":
                if job.session_id:
                    s = self.sessions[job.session_id]
                    s.set_state("active", now)
                    s.windows.append([now, None])
                    s.activated_at = now
                    s.started_at = s.started_at or now
                return job
        return None

    def _worker(self, backend: str) -> None:
        device = self.catalog.get(backend)
        assert device is not None
        while True:
            with self.cond:
                while True:
                    if self._stopped:
                        return
                    now = utcnow()
                    tick(self, now)
                    job = self._pick(backend, now)
                    if job is not None:
                        job.status, job.running = "Running", now
                        if job.session_id:
                            self.sessions[job.session_id].last_job_started = now
                        break
                    self.cond.wait(0.05)
            request = ExecutionRequest(
                job.id,
                job.program_id,
                device.backend,
                job.params,
                job.session_id,
                job.mode,
                job.params_json,
            )
            outcome: ExecutionOutcome | None = None
            error: str | None = None
            try:
                outcome = self.executor(request)
            except Exception as exc:
                error = "".join(traceback.format_exception(exc))
            with self.cond:
                self._finish(job, outcome, error)
                self.cond.notify_all()

    def _finish(self, job: JobRecord, outcome: ExecutionOutcome | None, error: str | None) -> None:
        from qiskit_ibm_runtime import RuntimeEncoder

        now = utcnow()
        if outcome is not None:
            job.qpu_start, job.qpu_end = outcome.qpu_start, outcome.qpu_end
            job.quantum_seconds = outcome.seconds
            job.extra_metrics.update(outcome.extra_metrics)
        if job.cancel_requested:
            end(job, "Cancelled", now, "Cancelled by the user")
        elif error is not None or outcome is None:
            job.result_text = error or "executor returned no outcome"
            end(job, "Failed", now, (error or "").strip().splitlines()[-1:][0] if error else None)
        else:
            try:
                result = outcome.result
                job.result_text = (
                    result if isinstance(result, str) else json.dumps(result, cls=RuntimeEncoder)
                )
                end(job, "Completed", now)
            except Exception as exc:
                job.result_text = "".join(traceback.format_exception(exc))
                end(job, "Failed", now, f"result not encodable: {exc}")
        if job.session_id:
            session = self.sessions[job.session_id]
            session.last_job_completed = now
            session.qpu_seconds += job.quantum_seconds
