"""Execution modes: job mode, :class:`Session` and :class:`Batch`, sharing one base, and
:class:`LocalService`, the service they and qiskit-ibm-runtime's primitives use locally.

Importing this package registers them with :mod:`qmodes.compat.runtime_modes`, so that
qiskit-ibm-runtime's own primitives and ``Session``/``Batch`` given a qmodes backend use them.
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
from qmodes.modes.service import LocalService
from qmodes.modes.session import Session

runtime_modes.register(job_service=LocalService, session=Session, batch=Batch)
runtime_modes.install()

__all__ = [
    "Batch",
    "ExecutionContext",
    "LocalService",
    "Session",
    "close_open_contexts",
    "current_context",
    "open_contexts",
    "set_default_context",
    "submit_job",
]
