"""Projected QPU time of a job on a real device, and IBM's job limits, checked before submission.

IBM's estimate ("Workload usage: estimate usage before submitting a job")::

    Q ≈ 2 s per sub-job + Σ_circuits shots * (rep_delay + init + circuit_duration)

``rep_delay`` is the device's ``default_rep_delay`` (250 µs on most IBM devices), ``init`` the
qubit reset that starts every shot (``init_qubits``, on by default), and ``circuit_duration``
the transpiled circuit's critical path through the device target's instruction durations
(:meth:`QuantumCircuit.estimate_duration`). Without circuits, the quick form is
``2 + 0.00035 * executions``. Limits (IBM "Job limits", "Maximum execution time"): at most 10
million executions per Sampler job; at most 3 h of QPU time per job.

Example:
    >>> quick_estimate(10_000)
    5.5
    >>> check_limits(Projection(5.5, 10_000, 1, "fake_manila", "quick form"), "sampler")
    >>> check_limits(Projection(5.5, 20_000_000, 1, "fake_manila", "quick form"), "sampler")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: this Sampler job has 20,000,000 executions (circuits * shots); IBM accepts ...
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qmodes.backends.names import fake_device_stem, get_backend
from qmodes.core.durations import format_duration
from qmodes.core.limits import DEFAULT_PRECISION, MAX_EXECUTION_TIME, MAX_SAMPLER_EXECUTIONS
from qmodes.core.options import DEFAULT_SHOTS
from qmodes.core.usage import UsageFigure

__all__ = [
    "DEFAULT_REP_DELAY",
    "MAX_EXECUTION_TIME",
    "MAX_SAMPLER_EXECUTIONS",
    "QUICK_PER_EXECUTION",
    "SUB_JOB_OVERHEAD",
    "Projection",
    "check_limits",
    "circuit_duration",
    "project_job",
    "project_pubs",
    "quick_estimate",
    "rep_delay_of",
    "resolve_device",
    "shots_for_precision",
]

SUB_JOB_OVERHEAD = 2.0
"""Seconds per sub-job: loading the payload into the control electronics."""
DEFAULT_REP_DELAY = 250e-6
"""Seconds between shots when the device does not say (``backend.default_rep_delay``)."""
QUICK_PER_EXECUTION = 0.00035
"""Seconds per execution in IBM's quick form: 250 µs rep delay + ~100 µs of circuit."""


@dataclass(frozen=True)
class Projection:
    """A job's projected QPU time on a device, with what it was computed from."""

    seconds: float
    executions: int
    sub_jobs: int
    device: str
    method: str  # "calibration snapshot" or "quick form"
    rep_delay: float = DEFAULT_REP_DELAY
    shot_seconds: float = 0.0  # Σ executions * (rep_delay + init + circuit duration)

    @property
    def source(self) -> str:
        """Where the figure comes from, for labels next to it."""
        if self.method == "quick form":
            return f"projected for {self.device} by IBM's quick formula"
        return f"projected for {self.device} from its calibration snapshot"

    def figure(self) -> UsageFigure:
        """The projection as a job-mode :class:`~qmodes.core.usage.UsageFigure`."""
        return UsageFigure(self.seconds, "job mode: the job's time on the QPU", self.source)

    def __str__(self) -> str:
        return f"{format_duration(self.seconds)} QPU {self.source}"


def quick_estimate(executions: int, sub_jobs: int = 1) -> float:
    """IBM's quick form: ``2 s * sub-jobs + 0.00035 s * executions``."""
    return SUB_JOB_OVERHEAD * sub_jobs + QUICK_PER_EXECUTION * executions


def resolve_device(backend: Any) -> Any:
    """A backend with a ``target`` from a BackendV2 or a name such as ``"fake_manila"``."""
    device = getattr(backend, "device", None)  # qmodes' LocalBackend: the device it models
    if device is not None and hasattr(device, "target"):
        return device
    if hasattr(backend, "target"):
        return backend
    name = str(backend)
    stem = fake_device_stem(name)
    if stem is None:
        resolved = get_backend(name)
        if getattr(resolved, "device", None) is not None:
            return resolved.device
        raise ValueError(f"no device to project for {backend!r}: give a BackendV2 or a "
                         f"fake device name such as 'fake_manila'")
    from qiskit_ibm_runtime import fake_provider  # heavy (every fake device): when projecting

    for cls_name in (f"Fake{stem.capitalize()}V2", f"Fake{stem.capitalize()}"):
        cls = getattr(fake_provider, cls_name, None)
        if cls is not None:
            return cls()
    raise ValueError(f"unknown fake device {name!r}: see qiskit_ibm_runtime.fake_provider")


def rep_delay_of(device: Any) -> float:
    """The device's default delay between shots (250 µs when it does not say)."""
    value = getattr(device, "default_rep_delay", None)
    if value is None and hasattr(device, "configuration"):
        try:
            value = getattr(device.configuration(), "default_rep_delay", None)
        except Exception:  # some backends have no configuration
            value = None
    return float(value) if value else DEFAULT_REP_DELAY


def circuit_duration(circuit: Any, device: Any) -> float:
    """Seconds of one shot of ``circuit`` on ``device``: its critical path, transpiled if needed.

    Example:
        >>> from qiskit import QuantumCircuit
        >>> from qiskit_ibm_runtime.fake_provider import FakeManilaV2
        >>> qc = QuantumCircuit(1, 1); _ = qc.x(0); _ = qc.measure(0, 0)
        >>> 5e-6 < circuit_duration(qc, FakeManilaV2()) < 6e-6
        True
    """
    target = device.target
    try:
        return float(circuit.estimate_duration(target, unit="s"))
    except Exception:  # not an ISA circuit for this target: transpile it
        # heavy: Qiskit loads when a job or device needs it, not on import
        from qiskit.transpiler import generate_preset_pass_manager

        isa = generate_preset_pass_manager(target=target, optimization_level=1).run(circuit)
        return float(isa.estimate_duration(target, unit="s"))


def _init_duration(device: Any) -> float:
    target = device.target
    if "reset" in target.operation_names:
        props = target["reset"].get((0,))
        if props is not None and props.duration:
            return float(props.duration)
    return 0.0


def _pub_circuits_and_shots(pub: Any, primitive: str, shots: int | None,
                            precision: float | None) -> tuple[Any, int, int]:
    """(circuit, circuits after broadcasting, shots per circuit) of one PUB."""
    if primitive == "sampler":
        # heavy: Qiskit loads when a job or device needs it, not on import
        from qiskit.primitives.containers.sampler_pub import SamplerPub

        spub = SamplerPub.coerce(pub, shots if shots is not None else DEFAULT_SHOTS)
        return spub.circuit, max(1, spub.parameter_values.size), int(spub.shots)
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.quantum_info import PauliList

    epub = EstimatorPub.coerce(pub, precision if precision is not None else DEFAULT_PRECISION)
    paulis = {label for obs in epub.observables.ravel().tolist() for label in obs}
    paulis.discard("I" * epub.circuit.num_qubits)
    groups = len(PauliList(sorted(paulis)).group_qubit_wise_commuting()) if paulis else 1
    circuits = max(1, epub.parameter_values.size) * groups
    # precision 0 (exact, possible on a simulator only) is projected at IBM's default 1/64
    target = float(epub.precision) or DEFAULT_PRECISION
    return epub.circuit, circuits, shots_for_precision(target)


def shots_for_precision(precision: float) -> int:
    """Shots an Estimator PUB takes for a precision (standard error): ``⌈1/precision²⌉``.

    The one rounding qmodes uses: the projection, the job's recorded executions and the shots
    in its result's metadata all come from here. It is the rounding of Qiskit's
    ``BackendEstimatorV2`` and qiskit-ibm-runtime's executor Estimator.

    Example:
        >>> shots_for_precision(0.03), shots_for_precision(1 / 64)
        (1112, 4096)

    Raises:
        ValueError: ``precision`` is not positive (an exact estimate takes no shots).
    """
    if not precision > 0:
        raise ValueError(f"precision must be positive to take shots, not {precision!r}")
    return max(1, math.ceil(1.0 / precision**2))


def project_pubs(pubs: Iterable[Any], device: Any, *, primitive: str = "sampler",
                 shots: int | None = None, precision: float | None = None,
                 rep_delay: float | None = None, init_qubits: bool = True) -> Projection:
    """Projected QPU time of one primitive job of ``pubs`` on ``device``.

    Args:
        pubs: Sampler or Estimator PUBs, as given to ``run``.
        device: a BackendV2 (fake devices carry a calibration snapshot) or its name.
        primitive: ``"sampler"`` or ``"estimator"``.
        shots: Sampler default shots (1024); precision: Estimator default (1/64).
        rep_delay: seconds between shots; default the device's.
        init_qubits: add the qubit reset before each shot, as IBM does by default.

    Example:
        >>> from qiskit import QuantumCircuit
        >>> qc = QuantumCircuit(1, 1); _ = qc.x(0); _ = qc.measure(0, 0)
        >>> p = project_pubs([qc], "fake_manila", shots=1000)
        >>> round(p.seconds, 3), p.executions
        (2.261, 1000)
    """
    device = resolve_device(device)
    delay = rep_delay_of(device) if rep_delay is None else float(rep_delay)
    init = _init_duration(device) if init_qubits else 0.0
    executions, shot_seconds = 0, 0.0
    for pub in pubs:
        circuit, circuits, pub_shots = _pub_circuits_and_shots(pub, primitive, shots, precision)
        n = circuits * pub_shots
        executions += n
        shot_seconds += n * (delay + init + circuit_duration(circuit, device))
    sub_jobs = _sub_jobs(executions, primitive)
    return Projection(SUB_JOB_OVERHEAD * sub_jobs + shot_seconds, executions, sub_jobs,
                      getattr(device, "name", str(device)), "calibration snapshot", delay,
                      shot_seconds)


def project_job(executions: int, device: str, *, primitive: str = "sampler") -> Projection:
    """Quick-form projection of a job known only by its number of executions."""
    sub_jobs = _sub_jobs(executions, primitive)
    return Projection(quick_estimate(executions, sub_jobs), executions, sub_jobs, device,
                      "quick form", DEFAULT_REP_DELAY, QUICK_PER_EXECUTION * executions)


def _sub_jobs(executions: int, primitive: str) -> int:
    """Sampler jobs run whole; Estimator jobs are split (assumed: at most 10 M executions each)."""
    if primitive == "sampler":
        return 1
    return max(1, math.ceil(executions / MAX_SAMPLER_EXECUTIONS))


def check_limits(projection: Projection, primitive: str = "sampler",
                 max_execution_time: float | None = None) -> None:
    """Raise a clear ValueError when IBM would refuse or time out the job.

    Raises:
        ValueError: more than 10 million executions in a Sampler job, or a projected QPU time
            above the job's maximum execution time (3 h, or ``max_execution_time`` if lower).
    """
    if primitive == "sampler" and projection.executions > MAX_SAMPLER_EXECUTIONS:
        raise ValueError(
            f"this Sampler job has {projection.executions:,} executions (circuits * shots); "
            f"IBM accepts at most {MAX_SAMPLER_EXECUTIONS:,} per Sampler job: split the PUBs "
            f"into several jobs or lower the shots")
    limit = MAX_EXECUTION_TIME
    if max_execution_time is not None:
        limit = min(limit, float(max_execution_time))
    if projection.seconds > limit:
        raise ValueError(
            f"this job would take about {format_duration(projection.seconds)} of QPU time "
            f"({projection.source}); a job may use at most {format_duration(limit)}: split it "
            f"into several jobs (a batch runs them back to back)")
