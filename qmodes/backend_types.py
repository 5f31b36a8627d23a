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
import threading
from typing import Any

from qmodes.backends import LocalBackend
from qmodes.compat import runtime_modes

runtime_modes.install()  # qiskit-ibm-runtime's primitives take these backends as IBM's own

__all__ = ["AerBackendMixin", "DeviceBackendMixin", "adopt", "aer_backend", "device_backend"]

_lock = threading.Lock()


class _QModesBackendV2(LocalBackend):
    """Shared by both kinds: placed after the real type in the MRO, so it only adds."""

    _qmodes_origin: Any = None  # what get_backend was given: a name, or the caller's instance

    @property
    def timing_constraints(self) -> Any:
        """The target's ``TimingConstraints`` (granularity, min length, alignments)."""
        return self.target.timing_constraints()  # type: ignore[attr-defined]

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        from qmodes.backends import get_backend

        return get_backend, (self._qmodes_origin,)

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
    backend = _device_class(device_class)()
    backend._qmodes_origin = origin
    return backend


def aer_backend(name: str, **options: Any) -> Any:
    """A new ``AerSimulator(**options)`` as a qmodes backend named ``name``."""
    from qiskit_aer import AerSimulator

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

    kind: type = type(instance)
    cls: Any = _aer_class(kind) if isinstance(instance, AerSimulator) else _device_class(kind)
    backend = cls.__new__(cls)
    backend.__dict__.update(instance.__dict__)
    backend.__dict__.pop("_qmodes_simulator", None)
    backend._qmodes_origin = instance
    return backend
