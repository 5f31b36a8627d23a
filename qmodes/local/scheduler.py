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
:mod:`qmodes.core.usage`. All state changes happen under one lock, driven by submissions, user
calls, executor completions and clock timers — there is no polling and no thread per job.

Spans are stamped by the executor (``done(value, error, start=t0, end=t1)``, see
:mod:`qmodes.local.executors`) and recorded as given; the timeline tells its observers from
its own thread, so nothing that listens runs under this lock. Every step a job takes is O(1)
in the number of jobs queued (ordered dicts, not lists), and the public entry points defer a
Ctrl-C to their end (:mod:`qmodes._util.atomic`), so an interrupt never leaves a job half-queued.
:meth:`Scheduler.shutdown` ends everything in a final state (kernel exit).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmodes._util.atomic import deferred_interrupt
from qmodes.core.clock import Clock, Timer
from qmodes.core.errors import ContextClosedError
from qmodes.core.limits import IDLE_SESSION_CLOSE
from qmodes.core.timeline import ContextRecord, Timeline
from qmodes.core.usage import window_end
from qmodes.local.executors import Executor, Phase

if TYPE_CHECKING:
    from collections.abc import Callable

    from qmodes.core.jobs import Job

__all__ = ["IDLE_CLOSE_SECONDS", "SHUTDOWN_REASON", "Scheduler"]

_log = logging.getLogger(__name__)

IDLE_CLOSE_SECONDS = IDLE_SESSION_CLOSE
"""A session opened with no job for this long closes itself (IBM: 30 minutes)."""

SHUTDOWN_REASON = "the process shut down before this job finished"
"""The error of a job that :meth:`Scheduler.shutdown` cancelled."""


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
    queued: OrderedDict[Job, int] = field(default_factory=OrderedDict)  # job -> submission no.
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


def _first(queue: OrderedDict[Job, int]) -> tuple[Job, int] | None:
    """The oldest entry of an ordered queue, in O(1)."""
    for entry in queue.items():
        return entry
    return None


class Scheduler:
    """Schedules the jobs of one device on ``lanes`` classical lanes and one QPU lane.

    Example:
        >>> from qmodes.core.clock import ManualClock
        >>> from qmodes.local.executors import SimulatedExecutor
        >>> clock = ManualClock(start=0.0)
        >>> scheduler = Scheduler("aer", clock, SimulatedExecutor(clock, {"qpu": 2.0}),
        ...                       Timeline())
        >>> scheduler.lanes, scheduler.queued_count()
        (5, 0)
    """

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
        self._idle = threading.Condition(self._lock)  # notified when a running job ends
        self._queue: OrderedDict[Job, int] = OrderedDict()  # job -> submission number
        self._submitted = 0
        self._running: set[Job] = set()
        self._qpu_ready: list[Job] = []  # pre-processed, waiting for the QPU (<= lanes)
        self._qpu_job: Job | None = None
        self._owner: _Context | None = None  # the session whose window is open
        self._contexts: dict[str, _Context] = {}
        self._active_batches: dict[str, _Context] = {}  # their queued jobs jump the queue
        self._finished: list[Job] = []  # jobs whose done-callbacks run after the lock
        self._shut_down: str | None = None  # why, once shut down
        self.compute: Any = None  # where Aer runs (qmodes.compute); None: in the kernel
        self._work_calls: list[Callable[[], None]] = []  # launch/stop compute, after the lock

    def queued_count(self) -> int:
        """How many jobs wait in the queue."""
        return len(self._queue)

    def pending_count(self) -> int:
        """Jobs waiting for the QPU: queued, or pre-processed and waiting for it (IBM's
        ``status().pending_jobs`` of a device)."""
        with self._lock:
            return len(self._queue) + len(self._qpu_ready)

    def unfinished_jobs(self) -> list[Job]:
        """The jobs not final yet: queued, waiting for the QPU, or running a phase."""
        with self._lock:
            return [*self._queue, *self._qpu_ready, *self._running]

    def context_active(self, context_id: str) -> bool:
        """True while the context is open and active (holds its window, or its batch's
        priority); False once it ended or if it is unknown."""
        with self._lock:
            ctx = self._contexts.get(context_id)
            return ctx is not None and ctx.active

    # -- contexts --------------------------------------------------------------------------
    def open_context(self, record: ContextRecord) -> None:
        with deferred_interrupt(), self._lock:
            self._check_open()
            ctx = _Context(record.id, record.mode, record.interactive_ttl, record.max_time)
            self._contexts[record.id] = ctx
            self.timeline.add_context(record)
            if ctx.mode == "session":
                ctx.idle_timer = self.clock.call_later(
                    IDLE_CLOSE_SECONDS, lambda: self._close_if_never_started(ctx))

    def close_context(self, context_id: str) -> None:
        """Stop accepting jobs; queued jobs still run; the context closes once they finish."""
        with deferred_interrupt(), self._lock:
            ctx = self._contexts.get(context_id)
            if ctx is not None:  # else: ended already
                self._close(ctx)
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
        with deferred_interrupt(), self._lock:
            ctx = self._contexts.get(context_id)
            if ctx is not None:  # else: ended already, nothing left to cancel
                for job in list(ctx.queued):
                    self._cancel_queued(job)
                for job in list(self._running):
                    if job.context_id == ctx.id and job is not self._qpu_job:
                        job.request_cancel()
                        self._work_call(job, "stop_compute")
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
        del self._contexts[ctx.id]  # nothing refers to it any more: the scheduler stays small

    def _activate(self, ctx: _Context, now: float) -> None:
        ctx.active = True
        if ctx.ttl_timer is not None:
            ctx.ttl_timer.cancel()
            ctx.ttl_timer = None
        if ctx.mode == "session":
            self._owner = ctx
            self.timeline.open_window(ctx.id, now)
        else:
            self._active_batches[ctx.id] = ctx
        self.timeline.update_context(ctx.id, now, state="active", activated_at=now)
        if ctx.first_start is None:
            ctx.first_start = now
            if ctx.idle_timer is not None:
                ctx.idle_timer.cancel()
            ctx.max_timer = self.clock.call_later(ctx.max_time, lambda: self._expire(ctx))
            self.timeline.update_context(ctx.id, now, started_at=now)

    def _deactivate(self, ctx: _Context, now: float) -> None:
        ctx.active = False
        self._active_batches.pop(ctx.id, None)
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
        """Queue a job. Its record must not be on the timeline yet.

        O(1) in the number of jobs already queued; a Ctrl-C during the call is raised after
        it, with the job queued.
        """
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        with deferred_interrupt(), self._lock:
            self._check_open()
            ctx = self._contexts.get(job.context_id) if job.context_id else None
            if (ctx is not None and not ctx.accepting) or (job.context_id and ctx is None):
                mode = ctx.mode if ctx is not None else job.live_record.mode
                raise ContextClosedError.for_context(mode, str(job.context_id))
            now = self.clock.now()
            job.live_record.created = now
            attach = getattr(job.work, "attach_compute", None)
            if attach is not None:
                attach(self.compute, self.clock)
                self._work_call(job, "launch_ahead")
            self._submitted += 1
            self.timeline.add_job(job.live_record)
            self.timeline.open_span(job.job_id(), "queued", now)
            self._queue[job] = self._submitted
            if ctx is not None:
                ctx.queued[job] = self._submitted
                if ctx.ttl_timer is not None:
                    ctx.ttl_timer.cancel()
                    ctx.ttl_timer = None
            self._dispatch()
        self._after_lock()

    def cancel(self, job: Job) -> bool:
        """Cancel a job; True if it will end CANCELLED."""
        with deferred_interrupt(), self._lock:
            if job.in_final_state():
                return False
            if job in self._queue:
                self._cancel_queued(job)
            elif job in self._qpu_ready:
                self._qpu_ready.remove(job)
                self._finish(job, "CANCELLED")
            else:
                job.request_cancel()  # ends CANCELLED when its phase returns
                self._work_call(job, "stop_compute")
            self._dispatch()
        self._after_lock()
        return True

    def _check_open(self) -> None:
        if self._shut_down is not None:
            raise RuntimeError(f"the local scheduler of {self.backend_name} was shut down "
                               "(the process is exiting); no new job can start")

    def _cancel_queued(self, job: Job, error: str | None = None) -> None:
        self._remove_queued(job)
        self._finish(job, "CANCELLED", error=error)

    def _remove_queued(self, job: Job) -> None:
        del self._queue[job]
        ctx = self._contexts.get(job.context_id) if job.context_id else None
        if ctx is not None:
            del ctx.queued[job]

    def _dispatch(self) -> None:
        """Start whatever the rules allow now: classical lanes first, then the QPU."""
        while len(self._running) < self.lanes:
            job = self._next_to_start()
            if job is None:
                break
            self._start(job)
        if self._qpu_job is None and self._qpu_ready:
            job = self._next_for_qpu()
            self._qpu_ready.remove(job)  # at most `lanes` jobs wait here: O(1)
            self._qpu_job = job
            self.timeline.open_span(job.job_id(), "qpu", self.clock.now())
            self._hand_over(job, "qpu", job.work.execute, self._qpu_done)

    def _next_for_qpu(self) -> Job:
        """The ready job that takes the QPU next: an active batch's jobs jump ahead (other
        users wait behind them too), else first ready, first served."""
        return next((j for j in self._qpu_ready if self._has_priority(j)), self._qpu_ready[0])

    def _next_to_start(self) -> Job | None:
        """The job to start next: O(number of active batches), not O(queue)."""
        if self._owner is not None:  # a session window is open: exclusive
            first = _first(self._owner.queued)
            return first[0] if first else None
        head = _first(self._queue)
        if head is None:
            return None
        priority = [entry for ctx in self._active_batches.values()
                    if (entry := _first(ctx.queued)) is not None]
        job = min(priority, key=lambda entry: entry[1])[0] if priority else head[0]
        ctx = self._contexts.get(job.context_id) if job.context_id else None
        if ctx is not None and ctx.mode == "session" and self._running:
            return None  # the session waits until the device is free, then locks it
        return job

    def _has_priority(self, job: Job) -> bool:
        """Whether ``job`` belongs to an active batch (its jobs jump the queue)."""
        return job.context_id in self._active_batches

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
        job.mark_running()
        self.timeline.open_span(job.job_id(), "classical", now)
        self._hand_over(job, "classical", job.work.prepare, self._classical_done)

    def _hand_over(self, job: Job, phase: Phase, work: Callable[[], Any],
                   then: Callable[..., None]) -> None:
        """Give one phase to the executor; ``then(job, value, error, start, end)`` follows."""
        def done(value: Any, error: BaseException | None, start: float | None = None,
                 end: float | None = None) -> None:
            then(job, value, error, start, end)

        try:
            self.executor.submit(phase, job, work, done)
        except Exception as error:  # e.g. an executor shut down under us
            if phase == "qpu":
                self._qpu_job = None
            self._finish(job, "ERROR", error=f"could not start its {phase} phase: "
                         f"{_describe(error)}", error_kind="system")

    def _close_phase(self, job: Job, start: float | None, end: float | None) -> float:
        """Close the job's open span with the executor's stamps; returns its end."""
        if end is None:
            end = self.clock.now()
        self.timeline.close_span(job.job_id(), end, start=start)
        return end

    def _classical_done(self, job: Job, value: Any, error: BaseException | None,
                        start: float | None, end: float | None) -> None:
        with self._lock:
            if job.in_final_state():  # ended meanwhile (shutdown)
                return
            now = self._close_phase(job, start, end)
            projected = getattr(job.work, "projected_qpu", None)
            if projected is not None:
                self.timeline.update_job(job.job_id(), now, projected_qpu=projected)
            if error is not None:
                self._finish(job, "ERROR", error=_describe(error), error_kind="user", at=now)
            elif job.cancel_requested:
                self._finish(job, "CANCELLED", error=self._shut_down, at=now)
            else:
                self._qpu_ready.append(job)
            self._dispatch()
        self._after_lock()

    def _qpu_done(self, job: Job, value: Any, error: BaseException | None,
                  start: float | None, end: float | None) -> None:
        with self._lock:
            if self._qpu_job is job:
                self._qpu_job = None
            if not job.in_final_state():
                now = self._close_phase(job, start, end)
                if error is not None:
                    self._finish(job, "ERROR", error=_describe(error), error_kind="user", at=now)
                elif job.cancel_requested:
                    self._finish(job, "CANCELLED", error=self._shut_down, at=now)
                else:
                    self.timeline.open_span(job.job_id(), "post", now)
                    self._hand_over(job, "post", lambda: job.work.finalize(value),
                                    self._post_done)
            self._dispatch()
        self._after_lock()

    def _post_done(self, job: Job, result: Any, error: BaseException | None,
                   start: float | None, end: float | None) -> None:
        with self._lock:
            if job.in_final_state():
                return
            now = self._close_phase(job, start, end)
            if error is not None:
                self._finish(job, "ERROR", error=_describe(error), error_kind="system", at=now)
            else:
                self._finish(job, "DONE", result=result, at=now)
            self._dispatch()
        self._after_lock()

    def _finish(self, job: Job, status: str, *, result: Any = None, error: str | None = None,
                error_kind: str | None = None, at: float | None = None) -> None:
        """Put a job in a final state and release its lane (lock held)."""
        now = self.clock.now() if at is None else at
        self.timeline.close_span(job.job_id(), now)
        ran = job in self._running
        self._running.discard(job)
        changes: dict[str, Any] = {"status": status, "finished": now}
        if error is not None:
            changes.update(error=error, error_kind=error_kind)
        self.timeline.update_job(job.job_id(), now, **changes)
        job.set_final(status, result, error)
        if status != "DONE":
            self._work_call(job, "stop_compute")
        self._finished.append(job)
        if ran and not self._running:
            self._idle.notify_all()
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
        if not ctx.accepting or now >= ctx.max_end or self._shut_down is not None:
            self._end_context(ctx, now)
        elif ctx.active and ctx.ttl_timer is None:
            ctx.ttl_timer = self.clock.call_later(ctx.interactive_ttl,
                                                  lambda: self._ttl_expired(ctx))

    def _work_call(self, job: Job, name: str) -> None:
        """Call ``job.work.<name>()`` after the lock (it may talk to a cluster)."""
        method = getattr(job.work, name, None)
        if method is not None:
            self._work_calls.append(method)

    def _after_lock(self) -> None:
        """Start or stop jobs' simulations, then run done-callbacks of finished jobs, outside
        the lock."""
        with self._lock:
            finished, self._finished = self._finished, []
            calls, self._work_calls = self._work_calls, []
        for call in calls:
            try:
                call()
            except Exception as error:  # a simulation launched late still runs at its slot
                _log.warning("qmodes: %s failed: %s", getattr(call, "__name__", call), error)
        for job in finished:
            job.run_done_callbacks()

    def shutdown(self, timeout: float = 0.0, reason: str = SHUTDOWN_REASON) -> None:
        """End everything in a final state: the process is exiting.

        Queued jobs (and jobs waiting for the QPU) are cancelled at once, jobs in classical
        pre-processing when it returns; a job on the QPU or in post-processing may finish
        (DONE). Whatever still runs after ``timeout`` wall-clock seconds is cancelled too. A
        cancelled job's error is ``reason``; every context is closed; new submissions are
        refused. Idempotent.
        """
        with deferred_interrupt(), self._lock:
            self._shut_down = reason
            for job in list(self._queue):
                self._cancel_queued(job, reason)
            for job in list(self._qpu_ready):
                self._qpu_ready.remove(job)
                self._finish(job, "CANCELLED", error=reason)
            for job in self._running:  # still pre-processing: ends CANCELLED when that returns
                if job is not self._qpu_job and job.live_record.spans[-1].kind == "classical":
                    job.request_cancel()
            if timeout > 0:
                self._idle.wait_for(lambda: not self._running, timeout)
            for job in list(self._running):
                self._finish(job, "CANCELLED", error=reason)
            self._qpu_job = None
            now = self.clock.now()
            for ctx in list(self._contexts.values()):
                self._close(ctx)
                self._end_context(ctx, now)
        self._after_lock()
        self.executor.shutdown()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
