"""The session and batch rules the scheduler applies on every tick (see :mod:`.state`).

Example:
    >>> from datetime import timedelta
    >>> from qmodes.testing.records import SessionRecord, utcnow
    >>> t0 = utcnow()
    >>> s = SessionRecord("s", "fake_manila", "dedicated", 3600, 60.0, created=t0)
    >>> s.windows.append([t0, None])
    >>> s.last_job_completed = t0 + timedelta(seconds=5)
    >>> close_window(s, t0 + timedelta(seconds=500))
    >>> (s.windows[0][1] - t0).total_seconds()  # last completion + interactive TTL
    65.0
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from qmodes.testing.records import JobRecord, SessionRecord

if TYPE_CHECKING:
    from qmodes.testing.state import RuntimeState

__all__ = ["close_window", "end", "jobs_of", "tick"]


def jobs_of(jobs: dict[str, JobRecord], session: SessionRecord, *statuses: str) -> list[JobRecord]:
    """The jobs of ``session`` in one of ``statuses``."""
    return [j for j in jobs.values() if j.session_id == session.id and j.status in statuses]


def end(job: JobRecord, status: str, now: datetime, reason: str | None = None) -> None:
    """Put ``job`` in the final ``status`` at ``now``."""
    job.status, job.finished = status, now
    job.reason = reason or job.reason


def close_window(session: SessionRecord, now: datetime) -> None:
    """End the session's open active window per the usage rule of :mod:`.state`."""
    if not session.windows or session.windows[-1][1] is not None:
        return
    last = session.last_job_completed or now
    limits = [last + timedelta(seconds=session.interactive_ttl)]
    if session.close_requested_at is not None:
        limits.append(session.close_requested_at)
    if session.started_at is not None:
        limits.append(session.started_at + timedelta(seconds=session.max_ttl))
    session.windows[-1][1] = min(max(last, min(limits)), now)


def tick(state: RuntimeState, now: datetime) -> None:
    """Apply TTLs, closes and expiry to every session."""
    for s in state.sessions.values():
        if s.state == "closed":
            continue
        running = jobs_of(state.jobs, s, "Running")
        queued = jobs_of(state.jobs, s, "Queued")
        if s.started_at and not s.expired and now >= s.started_at + timedelta(seconds=s.max_ttl):
            s.expired, s.accepting_jobs = True, False
            for job in queued:
                end(job, "Failed", now, "Session max TTL reached")
                job.reason_code = 1305
            queued = []
        if (
            s.state == "open"
            and not queued
            and now >= s.created + timedelta(seconds=state.open_timeout)
        ):
            s.accepting_jobs = False
        if running:
            continue
        if s.state == "active":
            idle_until = (s.last_job_completed or now) + timedelta(seconds=s.interactive_ttl)
            if not s.accepting_jobs and not queued:
                close_window(s, now)
                s.closed_at = now
                s.set_state("closed", now)
            elif not queued and now >= idle_until:
                close_window(s, now)
                s.set_state("inactive", now)
        elif not s.accepting_jobs and not queued:
            s.closed_at = now
            s.set_state("closed", now)
