"""A job's simulation as a pure, serializable task.

A :class:`SimTask` holds everything a process needs to simulate (part of) a job and nothing
tied to this one: its circuits as QPY bytes, each PUB's parameter values (and observables and
precision, or shots), the Aer run options (seed, a user's noise model), and the backend by
*name* (``"fake_manila"``, ``"aer:statevector"``). Never a simulator object: those do not
pickle (qiskit-aer issues 1364, 2135). The process that runs it (:mod:`qmodes.compute.worker`)
resolves the name to its own cached simulator.

A job becomes one task, or one task per PUB (:func:`tasks_for` with ``split=True``), each
with a seed derived from the job's seed (:func:`derive_seed`), so the same job split the same
way gives the same counts wherever it runs. :func:`assemble` puts the parts back in order.

Example:
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.primitives.containers.sampler_pub import SamplerPub
    >>> circuit = QuantumCircuit(1); _ = circuit.x(0); circuit.measure_all()
    >>> task = SimTask.build("sampler", "aer", [SamplerPub.coerce(circuit, 5)],
    ...                      {"seed_simulator": 1})
    >>> [c.num_qubits for c in task.circuits()], task.num_pubs
    ([1], 1)
    >>> derive_seed(1, 0) == derive_seed(1, 0) != derive_seed(1, 1)
    True
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["SimTask", "TaskOutcome", "assemble", "backend_reference", "derive_seed",
           "tasks_for"]


def derive_seed(seed: int, index: int) -> int:
    """The seed of sub-task ``index`` of a job seeded ``seed``: deterministic, well spread."""
    import numpy as np

    state = np.random.SeedSequence([int(seed), int(index)]).generate_state(1, np.uint32)
    return int(state[0])


@dataclass(frozen=True)
class SimTask:
    """One simulation: PUBs of a job on a named backend.

    Attributes:
        primitive: ``"sampler"`` or ``"estimator"``.
        backend: the name the worker resolves with :func:`qmodes.get_backend`.
        qpy: the PUBs' circuits, in order, as QPY bytes.
        pub_data: per PUB, what is not the circuit: ``(parameter_values, shots)`` for the
            sampler, ``(observables, parameter_values, precision)`` for the estimator.
        run_options: Aer run options (``seed_simulator``, ``noise_model``).
        first_pub: index of this task's first PUB in its job.
        aer_threads: Aer's ``max_parallel_threads`` (None: the worker decides).
    """

    primitive: str
    backend: str
    qpy: bytes
    pub_data: tuple[tuple[Any, ...], ...]
    run_options: dict[str, Any] = field(default_factory=dict)
    first_pub: int = 0
    aer_threads: int | None = None

    @classmethod
    def build(cls, primitive: str, backend: str, pubs: list[Any],
              run_options: dict[str, Any] | None = None, first_pub: int = 0) -> SimTask:
        """The task of ``pubs`` (``SamplerPub`` or ``EstimatorPub`` objects)."""
        from qiskit import qpy

        buffer = io.BytesIO()
        qpy.dump([pub.circuit for pub in pubs], buffer)
        if primitive == "sampler":
            data = tuple((pub.parameter_values, pub.shots) for pub in pubs)
        else:
            data = tuple((pub.observables, pub.parameter_values, pub.precision) for pub in pubs)
        return cls(primitive, backend, buffer.getvalue(), data, dict(run_options or {}),
                   first_pub)

    @property
    def num_pubs(self) -> int:
        return len(self.pub_data)

    def circuits(self) -> list[Any]:
        """The circuits, read back from QPY."""
        from qiskit import qpy

        return list(qpy.load(io.BytesIO(self.qpy)))

    def pubs(self) -> list[Any]:
        """The PUBs, rebuilt around the circuits read back from QPY."""
        if self.primitive == "sampler":
            from qiskit.primitives.containers.sampler_pub import SamplerPub

            return [SamplerPub(circuit, values, shots)
                    for circuit, (values, shots) in zip(self.circuits(), self.pub_data,
                                                        strict=True)]
        from qiskit.primitives.containers.estimator_pub import EstimatorPub

        return [EstimatorPub(circuit, observables, values, precision)
                for circuit, (observables, values, precision) in zip(self.circuits(),
                                                                     self.pub_data, strict=True)]


@dataclass(frozen=True)
class TaskOutcome:
    """What a task gives back: its PUB results, where it ran, and for how long.

    Attributes:
        pub_results: the PUB results, in the task's order.
        metadata: the ``PrimitiveResult``'s own metadata.
        worker: the worker's address (``"kernel"`` when run in the kernel).
        seconds: the worker's simulation time (wall seconds on the worker).
    """

    pub_results: list[Any]
    metadata: dict[str, Any]
    worker: str
    seconds: float


def backend_reference(backend: Any) -> str | None:
    """The name another process resolves ``backend`` with, or None (a caller's own
    ``BackendV2`` instance, which only this process knows)."""
    origin = getattr(backend, "_qmodes_origin", None)
    if isinstance(origin, str):
        return origin
    name = getattr(backend, "name", None)
    if type(backend).__name__ == "LocalBackend" and isinstance(name, str):
        return name
    return None


def tasks_for(primitive: str, backend: str, pubs: list[Any], run_options: dict[str, Any],
              split: bool = False) -> list[SimTask]:
    """The tasks of a job: one, or (``split``) one per PUB with seeds from the job's seed.

    Unsplit, the task carries the job's own seed, so its counts equal the in-kernel run's.
    Split, PUB ``i`` gets ``derive_seed(seed, i)`` (no seed: none), the same wherever it runs.
    """
    if not split or len(pubs) < 2:
        return [SimTask.build(primitive, backend, pubs, run_options)]
    seed = run_options.get("seed_simulator")
    tasks = []
    for index, pub in enumerate(pubs):
        options = dict(run_options)
        if seed is not None:
            options["seed_simulator"] = derive_seed(seed, index)
        tasks.append(SimTask.build(primitive, backend, [pub], options, first_pub=index))
    return tasks


def assemble(outcomes: list[TaskOutcome]) -> tuple[Any, dict[str, Any]]:
    """The job's ``PrimitiveResult`` from its tasks' outcomes (in task order), and where it
    ran: ``{"worker": address (or a list when several), "worker_seconds": total}``."""
    from qiskit.primitives import PrimitiveResult

    pub_results = [result for outcome in outcomes for result in outcome.pub_results]
    metadata = dict(outcomes[0].metadata) if outcomes else {}
    workers = sorted({outcome.worker for outcome in outcomes})
    where = {"worker": workers[0] if len(workers) == 1 else workers,
             "worker_seconds": round(sum(outcome.seconds for outcome in outcomes), 6)}
    return PrimitiveResult(pub_results, metadata=metadata), where


def with_threads(task: SimTask, threads: int | None) -> SimTask:
    """The same task with Aer's thread count set."""
    return replace(task, aer_threads=threads)
