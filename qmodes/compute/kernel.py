"""The in-kernel compute backend: tasks run in the calling thread, when their result is asked.

This is what :class:`~qmodes.local.LocalRuntime` does with no cluster (its default), written
as a compute backend so the same tasks can be run here and on a cluster and compared. It
imports nothing beyond Aer.

Example:
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.primitives.containers.sampler_pub import SamplerPub
    >>> from qmodes.compute.task import tasks_for
    >>> circuit = QuantumCircuit(1); _ = circuit.x(0); circuit.measure_all()
    >>> handle = KernelBackend().launch(tasks_for("sampler", "aer",
    ...     [SamplerPub.coerce(circuit, 3)], {"seed_simulator": 5}))
    >>> result, where = handle.result()
    >>> result[0].data.meas.get_counts(), where["worker"]
    ({'1': 3}, 'kernel')
"""

from __future__ import annotations

import concurrent.futures
from typing import Any, Protocol

from qmodes.compute.task import SimTask, TaskOutcome, assemble

__all__ = ["ComputeBackend", "ComputeHandle", "KernelBackend"]


class ComputeHandle(Protocol):
    """The simulation of one job, wherever it runs."""

    def result(self) -> tuple[Any, dict[str, Any]]:
        """Wait: the job's ``PrimitiveResult`` and ``{"worker", "worker_seconds"}``.

        Raises:
            concurrent.futures.CancelledError: the handle was cancelled.
        """

    def cancel(self) -> None:
        """Stop the simulation (tasks not finished are dropped)."""

    def done(self) -> bool:
        """Whether every task has finished (its result waits to be taken)."""


class ComputeBackend(Protocol):
    """Runs tasks: :meth:`launch` returns at once, the handle waits."""

    name: str
    split: bool

    def launch(self, tasks: list[SimTask], key: str | None = None) -> ComputeHandle: ...

    def stats(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class _KernelHandle:
    def __init__(self, tasks: list[SimTask]) -> None:
        self._tasks = tasks
        self._cancelled = False
        self._outcomes: list[TaskOutcome] | None = None

    def result(self) -> tuple[Any, dict[str, Any]]:
        from qmodes.compute.worker import run_task

        if self._outcomes is None:
            outcomes = []
            for task in self._tasks:
                if self._cancelled:
                    raise concurrent.futures.CancelledError("the job was cancelled")
                outcomes.append(run_task(task))
            self._outcomes = outcomes
        return assemble(self._outcomes)

    def cancel(self) -> None:
        self._cancelled = True

    def done(self) -> bool:
        return self._outcomes is not None


class KernelBackend:
    """Runs each job's tasks in the kernel, in the thread that asks for the result.

    Args:
        split: one task per PUB (seeds derived from the job's), as a cluster may do.
    """

    name = "kernel"

    def __init__(self, split: bool = False) -> None:
        self.split = split

    def launch(self, tasks: list[SimTask], key: str | None = None) -> ComputeHandle:
        return _KernelHandle(tasks)

    def stats(self) -> dict[str, Any]:
        return {"kind": "kernel", "address": "kernel", "workers": 1}

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return "<qmodes compute: kernel>"
