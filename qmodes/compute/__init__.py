"""Where simulations run: in the kernel (the default) or on a Dask cluster.

A job's simulation is a pure task (:mod:`qmodes.compute.task`: QPY circuits, parameter values,
observables, run options, seed, the backend's name). A compute backend runs tasks: the
:class:`KernelBackend` in the calling thread, the :class:`DaskBackend` as
``dask.distributed`` futures on worker processes, each of which caches its simulators
(:mod:`qmodes.compute.worker`). The scheduler, the virtual clock, the timeline, the ledger and
the widget stay in the kernel; see ``docs/cluster.md``.

``dask`` is imported only when a cluster is asked for (:func:`resolve`). It may import
:mod:`qmodes.accounting`, :mod:`qmodes.backends`, :mod:`qmodes.compat`, :mod:`qmodes.core` and
:mod:`qmodes._util`.

Example:
    >>> import qmodes.compute as compute
    >>> compute.resolve(None) is None   # the kernel
    True
"""

from __future__ import annotations

from typing import Any

from qmodes.compute.clusters import active, check, close_all, resolve
from qmodes.compute.kernel import ComputeBackend, ComputeHandle, KernelBackend
from qmodes.compute.task import SimTask, TaskOutcome, derive_seed, tasks_for

__all__ = ["ClusterUnreachableError", "ComputeBackend", "ComputeHandle", "DaskBackend",
           "KernelBackend", "SimTask", "TaskOutcome", "active", "check", "close_all",
           "derive_seed", "describe", "resolve", "tasks_for"]


def __getattr__(name: str) -> Any:
    if name in ("DaskBackend", "ClusterUnreachableError"):
        from qmodes.compute import dask_backend

        return getattr(dask_backend, name)
    raise AttributeError(f"module 'qmodes.compute' has no attribute {name!r}")


def describe(backend: Any) -> str:
    """One line about a compute backend (None: the kernel), for ``%qmodes`` and summaries."""
    if backend is None:
        return "compute: in the kernel"
    stats = backend.stats()
    if stats.get("kind") != "dask":
        return f"compute: {stats.get('kind', backend)!s}"
    owner = "LocalCluster started by qmodes" if stats["owned"] else "external scheduler"
    line = (f"compute: Dask at {stats['address']} ({owner}): {stats['workers']} worker"
            f"{'' if stats['workers'] == 1 else 's'}, "
            f"{stats['threads']} task slots, Aer threads per task "
            f"{stats['aer_threads'] or 'auto'}; {stats['running']} running, "
            f"{stats['queued']} queued, {stats['ahead']} simulated ahead")
    if stats.get("dashboard"):
        line += f"; dashboard {stats['dashboard']}"
    return line
