"""A fake IBM runtime server per test, reached through the unmodified qiskit-ibm-runtime client.

The client finds the server the way a user's machine finds IBM: through the standard
``QISKIT_IBM_*`` environment variables (plus the server's IAM/Global Search redirections).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

import qmodes.remote
from qmodes.core.timeline import Timeline
from qmodes.local import LocalRuntime
from qmodes.remote import tracking
from qmodes.testing import AerExecutor, FakeRuntimeServer

TOKEN = "qmodes-SECRET-token-8d1f2a"
"""The API key; no test output, record, log or file may ever contain it."""


@pytest.fixture(autouse=True)
def _quiet_client() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning,
                                module="qiskit_ibm_runtime")
        warnings.filterwarnings("ignore", message=".*(Sampler|Estimator)V2 class is deprecated.*")
        yield


class Requests:
    """Times of the requests a server answered: ``[(monotonic time, method, path)]``."""

    def __init__(self, server: FakeRuntimeServer) -> None:
        self.seen: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        dispatch = server.dispatch

        def recording(request: Any) -> Any:
            with self._lock:
                self.seen.append((time.monotonic(), request.method, request.path))
            return dispatch(request)

        server.dispatch = recording  # type: ignore[method-assign]

    def polls(self, job_id: str) -> list[float]:
        """When ``GET /jobs/<id>`` (the status poll) reached the server."""
        with self._lock:
            return [t for t, method, path in self.seen
                    if method == "GET" and path.endswith(f"/jobs/{job_id}")]


def start_server(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> FakeRuntimeServer:
    options: dict[str, Any] = {"devices": ["fake_manila"], "interactive_ttl": 0.5}
    options.update(kwargs)
    server = FakeRuntimeServer(api_key=TOKEN, patch_env=False, **options)
    server.start()
    for key, value in server.environ.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", server.crn)
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "ibm_quantum_platform")
    monkeypatch.setenv("QISKIT_IBM_URL", server.url)
    qmodes.remote.use_service(None)
    return server


@pytest.fixture
def make_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeRuntimeServer]]:
    started: list[FakeRuntimeServer] = []

    def factory(**kwargs: Any) -> FakeRuntimeServer:
        started.append(start_server(monkeypatch, **kwargs))
        return started[-1]

    yield factory
    from qmodes.remote.poller import default_poller

    default_poller().stop()  # forget what this test left followed
    qmodes.remote.use_service(None)
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., FakeRuntimeServer]) -> FakeRuntimeServer:
    return make_server()


@pytest.fixture
def runtime() -> LocalRuntime:
    """A runtime with its own timeline (remote contexts record there)."""
    return LocalRuntime(timeline=Timeline())


@pytest.fixture
def fast_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry after a polling error within 1 s (default: backoff up to 30 s)."""
    monkeypatch.setattr(tracking, "MAX_ERROR_DELAY", 1.0)


def isa(circuit: QuantumCircuit) -> QuantumCircuit:
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    return generate_preset_pass_manager(optimization_level=1,
                                        backend=FakeManilaV2()).run(circuit)


@pytest.fixture(scope="session")
def bell_isa() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return isa(circuit)


class SlowExecutor:
    """Aer, but each job holds the QPU at least ``seconds``: later jobs stay queued."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.aer = AerExecutor()

    def __call__(self, request: Any) -> Any:
        start = time.monotonic()
        outcome = self.aer(request)
        time.sleep(max(0.0, self.seconds - (time.monotonic() - start)))
        return outcome


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)
