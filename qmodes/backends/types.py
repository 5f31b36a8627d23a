"""qmodes' local backends as real Qiskit backends.

:func:`qmodes.get_backend` returns an instance of a subclass of the real backend type, with
qmodes' engine attributes (``simulator``, ``device``, ``requires_isa``, ``make_work``...)
mixed in *after* it, so every attribute Qiskit reads is the real type's own:

* ``fake_<device>`` → a subclass of the fake device's class (``FakeManilaV2``...): its target,
  coupling map, ``dt``, ``instruction_durations``, ``default_rep_delay`` and ``run``; an
  ``isinstance(backend, FakeBackendV2)`` check passes. Jobs run on an ``AerSimulator`` built
  from it (``simulator``), as ``AerSimulator.from_backend`` does;
* ``aer`` / ``aer:<method>`` → a subclass of ``AerSimulator``;
* a ``BackendV2`` instance → a shallow copy of it whose class is the same kind of subclass
  (the caller's object is left untouched).

Example:
    >>> import qmodes
    >>> from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2
    >>> backend = qmodes.get_backend("fake_manila")
    >>> isinstance(backend, FakeBackendV2), backend.default_rep_delay, backend.requires_isa
    (True, 0.00025, True)
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["AerBackendMixin", "DeviceBackendMixin", "LocalBackend", "adopt", "aer_backend",
           "device_backend", "register_resolver", "register_work"]

_lock = threading.Lock()
_work: dict[str, Callable[..., Any]] = {}
"""``"sampler"``/``"estimator"`` → the class of a job's work on a local device, registered by
:mod:`qmodes.local.work` (a layer above this one)."""


_resolve: list[Callable[[Any], Any]] = []
""":func:`qmodes.backends.names.get_backend`, registered by that module (it imports this one;
importing this module imports the package, and so that module, first)."""


def register_resolver(resolver: Callable[[Any], Any]) -> None:
    """:func:`~qmodes.backends.names.get_backend`: how an unpickled backend is rebuilt."""
    _resolve[:] = [resolver]


def _from_origin(origin: Any) -> Any:
    """A backend rebuilt from what ``get_backend`` was given (its pickled form)."""
    return _resolve[0](origin)


def register_work(*, sampler: Callable[..., Any], estimator: Callable[..., Any]) -> None:
    """:mod:`qmodes.local.work`'s classes: what :meth:`LocalBackend.make_work` builds."""
    _work.update(sampler=sampler, estimator=estimator)


@dataclass(eq=False)
class LocalBackend:
    """A device that runs on this machine: an Aer simulator, optionally modelling a device.

    :func:`get_backend` returns subclasses that are also real ``BackendV2`` objects (a fake
    device's own class, or ``AerSimulator``); this plain form remains for engines that only
    need the attributes below (e.g. :mod:`qmodes.testing`).

    Attributes:
        name: the name jobs and usage figures are reported under.
        simulator: the ``AerSimulator`` that executes the circuits.
        device: the device being modelled (its target, noise and timings), if any.
    """

    name: str
    simulator: Any
    device: Any | None = None

    @property
    def requires_isa(self) -> bool:
        """True for devices: circuits must use their basis gates and coupling map."""
        return self.device is not None

    @property
    def target(self) -> Any:
        return (self.device or self.simulator).target

    @property
    def num_qubits(self) -> int:
        return int((self.device or self.simulator).num_qubits)

    @property
    def is_remote(self) -> bool:
        return False

    source = "measured on Aer"
    """Where this backend's times and usage figures come from."""

    def make_work(self, primitive: str, pubs: list[Any], transpile: bool) -> Any:
        """The work of one job of ``primitive`` (``"sampler"`` or ``"estimator"``) here."""
        if not _work:  # registration: qmodes.local.work registers its classes on import; it
            importlib.import_module("qmodes.local.work")  # sits above us: loaded by name
        return _work[primitive](self, pubs, transpile)

    def __repr__(self) -> str:
        return f"<LocalBackend {self.name}>"




def _teach_ibm() -> None:
    """qiskit-ibm-runtime's primitives take qmodes' backends as IBM's own, from the first one
    made (:mod:`qmodes.compat.runtime_modes`)."""
    # lazy for start-up time (it imports qiskit-ibm-runtime; `import qmodes.backends` does not),
    # and pointing down: compat sits below backends
    from qmodes.compat import runtime_modes

    runtime_modes.install(local_backend=LocalBackend)



class _QModesBackendV2(LocalBackend):
    """Shared by both kinds: placed after the real type in the MRO, so it only adds."""

    _qmodes_origin: Any = None  # what get_backend was given: a name, or the caller's instance

    @property
    def timing_constraints(self) -> Any:
        """The target's ``TimingConstraints`` (granularity, min length, alignments)."""
        return self.target.timing_constraints()  # type: ignore[attr-defined]

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return _from_origin, (self._qmodes_origin,)

    def __repr__(self) -> str:
        real = type(self).__mro__[1].__name__
        return f"<qmodes backend {self.name!r} ({real})>"


class DeviceBackendMixin(_QModesBackendV2):
    """A device (a fake IBM device or any ``BackendV2``) run on Aer with its noise model."""

    @property
    def device(self) -> Any:  # type: ignore[override]
        """The device modelled: this backend itself."""
        return self

    @property  # type: ignore[override]
    def simulator(self) -> Any:
        """The ``AerSimulator`` built from this device (made once, on first use)."""
        simulator = self.__dict__.get("_qmodes_simulator")
        if simulator is None:
            from qiskit_aer import AerSimulator

            with _lock:
                simulator = self.__dict__.get("_qmodes_simulator")
                if simulator is None:
                    simulator = AerSimulator.from_backend(self)
                    self.__dict__["_qmodes_simulator"] = simulator
        return simulator


class AerBackendMixin(_QModesBackendV2):
    """An ideal ``AerSimulator``: no device, any gate set; it runs its own circuits."""

    device = None

    @property  # type: ignore[override]
    def simulator(self) -> Any:
        return self


@functools.cache
def _device_class(base: type) -> type:
    return type(f"QModes{base.__name__}", (base, DeviceBackendMixin),
                {"__module__": __name__, "__doc__": f"{base.__name__} seen through qmodes."})


@functools.cache
def _aer_class(base: type) -> type:
    return type(f"QModes{base.__name__}", (base, AerBackendMixin),
                {"__module__": __name__, "__doc__": f"{base.__name__} seen through qmodes."})


def device_backend(device_class: type, origin: str) -> Any:
    """A new instance of ``device_class`` (a fake device) as a qmodes backend."""
    _teach_ibm()
    backend = _device_class(device_class)()
    backend._qmodes_origin = origin
    return backend


def aer_backend(name: str, **options: Any) -> Any:
    """A new ``AerSimulator(**options)`` as a qmodes backend named ``name``."""
    from qiskit_aer import AerSimulator

    _teach_ibm()
    backend = _aer_class(AerSimulator)(**options)
    backend.name = name
    backend._qmodes_origin = name
    return backend


def adopt(instance: Any) -> Any:
    """A qmodes backend sharing the state of a caller's ``BackendV2`` (a shallow copy).

    An ``AerSimulator`` stays an ideal simulator (no ISA required); any other backend is a
    device, simulated on Aer with its noise model.
    """
    from qiskit_aer import AerSimulator

    _teach_ibm()
    kind: type = type(instance)
    cls: Any = _aer_class(kind) if isinstance(instance, AerSimulator) else _device_class(kind)
    backend = cls.__new__(cls)
    backend.__dict__.update(instance.__dict__)
    backend.__dict__.pop("_qmodes_simulator", None)
    backend._qmodes_origin = instance
    return backend
