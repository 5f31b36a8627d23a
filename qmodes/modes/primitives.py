"""Sampler and Estimator: Qiskit's V2 primitives, aware of the open execution mode.

They implement ``BaseSamplerV2`` / ``BaseEstimatorV2``: ``run`` takes PUBs and returns a job
whose ``result()`` is an ordinary ``PrimitiveResult``. Where a job runs is given by ``mode``:

* a backend name or ``BackendV2`` → job mode on that device;
* a :class:`~qmodes.Session` or :class:`~qmodes.Batch` → that context;
* None → the context open when the primitive is made; if none is open then, the context
  open at each ``run``; if none, job mode on ``"aer"``.

Device backends (``fake_<device>``, ``ibm:<device>``) take ISA circuits only, as IBM
hardware does; pass ``transpile=True`` to have qmodes transpile on a classical lane instead.

``options=`` takes a dict or qiskit-ibm-runtime's ``SamplerOptions`` / ``EstimatorOptions``, and
``.options`` is such an instance (see :mod:`qmodes.core.options` for what each option does here).

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

from qmodes.accounting.projection import shots_for_precision
from qmodes.backends import DEFAULT_BACKEND, get_backend
from qmodes.context.base import ExecutionContext, current_context
from qmodes.core.jobs import Job
from qmodes.core.options import (
    MAX_EXECUTIONS,
    Settings,
    check_precision,
    check_shots,
    coerce_options,
    nested,
    resolve,
    warn_not_emulated,
)
from qmodes.core.timeline import JobRecord
from qmodes.local import work as local_work
from qmodes.local.runtime import LocalRuntime
from qmodes.modes.job import submit_job

__all__ = ["MAX_EXECUTIONS", "Estimator", "Sampler"]


class _ModeAware:
    """Resolves ``mode`` to a context or a backend, and submits jobs there."""

    primitive: str

    def __init__(self, mode: Any, transpile: bool, runtime: LocalRuntime | None,
                 options: Any) -> None:
        self._options = coerce_options(self.primitive, options)
        self._reported: set[str] = set()
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
    def options(self) -> Any:
        """qiskit-ibm-runtime's ``SamplerOptions`` / ``EstimatorOptions`` of this primitive."""
        return self._options

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

    def _settings(self, backend: Any) -> Settings:
        """The options, checked, and what they mean on ``backend``; warns of new non-emulated."""
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        settings = resolve(self.primitive, self._options, backend=backend,
                           transpile_for_ideal=self._transpile and not backend.requires_isa)
        if not backend.is_remote:
            warn_not_emulated(settings.not_emulated, self._reported,
                              f"{type(self).__name__} on {backend.name}")
        return settings

    def _submit(self, destination: tuple[ExecutionContext | None, Any], pubs: list[Any],
                executions: int, shots: int | None, settings: Settings) -> Job:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        context, backend = destination
        if context is not None and context.closed:
            from qmodes.core.errors import ContextClosedError

            raise ContextClosedError.for_context(context.mode, context.id)
        projected = None
        if backend.requires_isa and not self._transpile:
            local_work.check_isa(pubs, backend)
            projected = local_work.project(pubs, backend, self.primitive, settings)
        record = JobRecord(id=local_work.new_job_id(), context_id=None, mode="job",
                           backend=backend.name, primitive=self.primitive, created=0.0,
                           num_pubs=len(pubs), executions=executions, shots=shots,
                           source=backend.source, projected_qpu=projected)
        work = backend.make_work(self.primitive, pubs, self._transpile)
        work.options = nested(settings.values)  # the options set, as IBM's job inputs show
        work.settings = settings
        work.tags = list(settings.tags)
        if projected is not None:
            work.projected_qpu = projected
        if context is not None:
            return context._submit(record, work)
        return submit_job(backend, record, work, self._runtime)


class Sampler(_ModeAware, BaseSamplerV2):
    """Qiskit's ``SamplerV2`` on the open execution mode.

    Args:
        mode: a backend name or ``BackendV2`` (job mode), a ``Session``, a ``Batch``, or None.
        options: a dict or qiskit-ibm-runtime ``SamplerOptions`` (see :mod:`qmodes.core.options`).
        default_shots: shots for PUBs that give none (sets ``options.default_shots``; 1024
            when unset, as qiskit-ibm-runtime's local mode).
        transpile: transpile non-ISA circuits for the device on a classical lane.
        runtime: a local runtime (tests pass one with a manual clock).

    Example:
        >>> import qmodes
        >>> from qiskit import QuantumCircuit
        >>> circuit = QuantumCircuit(1); _ = circuit.x(0); circuit.measure_all()
        >>> sampler = qmodes.Sampler(mode="aer", options={"simulator": {"seed_simulator": 7}})
        >>> sampler.options.default_shots = 10
        >>> sampler.run([circuit]).result()[0].data.meas.get_counts()
        {'1': 10}
    """

    primitive = "sampler"

    def __init__(self, mode: Any = None, options: Any = None, *,
                 default_shots: int | None = None, transpile: bool = False,
                 runtime: LocalRuntime | None = None) -> None:
        super().__init__(mode, transpile, runtime, options)
        if default_shots is not None:
            self.default_shots = default_shots

    @property
    def default_shots(self) -> int:
        """Shots for PUBs that give none: ``options.default_shots``, else 1024."""
        value = self._options.default_shots
        return int(value) if _is_set(value) else resolve("sampler", self._options).shots

    @default_shots.setter
    def default_shots(self, shots: int) -> None:
        self._options.default_shots = check_shots(shots, "default_shots")

    def run(self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None) -> Job:
        """Sample each PUB ``(circuit, parameter_values, shots)``; returns the job."""
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        destination = self._destination()
        settings = self._settings(destination[1])
        default = settings.shots if shots is None else check_shots(shots, "shots")
        coerced = _coerce(pubs, lambda pub: SamplerPub.coerce(pub, default),
                          "(circuit, parameter_values=None, shots=None)")
        for index, pub in enumerate(coerced):
            check_shots(pub.shots, f"the shots of PUB #{index}")
        executions = sum(pub.shots * max(1, pub.parameter_values.size) for pub in coerced)
        _check_executions(executions)  # IBM's limit is per Sampler job
        per_pub = {pub.shots for pub in coerced}
        return self._submit(destination, coerced, executions,
                            per_pub.pop() if len(per_pub) == 1 else None, settings)


class Estimator(_ModeAware, BaseEstimatorV2):
    """Qiskit's ``EstimatorV2`` on the open execution mode.

    Args:
        mode: a backend name or ``BackendV2`` (job mode), a ``Session``, a ``Batch``, or None.
        options: a dict or qiskit-ibm-runtime ``EstimatorOptions`` (see :mod:`qmodes.core.options`).
        default_precision: target standard error for PUBs that give none (sets
            ``options.default_precision``; 1/64 when unset, as qiskit-ibm-runtime). 0
            computes exact expectation values on Aer.
        transpile: transpile non-ISA circuits (and lay out their observables) on a lane.
        runtime: a local runtime (tests pass one with a manual clock).
    """

    primitive = "estimator"

    def __init__(self, mode: Any = None, options: Any = None, *,
                 default_precision: float | None = None, transpile: bool = False,
                 runtime: LocalRuntime | None = None) -> None:
        self._exact = False  # default_precision=0: exact values (EstimatorOptions wants > 0)
        super().__init__(mode, transpile, runtime, options)
        if default_precision is not None:
            self.default_precision = default_precision

    @property
    def default_precision(self) -> float:
        """Precision for PUBs that give none (0.0: exact)."""
        return 0.0 if self._exact else resolve("estimator", self._options).precision

    @default_precision.setter
    def default_precision(self, precision: float) -> None:
        value = check_precision(precision, "default_precision")
        self._exact = value == 0
        if value > 0:
            self._options.default_precision = value

    def run(self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None) -> Job:
        """Estimate each PUB ``(circuit, observables, parameter_values, precision)``."""
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        destination = self._destination()
        settings = self._settings(destination[1])
        if precision is not None:
            target = check_precision(precision, "precision")
        else:
            target = 0.0 if self._exact else settings.precision
        coerced = _coerce(pubs, lambda pub: EstimatorPub.coerce(pub, target),
                          "(circuit, observables, parameter_values=None, precision=None)")
        for index, pub in enumerate(coerced):
            check_precision(pub.precision, f"the precision of PUB #{index}")
        executions = sum(_estimator_shots(pub.precision) * max(1, pub.size) for pub in coerced)
        return self._submit(destination, coerced, executions, None, settings)


def _is_set(value: Any) -> bool:
    from qiskit_ibm_runtime.options.utils import UnsetType

    return not isinstance(value, UnsetType)


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


@functools.lru_cache(maxsize=64)
def _estimator_shots(precision: float) -> int:
    """Shots IBM's Estimator would take for a precision (1 for an exact estimate)."""
    return 1 if precision <= 0 else shots_for_precision(precision)


def _check_executions(executions: int) -> None:
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if executions > MAX_EXECUTIONS:
        raise ValueError(
            f"this job has {executions:,} executions (shots × parameter sets); IBM allows at "
            f"most {MAX_EXECUTIONS:,} per Sampler job: split the PUBs over several jobs in a "
            f"batch")

