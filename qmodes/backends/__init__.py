"""Backends: names → the ``BackendV2`` a job runs on.

:mod:`.names` resolves ``"aer"``, ``"aer:<method>"``, ``"fake_<device>"``, ``"ibm:<device>"``
or a ``BackendV2`` (:func:`get_backend`); :mod:`.types` makes qmodes' local backends real
Qiskit backends (subclasses of the fake device's class or of ``AerSimulator``). This package
exports what ``qmodes.backends`` did when it was one module.

It may import :mod:`qmodes.compat`, :mod:`qmodes.core` and :mod:`qmodes._util`. The engines that
run a backend's jobs sit above it and register with it: :mod:`qmodes.local.work` gives local
backends their work, :mod:`qmodes.remote` resolves ``ibm:<device>``.
"""

from qmodes.backends.names import (
    DEFAULT_BACKEND,
    available_backends,
    describe_valid_names,
    device_qubits,
    get_backend,
    unknown_backend_message,
)
from qmodes.backends.types import LocalBackend

__all__ = [
    "DEFAULT_BACKEND",
    "LocalBackend",
    "available_backends",
    "describe_valid_names",
    "device_qubits",
    "get_backend",
    "unknown_backend_message",
]
