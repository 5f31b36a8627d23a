"""Execution modes: job mode (:mod:`.job`), :class:`Session` and :class:`Batch` (on one base,
:class:`RuntimeContext`: a :mod:`qmodes.context` execution context with qiskit-ibm-runtime's
session surface), the primitives (:mod:`.primitives`), :class:`LocalService`, the service they
and qiskit-ibm-runtime's primitives use locally (:mod:`.service`, :mod:`.runtime_bridge`), and
rehearsals (:mod:`.rehearsal`).

Importing this package registers them with :mod:`qmodes.compat.runtime_modes`, so that
qiskit-ibm-runtime's own primitives and ``Session``/``Batch`` given a qmodes backend use them.
It may import every engine layer below it (context, remote, local, compute, accounting,
backends, compat, core); never the advisor, the ledger, the widget or the notebook layer.
"""

from qmodes.compat import runtime_modes
from qmodes.context.base import (
    ExecutionContext,
    close_open_contexts,
    current_context,
    open_contexts,
    set_default_context,
)
from qmodes.modes.batch import Batch
from qmodes.modes.job import submit_job
from qmodes.modes.runtime_context import RuntimeContext
from qmodes.modes.service import LocalService
from qmodes.modes.session import Session

runtime_modes.register(job_service=LocalService, session=Session, batch=Batch)
runtime_modes.install()

__all__ = [
    "Batch",
    "ExecutionContext",
    "LocalService",
    "RuntimeContext",
    "Session",
    "close_open_contexts",
    "current_context",
    "open_contexts",
    "set_default_context",
    "submit_job",
]
