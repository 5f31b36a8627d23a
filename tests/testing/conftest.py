"""Fixtures: a fake runtime server per test, and a client pointed at it the documented way."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qmodes.testing import AerExecutor, ExecutionRequest, FakeRuntimeServer

API_KEY = "test-secret-key"


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture(autouse=True)
def _quiet_runtime_deprecations() -> Iterator[None]:
    """SamplerV2/EstimatorV2 are deprecated in 0.50+; the tests use them on purpose."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="qiskit_ibm_runtime")
        warnings.filterwarnings("ignore", message=".*SamplerV2 class is deprecated.*")
        warnings.filterwarnings("ignore", message=".*EstimatorV2 class is deprecated.*")
        yield


def make_server(monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> FakeRuntimeServer:
    """Start a server that leaves the environment alone; point the client at it ourselves."""
    server = FakeRuntimeServer(api_key=API_KEY, devices=["fake_manila"], patch_env=False, **kwargs)  # type: ignore[arg-type]
    server.start()
    for key, value in server.environ.items():
        monkeypatch.setenv(key, value)
    return server


@pytest.fixture
def make(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeRuntimeServer]]:
    """A factory of extra servers (custom executor, TTLs...), all stopped after the test."""
    started: list[FakeRuntimeServer] = []

    def factory(**kwargs: object) -> FakeRuntimeServer:
        started.append(make_server(monkeypatch, **kwargs))
        return started[-1]

    yield factory
    for srv in started:
        srv.stop()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRuntimeServer]:
    srv = make_server(monkeypatch, interactive_ttl=0.5)
    yield srv
    srv.stop()


@pytest.fixture
def service(server: FakeRuntimeServer):  # type: ignore[no-untyped-def]
    from qiskit_ibm_runtime import QiskitRuntimeService

    return QiskitRuntimeService(
        channel="ibm_quantum_platform", token=API_KEY, instance=server.crn, url=server.url
    )


@pytest.fixture
def backend(service):  # type: ignore[no-untyped-def]
    return service.backend("fake_manila")


@pytest.fixture
def x_isa(backend) -> QuantumCircuit:  # type: ignore[no-untyped-def]
    """One qubit flipped and measured, transpiled for the device: shots read ``1``."""
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.measure(0, 0)
    return generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)


@pytest.fixture
def bell_isa(backend) -> QuantumCircuit:  # type: ignore[no-untyped-def]
    """A Bell pair measured, transpiled for the device."""
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)


class Gates(AerExecutor):
    """Aer, but the n-th QPU call waits until the test opens gate n (then runs at once).

    Tests order events with gates instead of sleeping and hoping for the timing.
    """

    def __init__(self, count: int) -> None:
        super().__init__()
        self._gates = [threading.Event() for _ in range(count)]
        self._calls = 0
        self._lock = threading.Lock()

    def open(self, index: int) -> None:
        self._gates[index].set()

    def __call__(self, request: ExecutionRequest) -> Any:
        with self._lock:
            index, self._calls = self._calls, self._calls + 1
        if index < len(self._gates) and not self._gates[index].wait(30):
            raise TimeoutError(f"gate {index} never opened")
        return super().__call__(request)


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``predicate`` until true (fails after ``timeout``: a deadlock, not a timing)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)
