"""The ledger: the SQLite history of what this machine ran and spent, across kernels.

:mod:`.ledger` (the :class:`Ledger`, its observer of the timeline), :mod:`.db` (the database
and its schema), :mod:`.rows` (records → rows), :mod:`.writer` (the writer thread),
:mod:`.process` (which process wrote a row, and whether it still lives), :mod:`.report` and
:mod:`.chart` (``%qmodes usage``). This package exports what ``qmodes.ledger`` did when it was
one module.

An observer: it may import :mod:`qmodes.core`, :mod:`qmodes.accounting`,
:mod:`qmodes.backends.names` (what a name means) and :mod:`qmodes._util`; the engine never
imports it. A job the budget guard refused reaches it as a ``job.refused`` event of the timeline.
"""

from qmodes.ledger.ledger import (
    CLOSE_ERROR,
    REMOTE_ID,
    Ledger,
    close_default_ledger,
    default_ledger,
    flush_open_ledgers,
    history,
    ledger_path,
    parse_since,
    unclosed_remote_sessions,
    unclosed_report,
    usage_report,
)

__all__ = ["CLOSE_ERROR", "REMOTE_ID", "Ledger", "close_default_ledger", "default_ledger",
           "flush_open_ledgers", "history", "ledger_path", "parse_since",
           "unclosed_remote_sessions", "unclosed_report", "usage_report"]
