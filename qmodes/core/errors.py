"""The errors qmodes raises on bad input, each with a message that says what to do."""

from __future__ import annotations

__all__ = ["ContextClosedError", "InvalidCircuitError", "QModesError"]


class QModesError(Exception):
    """Base class of qmodes' own errors."""


class ContextClosedError(QModesError, RuntimeError):
    """A job was submitted to a session or batch that no longer accepts jobs."""

    @classmethod
    def for_context(cls, mode: str, context_id: str) -> ContextClosedError:
        return cls(f"{mode} {context_id} is closed and accepts no new jobs: open a new "
                   f"{mode} (e.g. `with qmodes.{mode.capitalize()}(...)`) or use job mode")


class InvalidCircuitError(QModesError, ValueError):
    """A circuit cannot run on the chosen device as it is (not an ISA circuit)."""
