"""What the poller learns about a remote job or context, put on the timeline.

A :class:`JobWatch` maps IBM's job states onto spans: ``queued`` until IBM reports RUNNING,
then ``classical`` (IBM's RUNNING starts with classical pre-processing); once the job is
final, the ``qpu`` span is taken from the result's execution spans (or the metrics' QPU span)
and the rest of the job's time is ``post``. Usage is IBM's (``metrics()["usage"]``). A
network error or time-out while polling sets the record's status to ``UNKNOWN`` (the job
handle keeps its last known status) and the job is polled again later with backoff.

A :class:`ContextWatch` follows a session's or batch's ``details`` (state, accepting jobs,
times and IBM's ``usage_time``) until IBM reports it closed.

Example:
    >>> to_epoch("1970-01-01T00:01:00Z")
    60.0
    >>> normalise_status("JobStatus.RUNNING"), normalise_status("Completed")
    ('RUNNING', 'DONE')
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qmodes.core.states import FINAL_STATES
from qmodes.core.usage import window_end
from qmodes.remote import closing, guard
from qmodes.remote.service import describe

if TYPE_CHECKING:
    from qmodes.core.jobs import Job
    from qmodes.remote.scheduler import RemoteContext, RemoteScheduler

__all__ = ["ContextWatch", "JobWatch", "normalise_status", "to_epoch"]

log = logging.getLogger(__name__)

MAX_QUEUED_DELAY = 10.0
MAX_RUNNING_DELAY = 2.0
MAX_ERROR_DELAY = 30.0
MAX_CONTEXT_ERRORS = 20
_STATUS = {"COMPLETED": "DONE", "FAILED": "ERROR", "CANCELED": "CANCELLED",
           "INITIALIZING": "QUEUED", "VALIDATING": "QUEUED"}


def normalise_status(status: Any) -> str:
    """``QUEUED``/``RUNNING``/``DONE``/``ERROR``/``CANCELLED`` from a string or ``JobStatus``."""
    text = str(getattr(status, "name", status)).split(".")[-1].upper()
    return _STATUS.get(text, text)


def to_epoch(value: Any) -> float | None:
    """Epoch seconds from an ISO 8601 string or a datetime (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return float(value.timestamp())


def qpu_interval(result: Any, metrics: dict[str, Any]) -> tuple[float, float] | None:
    """The QPU time of a job: its execution spans, else the metrics' QPU span."""
    metadata = getattr(result, "metadata", None) or {}
    spans: Any = (metadata.get("execution") or {}).get("execution_spans")
    if spans is None and metadata.get("executor") is not None:
        spans = getattr(metadata["executor"], "chunk_timing", None)
    starts = [to_epoch(s.start) for s in spans or ()]
    stops = [to_epoch(s.stop) for s in spans or ()]
    if starts and None not in starts and None not in stops:
        return min(t for t in starts if t is not None), max(t for t in stops if t is not None)
    span = metrics.get("qpu_span") or {}
    start, stop = to_epoch(span.get("start")), to_epoch(span.get("stop"))
    return (start, stop) if start is not None and stop is not None else None


class JobWatch:
    """Follows one remote job until it is final and its result, metrics and usage are in."""

    def __init__(self, scheduler: RemoteScheduler, job: Job, remote: Any) -> None:
        self.scheduler = scheduler
        self.job = job
        self.remote = remote  # a RuntimeJobV2 on a fail-fast client
        self.delay = scheduler.poller.min_interval
        self.unknown = False

    @property
    def timeline(self) -> Any:
        return self.scheduler.timeline

    def poll(self) -> float | None:
        try:
            status = normalise_status(self.remote.status())
            if status in FINAL_STATES:
                outcome = self._fetch_final(status)
        except Exception as error:  # network trouble: unknown, retry later
            return self._unknown(error)
        if self.unknown:
            self.unknown = False
            self.timeline.update_job(self.job.job_id(), time.time(), status=self.job.status())
        if status == "QUEUED":
            self.delay = min(self.delay * 1.5, MAX_QUEUED_DELAY)
            return self.delay
        if status == "RUNNING":
            self._running(time.time())
            self.delay = min(max(self.delay, 0.5) * 1.2, MAX_RUNNING_DELAY)
            return self.delay
        self._finish(status, *outcome)
        return None

    def _unknown(self, error: BaseException) -> float:
        log.warning("qmodes: cannot reach IBM for job %s (%s); retrying", self.job.job_id(),
                    describe(error))
        if not self.unknown:
            self.unknown = True
            self.timeline.update_job(self.job.job_id(), time.time(), status="UNKNOWN")
        self.delay = min(max(self.delay, 1.0) * 2, MAX_ERROR_DELAY)
        return self.delay

    def _running(self, now: float, at: float | None = None) -> None:
        if self.job.status() != "QUEUED":
            return
        at = now if at is None else at
        job_id = self.job.job_id()
        self.timeline.close_span(job_id, at)
        self.timeline.update_job(job_id, now, status="RUNNING")
        self.job.mark_running()
        self.timeline.open_span(job_id, "classical", at)

    def _fetch_final(self, status: str) -> tuple[Any, dict[str, Any], str | None]:
        """Everything needed to finish the job (all network calls, before any change)."""
        result = self.remote.result() if status == "DONE" else None
        metrics = self.remote.metrics()
        error = None
        if status == "ERROR":
            error = describe(Exception(self.remote.error_message() or "failed on IBM"))
        return result, metrics, error

    def _finish(self, status: str, result: Any, metrics: dict[str, Any],
                error: str | None) -> None:
        now = time.time()
        job_id, stamps = self.job.job_id(), metrics.get("timestamps") or {}
        finished = min(to_epoch(stamps.get("finished")) or now, now)
        running = to_epoch(stamps.get("running"))
        if running is not None and self.job.status() == "QUEUED":
            self._running(now, at=max(running, self.job.live_record.created))
        qpu = qpu_interval(result, metrics)
        if qpu is not None and self.job.status() == "RUNNING":
            start = self.timeline.job(job_id).spans[-1].start
            q0 = min(max(qpu[0], start), finished)
            q1 = min(max(qpu[1], q0), finished)
            self.timeline.close_span(job_id, q0)
            self.timeline.open_span(job_id, "qpu", q0)
            self.timeline.close_span(job_id, q1)
            self.timeline.open_span(job_id, "post", q1)
        self.timeline.close_span(job_id, max(finished, self.timeline.job(job_id).spans[-1].start))
        usage = (metrics.get("usage") or {}).get("quantum_seconds")
        changes: dict[str, Any] = {"status": status, "finished": finished}
        if usage is not None:
            changes["usage_reported"] = float(usage)
        if error is not None:
            changes.update(error=error, error_kind="user")
        self.timeline.update_job(job_id, now, **changes)
        guard.settled(self.job)  # before the result is out: a next job sees it billed once
        self.job.set_final(status, result, error)
        self.job.run_done_callbacks()
        self.scheduler.job_finished(self.job)


class ContextWatch:
    """Follows a remote session or batch through its ``details`` until IBM closes it."""

    def __init__(self, scheduler: RemoteScheduler, context: RemoteContext) -> None:
        self.scheduler = scheduler
        self.context = context
        self.delay = 1.0
        self.errors = 0
        self._last: dict[str, Any] | None = None

    def poll(self) -> float | None:
        try:
            details = self.scheduler.client.session_details(self.context.remote_id)
        except Exception as error:  # network trouble: retry later
            self.errors += 1
            if self.errors >= MAX_CONTEXT_ERRORS and not self.context.accepting:
                log.warning("qmodes: stopped following %s: IBM unreachable (%s)",
                            self.context.id, describe(error))
                return None  # closed here; IBM closes it by its own TTLs
            log.warning("qmodes: cannot reach IBM for %s (%s); retrying", self.context.id,
                        describe(error))
            self.delay = min(max(self.delay, 1.0) * 2, MAX_ERROR_DELAY)
            return self.delay
        self.errors = 0
        changed = details != self._last
        self._last = details
        if changed:
            self.apply(details)
        if details.get("state") == "closed":
            closing.confirmed(self.scheduler, self.context.id, to_epoch(details.get("closed_at")))
            return None
        self.delay = 1.0 if changed else min(self.delay * 1.5, MAX_QUEUED_DELAY)
        return self.delay

    def apply(self, details: dict[str, Any]) -> None:
        """Put IBM's view of the context on the timeline."""
        timeline, now, cid = self.scheduler.timeline, time.time(), self.context.id
        record = timeline.context(cid)
        state = {"pending_inactive": "active", "pending_closed": "active"}.get(
            details.get("state") or record.state, details.get("state") or record.state)
        times = {name: to_epoch(details.get(name)) for name in (
            "started_at", "activated_at", "closed_at", "last_job_started", "last_job_completed")}
        changes: dict[str, Any] = {k: v for k, v in times.items()
                                   if v is not None and getattr(record, k) != v}
        if details.get("accepting_jobs") is not None:
            changes["accepting_jobs"] = bool(details["accepting_jobs"])
        for key, field in (("interactive_ttl", "interactive_ttl"), ("max_ttl", "max_time")):
            if details.get(key) is not None:
                changes[field] = float(details[key])
        if details.get("elapsed_time") is not None:
            changes["usage_reported"] = float(details["elapsed_time"])
        if state != record.state:
            changes["state"] = state
            self._windows(record, state, times, now)
        changes = {k: v for k, v in changes.items() if getattr(record, k) != v}
        if changes:
            timeline.update_context(cid, now, **changes)

    def _windows(self, record: Any, state: str, times: dict[str, float | None],
                 now: float) -> None:
        if record.mode != "session":
            return
        is_open = bool(record.windows) and record.windows[-1].end is None
        if state == "active" and not is_open:
            self.scheduler.timeline.open_window(record.id, times["activated_at"] or now)
        elif state != "active" and is_open:
            last = times["last_job_completed"] or now
            max_end = (times["started_at"] or now) + record.max_time
            end = window_end(last, record.interactive_ttl, times["closed_at"], max_end)
            self.scheduler.timeline.close_window(record.id, now, min(end, now))
