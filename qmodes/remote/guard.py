"""The budget guard on the remote submission path (see :mod:`qmodes.accounting.budget`).

:func:`guard` runs in :meth:`RemoteScheduler.submit` before anything is sent to IBM. It
reads the job's projection, its context's usage so far, the projections of unfinished remote
jobs and the instance's remaining allowance (cached, :mod:`qmodes.accounting.allowance`), and
refuses the job with :class:`~qmodes.accounting.budget.BudgetExceededError` if it would not fit. A
refused job is told to the timeline in its final state (status ``ERROR``, ``error_kind``
``"budget"``, the message as its error) as one ``job.refused`` event
(:meth:`~qmodes.core.timeline.Timeline.refuse_job`), which the ledger records; it is not one of
the timeline's jobs, bills nothing, and the context stays open.

Example:
    >>> pending_seconds()
    0.0
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import TYPE_CHECKING, Any

from qmodes.accounting import allowance, budget
from qmodes.accounting.projection import SUB_JOB_OVERHEAD, quick_estimate
from qmodes.core.usage import batch_usage, context_usage, session_usage
from qmodes.remote.service import describe

if TYPE_CHECKING:
    from qmodes.core.jobs import Job
    from qmodes.remote.scheduler import RemoteScheduler

__all__ = ["accepted", "finished", "guard", "pending_seconds", "settled"]

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_pending: dict[int, tuple[str | None, float]] = {}  # id(job) -> (context id, projected)
_refreshing: dict[int, bool] = {}  # id(service) -> read again after the one under way


def projected_of(job: Job) -> float:
    """The job's projected QPU seconds (IBM's quick form if qmodes could not project it)."""
    record = job.live_record
    if record.projected_qpu is not None:
        return float(record.projected_qpu)
    return quick_estimate(record.executions or 0)


def pending_seconds(context_id: str | None = None, *, all_contexts: bool = True) -> float:
    """Projected seconds of unfinished remote jobs (of one context, or all)."""
    with _lock:
        return sum((seconds for ctx, seconds in _pending.values()
                    if all_contexts or ctx == context_id), 0.0)


def accepted(job: Job) -> None:
    """IBM took the job: count its projection until it is final."""
    with _lock:
        _pending[id(job)] = (job.context_id, projected_of(job))


def settled(job: Job) -> None:
    """The job's usage is on the timeline: stop counting its projection.

    Called before the job's result is handed out, so code that waits for the result and
    submits again never sees the job counted twice (as billed and as pending)."""
    with _lock:
        _pending.pop(id(job), None)


def finished(job: Job, service: Any) -> None:
    """The job is final: stop counting it and read the allowance afresh, on a thread of its
    own (never the poller's: the client retries for seconds when IBM is unreachable), so
    ``%qmodes`` and the widget show the remaining seconds falling."""
    with _lock:
        _pending.pop(id(job), None)
        busy = id(service) in _refreshing
        _refreshing[id(service)] = busy  # True: read once more when the current read ends
    allowance.invalidate(service)
    if not busy:
        threading.Thread(target=_refresh, args=(service,), name="qmodes-allowance",
                         daemon=True).start()


def _refresh(service: Any) -> None:
    while True:
        try:
            allowance.allowance_of(service, refresh=True)
        except Exception:  # IBM unreachable: read again before the next job
            allowance.invalidate(service)
        with _lock:
            if not _refreshing.get(id(service)):
                _refreshing.pop(id(service), None)
                return
            _refreshing[id(service)] = False  # another job ended meanwhile: read again


def guard(scheduler: RemoteScheduler, job: Job) -> None:
    """Refuse ``job`` (raise) if it would exceed its budget or the remaining allowance."""
    __tracebackhide__ = True
    context_id = job.context_id
    limit = budget.budget_of(context_id)
    remaining = _remaining(scheduler.backend.service)
    if limit is None and remaining is None:
        return
    record = job.live_record
    projected = projected_of(job)
    billed, qpu_so_far, jobs_so_far = _context_so_far(scheduler, context_id)
    try:
        budget.check(
            projected, label=f"{record.primitive} job on {scheduler.backend_name}",
            context_id=context_id, mode=record.mode, billed=billed,
            unfinished=pending_seconds(context_id, all_contexts=False),
            pending=pending_seconds(), remaining=remaining, shots=record.shots,
            overhead=SUB_JOB_OVERHEAD, jobs_so_far=jobs_so_far, qpu_so_far=qpu_so_far)
    except budget.BudgetExceededError as error:
        _record_refusal(scheduler, job, str(error))
        raise


def _remaining(service: Any) -> float | None:
    try:
        return allowance.allowance_of(service).remaining
    except Exception as error:  # IBM unreachable: the budget still applies
        _log.warning("qmodes: could not read the instance's allowance (%s)", describe(error))
        return None


def _context_so_far(scheduler: RemoteScheduler, context_id: str | None
                    ) -> tuple[float, float, int]:
    """(billed so far, QPU seconds so far, jobs so far) of the context; zeros in job mode.

    IBM's figure for the context (``usage_reported``, read every second or so) can trail the
    jobs that finished since: the billed figure is the larger of it and the rule's own sum.
    """
    if context_id is None:
        return 0.0, 0.0, 0
    timeline = scheduler.timeline
    try:
        record = timeline.context(context_id)
    except KeyError:
        return 0.0, 0.0, 0
    jobs = [j for j in timeline.jobs() if j.context_id == context_id]
    now = scheduler.clock.now()
    qpu = batch_usage(jobs, now)
    reported = context_usage(record, jobs, now).seconds
    own = qpu if record.mode == "batch" else session_usage(
        dataclasses.replace(record, usage_reported=None), now)
    return max(reported, own), qpu, len(jobs)


def _record_refusal(scheduler: RemoteScheduler, job: Job, reason: str) -> None:
    """Tell the timeline that the job was refused, in its final state (its observers, the
    ledger among them, record it); never raises: the refusal itself is the news."""
    record = job.live_record
    record.status, record.error, record.error_kind = "ERROR", reason, "budget"
    record.created = record.finished = scheduler.clock.now()
    record.source = scheduler.backend.source
    record.context_id = job.context_id
    try:
        scheduler.timeline.refuse_job(record)
    except Exception:
        _log.exception("qmodes: could not record the refused job %s", record.id)
