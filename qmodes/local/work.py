"""The work of a primitive job on a local device, phase by phase.

* classical pre-processing (:meth:`prepare`): transpile for the device when asked;
* QPU (:meth:`execute`): run the PUBs on the device's Aer simulator;
* post-processing (:meth:`finalize`): the ``PrimitiveResult`` with qmodes' metadata.

ISA validation happens at submission (:func:`check_isa`), as IBM's client does, so a bad
circuit is an immediate error rather than a failed job.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

from qiskit.primitives import PrimitiveResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub

from qmodes.backends import LocalBackend
from qmodes.errors import InvalidCircuitError

__all__ = ["EstimatorWork", "SamplerWork", "check_isa", "new_job_id", "project"]

_ALWAYS_SUPPORTED = frozenset({"barrier"})


def new_job_id() -> str:
    return f"job-{secrets.token_hex(8)}"


def check_isa(pubs: list[Any], backend: LocalBackend) -> None:
    """Reject circuits that do not fit the device as they are (IBM requires ISA circuits).

    Raises:
        InvalidCircuitError: naming the first instruction the device cannot run, and how
            to transpile.
    """
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    target = backend.target
    for index, pub in enumerate(pubs):
        circuit = pub.circuit
        problem = None
        if circuit.num_qubits > backend.num_qubits:
            problem = (f"has {circuit.num_qubits} qubits but {backend.name} has "
                       f"{backend.num_qubits}")
        else:
            for instruction in circuit.data:
                name = instruction.operation.name
                if name in _ALWAYS_SUPPORTED:
                    continue
                qargs = tuple(circuit.find_bit(q).index for q in instruction.qubits)
                if not target.instruction_supported(name, qargs):
                    problem = f"uses {name!r} on qubits {qargs}, which {backend.name} cannot run"
                    break
        if problem:
            raise InvalidCircuitError(
                f"the circuit of PUB #{index} {problem}: devices take ISA circuits. Transpile "
                f"first (pm = generate_preset_pass_manager(optimization_level=1, "
                f"backend=qmodes.get_backend({backend.name!r})); circuit = pm.run(circuit)) "
                f"or let qmodes do it: Sampler(..., transpile=True)")


def project(pubs: list[Any], backend: Any, primitive: str) -> float:
    """Projected QPU seconds of the job on the real device, checked against IBM's job limits.

    Raises:
        ValueError: the job would exceed a limit (the message says which and what to do).
    """
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    from qmodes.projection import check_limits, project_pubs

    projection = project_pubs(pubs, backend.device, primitive=primitive)
    check_limits(projection, primitive)
    return projection.seconds


@functools.cache
def _pass_manager(backend: LocalBackend) -> Any:
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(optimization_level=1, backend=backend.device
                                        or backend.simulator)


@functools.cache
def _aer_sampler(backend: LocalBackend) -> Any:
    from qiskit_aer.primitives import SamplerV2

    return SamplerV2.from_backend(backend.simulator)


@functools.cache
def _aer_estimator(backend: LocalBackend) -> Any:
    from qiskit_aer.primitives import EstimatorV2

    return EstimatorV2.from_backend(backend.simulator)


class _Work:
    primitive: str

    def __init__(self, backend: LocalBackend, pubs: list[Any], transpile: bool) -> None:
        self.backend = backend
        self.pubs = pubs
        self.transpile = transpile
        self.projected_qpu: float | None = None  # set when transpiled here

    def _transpiled(self) -> None:
        """After transpiling on the lane: project, and refuse a job over IBM's limits."""
        if self.backend.device is not None:
            self.projected_qpu = project(self.pubs, self.backend, self.primitive)

    def finalize(self, raw: PrimitiveResult) -> PrimitiveResult:
        metadata = dict(raw.metadata)
        metadata["qmodes"] = {"backend": self.backend.name, "source": "measured on Aer"}
        return PrimitiveResult(list(raw), metadata=metadata)


class SamplerWork(_Work):
    """Sampler PUBs on a local device."""

    primitive = "sampler"

    def prepare(self) -> None:
        if self.transpile:
            pm = _pass_manager(self.backend)
            self.pubs = [SamplerPub(pm.run(p.circuit), p.parameter_values, p.shots)
                         for p in self.pubs]
            self._transpiled()

    def execute(self) -> PrimitiveResult:
        return _aer_sampler(self.backend)._run(self.pubs)


class EstimatorWork(_Work):
    """Estimator PUBs on a local device."""

    primitive = "estimator"

    def prepare(self) -> None:
        if self.transpile:
            pm = _pass_manager(self.backend)
            pubs = []
            for p in self.pubs:
                isa = pm.run(p.circuit)
                observables = p.observables.apply_layout(isa.layout, isa.num_qubits)
                pubs.append(EstimatorPub(isa, observables, p.parameter_values, p.precision))
            self.pubs = pubs
            self._transpiled()

    def execute(self) -> PrimitiveResult:
        return _aer_estimator(self.backend)._run(self.pubs)
