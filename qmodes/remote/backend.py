"""``ibm:<device>``: a device of the user's IBM Quantum instance, run through qiskit-ibm-runtime.

:class:`RemoteBackend` is a Qiskit ``BackendV2`` wrapping the ``IBMBackend`` (target, coupling
map, ``dt``, ``instruction_durations``, ``timing_constraints``; other attributes such as
``default_rep_delay``, ``configuration()`` or ``properties()`` are the device's), so
``generate_preset_pass_manager(backend=...)`` and ``transpile`` take it. It has the shape of
:class:`qmodes.backends.LocalBackend` (name ``ibm:<device>``, ``requires_isa``,
``make_work``...), is remote, and brings its own scheduler
(:class:`~qmodes.remote.scheduler.RemoteScheduler`), so ``qmodes.Session``, ``Batch`` and job
mode work on it unchanged. Jobs are submitted with qiskit-ibm-runtime's current primitives
(``executor_sampler.Sampler`` / ``executor_estimator.Estimator``), or with ``SamplerV2`` /
``EstimatorV2`` on versions that do not have them.

Example:
    >>> import qmodes
    >>> with qmodes.Session(backend="ibm:ibm_brisbane") as session:  # doctest: +SKIP
    ...     job = qmodes.Sampler().run([isa_circuit])
    >>> session.usage_figure().source  # doctest: +SKIP
    'reported by IBM'
"""

from __future__ import annotations

import threading
import typing
import warnings
from typing import Any

from qiskit.providers import BackendV2, Options

from qmodes.compat import runtime_modes
from qmodes.compat.runtime_private import backend_instance
from qmodes.remote.scheduler import RemoteScheduler
from qmodes.remote.service import RemoteError, describe, get_service, on_service_change

__all__ = ["SOURCE", "RemoteBackend", "RemoteWork", "clear_cache", "get_remote_backend"]

SOURCE = "reported by IBM"
"""How figures of remote jobs and contexts are labelled."""

_lock = threading.Lock()
_cache: dict[tuple[int, str], RemoteBackend] = {}


class RemoteBackend(BackendV2):
    """An IBM device (an ``IBMBackend``) seen through qmodes, as a Qiskit ``BackendV2``.

    Args:
        device: the ``IBMBackend`` (from ``service.backend(name)``).

    qiskit-ibm-runtime's own primitives send jobs to IBM only for its ``IBMBackend``: give
    them ``backend.device`` (qmodes' primitives take this backend directly).
    """

    requires_isa = True
    is_remote = True
    source = SOURCE

    def __init__(self, device: Any) -> None:
        super().__init__(name=f"ibm:{device.name}",
                         description=getattr(device, "description", None),
                         online_date=getattr(device, "online_date", None),
                         backend_version=getattr(device, "backend_version", None))
        self.device = device
        self._schedulers: dict[int, Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<RemoteBackend {self.name}>"

    def __getattr__(self, name: str) -> Any:
        """Anything else (``default_rep_delay``, ``configuration()``...) is the device's."""
        device = self.__dict__.get("device")
        if device is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(device, name)

    @classmethod
    def _default_options(cls) -> Options:
        return Options()

    @property
    def service(self) -> Any:
        return self.device.service

    @property
    def target(self) -> Any:
        return self.device.target

    @property
    def max_circuits(self) -> Any:
        return getattr(self.device, "max_circuits", None)

    @property
    def num_qubits(self) -> int:
        return int(self.device.num_qubits)

    @property
    def timing_constraints(self) -> Any:
        """The target's ``TimingConstraints``."""
        return self.target.timing_constraints()

    def run(self, run_input: Any, **options: Any) -> Any:
        """IBM devices take primitive jobs, not ``backend.run``.

        Raises:
            NotImplementedError: always; the message says what to use.
        """
        raise NotImplementedError(
            f"{self.name} runs primitive jobs: use qmodes.Sampler(mode=backend) (or "
            f"qiskit_ibm_runtime's SamplerV2(mode=backend.device)), not backend.run()")

    @property
    def ibm_instance(self) -> str | None:
        """The IBM Cloud instance (CRN) of the device."""
        return backend_instance(self.device)

    def make_work(self, primitive: str, pubs: list[Any], transpile: bool) -> RemoteWork:
        """The work of one job of ``primitive`` (``"sampler"`` or ``"estimator"``)."""
        return RemoteWork(self, primitive, pubs, transpile)

    def scheduler(self, runtime: Any) -> Any:
        """The scheduler of this device for ``runtime`` (it shares the runtime's timeline)."""
        with self._lock:
            key = id(runtime.timeline)
            if key not in self._schedulers:
                self._schedulers[key] = RemoteScheduler(self, runtime.timeline)
            return self._schedulers[key]


runtime_modes.install(remote_backend=RemoteBackend)  # IBM's primitives given this backend
# use its IBMBackend, as IBM's


class RemoteWork:
    """The PUBs of one job, submitted to IBM with qiskit-ibm-runtime's primitives."""

    def __init__(self, backend: RemoteBackend, primitive: str, pubs: list[Any],
                 transpile: bool) -> None:
        self.backend = backend
        self.primitive = primitive
        self.pubs = pubs
        self.transpile = transpile

    def submit(self, mode: Any) -> Any:
        """Submit to ``mode`` (the ``IBMBackend``, or a qiskit-ibm-runtime Session/Batch).

        Returns:
            The ``RuntimeJobV2``.
        """
        pubs = self.pubs
        if self.transpile:
            from qmodes.local.work import EstimatorWork, SamplerWork

            local = (SamplerWork if self.primitive == "sampler" else EstimatorWork)(
                self.backend, pubs, True)  # type: ignore[arg-type]
            local.prepare()
            pubs = self.pubs = local.pubs
        cls = primitive_class(self.primitive)
        options = remote_options(cls, getattr(self, "options", None))
        if options:
            return cls(mode=mode, options=options).run(pubs)
        return cls(mode=mode).run(pubs)


def remote_options(cls: Any, options: Any) -> dict[str, Any]:
    """The options set on the qmodes primitive (a nested dict of what was set, or an options
    object), as a dict for qiskit-ibm-runtime's ``cls``.

    The 0.50+ primitives have their own options models; a field they do not have is dropped
    with an :class:`~qmodes.core.options.OptionNotEmulatedWarning` rather than failing the job.
    """
    if not options:
        return {}
    if not isinstance(options, dict):  # an options object: what was set on it
        from qmodes.core.options import nested as nested_options
        from qmodes.core.options import set_values

        options = nested_options(set_values(options))
    from qmodes.core.options import OptionNotEmulatedWarning, caller_stacklevel

    nested: dict[str, Any] = dict(options)
    try:
        model = typing.get_type_hints(cls).get("options")
    except Exception:  # unresolvable annotations: send what was set
        model = None
    if model is None or not hasattr(model, "model_validate"):
        return nested
    kept: dict[str, Any] = {}
    for key, value in nested.items():
        try:
            model.model_validate({**kept, key: value})
        except Exception:  # pydantic's ValidationError: this model has no such option
            warnings.warn(f"option {key}={value!r} is not an option of {cls.__module__}."
                          f"{cls.__name__}; not sent to IBM", OptionNotEmulatedWarning,
                          stacklevel=caller_stacklevel())
            continue
        kept[key] = value
    return kept


def primitive_class(primitive: str) -> Any:
    """qiskit-ibm-runtime's current Sampler/Estimator class, else its V2 class."""
    try:
        if primitive == "sampler":
            from qiskit_ibm_runtime.executor_sampler import Sampler
            return Sampler
        from qiskit_ibm_runtime.executor_estimator import Estimator
        return Estimator
    except ImportError:  # qiskit-ibm-runtime < 0.50
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from qiskit_ibm_runtime import EstimatorV2, SamplerV2
        return _quiet(SamplerV2 if primitive == "sampler" else EstimatorV2)


def _quiet(cls: type) -> Any:
    def make(**kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return cls(**kwargs)
    return make


def get_remote_backend(name_or_backend: Any) -> RemoteBackend:
    """Resolve ``"<device>"`` (the part after ``ibm:``) or an ``IBMBackend``.

    Raises:
        RemoteError: no usable account, or no such device on the instance (the message lists
            the devices there).
    """
    if not isinstance(name_or_backend, str):
        key = (id(name_or_backend.service), name_or_backend.name)
        with _lock:
            if key not in _cache:
                _cache[key] = RemoteBackend(name_or_backend)
            return _cache[key]
    name = name_or_backend.strip().removeprefix("ibm:")
    if not name:
        raise RemoteError("give a device name after 'ibm:', e.g. 'ibm:ibm_brisbane'")
    service = get_service()
    key = (id(service), name)
    with _lock:
        if key in _cache:
            return _cache[key]
    device = _device(service, name)
    with _lock:
        return _cache.setdefault(key, RemoteBackend(device))


def _device(service: Any, name: str) -> Any:
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    try:
        return service.backend(name)
    except QiskitBackendNotFoundError:
        try:
            names = sorted(b.name for b in service.backends())
            there = f"devices on your instance: {', '.join('ibm:' + n for n in names)}"
        except Exception:  # the list is a hint only
            there = "see QiskitRuntimeService().backends()"
        raise RemoteError(f"no device {name!r} on your IBM Quantum instance; {there}") from None
    except Exception as error:  # network or account trouble, as one line
        raise RemoteError(f"cannot reach IBM Quantum for device {name!r} "
                          f"({describe(error)}); check your network and account") from None


def clear_cache() -> None:
    """Forget resolved devices (after :func:`~qmodes.remote.use_service`)."""
    with _lock:
        _cache.clear()


on_service_change(clear_cache)  # another service: other devices
