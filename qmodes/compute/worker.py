"""The worker side: run a :class:`~qmodes.compute.task.SimTask` on a cached simulator.

Each process (a Dask worker, or the kernel) builds the simulator of a backend, with its noise
model, once per Aer thread count and keeps it in a module-level cache: the first task of
``fake_sherbrooke`` on a worker pays for the noise model, the next ones do not.

Aer's threads: a task says how many (``aer_threads``); else a task on a Dask worker takes
``cores // (tasks the worker runs at once)``, at least 1, and in the kernel Aer's own default.
Workers × threads then never oversubscribe the cores (qiskit-aer issue 1629).

Example:
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.primitives.containers.sampler_pub import SamplerPub
    >>> from qmodes.compute.task import SimTask
    >>> circuit = QuantumCircuit(1); _ = circuit.x(0); circuit.measure_all()
    >>> task = SimTask.build("sampler", "aer", [SamplerPub.coerce(circuit, 5)],
    ...                      {"seed_simulator": 1})
    >>> outcome = run_task(task)
    >>> outcome.pub_results[0].data.meas.get_counts(), outcome.worker
    ({'1': 5}, 'kernel')
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from qmodes.compat.aer_private import run_pubs
from qmodes.compute.task import SimTask, TaskOutcome

__all__ = ["cached_simulators", "run_task", "simulator_for"]

_simulators: dict[tuple[str, int | None], Any] = {}
_lock = threading.Lock()


def cached_simulators() -> list[tuple[str, int | None]]:
    """The (backend, Aer threads) pairs this process has built a simulator for."""
    with _lock:
        return sorted(_simulators, key=str)


def simulator_for(backend: str, threads: int | None) -> Any:
    """This process's ``AerSimulator`` of ``backend`` with ``threads`` Aer threads (built once,
    with the device's noise model)."""
    key = (backend, threads)
    with _lock:
        simulator = _simulators.get(key)
        if simulator is None:
            simulator = _build(backend, threads)
            _simulators[key] = simulator
        return simulator


def _build(backend: str, threads: int | None) -> Any:
    from qmodes.backends import get_backend

    resolved = get_backend(backend)
    if threads is None:
        return resolved.simulator
    from qiskit_aer import AerSimulator

    if resolved.device is not None:
        return AerSimulator.from_backend(resolved.device, max_parallel_threads=threads)
    return AerSimulator(method=resolved.simulator.options.method, max_parallel_threads=threads)


def _where() -> tuple[str, int | None]:
    """This worker's address and its threads per task, or ``("kernel", None)``."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return "kernel", None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return str(worker.address), max(1, (cores or 1) // max(1, worker.state.nthreads))


def run_task(task: SimTask) -> TaskOutcome:
    """Simulate ``task`` here; its PUB results, this process's address and the seconds taken."""
    worker, threads = _where()
    if task.aer_threads is not None:
        threads = task.aer_threads
    simulator = simulator_for(task.backend, threads)
    pubs = task.pubs()
    start = time.perf_counter()
    if task.primitive == "sampler":
        from qiskit_aer.primitives import SamplerV2 as Primitive
    else:
        from qiskit_aer.primitives import EstimatorV2 as Primitive  # type: ignore[assignment]
    primitive = Primitive.from_backend(simulator, options={"run_options": dict(task.run_options)})
    result = run_pubs(primitive, pubs)
    seconds = time.perf_counter() - start
    return TaskOutcome(list(result), dict(result.metadata), worker, seconds)
