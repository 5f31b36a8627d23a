"""The header and usage figures of the widget, computed from a :class:`TimelineState` mirror.

Everything here is small (a few numbers per context) and is sent whole on each update; the
per-job data travels as ops (see :mod:`qmodes.widget.state`). Usage follows the mode's rule
(:func:`qmodes.core.usage.context_usage`) and each figure carries the source of its times.

Example:
    >>> from qmodes.core.timeline import ContextRecord
    >>> status_string(ContextRecord(id="s", mode="session", backend="aer", created=0.0,
    ...                             max_time=60.0, interactive_ttl=1.0, state="active"))
    'In progress, accepting new jobs'
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from qmodes.core.timeline import ContextRecord, JobRecord
from qmodes.core.usage import RULES, context_usage, job_usage
from qmodes.widget.state import TimelineState

__all__ = ["JOB_STATES", "status_string", "summarize"]

JOB_STATES = ("QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED")


def status_string(context: ContextRecord) -> str:
    """The status string qiskit-ibm-runtime's ``Session.status()`` shows for this record."""
    if context.state in ("open", "inactive"):
        return "Pending"
    if context.state == "active":
        if context.accepting_jobs:
            return "In progress, accepting new jobs"
        return "In progress, not accepting new jobs"
    return context.state.capitalize()


def _qpu_seconds(jobs: list[JobRecord], now: float) -> float:
    return sum(span.duration(now) for job in jobs for span in job.spans if span.kind == "qpu")


def _ttl_deadline(context: ContextRecord, jobs: list[JobRecord]) -> float | None:
    """When the interactive TTL runs out, if the context is idle inside an active window."""
    if context.state != "active" or context.last_job_completed is None:
        return None
    if any(job.status == "RUNNING" for job in jobs):
        return None
    return context.last_job_completed + context.interactive_ttl


def _context_summary(state: TimelineState, context: ContextRecord, jobs: list[JobRecord],
                     now: float) -> dict[str, Any]:
    usage = context_usage(context, jobs, now)
    end = context.closed_at if context.closed_at is not None else now
    max_used = None if context.started_at is None else max(0.0, end - context.started_at)
    return {
        "id": context.id,
        "mode": context.mode,
        "backend": context.backend,
        "status": status_string(context),
        "state": context.state,
        "accepting_jobs": context.accepting_jobs,
        "closed": context.state == "closed",
        "interactive_ttl": context.interactive_ttl,
        "ttl_deadline": state.relative(_ttl_deadline(context, jobs)),
        "max_time": context.max_time,
        "max_time_used": None if max_used is None else round(max_used, 3),
        "usage": {"seconds": round(usage.seconds, 3), "rule": usage.rule,
                  "source": usage.source},
        "qpu_seconds": {"seconds": round(_qpu_seconds(jobs, now), 3),
                        "source": context.source},
        "jobs": _count(jobs),
    }


def _count(jobs: list[JobRecord]) -> dict[str, int]:
    counts = Counter(job.status for job in jobs)
    return {status: counts.get(status, 0) for status in JOB_STATES}


def summarize(state: TimelineState, now: float) -> dict[str, Any]:
    """The header and usage panel: one entry per context, plus job-mode jobs and totals.

    Args:
        state: the mirror to read (call :meth:`TimelineState.pull` first).
        now: the clock's time (seconds since the epoch), for open spans and windows.

    Returns:
        A JSON-ready dict: ``now`` and ``origin`` (seconds), ``live``, ``contexts`` (mode,
        backend, status, TTL deadline, max time used, usage by the mode's rule, QPU seconds,
        jobs by state, each figure with its source), ``job_mode`` and ``totals``.
    """
    groups: dict[str | None, list[JobRecord]] = {cid: [] for cid in state.contexts}
    for job in state.jobs.values():
        groups.setdefault(job.context_id if job.context_id in groups else None, []).append(job)
    contexts = [_context_summary(state, c, groups[c.id], now) for c in state.contexts.values()]
    loose = groups.get(None, [])
    job_mode = None
    if loose:
        job_mode = {
            "usage": {"seconds": round(sum(job_usage(j, now) for j in loose), 3),
                      "rule": RULES["job"], "source": loose[0].source},
            "qpu_seconds": {"seconds": round(_qpu_seconds(loose, now), 3),
                            "source": loose[0].source},
            "jobs": _count(loose),
        }
    parts = [*contexts, *([job_mode] if job_mode else [])]
    totals = {status: sum(p["jobs"][status] for p in parts) for status in JOB_STATES}
    live = (any(not c["closed"] for c in contexts)
            or totals["QUEUED"] + totals["RUNNING"] > 0)
    return {
        "now": state.relative(now) if state.origin is not None else 0.0,
        "origin": state.origin,
        "live": live,
        "contexts": contexts,
        "job_mode": job_mode,
        "totals": {"jobs": totals, "count": len(state.jobs),
                   "qpu_seconds": round(sum(p["qpu_seconds"]["seconds"] for p in parts), 3)},
    }
