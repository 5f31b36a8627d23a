"""The work of a primitive job on a local device, phase by phase.

* classical pre-processing (:meth:`prepare`): transpile for the device when asked;
* QPU (:meth:`execute`): run the PUBs on the device's Aer simulator;
* post-processing (:meth:`finalize`): the ``PrimitiveResult`` with IBM's metadata
  (``metadata["execution"]["execution_spans"]``, per-PUB ``shots``) and qmodes' own.

The primitive gives the work its :class:`~qmodes.core.options.Settings` (seed, noise model,
``max_execution_time``...); the job handle binds it to its record (:meth:`_Work.bind`), so
post-processing can read the job's QPU span from the timeline.

ISA validation happens at submission (:func:`check_isa`), as IBM's client does, so a bad
circuit is an immediate error rather than a failed job.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from typing import Any

from qiskit.primitives import PrimitiveResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub

from qmodes.accounting.projection import shots_for_precision
from qmodes.backends.types import LocalBackend, register_work
from qmodes.compat.aer_private import run_pubs
from qmodes.core.errors import InvalidCircuitError, QModesError
from qmodes.core.options import Settings

__all__ = ["EstimatorWork", "MaxExecutionTimeError", "SamplerWork", "check_isa", "new_job_id",
           "project"]


class MaxExecutionTimeError(QModesError, RuntimeError):
    """The job's QPU time went over its ``max_execution_time`` (IBM stops it: error 1305)."""

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


def project(pubs: list[Any], backend: Any, primitive: str,
            settings: Settings | None = None) -> float:
    """Projected QPU seconds of the job on the real device, checked against IBM's job limits.

    ``settings`` give ``execution.rep_delay`` and ``execution.init_qubits``.

    Raises:
        ValueError: the job would exceed a limit (the message says which and what to do).
    """
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    from qmodes.accounting.projection import check_limits, project_pubs

    settings = settings or Settings()
    projection = project_pubs(pubs, backend.device, primitive=primitive,
                              rep_delay=settings.rep_delay, init_qubits=settings.init_qubits)
    check_limits(projection, primitive)
    return projection.seconds


@functools.cache
def _pass_manager(backend: LocalBackend) -> Any:
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(optimization_level=1, backend=backend.device
                                        or backend.simulator)


def _pass_manager_for(backend: LocalBackend, settings: Settings) -> Any:
    """The device's pass manager, or one for ``simulator.basis_gates``/``coupling_map``."""
    if backend.device is not None or (settings.basis_gates is None
                                      and settings.coupling_map is None):
        return _pass_manager(backend)
    from qiskit.transpiler import CouplingMap, generate_preset_pass_manager

    coupling = settings.coupling_map
    if coupling is not None and not isinstance(coupling, CouplingMap):
        coupling = CouplingMap(coupling)
    return generate_preset_pass_manager(optimization_level=1, basis_gates=settings.basis_gates,
                                        coupling_map=coupling)


@functools.cache
def _aer_sampler(backend: LocalBackend) -> Any:
    from qiskit_aer.primitives import SamplerV2

    return SamplerV2.from_backend(backend.simulator)


@functools.cache
def _aer_estimator(backend: LocalBackend) -> Any:
    from qiskit_aer.primitives import EstimatorV2

    return EstimatorV2.from_backend(backend.simulator)


def _aer_primitive(backend: LocalBackend, primitive: str, settings: Settings) -> Any:
    """Aer's primitive on the backend's simulator, with the job's seed and noise model."""
    run_options = settings.run_options()
    if not run_options:
        return (_aer_sampler if primitive == "sampler" else _aer_estimator)(backend)
    from qiskit_aer.primitives import EstimatorV2, SamplerV2

    cls = SamplerV2 if primitive == "sampler" else EstimatorV2
    return cls.from_backend(backend.simulator, options={"run_options": run_options})


class _Work:
    primitive: str

    def __init__(self, backend: LocalBackend, pubs: list[Any], transpile: bool) -> None:
        self.backend = backend
        self.pubs = pubs
        self.transpile = transpile
        self.projected_qpu: float | None = None  # set at submission or when transpiled here
        self.settings = Settings()
        self.options: Any = None  # the primitive's options at run(), for the job's inputs
        self.tags: list[str] = []
        self._job_id: str | None = None
        self._timeline: Any = None
        self._compute: Any = None  # a compute backend (qmodes.compute); None: Aer right here
        self._ahead = False  # device time: simulate before the QPU slot
        self._handle: Any = None
        self._cancelled = False
        self._launch_lock = threading.Lock()
        self.ran_on: dict[str, Any] | None = None  # {"worker", "worker_seconds"}

    def bind(self, job_id: str, timeline: Any) -> None:
        """The job this work belongs to, and the timeline holding its record (its QPU span)."""
        self._job_id, self._timeline = job_id, timeline

    # -- compute (qmodes.compute): where Aer runs ------------------------------------------
    def attach_compute(self, compute: Any, clock: Any) -> None:
        """Run on ``compute`` (None: here); on a virtual clock, simulations may run ahead of
        their QPU slot. A backend other processes cannot resolve by name stays here."""
        from qmodes.compute.task import backend_reference
        from qmodes.local.virtual_clock import VirtualClock

        if compute is not None and backend_reference(self.backend) is not None:
            self._compute = compute
            self._ahead = isinstance(clock, VirtualClock)

    def launch_ahead(self) -> None:
        """In device time, start the simulation now (the circuits are final)."""
        if self._ahead and not self.transpile:
            self._launch()

    def _launch(self) -> Any:
        with self._launch_lock:  # ahead (after submission) and at the QPU slot may race
            if self._handle is None and not self._cancelled and self._compute is not None:
                from qmodes.compute.task import backend_reference, tasks_for

                limit = self.settings.max_execution_time
                if limit is not None and (self.projected_qpu or 0.0) > limit:
                    return None  # it fails at its QPU start: nothing to simulate
                tasks = tasks_for(self.primitive, str(backend_reference(self.backend)),
                                  self.pubs, self.settings.run_options(),
                                  split=self._compute.split)
                self._handle = self._compute.launch(tasks, key=self._job_id)
            return self._handle

    def stop_compute(self) -> None:
        """The job is cancelled or failed: cancel its tasks (Dask futures)."""
        with self._launch_lock:
            self._cancelled = True
            handle = self._handle
        if handle is not None:
            handle.cancel()

    @property
    def worker_seconds(self) -> float | None:
        """The simulation's seconds on the worker that ran it (None: ran here)."""
        return None if self.ran_on is None else float(self.ran_on["worker_seconds"])

    def _simulate(self) -> PrimitiveResult | None:
        if self._compute is None:
            return run_pubs(_aer_primitive(self.backend, self.primitive, self.settings), self.pubs)
        import concurrent.futures

        handle = self._launch()
        try:
            if handle is None:
                raise concurrent.futures.CancelledError()
            result, self.ran_on = handle.result()
        except concurrent.futures.CancelledError:
            if self._cancelled:
                return None  # the scheduler ends the job CANCELLED
            raise RuntimeError("the cluster cancelled the job's simulation") from None
        return result  # type: ignore[no-any-return]

    def _transpiled(self) -> None:
        """After transpiling on the lane: project, and refuse a job over IBM's limits."""
        if self.backend.device is not None:
            self.projected_qpu = project(self.pubs, self.backend, self.primitive, self.settings)
        if self._ahead:
            self._launch()

    def execute(self) -> PrimitiveResult | None:
        """The QPU phase: Aer runs the PUBs; a job over ``max_execution_time`` fails."""
        limit = self.settings.max_execution_time
        if limit is not None and self.projected_qpu is not None and self.projected_qpu > limit:
            raise MaxExecutionTimeError(_over_limit(self.projected_qpu, limit, "projected for "
                                                    f"{self.backend.name}"))
        start = time.monotonic()
        result = self._simulate()
        elapsed = self.worker_seconds or time.monotonic() - start
        if limit is not None and self.projected_qpu is None and elapsed > limit:
            raise MaxExecutionTimeError(_over_limit(elapsed, limit, "measured on Aer"))
        return result

    def finalize(self, raw: PrimitiveResult) -> PrimitiveResult:
        """Post-processing: IBM's metadata (execution spans, per-PUB shots) and qmodes'."""
        from qmodes.local.spans import execution_spans

        metadata = dict(raw.metadata)
        qpu = self._qpu_span()
        metadata["execution"] = {"execution_spans": execution_spans(qpu, self.pubs,
                                                                    self.primitive)}
        qmodes_metadata: dict[str, Any] = {"backend": self.backend.name,
                                           "source": self._source()}
        if self.settings.not_emulated:
            qmodes_metadata["not_emulated"] = dict(self.settings.not_emulated)
        if self.tags:
            qmodes_metadata["job_tags"] = list(self.tags)
        if self.ran_on is not None:
            qmodes_metadata.update(self.ran_on)
        metadata["qmodes"] = qmodes_metadata
        return PrimitiveResult([self._pub_result(i, r) for i, r in enumerate(raw)],
                               metadata=metadata)

    def _source(self) -> str:
        """Where the job's QPU time comes from: its record's label (device time on an emulated
        device), else Aer's own measure."""
        timeline = getattr(self, "_timeline", None)
        if timeline is not None:
            try:
                return str(timeline.job(self._job_id).source)
            except KeyError:
                pass
        return "measured on Aer"

    def _pub_result(self, index: int, result: Any) -> Any:
        return result

    def _qpu_span(self) -> tuple[float, float] | None:
        """The job's QPU span (start, end) on the timeline's clock, if bound and known."""
        if self._timeline is None or self._job_id is None:
            return None
        try:
            span = self._timeline.job(self._job_id).span("qpu")
        except KeyError:
            return None
        if span is None or span.end is None:
            return None
        return float(span.start), float(span.end)


def _over_limit(seconds: float, limit: float, source: str) -> str:
    return (f"Job exceeded its maximum execution time: {seconds:.3g} s of QPU time ({source}) "
            f"is over options.max_execution_time={limit:g} s, so the job was stopped as IBM "
            f"stops it (error 1305). Raise max_execution_time or split the job.")


class SamplerWork(_Work):
    """Sampler PUBs on a local device."""

    primitive = "sampler"

    def prepare(self) -> None:
        if self.transpile:
            pm = _pass_manager_for(self.backend, self.settings)
            self.pubs = [SamplerPub(pm.run(p.circuit), p.parameter_values, p.shots)
                         for p in self.pubs]
            self._transpiled()


class EstimatorWork(_Work):
    """Estimator PUBs on a local device."""

    primitive = "estimator"

    def prepare(self) -> None:
        if self.transpile:
            pm = _pass_manager_for(self.backend, self.settings)
            pubs = []
            for p in self.pubs:
                isa = pm.run(p.circuit)
                observables = p.observables.apply_layout(isa.layout, isa.num_qubits)
                pubs.append(EstimatorPub(isa, observables, p.parameter_values, p.precision))
            self.pubs = pubs
            self._transpiled()

    def _pub_result(self, index: int, result: Any) -> Any:
        """IBM's per-PUB metadata has the shots the precision took (none when exact)."""
        precision = float(self.pubs[index].precision)
        if precision <= 0:
            return result
        from qiskit.primitives.containers import PubResult

        metadata = dict(result.metadata)
        metadata.setdefault("shots", shots_for_precision(precision))
        return PubResult(result.data, metadata=metadata)


register_work(sampler=SamplerWork, estimator=EstimatorWork)  # LocalBackend.make_work
