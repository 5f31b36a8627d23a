"""The remote scheduler: qmodes' scheduler seam, forwarded to IBM Qiskit Runtime.

It has the local :class:`~qmodes.local.scheduler.Scheduler`'s public methods, so
``qmodes.Session``/``Batch`` and job mode work on ``ibm:<device>`` unchanged:

* ``open_context`` opens a qiskit-ibm-runtime ``Session`` (or ``Batch``) on the device;
* ``close_context`` / ``cancel_context`` call its ``close()`` / ``cancel()``;
* ``submit`` submits the job's PUBs with qiskit-ibm-runtime's primitives (``mode=`` the
  Session/Batch, or the device in job mode) and hands the job to the one shared poller;
* ``cancel`` cancels the job on IBM;
* ``enter_context`` (called when a context is entered with ``with``) also makes the
  qiskit-ibm-runtime Session the one its own primitives use when given no mode, so that
  ``SamplerV2()`` inside ``%%session --backend ibm:<device>`` joins the session.

IBM decides when jobs run; what it reports arrives through :mod:`qmodes.remote.tracking`.

Example:
    >>> import qmodes
    >>> session = qmodes.Session("ibm:ibm_brisbane")  # doctest: +SKIP
    >>> qmodes.remote.ibm_session(session).session_id  # doctest: +SKIP
    '9f1c...'
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qmodes.compat.runtime_private import api_client, backend_instance, fast_client, use_client
from qmodes.core.clock import RealClock
from qmodes.core.errors import ContextClosedError
from qmodes.remote import closing, guard
from qmodes.remote.poller import Poller, default_poller
from qmodes.remote.service import RemoteError, describe
from qmodes.remote.tracking import ContextWatch, JobWatch

if TYPE_CHECKING:
    from qmodes.core.jobs import Job
    from qmodes.core.timeline import ContextRecord, Timeline
    from qmodes.remote.backend import RemoteBackend

__all__ = ["RemoteContext", "RemoteScheduler"]


@dataclass
class RemoteContext:
    """A qmodes context and the qiskit-ibm-runtime Session/Batch behind it."""

    id: str
    mode: str
    remote: Any  # qiskit_ibm_runtime.Session or Batch
    watch: ContextWatch | None = None
    accepting: bool = True

    @property
    def remote_id(self) -> str:
        return str(self.remote.session_id)


class RemoteScheduler:
    """Forwards one IBM device's contexts and jobs to qiskit-ibm-runtime.

    Args:
        backend: the device.
        timeline: where contexts and jobs are recorded.
        poller: follows the jobs (default: the process-wide poller).
    """

    def __init__(self, backend: RemoteBackend, timeline: Timeline,
                 poller: Poller | None = None) -> None:
        self.backend = backend
        self.backend_name = backend.name
        self.timeline = timeline
        self.clock = RealClock()
        self.poller = poller or default_poller()
        self.client = fast_client(api_client(backend.service, backend_instance(backend.device)))
        self._contexts: dict[str, RemoteContext] = {}
        self._watches: dict[str, JobWatch] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<RemoteScheduler {self.backend_name}: {len(self._watches)} jobs followed>"

    # -- contexts --------------------------------------------------------------------------
    def open_context(self, record: ContextRecord) -> None:
        from qiskit_ibm_runtime import Batch, Session

        factory = Session if record.mode == "session" else Batch
        try:
            remote = factory(self.backend.device, max_time=int(record.max_time))
        except Exception as error:  # the client's errors, as one line
            raise RemoteError(f"cannot open a {record.mode} on {self.backend_name} "
                              f"({describe(error)})") from None
        record.source = self.backend.source
        context = RemoteContext(record.id, record.mode, remote)
        with self._lock:
            self._contexts[record.id] = context
        self.timeline.add_context(record)
        with contextlib.suppress(Exception):  # IBM's id, for the ledger's "how to close it"
            self.timeline.update_context(record.id, self.clock.now(),
                                         remote_id=context.remote_id)
        context.watch = ContextWatch(self, context)
        self.poller.watch(context.watch, delay=1.0)

    def remote_context(self, context_id: str) -> Any:
        """The qiskit-ibm-runtime Session/Batch of a qmodes context."""
        return self._contexts[context_id].remote

    def enter_context(self, context_id: str) -> Callable[[], None]:
        """Make the context's Session the default of qiskit-ibm-runtime's own primitives.

        Returns:
            A function that restores the previous default.
        """
        from qiskit_ibm_runtime.utils.default_session import get_cm_session, set_cm_session

        previous = get_cm_session()
        set_cm_session(self._contexts[context_id].remote)
        return lambda: set_cm_session(previous)

    def close_context(self, context_id: str) -> None:
        """Stop accepting jobs (qiskit-ibm-runtime ``close()``); queued jobs still run."""
        self._end(context_id, cancel=False)

    def cancel_context(self, context_id: str) -> None:
        """Cancel the context's queued jobs on IBM (``cancel()``), then close it."""
        self._end(context_id, cancel=True)

    def _end(self, context_id: str, cancel: bool) -> None:
        with self._lock:
            context = self._contexts[context_id]
            first = context.accepting
            context.accepting = False
        if not first and not cancel:
            return
        try:
            closing.request(self, context, cancel)
        except Exception as error:  # not acknowledged: still open on IBM, retried
            closing.unconfirmed(self, context, cancel, error)
        else:
            closing.confirmed(self, context_id)  # a retry pending from an earlier close
            if first:
                now = self.clock.now()
                self.timeline.update_context(context_id, now, accepting_jobs=False,
                                             closed_at=now)
        if cancel:
            for watch in self._jobs_of(context_id):
                watch.job.request_cancel()
                self.poller.nudge(watch)
        if context.watch is not None:
            self.poller.nudge(context.watch)

    # -- jobs ------------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        """Submit the job's PUBs to IBM and follow it. Its record must not be on the timeline."""
        __tracebackhide__ = True  # IPython: a refusal shows the user's line, not ours
        context = self._contexts.get(job.context_id) if job.context_id else None
        if context is not None and not context.accepting:
            raise ContextClosedError.for_context(context.mode, context.id)
        guard.guard(self, job)  # refuses (raises) before anything is sent
        from qiskit_ibm_runtime.utils.default_session import get_cm_session, set_cm_session

        mode = context.remote if context is not None else self.backend.device
        previous = get_cm_session()
        if context is None:
            set_cm_session(None)  # job mode, even inside another context's ``with``
        try:
            remote = job.work.submit(mode)  # type: ignore[attr-defined]  # a RemoteWork
        except Exception as error:  # the client's errors, as one line
            raise RemoteError(f"IBM did not accept the job on {self.backend_name} "
                              f"({describe(error)})") from None
        finally:
            if context is None:
                set_cm_session(previous)
        job.take_id(remote.job_id())  # IBM's id: service.job(id) finds it
        record = job.live_record
        record.created = self.clock.now()
        record.source = self.backend.source
        guard.accepted(job)
        self.timeline.add_job(record)
        self.timeline.open_span(record.id, "queued", record.created)
        poll_copy = copy.copy(remote)
        use_client(poll_copy, self.client)
        watch = JobWatch(self, job, poll_copy)
        with self._lock:
            self._watches[record.id] = watch
        self.poller.watch(watch)
        if context is not None and context.watch is not None:
            self.poller.nudge(context.watch)

    def cancel(self, job: Job) -> bool:
        """Cancel the job on IBM; True if IBM accepted (it ends CANCELLED when IBM says so)."""
        watch = self._watches.get(job.job_id())
        if watch is None or job.in_final_state():
            return False
        try:
            watch.remote.cancel()
        except Exception:  # already final, or IBM refused
            return False
        job.request_cancel()
        self.poller.nudge(watch)
        return True

    def job_finished(self, job: Job) -> None:
        """Called by the job's watch once it is final: refresh the context's details."""
        with self._lock:
            self._watches.pop(job.job_id(), None)
            context = self._contexts.get(job.context_id) if job.context_id else None
        guard.finished(job, self.backend.service)
        if context is not None and context.watch is not None:
            context.watch.delay = 1.0
            self.poller.nudge(context.watch)

    def _jobs_of(self, context_id: str) -> list[JobWatch]:
        with self._lock:
            return [w for w in self._watches.values() if w.job.context_id == context_id]

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no job is followed (tests)."""
        deadline = time.monotonic() + timeout
        while self._watches and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self._watches

    def shutdown(self) -> None:
        pass
