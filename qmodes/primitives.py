"""Sampler and Estimator: Qiskit's V2 primitives, aware of the open execution mode.

They implement ``BaseSamplerV2`` / ``BaseEstimatorV2``: ``run`` takes PUBs and returns a job
whose ``result()`` is an ordinary ``PrimitiveResult``. Where a job runs is given by ``mode``:

* a backend name or ``BackendV2`` → job mode on that device;
* a :class:`~qmodes.Session` or :class:`~qmodes.Batch` → that context;
* None → the context open when the primitive is made; if none is open then, the context
  open at each ``run``; if none, job mode on ``"aer"``.

Device backends (``fake_<device>``, ``ibm:<device>``) take ISA circuits only, as IBM
hardware does; pass ``transpile=True`` to have qmodes transpile on a classical lane instead.

Example:
    >>> import qmodes
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> bell = QuantumCircuit(2); _ = bell.h(0); _ = bell.cx(0, 1)
    >>> job = qmodes.Estimator(mode="aer", default_precision=0).run(
    ...     [(bell, SparsePauliOp("ZZ"))])
    >>> float(job.result()[0].data.evs)
    1.0
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2
from qiskit.primitives.containers import EstimatorPubLike, SamplerPubLike
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub

from qmodes.backends import DEFAULT_BACKEND, get_backend
from qmodes.jobs import Job
from qmodes.local import work as local_work
from qmodes.local.runtime import LocalRuntime
from qmodes.modes.base import ExecutionContext, current_context
from qmodes.modes.job import submit_job
from qmodes.timeline import JobRecord

__all__ = ["MAX_EXECUTIONS", "Estimator", "Sampler"]

MAX_EXECUTIONS = 10_000_000
"""IBM's limit of executions (shots × parameter sets) in one Sampler job."""

DEFAULT_PRECISION = 0.015625
"""qiskit-ibm-runtime's default Estimator precision (1/64)."""


class _ModeAware:
    """Resolves ``mode`` to a context or a backend, and submits jobs there."""

    primitive: str

    def __init__(self, mode: Any, transpile: bool, runtime: LocalRuntime | None) -> None:
        self._transpile = transpile
        self._runtime = runtime
        if mode is None:
            mode = current_context()
        self._context: ExecutionContext | None = None
        self._backend: Any = None
        if isinstance(mode, ExecutionContext):
            self._context = mode
        elif mode is not None:
            self._backend = get_backend(mode)

    @property
    def mode(self) -> Any:
        """The session, batch or backend jobs go to (None: decided at each run)."""
        return self._context or self._backend

    def _destination(self) -> tuple[ExecutionContext | None, Any]:
        if self._context is not None:
            return self._context, self._context.target
        if self._backend is not None:
            return None, self._backend
        context = current_context()
        if context is not None:
            return context, context.target
        return None, get_backend(DEFAULT_BACKEND)

    def _submit(self, pubs: list[Any], executions: int, shots: int | None) -> Job:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        context, backend = self._destination()
        if context is not None and context.closed:
            from qmodes.errors import ContextClosedError

            raise ContextClosedError.for_context(context.mode, context.id)
        projected = None
        if backend.requires_isa and not self._transpile:
            local_work.check_isa(pubs, backend)
            projected = local_work.project(pubs, backend, self.primitive)
        record = JobRecord(id=local_work.new_job_id(), context_id=None, mode="job",
                           backend=backend.name, primitive=self.primitive, created=0.0,
                           num_pubs=len(pubs), executions=executions, shots=shots,
                           source=backend.source, projected_qpu=projected)
        work = backend.make_work(self.primitive, pubs, self._transpile)
        if context is not None:
            return context._submit(record, work)
        return submit_job(backend, record, work, self._runtime)


class Sampler(_ModeAware, BaseSamplerV2):
    """Qiskit's ``SamplerV2`` on the open execution mode.

    Args:
        mode: a backend name or ``BackendV2`` (job mode), a ``Session``, a ``Batch``, or None.
        default_shots: shots for PUBs that give none.
        transpile: transpile non-ISA circuits for the device on a classical lane.
        runtime: a local runtime (tests pass one with a manual clock).

    Example:
        >>> import qmodes
        >>> from qiskit import QuantumCircuit
        >>> circuit = QuantumCircuit(1); _ = circuit.x(0); circuit.measure_all()
        >>> qmodes.Sampler(mode="aer").run([circuit], shots=10).result()[0].data.meas.get_counts()
        {'1': 10}
    """

    primitive = "sampler"

    def __init__(self, mode: Any = None, *, default_shots: int = 1024, transpile: bool = False,
                 runtime: LocalRuntime | None = None) -> None:
        _check_shots(default_shots, "default_shots")
        super().__init__(mode, transpile, runtime)
        self.default_shots = default_shots

    def run(self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None) -> Job:
        """Sample each PUB ``(circuit, parameter_values, shots)``; returns the job."""
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        if shots is not None:
            _check_shots(shots, "shots")
        coerced = _coerce(pubs, lambda pub: SamplerPub.coerce(pub, shots or self.default_shots),
                          "(circuit, parameter_values=None, shots=None)")
        executions = sum(pub.shots * max(1, pub.parameter_values.size) for pub in coerced)
        _check_executions(executions)  # IBM's limit is per Sampler job
        per_pub = {pub.shots for pub in coerced}
        return self._submit(coerced, executions, per_pub.pop() if len(per_pub) == 1 else None)


class Estimator(_ModeAware, BaseEstimatorV2):
    """Qiskit's ``EstimatorV2`` on the open execution mode.

    Args:
        mode: a backend name or ``BackendV2`` (job mode), a ``Session``, a ``Batch``, or None.
        default_precision: target standard error for PUBs that give none; 1/64 as
            qiskit-ibm-runtime. 0 computes exact expectation values on Aer.
        transpile: transpile non-ISA circuits (and lay out their observables) on a lane.
        runtime: a local runtime (tests pass one with a manual clock).
    """

    primitive = "estimator"

    def __init__(self, mode: Any = None, *, default_precision: float = DEFAULT_PRECISION,
                 transpile: bool = False, runtime: LocalRuntime | None = None) -> None:
        _check_precision(default_precision)
        super().__init__(mode, transpile, runtime)
        self.default_precision = default_precision

    def run(self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None) -> Job:
        """Estimate each PUB ``(circuit, observables, parameter_values, precision)``."""
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        if precision is not None:
            _check_precision(precision)
        target = self.default_precision if precision is None else precision
        coerced = _coerce(pubs, lambda pub: EstimatorPub.coerce(pub, target),
                          "(circuit, observables, parameter_values=None, precision=None)")
        executions = sum(_estimator_shots(pub.precision) * max(1, pub.size) for pub in coerced)
        return self._submit(coerced, executions, None)


def _coerce(pubs: Iterable[Any], coerce: Any, form: str) -> list[Any]:
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if isinstance(pubs, (str, bytes)) or not isinstance(pubs, Iterable):
        raise TypeError(f"run() takes a list of PUBs, each {form}; got {type(pubs).__name__}")
    coerced = []
    for index, pub in enumerate(pubs):
        try:
            coerced.append(coerce(pub))
        except (TypeError, ValueError) as error:
            raise ValueError(f"invalid PUB #{index}: {error}. A PUB is {form}.") from None
    if not coerced:
        raise ValueError(f"run() needs at least one PUB {form}")
    return coerced


def _check_shots(shots: Any, name: str) -> None:
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if isinstance(shots, bool) or not isinstance(shots, int) or shots <= 0:
        raise ValueError(f"{name} must be a positive integer, got {shots!r}")


def _check_precision(precision: Any) -> None:
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if isinstance(precision, bool) or not isinstance(precision, (int, float)) or precision < 0:
        raise ValueError(f"precision must be a number ≥ 0 (e.g. 0.01), got {precision!r}")


@functools.lru_cache(maxsize=64)
def _estimator_shots(precision: float) -> int:
    """Shots IBM's Estimator would take for a precision: ~1/precision²."""
    return 1 if precision <= 0 else round(1 / precision**2)


def _check_executions(executions: int) -> None:
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if executions > MAX_EXECUTIONS:
        raise ValueError(
            f"this job has {executions:,} executions (shots × parameter sets); IBM allows at "
            f"most {MAX_EXECUTIONS:,} per Sampler job: split the PUBs over several jobs in a "
            f"batch")
