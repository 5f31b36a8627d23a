"""Execution modes: job mode, :class:`Session` and :class:`Batch`, sharing one base."""

from qmodes.modes.base import ExecutionContext, current_context, set_default_context
from qmodes.modes.batch import Batch
from qmodes.modes.job import submit_job
from qmodes.modes.session import Session

__all__ = [
    "Batch",
    "ExecutionContext",
    "Session",
    "current_context",
    "set_default_context",
    "submit_job",
]
