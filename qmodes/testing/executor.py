"""The execution seam of the fake server: what a job does while it holds the QPU.

The server schedules jobs with qmodes' own local engine (:mod:`qmodes.testing.engine`): lanes,
one QPU per device, sessions and batches. When a job reaches the QPU lane, the engine calls the
server's executor, ``executor(request) -> ExecutionOutcome``, on the device's QPU thread, one
job at a time. The time the call takes is the job's QPU span, hence its usage.
:class:`AerExecutor` is the default: it runs the PUBs with
``qiskit_aer.primitives.SamplerV2/EstimatorV2.from_backend(<fake backend>)``.

An exception raised by an executor fails the job as a failure on IBM's side (a system error:
it bills nothing); the traceback becomes the job's error text.

Example:
    >>> def always_fails(request):
    ...     raise RuntimeError("QPU on fire")
    >>> # FakeRuntimeServer(executor=always_fails) makes every job end FAILED with that reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

__all__ = ["AerExecutor", "ExecutionOutcome", "ExecutionRequest", "Executor"]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ExecutionRequest:
    """What an executor gets for one job.

    Attributes:
        job_id: The job's id (as the REST API shows it).
        program_id: ``"sampler"``, ``"estimator"`` or ``"executor"`` (others are passed
            through too).
        backend: The fake backend the job targets.
        params: The job's ``params``, decoded with ``RuntimeDecoder``: ``pubs``, ``options``,
            ``version``.
        session_id: The session or batch the job belongs to, if any.
        mode: ``"job"``, ``"dedicated"`` (session) or ``"batch"``.
        params_json: The ``params`` as received (plain JSON).
        pubs: For ``sampler``/``estimator``: the PUBs as qmodes' primitives coerced them
            (``SamplerPub``/``EstimatorPub``, default shots and precision applied).
    """

    job_id: str
    program_id: str
    backend: BackendV2
    params: dict[str, Any]
    session_id: str | None = None
    mode: str = "job"
    params_json: dict[str, Any] = field(default_factory=dict)
    pubs: list[Any] | None = None


@dataclass
class ExecutionOutcome:
    """What an executor returns.

    Attributes:
        result: The object sent as the job's results, encoded with ``RuntimeEncoder``
            (a ``PrimitiveResult`` for the V2 primitives); a ``str`` is sent as is.
        extra_metrics: Merged into the job's ``metrics`` answer.
    """

    result: Any
    extra_metrics: dict[str, Any] = field(default_factory=dict)


class Executor(Protocol):
    """Runs one job (blocking) and returns its outcome; raise to make the job fail."""

    def __call__(self, request: ExecutionRequest) -> ExecutionOutcome: ...


class AerExecutor:
    """The default executor: Aer primitives built from the fake backend's noise model.

    Programs: ``sampler`` and ``estimator`` run ``request.pubs`` with
    ``qiskit_aer.primitives``; ``executor`` (the client-side ``executor_sampler.Sampler``)
    runs with qiskit-ibm-runtime's local quantum-program simulator.

    Args:
        seed: Seed for Aer's simulator (``None``: the job's ``options.simulator.seed_simulator``
            if set, else random).
    """

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self._cache: dict[tuple[str, str, Any], Any] = {}

    def __call__(self, request: ExecutionRequest) -> ExecutionOutcome:
        # heavy: Qiskit loads when a job or device needs it, not on import
        from qiskit.primitives import PrimitiveResult

        options = dict(request.params.get("options") or {})
        seed = self.seed
        if seed is None:
            seed = (options.get("simulator") or {}).get("seed_simulator")
        if request.program_id == "executor":
            # heavy: IBM's executor schemas load with the first executor job
            from qmodes.testing.quantum_program import run_executor_program

            text, runs = run_executor_program(request.backend, request.params_json, utcnow)
            return ExecutionOutcome(text, extra_metrics={"executions": runs})
        if request.program_id not in ("sampler", "estimator") or request.pubs is None:
            raise ValueError(f"program {request.program_id!r} is not supported by AerExecutor")
        pubs = request.pubs
        aer = self._aer(request.program_id, request.backend, seed)
        start = utcnow()
        aer_result = aer.run(pubs).result()
        end = utcnow()
        metadata = dict(aer_result.metadata)
        metadata["execution"] = {
            "execution_spans": _execution_spans(request.program_id, pubs, start, end)
        }
        metadata["version"] = 2
        return ExecutionOutcome(
            PrimitiveResult(list(aer_result), metadata=metadata),
            extra_metrics={
                "num_circuits": sum(_size(pub) for pub in pubs),
                "num_qubits": [pub.circuit.num_qubits for pub in pubs],
                "circuit_depths": [pub.circuit.depth() for pub in pubs],
            },
        )

    def _aer(self, kind: str, backend: BackendV2, seed: Any) -> Any:
        key = (kind, backend.name, seed)
        if key not in self._cache:
            # heavy: Qiskit loads when a job or device needs it, not on import
            from qiskit_aer.primitives import EstimatorV2, SamplerV2

            options = {"backend_options": {"seed_simulator": seed}} if seed is not None else None
            cls = SamplerV2 if kind == "sampler" else EstimatorV2
            self._cache[key] = cls.from_backend(backend, options=options)
        return self._cache[key]


def _size(pub: Any) -> int:
    return int(math.prod(pub.shape)) if pub.shape else 1


def _execution_spans(program_id: str, pubs: list[Any], start: datetime, end: datetime) -> Any:
    """One span covering every PUB's data, as IBM reports when a job runs in one go."""
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit_ibm_runtime.execution_span import ExecutionSpans, SliceSpan

    slices: dict[int, tuple[tuple[int, ...], slice]] = {}
    for index, pub in enumerate(pubs):
        shape = tuple(pub.shape)
        if program_id == "sampler":
            shape = (*shape, int(pub.shots))
        slices[index] = (shape, slice(0, int(math.prod(shape))))
    return ExecutionSpans([SliceSpan(start, end, slices)])
