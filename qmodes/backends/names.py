"""Backend names → the device a job runs on.

Names:

* ``"aer"`` — an ideal :class:`~qiskit_aer.AerSimulator` (any gate set);
* ``"aer:<method>"`` — the same with a simulation method, e.g. ``"aer:statevector"``;
* ``"fake_<device>"`` — a fake IBM device from ``qiskit_ibm_runtime.fake_provider``, run on
  Aer with its noise model; like real hardware it takes ISA circuits only;
* ``"ibm:<device>"`` — a real IBM device through qiskit-ibm-runtime;
* or a ``BackendV2`` instance.

Every backend returned is a real ``qiskit.providers.BackendV2`` (a subclass of the fake
device's class or of ``AerSimulator``, see :mod:`qmodes.backends.types`), so it goes wherever
Qiskit takes a backend: ``transpile``, ``generate_preset_pass_manager(backend=...)``,
``AerSimulator.from_backend``, qiskit-ibm-runtime's local mode.

Example:
    >>> backend = get_backend("fake_manila")
    >>> backend.name, backend.num_qubits, backend.requires_isa
    ('fake_manila', 5, True)
    >>> from qiskit.transpiler import generate_preset_pass_manager
    >>> pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any

from qmodes.backends import types
from qmodes.backends.types import LocalBackend, adopt, aer_backend, device_backend

__all__ = [
    "DEFAULT_BACKEND",
    "available_backends",
    "describe_valid_names",
    "device_qubits",
    "fake_device_stem",
    "fake_twin_name",
    "get_backend",
    "is_device_name",
    "is_fake_name",
    "is_remote_name",
    "register_remote",
    "remote_device_name",
    "unknown_backend_message",
]

DEFAULT_BACKEND = "aer"
_AER_METHODS = ("automatic", "statevector", "density_matrix", "stabilizer",
                "matrix_product_state", "extended_stabilizer", "unitary", "superop")
_lock = threading.Lock()
_cache: dict[str, LocalBackend] = {}
_instances: weakref.WeakKeyDictionary[Any, LocalBackend] = weakref.WeakKeyDictionary()
_remote: list[Callable[[Any], Any]] = []
"""The resolver of ``ibm:<device>`` names and ``IBMBackend`` instances, registered by
:mod:`qmodes.remote` (a layer above this one) when it is imported."""


# -- the forms of a name: every other module asks these (none parses names itself) ---------
REMOTE_PREFIXES = ("ibm:", "ibm_")
"""How a real IBM device's name starts: ``ibm:<device>``, or IBM's own ``ibm_<device>``."""
FAKE_PREFIX = "fake_"
"""How a fake device's name starts (``qiskit_ibm_runtime.fake_provider``)."""


def is_remote_name(name: str) -> bool:
    """Whether ``name`` is a real IBM device's: ``ibm:<device>`` or ``ibm_<device>`` (any case).

    Example:
        >>> is_remote_name("ibm:ibm_kyiv"), is_remote_name("IBM_kyiv"), is_remote_name("aer")
        (True, True, False)
    """
    return name.strip().lower().startswith(REMOTE_PREFIXES)


def remote_device_name(name: str) -> str:
    """The device IBM knows ``ibm:<device>`` by, in lower case: ``"ibm:ibm_Kyiv"`` →
    ``"ibm_kyiv"``."""
    return name.strip().lower().removeprefix("ibm:")


def fake_twin_name(name: str) -> str:
    """The fake device that models a real one (a fake device's name stays as it is).

    Example:
        >>> [fake_twin_name(n) for n in ("ibm_sherbrooke", "ibm:ibm_kyiv", "fake_manila")]
        ['fake_sherbrooke', 'fake_kyiv', 'fake_manila']
    """
    key = remote_device_name(name)
    return key if key.startswith(FAKE_PREFIX) else FAKE_PREFIX + key.removeprefix("ibm_")


def is_fake_name(name: str) -> bool:
    """Whether ``name`` is a fake device's: ``fake_<device>`` (any case)."""
    return name.strip().lower().startswith(FAKE_PREFIX)


def is_device_name(name: str) -> bool:
    """Whether ``name`` models a device (fake or real), as opposed to plain Aer.

    Example:
        >>> [is_device_name(n) for n in ("fake_manila", "ibm:ibm_kyiv", "aer", "aer:statevector")]
        [True, True, False, False]
    """
    return is_remote_name(name) or is_fake_name(name)


def fake_device_stem(name: str) -> str | None:
    """The device part of a fake device's name, also when served as a remote one: None for
    any other name (case as given).

    Example:
        >>> [fake_device_stem(n) for n in ("fake_manila", "ibm:fake_manila", "aer")]
        ['manila', 'manila', None]
    """
    for prefix in ("ibm:", "fake:"):
        name = name.removeprefix(prefix)
    return name[len(FAKE_PREFIX):] if name.startswith(FAKE_PREFIX) else None


def register_remote(resolver: Callable[[Any], Any]) -> None:
    """``qmodes.remote``'s resolver of ``ibm:<device>`` names and ``IBMBackend`` instances."""
    _remote[:] = [resolver]


def _remote_backend(spec: Any) -> Any:
    if not _remote:  # registration: qmodes.remote registers itself when it is imported; it
        importlib.import_module("qmodes.remote")  # sits above us, so it is loaded by name
    return _remote[0](spec)


def get_backend(name: str | Any = DEFAULT_BACKEND) -> Any:
    """Resolve a backend name (or a ``BackendV2``) to the device jobs run on.

    Raises:
        ValueError: the name is not one of the valid forms; the message lists them.
    """
    if not isinstance(name, str):
        return _from_instance(name)
    key = name.strip().lower()
    if is_remote_name(key):
        return _remote_backend(remote_device_name(key))
    with _lock:
        if key not in _cache:
            _cache[key] = _resolve(key, name)
        return _cache[key]


def _resolve(key: str, original: str) -> LocalBackend:
    if key == "aer":
        return aer_backend("aer")  # type: ignore[no-any-return]
    if key.startswith("aer:"):
        method = key.removeprefix("aer:")
        if method not in _AER_METHODS:
            raise ValueError(f"unknown Aer method {method!r}: use one of "
                             f"{', '.join('aer:' + m for m in _AER_METHODS)}")
        return aer_backend(key, method=method)  # type: ignore[no-any-return]
    device_class = _fake_devices().get(key)
    if device_class is None:
        raise ValueError(unknown_backend_message(original))
    return device_backend(device_class, key)  # type: ignore[no-any-return]


def _from_instance(backend: Any) -> Any:
    if isinstance(backend, LocalBackend) or getattr(backend, "is_remote", False):
        return backend
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit.providers import BackendV2

    if type(backend).__name__ == "IBMBackend":
        return _remote_backend(backend)
    if isinstance(backend, BackendV2):
        with _lock:
            if backend not in _instances:
                _instances[backend] = adopt(backend)
            return _instances[backend]
    raise ValueError(f"cannot run on {backend!r}: give a backend name "
                     f"({describe_valid_names()}) or a qiskit BackendV2")


@functools.cache
def _fake_devices() -> dict[str, type]:
    """``fake_<device>`` → the class, from the class names (no device is built)."""
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit_ibm_runtime import fake_provider

    devices: dict[str, type] = {}
    for attribute in dir(fake_provider):
        match = re.fullmatch(r"Fake([A-Z][a-z]+)(V2)?", attribute)
        if match:
            devices[f"fake_{match.group(1).lower()}"] = getattr(fake_provider, attribute)
    return devices


@functools.cache
def device_qubits(name: str) -> int:
    """Qubits of the fake device ``name`` from its configuration file (no device is built:
    building all of them takes seconds, reading their sizes a tenth of one).

    Raises:
        ValueError: not a fake device name.
    """
    device_class = _fake_devices().get(name)
    if device_class is None:
        raise ValueError(unknown_backend_message(name))
    path = os.path.join(device_class.dirname, device_class.conf_filename)
    with open(path, encoding="utf-8") as conf:
        return int(json.load(conf)["n_qubits"])


def available_backends() -> list[str]:
    """Every local backend name: ``aer``, ``aer:<method>`` and each ``fake_<device>``."""
    return ["aer", *(f"aer:{m}" for m in _AER_METHODS), *sorted(_fake_devices())]


def describe_valid_names() -> str:
    return ("'aer', 'aer:<method>' (e.g. aer:statevector), 'fake_<device>' "
            "(e.g. fake_manila), 'ibm:<device>'")


def unknown_backend_message(name: str) -> str:
    fakes = sorted(_fake_devices())
    return (f"unknown backend {name!r}: use {describe_valid_names()}; fake devices: "
            f"{', '.join(fakes)}")


types.register_resolver(get_backend)
