"""Closing a session or batch on IBM, and only calling it closed once IBM acknowledged it.

A close (or cancel) request that IBM does not acknowledge (an HTTP 500, a time-out, a dropped
connection) leaves the session open on IBM, where it can keep billing until its TTL ends. It
is then an :class:`UnconfirmedClose`: the context's record keeps ``closed_at`` unset and gets a
``close_error`` (the ledger shows it as unclosed, with the reason), the request is retried
with backoff by the poller (:class:`CloseRetry`), and once more at exit. What is still
unconfirmed is what :func:`unconfirmed_close` / :func:`unconfirmed_closes` return and
:func:`unclosed_text` says, with the command that closes it by hand.

Example:
    >>> pending = UnconfirmedClose("ctx1", "cr0abc", "session", "fake_manila", False,
    ...                            "HTTP 500")
    >>> print(pending.message())  # doctest: +NORMALIZE_WHITESPACE
    session cr0abc on fake_manila is still open on IBM (the close was not acknowledged:
    HTTP 500); qmodes retries; to close it yourself: from qiskit_ibm_runtime import
    QiskitRuntimeService, Session; Session.from_id('cr0abc',
    service=QiskitRuntimeService()).close()
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmodes.compat.runtime_private import mark_closed
from qmodes.core.timeline import CLOSE_ERROR  # re-exported: why a close is unconfirmed
from qmodes.remote.service import describe

if TYPE_CHECKING:
    from qmodes.remote.scheduler import RemoteContext, RemoteScheduler

__all__ = ["CLOSE_ERROR", "CloseRetry", "UnconfirmedClose", "retry_at_exit",
           "unclosed_text", "unconfirmed_close", "unconfirmed_closes"]

log = logging.getLogger(__name__)


MAX_DELAY = 60.0
"""The longest wait between two retries of a close (seconds)."""
MAX_ATTEMPTS = 12
"""Retries by the poller before it leaves the close to the exit retry (about 10 minutes)."""
EXIT_TIMEOUT = 5.0
"""Seconds the exit retry may take in all."""


@dataclass
class UnconfirmedClose:
    """A close or cancel of a remote context that IBM has not acknowledged (yet)."""

    context_id: str
    remote_id: str
    mode: str
    backend: str
    cancel: bool
    error: str
    attempts: int = 1
    since: float = field(default_factory=time.time)

    def how_to_close(self) -> str:
        """The code that closes it by hand (any Python, with the user's saved account)."""
        kind = "Session" if self.mode == "session" else "Batch"
        return (f"from qiskit_ibm_runtime import QiskitRuntimeService, {kind}; "
                f"{kind}.from_id({self.remote_id!r}, service=QiskitRuntimeService())."
                f"{'cancel' if self.cancel else 'close'}()")

    def message(self, retrying: bool = True) -> str:
        """One plain sentence: what is open on IBM, why, and how to close it."""
        return (f"{self.mode} {self.remote_id} on {self.backend} is still open on IBM (the "
                f"{'cancel' if self.cancel else 'close'} was not acknowledged: {self.error}); "
                f"{'qmodes retries; ' if retrying else ''}to close it yourself: "
                f"{self.how_to_close()}")


_lock = threading.Lock()
_exit_retry_done = threading.Event()  # set by the exit retry: later closes are said at once
_pending: dict[str, tuple[UnconfirmedClose, RemoteScheduler, RemoteContext]] = {}


def unconfirmed_close(context_id: str) -> UnconfirmedClose | None:
    """The unconfirmed close of a qmodes context (its ``id``), or None if there is none."""
    entry = _pending.get(context_id)  # no lock: read on the user's path, where a Ctrl-C
    return entry[0] if entry else None  # between acquire and release would leak it


def unconfirmed_closes() -> list[UnconfirmedClose]:
    """Every close of this process that IBM has not acknowledged, oldest first."""
    entries = list(_pending.values())  # no lock, as above (a copy: atomic in CPython)
    return sorted((entry[0] for entry in entries), key=lambda p: p.since)


def unclosed_text() -> str | None:
    """For ``%qmodes``: each session still open on IBM and how to close it (None: none)."""
    closes = unconfirmed_closes()
    if not closes:
        return None
    return "\n".join(["qmodes: still open on IBM:"] + [f"  {p.message()}" for p in closes])


def request(scheduler: RemoteScheduler, context: RemoteContext, cancel: bool) -> None:
    """Ask IBM once to close (or cancel) ``context`` (raises what the client raises)."""
    if not mark_closed(context.remote):  # as qiskit-ibm-runtime's own close() does
        return  # never created on IBM: nothing to close
    client = scheduler.client
    (client.cancel_session if cancel else client.close_session)(context.remote_id)


def unconfirmed(scheduler: RemoteScheduler, context: RemoteContext, cancel: bool,
                error: BaseException) -> UnconfirmedClose:
    """Record a close IBM did not acknowledge, and retry it with backoff on the poller."""
    pending = UnconfirmedClose(context.id, context.remote_id, context.mode,
                               scheduler.backend_name, cancel, describe(error))
    with _lock:
        _pending[context.id] = (pending, scheduler, context)
    log.warning("qmodes: %s", pending.message())
    if _exit_retry_done.is_set():  # closed by a later exit hook: this was the last attempt
        print(f"qmodes: {pending.message(retrying=False)}", file=sys.stderr)
    scheduler.timeline.update_context(context.id, scheduler.clock.now(), accepting_jobs=False,
                                      **{CLOSE_ERROR: pending.message()})
    if not _exit_retry_done.is_set():
        scheduler.poller.watch(CloseRetry(scheduler, context, pending), delay=1.0)
    return pending


def confirmed(scheduler: RemoteScheduler, context_id: str, closed_at: float | None = None
              ) -> bool:
    """IBM acknowledged the close (or reports the context closed): record it as closed."""
    with _lock:
        entry = _pending.pop(context_id, None)
    if entry is None:
        return False
    now = scheduler.clock.now()
    changes: dict[str, Any] = {CLOSE_ERROR: None}
    if scheduler.timeline.context(context_id).closed_at is None:
        changes["closed_at"] = closed_at or now
    scheduler.timeline.update_context(context_id, now, **changes)
    log.warning("qmodes: %s %s is now closed on IBM", entry[0].mode, entry[0].remote_id)
    return True


class CloseRetry:
    """A poller watch that asks IBM again to close a context, with backoff."""

    def __init__(self, scheduler: RemoteScheduler, context: RemoteContext,
                 pending: UnconfirmedClose) -> None:
        self.scheduler, self.context, self.pending = scheduler, context, pending
        self.delay = 1.0

    def poll(self) -> float | None:
        if unconfirmed_close(self.context.id) is not self.pending:
            return None  # confirmed meanwhile (or IBM closed it)
        try:
            request(self.scheduler, self.context, self.pending.cancel)
        except Exception as error:  # still not acknowledged
            self.pending.attempts += 1
            self.pending.error = describe(error)
            if self.pending.attempts > MAX_ATTEMPTS:
                return None  # left to the retry at exit; the report still shows it
            self.delay = min(self.delay * 2, MAX_DELAY)
            return self.delay
        confirmed(self.scheduler, self.context.id)
        return None


@atexit.register
def retry_at_exit(timeout: float = EXIT_TIMEOUT) -> list[UnconfirmedClose]:
    """Try each unconfirmed close once more; say plainly on standard error what stays open.

    Returns:
        The closes still unconfirmed.
    """
    deadline = time.monotonic() + timeout
    with _lock:
        entries = list(_pending.values())
    for pending, scheduler, context in entries:
        if time.monotonic() > deadline:
            break
        try:
            request(scheduler, context, pending.cancel)
        except Exception as error:
            pending.attempts += 1
            pending.error = describe(error)
        else:
            confirmed(scheduler, context.id)
    _exit_retry_done.set()
    left = unconfirmed_closes()
    for pending in left:
        print(f"qmodes: {pending.message(retrying=False)}", file=sys.stderr)
    return left
