"""Job states that more than one package needs to name (one place, no Qiskit to import).

IBM's job statuses as qiskit-ibm-runtime reports them: ``QUEUED``, ``RUNNING`` and the final
ones, :data:`FINAL_STATES`, after which nothing changes a job.

Example:
    >>> "CANCELLED" in FINAL_STATES, "RUNNING" in FINAL_STATES
    (True, False)
"""

from __future__ import annotations

__all__ = ["FINAL_STATES"]

FINAL_STATES = ("DONE", "ERROR", "CANCELLED")
"""A job in one of these states is final: it ran, failed or was cancelled, for good."""
