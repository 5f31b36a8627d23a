"""qmodes: IBM Qiskit Runtime's execution modes (job, batch, session), easy, visible and cheap.

Run the V2 primitives on local Aer simulators that follow the real scheduling and billing
rules of each mode, or on IBM devices with the same code; see what each mode costs.

Example:
    >>> import qmodes
    >>> from qiskit import QuantumCircuit
    >>> bell = QuantumCircuit(2); _ = bell.h(0); _ = bell.cx(0, 1); bell.measure_all()
    >>> with qmodes.Session(backend="aer", max_time="30m") as session:
    ...     job = qmodes.Sampler().run([bell], shots=100)
    ...     counts = job.result()[0].data.meas.get_counts()
    >>> sorted(counts), job.status(), session.status()
    (['00', '11'], 'DONE', 'Closed')

In IPython or Jupyter, ``%load_ext qmodes`` adds the ``%%session`` and ``%%batch`` magics.
"""

from __future__ import annotations

import importlib
from typing import Any

from qmodes._util import aliases

aliases.install()  # old module names (qmodes.usage, qmodes.jobs...) import for one release

_LAZY = {
    "Batch": "qmodes.modes",
    "ContextClosedError": "qmodes.core.errors",
    "Estimator": "qmodes.modes.primitives",
    "InvalidCircuitError": "qmodes.core.errors",
    "Job": "qmodes.core.jobs",
    "JobCancelledError": "qmodes.core.jobs",
    "JobFailedError": "qmodes.core.jobs",
    "JobMaxTimeoutError": "qmodes.core.jobs",
    "JobTimeoutError": "qmodes.core.jobs",
    "LocalService": "qmodes.modes",
    "OptionNotEmulatedWarning": "qmodes.core.options",
    "QModesError": "qmodes.core.errors",
    "Sampler": "qmodes.modes.primitives",
    "Session": "qmodes.modes",
    "available_backends": "qmodes.backends",
    "current_context": "qmodes.modes",
    "get_backend": "qmodes.backends",
    "parse_duration": "qmodes.core.durations",
}
"""Public names and the module that defines each: imported on first use, so that
``import qmodes`` (and ``%load_ext qmodes``) stays fast and pulls in neither Qiskit nor IPython."""


_SUBMODULES = frozenset({
    "accounting", "advisor", "backends", "compat", "compute", "context", "core", "ledger",
    "local", "modes", "notebook", "remote", "testing", "widget",
    # old names, for one release (qmodes._util.aliases: a DeprecationWarning names the new one)
    "clock", "durations", "errors", "jobs", "options", "primitives", "projection", "timeline",
    "usage", "waiting",
})
"""Subpackages reachable as attributes (``qmodes.local.default_runtime()``) without an import."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"qmodes.{name}")
    raise AttributeError(f"module 'qmodes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Batch",
    "ContextClosedError",
    "Estimator",
    "InvalidCircuitError",
    "Job",
    "JobCancelledError",
    "JobFailedError",
    "JobMaxTimeoutError",
    "JobTimeoutError",
    "LocalService",
    "OptionNotEmulatedWarning",
    "QModesError",
    "Sampler",
    "Session",
    "__version__",
    "available_backends",
    "current_context",
    "get_backend",
    "load_ipython_extension",
    "parse_duration",
    "unload_ipython_extension",
]

__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext qmodes``: register the magics (IPython is imported only here)."""
    from qmodes.notebook.extension import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext qmodes``: close what is open and remove the magics."""
    from qmodes.notebook.extension import unload_ipython_extension as unload

    unload(ipython)
