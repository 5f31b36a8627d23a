"""Pacing: the QPU lane of a device can take the projected device time."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

import qmodes
from qmodes.accounting.projection import project_pubs
from qmodes.core.timeline import Timeline
from qmodes.local import LocalRuntime


@pytest.fixture(scope="module")
def isa_x():
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    return circuit  # x and measure are native on fake_manila


def test_a_paced_job_holds_the_qpu_for_its_projected_time(isa_x):
    runtime = LocalRuntime(timeline=Timeline(), pace=0.05)
    job = qmodes.Sampler(mode="fake_manila", runtime=runtime).run([isa_x], shots=100)
    job.result(timeout=30)
    qpu = job.record().span("qpu")
    projected = project_pubs([(isa_x, None, 100)], "fake_manila").seconds
    assert qpu.duration() >= 0.05 * projected
    runtime.shutdown()


def test_pace_must_be_positive():
    with pytest.raises(ValueError, match="positive speed factor"):
        LocalRuntime(pace=0)
