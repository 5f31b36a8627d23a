"""Fallback for kernels without subshells (ipykernel 6): poll the UI while qmodes waits.

Where :mod:`qmodes.widget.subshell` cannot route a widget's messages to a thread of their own
(ipykernel < 7), a qmodes wait hook (:func:`qmodes.core.waiting.add_wait_hook`) processes pending
front-end messages with ``jupyter-ui-poll``'s ``ui_events()`` every tick of a blocking wait:
``job.result()``, ``job.wait()``, ``context.wait()``. ``jupyter-ui-poll`` does it with the
kernel's own ``do_one_iteration()`` and defers any ``execute_request`` that arrives meanwhile
until the cell ends. The hook is registered once, the first time such a widget is shown, never
at ``import qmodes``; while no such widget is live it does nothing. Only qmodes' waits are
covered this way (a ``time.sleep`` in the cell is not).

Example:
    >>> register(object())  # not in a kernel: nothing to do
    False
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from qmodes.core.waiting import add_wait_hook

__all__ = ["poll_hook", "register"]

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_widgets: weakref.WeakSet[Any] = weakref.WeakSet()
_remove: Callable[[], None] | None = None
POLL_EVENTS = 10
"""Front-end messages handled per tick at most."""


def _kernel() -> Any:
    try:
        # start-up time: the kernel's parts load only where they are used
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    return getattr(get_ipython(), "kernel", None)


def _live() -> bool:
    return any(getattr(widget, "_was_live", False) for widget in list(_widgets))


@contextlib.contextmanager
def poll_hook(subject: Any) -> Iterator[Callable[[], None]]:
    """The wait hook: while a registered widget is live, handle UI events on each tick."""
    if not _live() or _kernel() is None:
        yield lambda: None
        return
    try:
        # start-up time: the kernel's parts load only where they are used
        from jupyter_ui_poll import ui_events

        events = ui_events()
        poll = events.__enter__()
    except Exception:  # not installed, or nested inside the user's own ui_events()
        _log.debug("qmodes: no UI polling during this wait", exc_info=True)
        yield lambda: None
        return
    try:
        yield lambda: poll(POLL_EVENTS)
    finally:
        events.__exit__(None, None, None)


def register(widget: Any) -> bool:
    """Poll the UI for ``widget`` during qmodes' waits; True if that applies here.

    Only in an ipykernel kernel that has ``do_one_iteration`` (ipykernel 6) and with
    ``jupyter-ui-poll`` installed; elsewhere returns False and changes nothing.
    """
    global _remove
    kernel = _kernel()
    if kernel is None or not hasattr(kernel, "do_one_iteration"):
        return False
    try:
        import jupyter_ui_poll  # noqa: F401
    except ImportError:
        return False
    with _lock:
        _widgets.add(widget)
        if _remove is None:
            _remove = add_wait_hook(poll_hook)
    return True
