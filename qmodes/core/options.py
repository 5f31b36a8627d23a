"""Primitive options: qiskit-ibm-runtime's own ``SamplerOptions`` / ``EstimatorOptions``.

qmodes' primitives take ``options=`` as a dict or as an instance of those classes and expose
``.options`` with the same fields and the same validation (it *is* an instance of them). What
each option does locally:

* **takes effect**: ``default_shots``, ``default_precision``, ``max_execution_time`` (a job
  whose QPU time exceeds it fails, as on IBM), ``environment.job_tags``, ``environment.private``
  (nothing is stored remotely anyway), ``simulator.seed_simulator``, ``simulator.noise_model``,
  ``simulator.basis_gates`` and ``simulator.coupling_map`` (when qmodes transpiles for an ideal
  simulator), ``execution.rep_delay`` and ``execution.init_qubits`` (the projected QPU time),
  ``execution.meas_type="classified"``, ``seed_estimator``, and settings that switch a method
  *off* (``resilience_level=0``, ``dynamical_decoupling.enable=False``...);
* **not emulated**: every other value set (error mitigation, dynamical decoupling, twirling,
  experimental...). It is kept in the job's result metadata (``metadata["qmodes"]
  ["not_emulated"]``) and reported once per primitive with an :class:`OptionNotEmulatedWarning`.

Example:
    >>> settings = resolve("sampler", coerce_options("sampler", {"default_shots": 100,
    ...     "environment": {"job_tags": ["calib"]}, "twirling": {"enable_gates": True}}))
    >>> settings.shots, settings.tags, list(settings.not_emulated)
    (100, ['calib'], ['twirling.enable_gates'])
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import sys
import warnings
from typing import Any

from qmodes.core.limits import DEFAULT_PRECISION, MAX_EXECUTION_TIME
from qmodes.core.limits import MAX_SAMPLER_EXECUTIONS as MAX_EXECUTIONS

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_SHOTS",
    "MAX_EXECUTIONS",
    "OptionNotEmulatedWarning",
    "Settings",
    "caller_stacklevel",
    "check_precision",
    "check_shots",
    "coerce_options",
    "nested",
    "options_class",
    "resolve",
    "set_values",
    "warn_not_emulated",
]

DEFAULT_SHOTS = 1024
"""Shots when neither PUB, ``run`` nor options give any (as qiskit-ibm-runtime's local mode).
IBM's limits (``MAX_EXECUTIONS``, ``DEFAULT_PRECISION``, ``MAX_EXECUTION_TIME``) are
:mod:`qmodes.core.limits`'; imported here under the names this module always had."""

_ALWAYS_LOCAL = frozenset({
    "default_shots", "max_execution_time", "environment.job_tags", "environment.private",
    "simulator.seed_simulator", "simulator.noise_model", "execution.rep_delay",
    "execution.init_qubits",
})
_LOCAL = {
    "sampler": _ALWAYS_LOCAL,
    "estimator": _ALWAYS_LOCAL | {"default_precision", "seed_estimator"},
}
_OFF = {"resilience_level": 0, "execution.meas_type": "classified"}
"""Settings whose value asks for what qmodes does anyway."""
_OFF_SWITCHES = ("enable", "enable_gates", "enable_measure", "measure_mitigation",
                 "zne_mitigation", "pec_mitigation")


class OptionNotEmulatedWarning(UserWarning):
    """An option was set that qmodes records but cannot reproduce on a local simulator."""


def options_class(primitive: str) -> type:
    """qiskit-ibm-runtime's options class of ``"sampler"`` or ``"estimator"``."""
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit_ibm_runtime.options import EstimatorOptions, SamplerOptions

    return SamplerOptions if primitive == "sampler" else EstimatorOptions


def coerce_options(primitive: str, options: Any) -> Any:
    """A fresh options object from None, a dict, or an options instance (copied).

    Raises:
        TypeError: ``options`` is none of these.
        pydantic.ValidationError: a field does not exist or has a bad value (as on IBM).
    """
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit_ibm_runtime.options.utils import merge_options_v2

    cls = options_class(primitive)
    if options is None:
        return cls()
    if isinstance(options, dict):
        return cls(**merge_options_v2(cls(), options))
    if isinstance(options, cls):
        return cls(**merge_options_v2(cls(), nested(set_values(options))))
    raise TypeError(f"options must be a dict or a qiskit_ibm_runtime.options.{cls.__name__} "
                    f"(the options of {'Sampler' if primitive == 'sampler' else 'Estimator'}V2), "
                    f"got {type(options).__module__}.{type(options).__name__}")


def set_values(options: Any) -> dict[str, Any]:
    """Dotted path → value of every leaf option that differs from the class default."""
    default = _defaults(options.__class__)
    leaves: dict[str, Any] = {}
    _leaves(options, "", leaves)
    return {path: value for path, value in leaves.items()
            if not _same(value, default.get(path))}


def nested(values: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` → ``{"a": {"b": 1}}``: set values as the options dict IBM receives."""
    tree: dict[str, Any] = {}
    for path, value in values.items():
        *parents, leaf = path.split(".")
        node = tree
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return tree


@functools.cache
def _defaults(cls: type) -> dict[str, Any]:
    leaves: dict[str, Any] = {}
    _leaves(cls(), "", leaves)
    return leaves


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if not f.name.startswith("_"))


def _leaves(options: Any, prefix: str, out: dict[str, Any]) -> None:
    """Every leaf of a nested options dataclass, by dotted path (values not copied)."""
    for name in _field_names(options.__class__):
        value = getattr(options, name)
        if hasattr(value.__class__, "__dataclass_fields__"):
            _leaves(value, f"{prefix}{name}.", out)
        else:
            out[prefix + name] = value


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:  # arrays, noise models: different objects are different values
        return a is b


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a job's options mean locally, checked."""

    shots: int = DEFAULT_SHOTS
    precision: float = DEFAULT_PRECISION
    seed: int | None = None
    noise_model: Any = None
    tags: list[str] = dataclasses.field(default_factory=list)
    max_execution_time: float | None = None
    rep_delay: float | None = None
    init_qubits: bool = True
    basis_gates: list[str] | None = None
    coupling_map: Any = None
    not_emulated: dict[str, Any] = dataclasses.field(default_factory=dict)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Every option set (dotted path → value), emulated or not."""

    def run_options(self) -> dict[str, Any]:
        """Options for ``AerSimulator.run`` (seed, noise model)."""
        run: dict[str, Any] = {}
        if self.seed is not None:
            run["seed_simulator"] = self.seed
        if self.noise_model is not None:
            run["noise_model"] = self.noise_model
        return run


def resolve(primitive: str, options: Any, *, transpile_for_ideal: bool = False,
            backend: Any = None) -> Settings:
    """Check ``options`` and say what each set value does here.

    Args:
        primitive: ``"sampler"`` or ``"estimator"``.
        options: a ``SamplerOptions`` / ``EstimatorOptions``.
        transpile_for_ideal: qmodes transpiles for an ideal simulator (``basis_gates`` and
            ``coupling_map`` then take effect).
        backend: the backend, to check ``execution.rep_delay`` against its range.

    Raises:
        ValueError: a value qiskit-ibm-runtime lets through but IBM would refuse; the
            message names the option.
    """
    values = set_values(options)
    local = set(_LOCAL[primitive])
    if transpile_for_ideal:
        local |= {"simulator.basis_gates", "simulator.coupling_map"}
    not_emulated = {path: value for path, value in values.items()
                    if path not in local and not _is_off(path, value)}
    shots = DEFAULT_SHOTS
    if "default_shots" in values:
        shots = check_shots(values["default_shots"], "options.default_shots")
    precision = DEFAULT_PRECISION
    if "default_precision" in values:
        precision = check_precision(values["default_precision"], "options.default_precision")
    if primitive == "estimator" and "default_shots" in values:
        precision = 1 / math.sqrt(shots)  # IBM: default_shots overrides default_precision
    seed = values.get("simulator.seed_simulator", values.get("seed_estimator"))
    if seed is not None:
        seed = _check_int(seed, "options.simulator.seed_simulator", 0, 2**63 - 1)
    max_time = values.get("max_execution_time")
    if max_time is not None:
        max_time = _check_number(max_time, "options.max_execution_time", 1, MAX_EXECUTION_TIME)
    rep_delay = values.get("execution.rep_delay")
    if rep_delay is not None:
        low, high = getattr(backend, "rep_delay_range", None) or (0.0, 1.0)
        rep_delay = _check_number(rep_delay, "options.execution.rep_delay", low, high,
                                  unit=" s (this device's rep_delay_range)")
    return Settings(
        shots=shots, precision=precision, seed=seed,
        noise_model=values.get("simulator.noise_model"),
        tags=list(values.get("environment.job_tags") or []),
        max_execution_time=max_time, rep_delay=rep_delay,
        init_qubits=bool(values.get("execution.init_qubits", True)),
        basis_gates=values.get("simulator.basis_gates") if transpile_for_ideal else None,
        coupling_map=values.get("simulator.coupling_map") if transpile_for_ideal else None,
        not_emulated=not_emulated, values=values)


def _is_off(path: str, value: Any) -> bool:
    if path in _OFF:
        return bool(value == _OFF[path])
    return path.rsplit(".", 1)[-1] in _OFF_SWITCHES and value is False


def check_shots(shots: Any, name: str = "shots") -> int:
    """``shots`` as an int: a positive integer (numpy integers too) up to IBM's executions limit.

    Raises:
        ValueError: naming ``name``.
    """
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    return _check_int(shots, name, 1, MAX_EXECUTIONS)


def check_precision(precision: Any, name: str = "precision") -> float:
    """``precision`` as a float: finite, ≥ 0 (0: exact on a simulator), and reachable.

    A precision ``p`` needs about ``1/p²`` shots per circuit, so ``p`` below ``1/√10⁷`` would
    exceed IBM's 10 million executions.

    Raises:
        ValueError: naming ``name``.
    """
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if isinstance(precision, bool) or not isinstance(precision, numbers.Real):
        raise ValueError(f"{name} must be a number ≥ 0 (e.g. 0.01), got {precision!r}")
    value = float(precision)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0 (e.g. 0.01), got {precision!r}")
    if 0 < value < 1 / math.sqrt(MAX_EXECUTIONS):
        raise ValueError(
            f"{name}={precision!r} needs about 1/{name}² = 1e{-2 * math.log10(value):.0f} "
            f"shots per circuit; "
            f"IBM allows at most {MAX_EXECUTIONS:,} executions, so {name} must be at least "
            f"{1 / math.sqrt(MAX_EXECUTIONS):.2e} (or 0 for exact values on a simulator)")
    return value


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    kind = (f"a positive integer (at most {high:,})" if low == 1
            else f"an integer from {low:,} to {high:,}")
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or not low <= int(value) <= high):
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def _check_number(value: Any, name: str, low: float, high: float, unit: str = " s") -> float:
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(float(value)) and low <= float(value) <= high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}{unit}, "
                         f"got {value!r}")
    return float(value)


def warn_not_emulated(not_emulated: dict[str, Any], reported: set[str], where: str) -> None:
    """Warn once per option (tracked in ``reported``) that it is recorded, not emulated."""
    new = [path for path in not_emulated if path not in reported]
    if not new:
        return
    reported.update(new)
    listed = ", ".join(f"{path}={not_emulated[path]!r}" for path in new)
    warnings.warn(f"{where}: option(s) {listed} not emulated on this local simulator; recorded "
                  f"in the result metadata (metadata['qmodes']['not_emulated'])",
                  OptionNotEmulatedWarning, stacklevel=caller_stacklevel())


def caller_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` in the caller of this function: the first frame
    outside qmodes and qiskit-ibm-runtime (the user's line, or a thread's entry point)."""
    frame, level = sys._getframe(1), 1
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not (name.startswith(("qmodes.", "qiskit_ibm_runtime.")) or name == "qmodes"):
            return level
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    return level

