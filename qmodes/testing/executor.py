"""The execution seam of the fake server: what runs a job's PUBs once the scheduler starts it.

An executor is any callable ``executor(request) -> ExecutionOutcome``. It runs in the server's
QPU thread, one job at a time; the scheduler (:mod:`qmodes.testing.state`) owns queueing,
sessions, batches and timestamps. :class:`AerExecutor` is the default: it runs the decoded
PUBs with ``qiskit_aer.primitives.SamplerV2/EstimatorV2.from_backend(<fake backend>)`` and
reports the Aer wall time as the job's QPU span.

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

DEFAULT_SHOTS = 4096
DEFAULT_PRECISION = 0.015625


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ExecutionRequest:
    """What an executor gets for one job.

    Attributes:
        job_id: The job's id.
        program_id: ``"sampler"`` or ``"estimator"`` (other programs are passed through too).
        backend: The fake backend the job targets.
        params: The job's ``params``, decoded with ``RuntimeDecoder``: ``pubs`` (lists of
            circuit, parameter values, shots or observables and precision), ``options``,
            ``version``.
        session_id: The session or batch the job belongs to, if any.
        mode: ``"job"``, ``"dedicated"`` (session) or ``"batch"``.
        params_json: The ``params`` as received (plain JSON).
    """

    job_id: str
    program_id: str
    backend: BackendV2
    params: dict[str, Any]
    session_id: str | None = None
    mode: str = "job"
    params_json: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExecutionOutcome:
    """What an executor returns.

    Attributes:
        result: The object sent as the job's results, encoded with ``RuntimeEncoder``
            (a ``PrimitiveResult`` for the V2 primitives); a ``str`` is sent as is.
        qpu_start: When the job took the (simulated) QPU.
        qpu_end: When it released it.
        quantum_seconds: Billed QPU seconds; ``qpu_end - qpu_start`` if ``None``.
        extra_metrics: Merged into the job's ``metrics`` answer.
    """

    result: Any
    qpu_start: datetime
    qpu_end: datetime
    quantum_seconds: float | None = None
    extra_metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """The billed QPU seconds."""
        if self.quantum_seconds is not None:
            return self.quantum_seconds
        return max((self.qpu_end - self.qpu_start).total_seconds(), 0.0)


class Executor(Protocol):
    """Runs one job (blocking) and returns its outcome; raise to make the job fail."""

    def __call__(self, request: ExecutionRequest) -> ExecutionOutcome: ...


class AerExecutor:
    """The default executor: Aer primitives built from the fake backend's noise model.

    Programs: ``sampler`` and ``estimator`` (``SamplerV2``/``EstimatorV2``) run with
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
        from qiskit.primitives import PrimitiveResult

        options = dict(request.params.get("options") or {})
        seed = self.seed
        if seed is None:
            seed = (options.get("simulator") or {}).get("seed_simulator")
        if request.program_id == "executor":
            from qmodes.testing.quantum_program import run_executor_program

            text, start, end, runs = run_executor_program(
                request.backend, request.params_json, utcnow
            )
            return ExecutionOutcome(text, start, end, extra_metrics={"executions": runs})
        if request.program_id == "sampler":
            pubs, run = self._sampler(request, seed)
        elif request.program_id == "estimator":
            pubs, run = self._estimator(request, seed)
        else:
            raise ValueError(f"program {request.program_id!r} is not supported by AerExecutor")
        start = utcnow()
        aer_result = run()
        end = utcnow()
        metadata = dict(aer_result.metadata)
        metadata["execution"] = {
            "execution_spans": _execution_spans(request.program_id, pubs, start, end)
        }
        metadata["version"] = 2
        result = PrimitiveResult(list(aer_result), metadata=metadata)
        executions = sum(_executions(request.program_id, pub) for pub in pubs)
        return ExecutionOutcome(
            result,
            start,
            end,
            extra_metrics={
                "executions": executions,
                "num_circuits": sum(_size(pub) for pub in pubs),
                "num_qubits": [pub.circuit.num_qubits for pub in pubs],
                "circuit_depths": [pub.circuit.depth() for pub in pubs],
            },
        )

    def _aer(self, kind: str, backend: BackendV2, seed: Any) -> Any:
        key = (kind, backend.name, seed)
        if key not in self._cache:
            from qiskit_aer.primitives import EstimatorV2, SamplerV2

            options = {"backend_options": {"seed_simulator": seed}} if seed is not None else None
            cls = SamplerV2 if kind == "sampler" else EstimatorV2
            self._cache[key] = cls.from_backend(backend, options=options)
        return self._cache[key]

    def _sampler(self, request: ExecutionRequest, seed: Any) -> tuple[list[Any], Any]:
        from qiskit.primitives.containers.sampler_pub import SamplerPub

        options = request.params.get("options") or {}
        shots = int(options.get("default_shots") or DEFAULT_SHOTS)
        pubs = [SamplerPub.coerce(tuple(pub), shots) for pub in request.params["pubs"]]
        aer = self._aer("sampler", request.backend, seed)
        return pubs, lambda: aer.run(pubs).result()

    def _estimator(self, request: ExecutionRequest, seed: Any) -> tuple[list[Any], Any]:
        from qiskit.primitives.containers.estimator_pub import EstimatorPub

        options = request.params.get("options") or {}
        precision = float(options.get("default_precision") or DEFAULT_PRECISION)
        pubs = [EstimatorPub.coerce(tuple(pub), precision) for pub in request.params["pubs"]]
        aer = self._aer("estimator", request.backend, seed)
        return pubs, lambda: aer.run(pubs).result()


def _size(pub: Any) -> int:
    return int(math.prod(pub.shape)) if pub.shape else 1


def _executions(program_id: str, pub: Any) -> int:
    """Circuit executions (shots over all parameter sets), as IBM counts them."""
    if program_id == "sampler":
        return _size(pub) * int(pub.shots)
    shots = round(1 / pub.precision**2) if pub.precision else 1
    return _size(pub) * max(int(shots), 1)


def _execution_spans(program_id: str, pubs: list[Any], start: datetime, end: datetime) -> Any:
    """One span covering every PUB's data, as IBM reports when a job runs in one go."""
    from qiskit_ibm_runtime.execution_span import ExecutionSpans, SliceSpan

    slices: dict[int, tuple[tuple[int, ...], slice]] = {}
    for index, pub in enumerate(pubs):
        shape = tuple(pub.shape)
        if program_id == "sampler":
            shape = (*shape, int(pub.shots))
        slices[index] = (shape, slice(0, int(math.prod(shape))))
    return ExecutionSpans([SliceSpan(start, end, slices)])
