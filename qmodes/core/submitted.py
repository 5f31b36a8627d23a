"""Who is told of each job-mode job, on the thread that submitted it.

A registry without imports, so the notebook layer can listen from ``%load_ext qmodes`` on
without importing Qiskit; :func:`qmodes.modes.job.submit_job` calls :func:`tell`.

Example:
    >>> seen = []
    >>> remove = on_submit(seen.append)
    >>> tell("job-1"); remove(); tell("job-2")
    >>> seen
    ['job-1']
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["on_submit", "tell"]

_listeners: list[Callable[[Any], None]] = []


def on_submit(listener: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``listener(job)`` after each job-mode job is queued (on the submitting thread);
    returns the function that removes it."""
    _listeners.append(listener)

    def remove() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return remove


def tell(job: Any) -> None:
    """Tell every listener of ``job``; a listener that raises is reported, never the job's
    problem (it is queued already)."""
    for listener in list(_listeners):
        try:
            listener(job)
        except Exception as error:
            warnings.warn(f"qmodes: a job-mode listener failed: {error}", RuntimeWarning,
                          stacklevel=3)
