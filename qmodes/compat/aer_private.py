"""qiskit-aer's private parts that qmodes uses, one named function each.

Checked on qiskit-aer 0.15–0.18; ``tests/compat/test_private_parts.py`` fails with a clear
message when an upgrade moves one. It may import qiskit-aer and nothing of qmodes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CHECKED_ON", "run_pubs"]

CHECKED_ON = ("0.15", "0.18")
"""The qiskit-aer versions these accesses were checked on."""


def run_pubs(primitive: Any, pubs: list[Any]) -> Any:
    """Run coerced PUBs on an Aer ``SamplerV2``/``EstimatorV2`` and return its result.

    Why: ``primitive.run(pubs)`` wraps the work in a ``PrimitiveJob`` that runs it in a thread
    of its own; qmodes already runs it in the job's QPU phase (its own thread, its own timing),
    so it calls the primitive's ``_run(pubs)``, what that job would call, directly.
    """
    return primitive._run(pubs)
