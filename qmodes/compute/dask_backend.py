"""The Dask compute backend: each task is a ``dask.distributed`` future.

Dask does the distributed part: futures, rescheduling a task whose worker died (up to the
scheduler's ``allowed-failures``, then ``KilledWorker``), retries of a task that raised, and
cancellation. qmodes only builds the tasks, submits them, and waits for their results on the
emulated QPU lane. Nothing here is imported unless a cluster is asked for.

Example (not run here: it starts worker processes)::

    from qmodes.compute.dask_backend import DaskBackend
    backend = DaskBackend.local(workers=2)          # a LocalCluster qmodes owns
    handle = backend.launch(tasks)                  # futures, at once
    result, where = handle.result()                 # {"worker": "tcp://...", ...}
    backend.close()                                 # closes the LocalCluster
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

from qmodes.compute.task import SimTask, assemble, with_threads
from qmodes.core.errors import QModesError

__all__ = ["ClusterUnreachableError", "DaskBackend", "usable_cores"]

CONNECT_TIMEOUT = 10.0
"""Seconds to reach a scheduler before :class:`ClusterUnreachableError`."""


class ClusterUnreachableError(QModesError, ConnectionError):
    """No Dask scheduler answers at the address given."""


def usable_cores() -> int:
    """The cores this process may use (its CPU affinity, else ``os.cpu_count()``)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class _DaskHandle:
    """The futures of one job's tasks."""

    def __init__(self, backend: DaskBackend, futures: list[Any]) -> None:
        self._backend = backend
        self._futures = futures
        self.taken = False

    def result(self) -> tuple[Any, dict[str, Any]]:
        try:
            outcomes = [future.result() for future in self._futures]
        finally:
            self.taken = True
            self._backend._forget(self)
        return assemble(outcomes)

    def cancel(self) -> None:
        self.taken = True
        self._backend._forget(self)
        pending = [future for future in self._futures if not future.done()]
        if pending:
            self._backend.client.cancel(pending, reason="the job was cancelled")

    def done(self) -> bool:
        return all(future.done() for future in self._futures)


class DaskBackend:
    """Runs tasks on a ``dask.distributed`` cluster through a ``Client``.

    Args:
        client: a connected ``distributed.Client``.
        cluster: the cluster object qmodes started (closed by :meth:`close`), if any.
        aer_threads: Aer threads per task (None: each worker takes its cores / its threads).
        split: one task per PUB for jobs of several PUBs (seeds derived from the job's).
        retries: Dask retries of a task that raised.
    """

    def __init__(self, client: Any, *, cluster: Any = None, aer_threads: int | None = None,
                 split: bool = False, retries: int = 1) -> None:
        self.client = client
        self.cluster = cluster
        self.aer_threads = aer_threads
        self.split = split
        self.retries = retries
        self.address = str(getattr(client.scheduler, "address", client.scheduler))
        self.name = "local" if cluster is not None else self.address
        self._handles: weakref.WeakSet[_DaskHandle] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def local(cls, workers: int | None = None, **options: Any) -> DaskBackend:
        """A ``LocalCluster`` of ``workers`` single-thread processes (default: one per core),
        each running Aer on cores // workers threads, owned by qmodes."""
        from distributed import Client, LocalCluster

        cores = usable_cores()
        workers = workers or cores
        if workers < 1:
            raise ValueError(f"a local cluster needs at least 1 worker, got {workers}")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster, set_as_default=False)
        options.setdefault("aer_threads", max(1, cores // workers))
        return cls(client, cluster=cluster, **options)

    @classmethod
    def connect(cls, address: str, timeout: float = CONNECT_TIMEOUT,
                **options: Any) -> DaskBackend:
        """A client of the scheduler at ``address`` (qmodes will not close that cluster).

        Raises:
            ClusterUnreachableError: nothing answered within ``timeout`` seconds.
        """
        from distributed import Client

        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ClusterUnreachableError(
                f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                f"({reason[:120]}); start one (dask scheduler) or set QModes.cluster to "
                f"'local' or None") from None
        return cls(client, **options)

    def launch(self, tasks: list[SimTask], key: str | None = None) -> _DaskHandle:
        """Submit the tasks now; the handle's ``result()`` waits for them."""
        from qmodes.compute.worker import run_task

        if self._closed:
            raise RuntimeError(f"the cluster {self.name} was closed")
        prefix = f"qmodes-{key or 'job'}"
        futures = [self.client.submit(run_task, with_threads(task, self.aer_threads),
                                      key=f"{prefix}-{index}", pure=False,
                                      retries=self.retries)
                   for index, task in enumerate(tasks)]
        handle = _DaskHandle(self, futures)
        with self._lock:
            self._handles.add(handle)
        return handle

    def _forget(self, handle: _DaskHandle) -> None:
        with self._lock:
            self._handles.discard(handle)

    def stats(self) -> dict[str, Any]:
        """Workers, Aer threads, tasks running and queued, results simulated ahead, dashboard."""
        info = self.client.scheduler_info() if not self._closed else {"workers": {}}
        workers = info.get("workers", {})
        with self._lock:
            handles = list(self._handles)
        futures = [future for handle in handles for future in handle._futures]
        pending = sum(1 for future in futures if not future.done())
        slots = sum(int(worker.get("nthreads", 1)) for worker in workers.values())
        return {"kind": "dask", "address": self.address, "name": self.name,
                "owned": self.cluster is not None, "workers": len(workers),
                "threads": slots, "aer_threads": self.aer_threads,
                "running": min(pending, slots), "queued": max(0, pending - slots),
                "ahead": sum(1 for handle in handles if not handle.taken and handle.done()),
                "dashboard": self.dashboard}

    @property
    def dashboard(self) -> str | None:
        """The Dask dashboard's address, when the scheduler serves one."""
        try:
            services = self.client.scheduler_info().get("services", {})
            return str(self.client.dashboard_link) if "dashboard" in services else None
        except Exception:
            return None

    def close(self) -> None:
        """Disconnect; close the cluster too if qmodes started it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __repr__(self) -> str:
        owner = "started by qmodes" if self.cluster is not None else "external"
        return f"<qmodes compute: dask {self.address} ({owner})>"
