"""The local scheduler: one per device, emulating IBM Qiskit Runtime's scheduling rules.

A job moves queued → classical pre-processing (on one of ``lanes`` execution lanes) → QPU (one
job at a time) → post-processing → done, and holds its lane from the start of pre-processing
to the end of post-processing. On top of that:

* **session**: exclusive. A session activates when one of its jobs reaches the head of the
  queue and nothing else holds the device; while its window is open, only its jobs start.
  After each job completes, the interactive TTL runs; if no session job is ready when it
  expires the session deactivates (window closed, device released) and its next job queues
  again. The max TTL counts from the first job's start and never pauses: at expiry the session
  closes, running jobs finish, queued jobs fail.
* **batch**: not exclusive, but once its first job starts the rest jump the queue while the
  batch is active (until its interactive TTL expires with nothing to run). Max TTL as above.
* **job mode**: plain FIFO.

Every change goes to the timeline as it happens; usage is computed from it by
:mod:`qmodes.usage`. All state changes happen under one lock, driven by submissions, user
calls, executor completions and clock timers — there is no polling and no thread per job.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmodes.clock import Clock, Timer
from qmodes.errors import ContextClosedError
from qmodes.local.executors import Executor
from qmodes.timeline import ContextRecord, Timeline
from qmodes.usage import window_end

if TYPE_CHECKING:
    from qmodes.jobs import Job

__all__ = ["IDLE_CLOSE_SECONDS", "Scheduler"]

IDLE_CLOSE_SECONDS = 30 * 60.0
"""A session opened with no job for this long closes itself (IBM: 30 minutes)."""


@dataclass
class _Context:
    """The scheduler's bookkeeping for one session or batch."""

    id: str
    mode: str
    interactive_ttl: float
    max_time: float
    accepting: bool = True
    active: bool = False
    closed: bool = False
    closed_at: float | None = None
    first_start: float | None = None
    last_completion: float | None = None
    queued: list[Job] = field(default_factory=list)
    in_flight: int = 0
    ttl_timer: Timer | None = None
    max_timer: Timer | None = None
    idle_timer: Timer | None = None

    @property
    def max_end(self) -> float:
        start = self.first_start if self.first_start is not None else float("inf")
        return start + self.max_time

    @property
    def busy(self) -> bool:
        return bool(self.queued) or self.in_flight > 0


class Scheduler:
    """Schedules the jobs of one device on ``lanes`` classical lanes and one QPU lane."""

    def __init__(self, backend_name: str, clock: Clock, executor: Executor, timeline: Timeline,
                 lanes: int = 5) -> None:
        if lanes < 1:
            raise ValueError(f"lanes must be at least 1, got {lanes}")
        self.backend_name = backend_name
        self.clock = clock
        self.executor = executor
        self.timeline = timeline
        self.lanes = lanes
        self._lock = threading.RLock()
        self._queue: list[Job] = []
        self._running: set[Job] = set()
        self._qpu_ready: list[Job] = []
        self._qpu_job: Job | None = None
        self._owner: _Context | None = None  # the session whose window is open
        self._contexts: dict[str, _Context] = {}
        self._finished: list[Job] = []  # jobs whose done-callbacks run after the lock

    # -- contexts --------------------------------------------------------------------------
    def open_context(self, record: ContextRecord) -> None:
        with self._lock:
            ctx = _Context(record.id, record.mode, record.interactive_ttl, record.max_time)
            self._contexts[record.id] = ctx
            self.timeline.add_context(record)
            if ctx.mode == "session":
                ctx.idle_timer = self.clock.call_later(
                    IDLE_CLOSE_SECONDS, lambda: self._close_if_never_started(ctx))

    def close_context(self, context_id: str) -> None:
        """Stop accepting jobs; queued jobs still run; the context closes once they finish."""
        with self._lock:
            self._close(self._contexts[context_id])
            self._dispatch()  # an idle session that ends here frees the device
        self._after_lock()

    def _close(self, ctx: _Context) -> None:
        if not ctx.accepting:
            return
        now = self.clock.now()
        ctx.accepting = False
        ctx.closed_at = now
        self.timeline.update_context(ctx.id, now, accepting_jobs=False, closed_at=now)
        if not ctx.busy:
            self._end_context(ctx, now)

    def cancel_context(self, context_id: str) -> None:
        """Cancel the context's jobs that have not reached the QPU, then close it."""
        with self._lock:
            ctx = self._contexts[context_id]
            for job in list(ctx.queued):
                self._cancel_queued(job)
            for job in list(self._running):
                if job.context_id == ctx.id and job is not self._qpu_job:
                    job._cancel_requested = True
                    if job in self._qpu_ready:
                        self._qpu_ready.remove(job)
                        self._finish(job, "CANCELLED")
            self._close(ctx)
            self._dispatch()
        self._after_lock()

    def _close_if_never_started(self, ctx: _Context) -> None:
        with self._lock:
            if ctx.first_start is None:
                self._close(ctx)
        self._after_lock()

    def _end_context(self, ctx: _Context, now: float) -> None:
        """Close the context for good (nothing left to run)."""
        if ctx.closed:
            return
        if ctx.active:
            self._deactivate(ctx, now)
        for timer in (ctx.ttl_timer, ctx.max_timer, ctx.idle_timer):
            if timer is not None:
                timer.cancel()
        ctx.closed = True
        self.timeline.update_context(ctx.id, now, state="closed", accepting_jobs=False,
                                     closed_at=ctx.closed_at or now)

    def _activate(self, ctx: _Context, now: float) -> None:
        ctx.active = True
        if ctx.ttl_timer is not None:
            ctx.ttl_timer.cancel()
            ctx.ttl_timer = None
        if ctx.mode == "session":
            self._owner = ctx
            self.timeline.open_window(ctx.id, now)
        self.timeline.update_context(ctx.id, now, state="active", activated_at=now)
        if ctx.first_start is None:
            ctx.first_start = now
            if ctx.idle_timer is not None:
                ctx.idle_timer.cancel()
            ctx.max_timer = self.clock.call_later(ctx.max_time, lambda: self._expire(ctx))
            self.timeline.update_context(ctx.id, now, started_at=now)

    def _deactivate(self, ctx: _Context, now: float) -> None:
        ctx.active = False
        if ctx.ttl_timer is not None:
            ctx.ttl_timer.cancel()
            ctx.ttl_timer = None
        if ctx.mode == "session":
            last = ctx.last_completion if ctx.last_completion is not None else now
            end = window_end(last, ctx.interactive_ttl, ctx.closed_at, ctx.max_end)
            self.timeline.close_window(ctx.id, now, end)
            if self._owner is ctx:
                self._owner = None
        self.timeline.update_context(ctx.id, now, state="inactive")

    def _ttl_expired(self, ctx: _Context) -> None:
        with self._lock:
            ctx.ttl_timer = None
            if ctx.active and not ctx.busy:
                self._deactivate(ctx, self.clock.now())
                self._dispatch()
        self._after_lock()

    def _expire(self, ctx: _Context) -> None:
        """Max TTL reached: close; running jobs finish; queued jobs fail."""
        with self._lock:
            for job in list(ctx.queued):
                self._remove_queued(job)
                self._finish(job, "ERROR", error=(
                    f"the {ctx.mode}'s maximum time ({ctx.max_time:g} s) was reached before "
                    "this job started"), error_kind="system")
            self._close(ctx)
            if not ctx.busy:
                self._end_context(ctx, self.clock.now())
            self._dispatch()
        self._after_lock()

    # -- jobs ------------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        """Queue a job. Its record must not be on the timeline yet."""
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        with self._lock:
            ctx = self._contexts.get(job.context_id) if job.context_id else None
            if ctx is not None and not ctx.accepting:
                raise ContextClosedError.for_context(ctx.mode, ctx.id)
            now = self.clock.now()
            job._record.created = now
            self.timeline.add_job(job._record)
            self.timeline.open_span(job.job_id(), "queued", now)
            self._queue.append(job)
            if ctx is not None:
                ctx.queued.append(job)
                if ctx.ttl_timer is not None:
                    ctx.ttl_timer.cancel()
                    ctx.ttl_timer = None
            self._dispatch()
        self._after_lock()

    def cancel(self, job: Job) -> bool:
        """Cancel a job; True if it will end CANCELLED."""
        with self._lock:
            if job.in_final_state():
                return False
            if job in self._queue:
                self._cancel_queued(job)
            elif job in self._qpu_ready:
                self._qpu_ready.remove(job)
                self._finish(job, "CANCELLED")
            else:
                job._cancel_requested = True  # ends CANCELLED when its current phase returns
            self._dispatch()
        self._after_lock()
        return True

    def _cancel_queued(self, job: Job) -> None:
        self._remove_queued(job)
        self._finish(job, "CANCELLED")

    def _remove_queued(self, job: Job) -> None:
        self._queue.remove(job)
        ctx = self._contexts.get(job.context_id) if job.context_id else None
        if ctx is not None:
            ctx.queued.remove(job)

    def _dispatch(self) -> None:
        """Start whatever the rules allow now: classical lanes first, then the QPU."""
        while len(self._running) < self.lanes:
            job = self._next_to_start()
            if job is None:
                break
            self._start(job)
        if self._qpu_job is None and self._qpu_ready:
            job = self._next_for_qpu()
            self._qpu_ready.remove(job)
            self._qpu_job = job
            now = self.clock.now()
            self.timeline.open_span(job.job_id(), "qpu", now)
            self.executor.submit("qpu", job, job._work.execute,
                                 lambda value, error: self._qpu_done(job, value, error))

    def _next_for_qpu(self) -> Job:
        """The ready job that takes the QPU next: an active batch's jobs jump ahead (other
        users wait behind them too), else first ready, first served."""
        return next((j for j in self._qpu_ready if self._has_priority(j)), self._qpu_ready[0])

    def _next_to_start(self) -> Job | None:
        if self._owner is not None:  # a session window is open: exclusive
            return self._owner.queued[0] if self._owner.queued else None
        if not self._queue:
            return None
        job = next((j for j in self._queue if self._has_priority(j)), self._queue[0])
        ctx = self._contexts.get(job.context_id) if job.context_id else None
        if ctx is not None and ctx.mode == "session" and self._running:
            return None  # the session waits until the device is free, then locks it
        return job

    def _has_priority(self, job: Job) -> bool:
        ctx = self._contexts.get(job.context_id) if job.context_id else None
        return ctx is not None and ctx.mode == "batch" and ctx.active

    def _start(self, job: Job) -> None:
        now = self.clock.now()
        self._remove_queued(job)
        self._running.add(job)
        ctx = self._contexts.get(job.context_id) if job.context_id else None
        if ctx is not None:
            ctx.in_flight += 1
            if not ctx.active:
                self._activate(ctx, now)
            self.timeline.update_context(ctx.id, now, last_job_started=now)
        self.timeline.close_span(job.job_id(), now)
        self.timeline.update_job(job.job_id(), now, status="RUNNING")
        job._status = "RUNNING"
        self.timeline.open_span(job.job_id(), "classical", now)
        self.executor.submit("classical", job, job._work.prepare,
                             lambda value, error: self._classical_done(job, error))

    def _classical_done(self, job: Job, error: BaseException | None) -> None:
        with self._lock:
            now = self.clock.now()
            self.timeline.close_span(job.job_id(), now)
            projected = getattr(job._work, "projected_qpu", None)
            if projected is not None:
                self.timeline.update_job(job.job_id(), now, projected_qpu=projected)
            if error is not None:
                self._finish(job, "ERROR", error=_describe(error), error_kind="user")
            elif job._cancel_requested:
                self._finish(job, "CANCELLED")
            else:
                self._qpu_ready.append(job)
            self._dispatch()
        self._after_lock()

    def _qpu_done(self, job: Job, value: Any, error: BaseException | None) -> None:
        with self._lock:
            now = self.clock.now()
            self.timeline.close_span(job.job_id(), now)
            self._qpu_job = None
            if error is not None:
                self._finish(job, "ERROR", error=_describe(error), error_kind="user")
            elif job._cancel_requested:
                self._finish(job, "CANCELLED")
            else:
                self.timeline.open_span(job.job_id(), "post", now)
                self.executor.submit("post", job, lambda: job._work.finalize(value),
                                     lambda result, err: self._post_done(job, result, err))
            self._dispatch()
        self._after_lock()

    def _post_done(self, job: Job, result: Any, error: BaseException | None) -> None:
        with self._lock:
            self.timeline.close_span(job.job_id(), self.clock.now())
            if error is not None:
                self._finish(job, "ERROR", error=_describe(error), error_kind="system")
            else:
                self._finish(job, "DONE", result=result)
            self._dispatch()
        self._after_lock()

    def _finish(self, job: Job, status: str, *, result: Any = None, error: str | None = None,
                error_kind: str | None = None) -> None:
        """Put a job in a final state and release its lane (lock held)."""
        now = self.clock.now()
        self.timeline.close_span(job.job_id(), now)
        ran = job in self._running
        self._running.discard(job)
        changes: dict[str, Any] = {"status": status, "finished": now}
        if error is not None:
            changes.update(error=error, error_kind=error_kind)
        self.timeline.update_job(job.job_id(), now, **changes)
        job._set_final(status, result, error)
        self._finished.append(job)
        ctx = self._contexts.get(job.context_id) if job.context_id else None
        if ctx is not None:
            self._after_job(ctx, ran, now)

    def _after_job(self, ctx: _Context, ran: bool, now: float) -> None:
        """One of the context's jobs is final: end the context, or start its idle TTL."""
        if ran:
            ctx.in_flight -= 1
            ctx.last_completion = now
            self.timeline.update_context(ctx.id, now, last_job_completed=now)
        if ctx.busy:
            return
        if not ctx.accepting or now >= ctx.max_end:
            self._end_context(ctx, now)
        elif ctx.active and ctx.ttl_timer is None:
            ctx.ttl_timer = self.clock.call_later(ctx.interactive_ttl,
                                                  lambda: self._ttl_expired(ctx))

    def _after_lock(self) -> None:
        """Run done-callbacks of finished jobs, outside the lock."""
        with self._lock:
            finished, self._finished = self._finished, []
        for job in finished:
            job._run_callbacks()

    def shutdown(self) -> None:
        self.executor.shutdown()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"

