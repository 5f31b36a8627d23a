"""Blocking user code on a job or a context, with room for what must go on meanwhile.

User code blocks in qmodes in a few places only: ``Job.result()``, ``Job.wait()``,
``Session.wait()``/``Batch.wait()`` (and closing a context, then waiting). All of them go
through :func:`block_until`. While it blocks, every registered *wait hook* gets a chance to
act every ``tick`` seconds: the widget's hook lets the front-end's buttons act while a cell is
blocked; an emulated device's clock can move virtual time forward to the instant waited for.

A hook is a function ``hook(subject)`` returning a context manager; entering it yields a
function called once per tick while the wait lasts. ``subject`` is what is waited on (a
:class:`~qmodes.core.jobs.Job` or a context), so a hook can ask it when it will be done.

Example:
    >>> import threading
    >>> done, ticks = threading.Event(), []
    >>> @contextlib.contextmanager
    ... def count_ticks(subject):
    ...     yield lambda: (ticks.append(subject), done.set())
    >>> remove = add_wait_hook(count_ticks)
    >>> block_until(done, timeout=5.0, subject="job-1")
    True
    >>> ticks
    ['job-1']
    >>> remove()
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["WaitHook", "add_wait_hook", "block_until"]

WaitHook = Callable[[Any], AbstractContextManager[Callable[[], None]]]
"""``hook(subject)`` → a context manager yielding the function to call on each tick."""

TICK = 0.05
"""Seconds between two rounds of the hooks while a wait lasts."""

_hooks: tuple[WaitHook, ...] = ()
_lock = threading.Lock()


def add_wait_hook(hook: WaitHook) -> Callable[[], None]:
    """Run ``hook`` during every later wait; returns a function that removes it."""
    global _hooks
    with _lock:
        _hooks = (*_hooks, hook)

    def remove() -> None:
        global _hooks
        with _lock:
            _hooks = tuple(h for h in _hooks if h is not hook)

    return remove


def block_until(done: threading.Event, timeout: float | None = None, subject: Any = None,
                tick: float = TICK) -> bool:
    """Wait until ``done`` is set; False if ``timeout`` seconds passed first.

    With no hook registered this is ``done.wait(timeout)``.
    """
    hooks = _hooks
    if done.is_set() or not hooks:
        return done.wait(timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    with contextlib.ExitStack() as stack:
        steps = [stack.enter_context(hook(subject)) for hook in hooks]
        while True:
            for step in steps:
                step()
            if done.is_set():
                return True
            wait = tick if deadline is None else min(tick, deadline - time.monotonic())
            if wait <= 0:
                return done.is_set()
            if done.wait(wait):
                return True
