"""Which context primitives join: the open-context ``ContextVar`` and its sticky default.

The open context is held in a :class:`~contextvars.ContextVar` set by ``__enter__`` (as in
qiskit-ibm-runtime), with a sticky fallback for contexts that span notebook cells
(:func:`set_default_context`, used by the ``%session`` line magic).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qmodes.context.base import ExecutionContext

__all__ = ["current_context", "enter", "leave", "set_default_context"]

_current: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "qmodes_current_context", default=None)
_sticky: ExecutionContext | None = None
_undo_sticky: Callable[[], Any] | None = None
"""Restores qiskit-ibm-runtime's default session when the sticky context changes."""


def current_context() -> ExecutionContext | None:
    """The context opened by the innermost ``with``, else the sticky one, else None."""
    context = _current.get()
    if context is None and _sticky is not None and not _sticky.closed:
        return _sticky
    return context


def set_default_context(context: ExecutionContext | None) -> None:
    """Make ``context`` the one primitives use when no ``with`` block is open (across cells).

    It also becomes qiskit-ibm-runtime's default session (its ``ContextVar``, which keeps its
    value from one notebook cell to the next), so that its own primitives with no mode join
    it too, as in a ``with`` block.
    """
    global _sticky, _undo_sticky
    if _undo_sticky is not None:
        undo, _undo_sticky = _undo_sticky, None
        undo()
    _sticky = context
    if context is not None:
        _undo_sticky = context._make_runtime_default()


def enter(context: ExecutionContext) -> contextvars.Token[ExecutionContext | None]:
    """``context`` is the open one (``__enter__``); returns the token :func:`leave` takes."""
    return _current.set(context)


def leave(token: contextvars.Token[ExecutionContext | None]) -> None:
    """Undo one :func:`enter` (``__exit__``)."""
    _current.reset(token)
