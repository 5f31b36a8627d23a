"""Critical sections that a Ctrl-C cannot split: SIGINT is deferred until they end.

Ctrl-C raises :class:`KeyboardInterrupt` in the main thread at whatever bytecode runs then.
Inside a submission (the job's record on the timeline, the job in the scheduler's queue and
in its context's list of handles) that would leave a job half-submitted: on the timeline
without a handle, or QUEUED forever. :func:`deferred_interrupt` holds a SIGINT that arrives
during the section and raises it as soon as the section ends, so a job is either fully
submitted or not at all. A second SIGINT during the same section raises at once: the user
insists, and that wins over the bookkeeping.

Only the main thread receives signals, so elsewhere (and under a handler that is not a
Python callable, such as ``SIG_IGN``) the section runs as is. Sections nest: only the
outermost one installs the handler.

Example:
    >>> with deferred_interrupt():
    ...     done = True  # a Ctrl-C here would be raised after this line
    >>> done
    True
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

__all__ = ["deferred_interrupt"]

_MAIN = threading.main_thread().ident


class _Deferred:
    """The state of the main thread's outermost deferred section."""

    depth = 0
    previous: Any = None
    pending: tuple[int, FrameType | None] | None = None


def _hold(signum: int, frame: FrameType | None) -> None:
    if _Deferred.pending is not None:  # a second Ctrl-C: raise now
        _Deferred.pending = None
        previous = _Deferred.previous
        if callable(previous):
            previous(signum, frame)
        raise KeyboardInterrupt
    _Deferred.pending = (signum, frame)


class deferred_interrupt:
    """Defer SIGINT in the main thread until the ``with`` block ends (then raise it)."""

    __slots__ = ("_active",)

    def __enter__(self) -> None:
        self._active = False
        if threading.get_ident() != _MAIN:
            return
        if _Deferred.depth:
            _Deferred.depth += 1
            self._active = True
            return
        try:
            previous = signal.signal(signal.SIGINT, _hold)
        except (ValueError, OSError):  # not the main interpreter's main thread
            return
        if not callable(previous):  # SIG_IGN / SIG_DFL: put it back, nothing to defer
            signal.signal(signal.SIGINT, previous)
            return
        _Deferred.previous, _Deferred.pending, _Deferred.depth = previous, None, 1
        self._active = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self._active:
            return
        _Deferred.depth -= 1
        if _Deferred.depth:
            return
        previous, pending = _Deferred.previous, _Deferred.pending
        _Deferred.previous = _Deferred.pending = None
        signal.signal(signal.SIGINT, previous)
        if pending is not None:
            previous(*pending)  # the default handler raises KeyboardInterrupt here
