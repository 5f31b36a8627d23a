"""The devices a fake server offers: qiskit-ibm-runtime's fake backends, under their own names.

A device is served under the fake backend's ``name`` (``FakeManilaV2().name == "fake_manila"``),
the same string ``qmodes`` takes as ``backend="fake_manila"``. Its configuration and properties
are the snapshot files the fake carries (``conf_manila.json``, ``props_manila.json``), with
``backend_name`` rewritten to the served name so that the client-side ``IBMBackend`` and the
server agree.

Example:
    >>> catalog = DeviceCatalog(["fake_manila"])
    >>> catalog.names()
    ['fake_manila']
    >>> catalog.get("fake_manila").configuration()["n_qubits"]
    5
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

from qmodes.backends.names import fake_device_stem, is_fake_name

if TYPE_CHECKING:
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

__all__ = ["DEFAULT_DEVICES", "Device", "DeviceCatalog", "fake_backend"]

DEFAULT_DEVICES = ("fake_manila", "fake_lima")


def fake_backend(name: str) -> FakeBackendV2:
    """Instantiate the qiskit-ibm-runtime fake backend called ``name`` (e.g. ``"fake_manila"``).

    Raises:
        KeyError: If no fake backend has that name.
    """
    # heavy: Qiskit loads when a job or device needs it, not on import
    from qiskit_ibm_runtime import fake_provider

    stem = fake_device_stem(name) or name
    camel = "".join(part.capitalize() for part in stem.split("_"))
    for attr in (f"Fake{camel}V2", f"Fake{camel}"):
        cls = getattr(fake_provider, attr, None)
        if cls is not None:
            backend = cls()
            if backend.name == name:
                return backend
    raise KeyError(f"no fake backend named {name!r} in qiskit_ibm_runtime.fake_provider")


class Device:
    """One served device: a fake backend plus the JSON documents the API returns for it.

    Args:
        backend: The fake backend (its name is the served name).
    """

    def __init__(self, backend: FakeBackendV2) -> None:
        self.backend = backend
        self.name: str = backend.name
        self.operational = True
        self.status_msg = "active"

    @cached_property
    def _conf(self) -> dict[str, Any]:
        path = os.path.join(self.backend.dirname, self.backend.conf_filename)
        with open(path, encoding="utf-8") as handle:
            conf: dict[str, Any] = json.load(handle)
        conf["backend_name"] = self.name
        return conf

    @cached_property
    def _props(self) -> dict[str, Any] | None:
        filename = getattr(self.backend, "props_filename", None)
        if not filename:
            return None
        path = os.path.join(self.backend.dirname, filename)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as handle:
            props: dict[str, Any] = json.load(handle)
        props["backend_name"] = self.name
        return props

    @property
    def num_qubits(self) -> int:
        """Number of qubits."""
        return int(self._conf["n_qubits"])

    def configuration(self) -> dict[str, Any]:
        """Body of ``GET /backends/<name>/configuration``."""
        return copy.deepcopy(self._conf)

    def properties(self) -> dict[str, Any] | None:
        """Body of ``GET /backends/<name>/properties`` (``None`` if the fake has none)."""
        return copy.deepcopy(self._props)

    def status(self, queue_length: int) -> dict[str, Any]:
        """Body of ``GET /backends/<name>/status`` (raw API keys, before the client maps them)."""
        return {
            "state": self.operational,
            "status": self.status_msg,
            "message": "available" if self.operational else "unavailable",
            "length_queue": queue_length,
            "backend_version": self._conf.get("backend_version", "0.0.0"),
        }

    def summary(self, queue_length: int) -> dict[str, Any]:
        """One entry of ``GET /backends``' ``devices`` list."""
        return {
            "name": self.name,
            "status": {
                "name": "online" if self.operational else "offline",
                "reason": "available" if self.operational else "unavailable",
            },
            "qubits": self.num_qubits,
            "queue_length": queue_length,
            "processor_type": self._conf.get("processor_type", {}),
            "performance_metrics": {
                "quantum_volume": {"value": self._conf.get("quantum_volume")},
                "clops": self._conf.get("clops_h"),
            },
        }


class DeviceCatalog:
    """The devices of a server, by name.

    Args:
        devices: Fake backend names (``"fake_manila"``) or fake backend instances.
        mocks: Also serve ``mock_<device>`` for each ``fake_<device>``, where
            qiskit-ibm-runtime sends ``dry_run=True`` jobs.
    """

    def __init__(self, devices: Iterable[str | FakeBackendV2] = DEFAULT_DEVICES, *,
                 mocks: bool = False) -> None:
        self._devices: dict[str, Device] = {}
        for item in devices:
            backend = fake_backend(item) if isinstance(item, str) else item
            self._devices[backend.name] = Device(backend)
        if mocks:  # ``dry_run=True`` jobs go to ``mock_<device>`` (they bill nothing)
            for name in list(self._devices):
                mock = fake_backend(name) if is_fake_name(name) else None
                if mock is not None:
                    mock.name = "mock_" + name.split("_", 1)[1]
                    self._devices[mock.name] = Device(mock)

    def names(self) -> list[str]:
        """The served names, in the order given."""
        return list(self._devices)

    def get(self, name: str) -> Device | None:
        """The device called ``name``, or ``None``."""
        return self._devices.get(name)

    def __iter__(self) -> Iterator[Device]:
        return iter(self._devices.values())
