"""Remote IBM backends through qiskit-ibm-runtime (``ibm:<device>``).

``qmodes.Session("ibm:<device>")``, ``qmodes.Batch(...)`` and job mode run on a device of
your IBM Quantum instance with the same code as on Aer; the timeline, usage and widget show
what IBM reports (labelled ``"reported by IBM"``). See ``docs/remote.md``.

It may import :mod:`qmodes.local` (its transpiling), :mod:`qmodes.compute`,
:mod:`qmodes.accounting`, :mod:`qmodes.backends`, :mod:`qmodes.compat` (every private part of
qiskit-ibm-runtime it uses is there), :mod:`qmodes.core` and :mod:`qmodes._util`. Importing it
registers ``ibm:<device>`` with :func:`qmodes.get_backend`.

Example:
    >>> import qmodes.remote
    >>> qmodes.remote.use_service(None)  # default: saved account or QISKIT_IBM_* variables
"""

from __future__ import annotations

from typing import Any

from qmodes.backends.names import register_remote
from qmodes.remote.backend import SOURCE, RemoteBackend, get_remote_backend
from qmodes.remote.service import RemoteError, get_service, use_service

register_remote(get_remote_backend)  # qmodes.get_backend("ibm:<device>") lands here

__all__ = [
    "SOURCE",
    "RemoteBackend",
    "RemoteError",
    "get_remote_backend",
    "get_service",
    "ibm_session",
    "use_service",
]


def ibm_session(context: Any) -> Any:
    """The qiskit-ibm-runtime ``Session``/``Batch`` behind a remote qmodes context.

    Raises:
        ValueError: ``context`` does not run on an ``ibm:<device>`` backend.
    """
    scheduler = getattr(context, "scheduler", None)  # ExecutionContext.scheduler
    if not hasattr(scheduler, "remote_context"):
        raise ValueError(f"{context!r} is not on an IBM device (ibm:<device>)")
    return scheduler.remote_context(context.id)  # type: ignore[union-attr]
