"""Real Dask clusters for the compute tests, each started once per module and cleaned up:
a ``LocalCluster`` of two worker processes, and a scheduler plus two workers started as
separate processes with the ``dask`` CLI and reached over TCP on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from qiskit import QuantumCircuit

from qmodes.compute.dask_backend import DaskBackend

DASK = str(Path(sys.executable).with_name("dask"))


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[DaskBackend]:
    backend = DaskBackend.local(workers=2)
    try:
        yield backend
    finally:
        backend.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Topology:
    """``dask scheduler`` and ``dask worker`` processes on loopback."""

    def __init__(self, workers: int = 2) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
        self.processes = [subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
             "--dashboard-address", ":0"], env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        for _ in range(workers):
            self.processes.append(subprocess.Popen(
                [DASK, "worker", self.address, "--nthreads", "1", "--host", "127.0.0.1",
                 "--dashboard-address", ":0"], env=env, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        self.client = Client(self.address, timeout=60, set_as_default=False)
        self.client.wait_for_workers(workers, timeout=120)

    def close(self) -> None:
        self.client.close()
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    cluster = Topology()
    try:
        yield cluster
    finally:
        cluster.close()


def slow_circuit(qubits: int = 19, layers: int = 30) -> QuantumCircuit:
    """A circuit that keeps one Aer thread busy for a few seconds (statevector)."""
    circuit = QuantumCircuit(qubits)
    for layer in range(layers):
        for qubit in range(qubits):
            circuit.rx(0.1 * (qubit + layer + 1), qubit)
        for qubit in range(layer % 2, qubits - 1, 2):
            circuit.cx(qubit, qubit + 1)
    circuit.measure_all()
    return circuit


def wait_until(condition, timeout: float = 120.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
