"""The contexts of this process: by id for ``from_id``, and the open ones (closed at exit).

Both are weak: a context nothing refers to any more, with its jobs and results, is not kept
alive for them.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmodes.context.base import ExecutionContext

__all__ = ["add", "close_open_contexts", "lookup", "open_contexts"]

_all_contexts: weakref.WeakSet[ExecutionContext] = weakref.WeakSet()
_by_id: weakref.WeakValueDictionary[str, ExecutionContext] = weakref.WeakValueDictionary()
"""The contexts of this process by id, for ``from_id``."""
_by_id_lock = threading.Lock()


def add(context: ExecutionContext) -> None:
    """A new context of this process (called once, when it opens)."""
    _all_contexts.add(context)
    with _by_id_lock:
        _by_id[context.id] = context


def lookup(context_id: str) -> ExecutionContext | None:
    """The context of this process with that id, if something still refers to it."""
    with _by_id_lock:
        return _by_id.get(context_id)


def open_contexts() -> list[ExecutionContext]:
    """Every session and batch of this process that still accepts jobs."""
    return [context for context in list(_all_contexts) if not context.closed]


@atexit.register
def close_open_contexts() -> None:
    """Close every context still open; runs at interpreter exit, so none is left open."""
    for context in open_contexts():
        try:
            context.close()
        except Exception:
            pass
