"""Execution modes: job mode, :class:`Session` and :class:`Batch`, sharing one base."""

from qmodes.modes.base import (
    ExecutionContext,
    close_open_contexts,
    current_context,
    open_contexts,
    set_default_context,
)
from qmodes.modes.batch import Batch
from qmodes.modes.job import submit_job
from qmodes.modes.session import Session

__all__ = [
    "Batch",
    "ExecutionContext",
    "Session",
    "close_open_contexts",
    "current_context",
    "open_contexts",
    "set_default_context",
    "submit_job",
]
