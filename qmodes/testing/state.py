"""The fake server's runtime: qmodes' own local engine behind the REST API.

The server keeps one :class:`~qmodes.local.runtime.LocalRuntime` with its own
:class:`~qmodes.core.timeline.Timeline` (never the process default, so nothing the server runs shows
up in the user's timeline, widget or ledger). A REST session or batch is a qmodes ``Session``
or ``Batch`` on the served device; a REST job is a qmodes job (:mod:`qmodes.testing.engine`).
So the rules are qmodes' (``qmodes/local/scheduler.py``, IBM's documentation):

* ``lanes`` classical execution lanes per device (5) and one QPU, one job at a time;
* a session is exclusive while its window is open; its interactive TTL runs after each job;
  when it passes with no job of the session ready, the session turns ``inactive`` and its next
  job queues again; the max TTL counts from the first job's start: queued jobs then fail,
  running ones finish; ``close`` lets submitted jobs finish, ``cancel`` cancels those not yet
  on the QPU; a session with no job for 30 minutes closes;
* a batch's jobs jump the queue once its first starts;
* usage (:mod:`qmodes.core.usage`): a job bills its QPU span, a batch its jobs' QPU spans, a session
  its active windows.

Example:
    >>> from qmodes.testing.devices import DeviceCatalog
    >>> state = RuntimeState(DeviceCatalog(["fake_manila"]), executor=lambda request: None)
    >>> state.create_session("fake_manila", "batch", None).context.details()["interactive_timeout"]
    1
    >>> state.stop()
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from qmodes.core.errors import ContextClosedError, QModesError
from qmodes.core.limits import MAX_TTL
from qmodes.core.timeline import Timeline
from qmodes.core.usage import job_usage
from qmodes.local.runtime import LocalRuntime
from qmodes.modes import Batch, Session
from qmodes.testing.devices import DeviceCatalog
from qmodes.testing.engine import ServedBackend, run_primitive, submit_work
from qmodes.testing.executor import ExecutionRequest, Executor
from qmodes.testing.records import ServedJob, ServedSession

__all__ = ["ApiError", "RuntimeState"]


class ApiError(Exception):
    """A request the API refuses: becomes an HTTP error with IBM's error body."""

    def __init__(self, status: int, message: str, code: int | str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or status


class RuntimeState:
    """The REST jobs and sessions, run by one qmodes runtime.

    Args:
        catalog: The devices.
        executor: What a job does on the QPU (see :mod:`qmodes.testing.executor`).
        interactive_ttl: Sessions' default interactive TTL, seconds.
        batch_interactive_ttl: Batches' default interactive TTL, seconds.
        max_ttl: Default maximum TTL, seconds (a session's ``max_ttl`` overrides it).
        lanes: Classical execution lanes per device.
        device_pace: None: a job's QPU span is its executor's run time; a number: the served
            devices run in device time (a job holds the QPU for its projected duration, as
            IBM would bill it), virtual time flowing at ``1 / device_pace`` times the wall
            clock (see :mod:`qmodes.local.device_time`).
    """

    def __init__(
        self,
        catalog: DeviceCatalog,
        executor: Executor,
        *,
        interactive_ttl: float = 60.0,
        batch_interactive_ttl: float = 1.0,
        max_ttl: float = MAX_TTL,
        lanes: int = 5,
        device_pace: float | None = None,
    ) -> None:
        self.catalog = catalog
        self.interactive_ttl = interactive_ttl
        self.batch_interactive_ttl = batch_interactive_ttl
        self.max_ttl = max_ttl
        self.usage_limit_seconds: float | None = None
        self.usage_period_start = time.time()
        self.timeline = Timeline()
        device_time: Any = False
        if device_pace is not None:  # jobs hold the QPU for their projected device time
            # start-up time: the engine (and Qiskit) loads on first use; a layer below
            from qmodes.local.device_time import DeviceTime

            device_time = DeviceTime(pace=device_pace)
        self.runtime = LocalRuntime(timeline=self.timeline, lanes=lanes, device_time=device_time)
        self.backends = {
            d.name: ServedBackend(d.name, d.backend, d.backend, executor=executor) for d in catalog
        }
        self.jobs: dict[str, ServedJob] = {}
        self.sessions: dict[str, ServedSession] = {}
        self.lock = threading.RLock()

    def stop(self) -> None:
        """Cancel what is still open and stop the engine's threads."""
        with self.lock:
            sessions = list(self.sessions.values())
        for session in sessions:
            if not session.context.closed:
                session.context.cancel()
        self.runtime.shutdown()

    # -- API operations --------------------------------------------------------------------
    def _backend(self, name: str) -> ServedBackend:
        backend = self.backends.get(name)
        if backend is None:
            raise ApiError(404, f"Backend {name} not found", 1216)
        return backend

    def create_session(
        self,
        backend: str,
        mode: str,
        max_ttl: float | None,
        interactive_ttl: float | None = None,
        session_id: str | None = None,
    ) -> ServedSession:
        """Open a qmodes ``Session`` (``mode="dedicated"``) or ``Batch`` (``"batch"``)."""
        device = self._backend(backend)
        if mode not in ("dedicated", "batch"):
            raise ApiError(400, f"Invalid mode {mode!r}")
        default_ttl = self.batch_interactive_ttl if mode == "batch" else self.interactive_ttl
        kind = Batch if mode == "batch" else Session
        try:
            context = kind(
                device,
                max_time=float(max_ttl or self.max_ttl),
                interactive_ttl=float(interactive_ttl or default_ttl),
                runtime=self.runtime,
            )
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        session = ServedSession(session_id or uuid.uuid4().hex, context, mode)
        with self.lock:
            self.sessions[session.id] = session
        return session

    def submit(
        self, program_id: str, backend: str, body: dict[str, Any], params: dict[str, Any]
    ) -> ServedJob:
        """Submit a ``POST /jobs`` body (``params`` is its decoded ``params``)."""
        device = self._backend(backend)
        job_id = uuid.uuid4().hex
        session_id = body.get("session_id")
        if body.get("start_session") and not session_id:
            session_id = self.create_session(
                backend, "dedicated", body.get("session_time"), session_id=job_id
            ).id
        session = self.session(session_id) if session_id else None
        if session is not None and session.backend != backend:
            raise ApiError(400, f"Session {session.id} runs on {session.backend}, not {backend}")
        request = ExecutionRequest(
            job_id,
            program_id,
            device.device,
            params,
            session.id if session else None,
            session.mode if session else "job",
            body.get("params") or {},
        )
        mode = session.context if session is not None else device
        try:
            if program_id in ("sampler", "estimator"):
                job = run_primitive(mode, request, self.runtime)
            else:
                job = submit_work(mode, request, self.runtime)
        except ContextClosedError:
            raise ApiError(
                400, f"Session {session_id} is closed and not accepting jobs", 1218
            ) from None
        except (QModesError, ValueError, TypeError) as exc:
            raise ApiError(400, f"Invalid job: {exc}") from None
        served = ServedJob(
            job_id,
            program_id,
            backend,
            job,
            request.params_json,
            request.session_id,
            request.mode,
            list(body.get("tags") or []),
            bool(body.get("private", False)),
        )
        with self.lock:
            self.jobs[job_id] = served
        return served

    def cancel_job(self, job_id: str) -> None:
        """Cancel a job: at once if it has not reached the QPU, else when its run ends."""
        if not self.job(job_id).job.cancel():
            raise ApiError(409, f"Job {job_id} is already in a final state", 3209)

    def close_session(self, session_id: str, cancel: bool = False) -> None:
        """Stop accepting jobs (``close``); with ``cancel`` also cancel the waiting ones."""
        context = self.session(session_id).context
        if cancel:
            context.cancel()
        else:
            context.close()

    def job(self, job_id: str) -> ServedJob:
        """The job ``job_id`` (404 if unknown)."""
        try:
            return self.jobs[job_id]
        except KeyError:
            raise ApiError(404, f"Job {job_id} not found", 1291) from None

    def session(self, session_id: str) -> ServedSession:
        """The session ``session_id`` (404 if unknown)."""
        try:
            return self.sessions[session_id]
        except KeyError:
            raise ApiError(404, f"Session {session_id} not found", 1217) from None

    def queue_length(self, backend: str) -> int:
        """Jobs waiting for ``backend``."""
        with self.lock:
            jobs = list(self.jobs.values())
        return sum(1 for j in jobs if j.backend == backend and j.job.status() == "QUEUED")

    def usage_consumed(self) -> float:
        """Billed seconds so far over the whole instance (job mode, sessions and batches)."""
        with self.lock:
            jobs = [j for j in self.jobs.values()
                    if j.mode == "job" and not j.backend.startswith("mock_")]  # dry runs
            sessions = list(self.sessions.values())
        total = sum(job_usage(j.job.record()) for j in jobs)
        return total + sum(s.context.usage() for s in sessions)
