"""Execution contexts: :class:`~qmodes.context.base.ExecutionContext`, the base of
:class:`qmodes.Session` and :class:`qmodes.Batch` (lifecycle, the open-context
``ContextVar`` and its sticky default across cells, ``from_id``, details and usage).

It may import the engines below it (:mod:`qmodes.remote`, :mod:`qmodes.local`,
:mod:`qmodes.compute`), :mod:`qmodes.accounting`, :mod:`qmodes.backends`, :mod:`qmodes.compat`,
:mod:`qmodes.core` and :mod:`qmodes._util`; what a mode adds on top (qiskit-ibm-runtime's
session surface, rehearsals) lives in :mod:`qmodes.modes`, and the advisor, ledger and widget
are never imported from here.
"""
