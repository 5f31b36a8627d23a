"""Execution contexts: :class:`~qmodes.context.base.ExecutionContext`, the base of
:class:`qmodes.Session` and :class:`qmodes.Batch`, one concern per module: lifecycle
(:mod:`.base`), the open-context ``ContextVar`` and its sticky default across cells
(:mod:`.current`), the contexts of this process and ``from_id`` (:mod:`.registry`), usage,
status, details and advice (:mod:`.figures`), and what qiskit-ibm-runtime's code reads of a
session (:mod:`.runtime_surface`).

It may import the engines below it (:mod:`qmodes.remote`, :mod:`qmodes.local`,
:mod:`qmodes.compute`), :mod:`qmodes.accounting`, :mod:`qmodes.backends`, :mod:`qmodes.compat`,
:mod:`qmodes.core` and :mod:`qmodes._util`; what a mode adds on top (qiskit-ibm-runtime's
session surface, rehearsals) lives in :mod:`qmodes.modes`, and the advisor, ledger and widget
are never imported from here.
"""

from qmodes.context.base import (
    ExecutionContext,
    close_open_contexts,
    current_context,
    open_contexts,
    register_advisor,
    set_default_context,
)

__all__ = ["ExecutionContext", "close_open_contexts", "current_context", "open_contexts",
           "register_advisor", "set_default_context"]
