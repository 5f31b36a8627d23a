"""A loopback IBM Quantum runtime server for running unmodified qiskit-ibm-runtime code offline.

Outside the engine, beside the notebook layer: it may import every layer up to
:mod:`qmodes.modes` (it serves jobs with qmodes' own engine); nothing in qmodes imports it.

Example:
    >>> from qmodes.testing import FakeRuntimeServer
    >>> with FakeRuntimeServer(api_key="secret") as server:  # doctest: +SKIP
    ...     service = server.service()
    ...     [b.name for b in service.backends()]
    ['fake_manila', 'fake_lima']
"""

from __future__ import annotations

from qmodes.testing.executor import AerExecutor, ExecutionOutcome, ExecutionRequest, Executor
from qmodes.testing.faults import FaultRule, Faults
from qmodes.testing.server import DEFAULT_CRN, FakeRuntimeServer

__all__ = [
    "DEFAULT_CRN",
    "AerExecutor",
    "ExecutionOutcome",
    "ExecutionRequest",
    "Executor",
    "FakeRuntimeServer",
    "FaultRule",
    "Faults",
]
