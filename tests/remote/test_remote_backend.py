"""``ibm:<device>`` is a Qiskit ``BackendV2`` with the device's target and attributes."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.providers import BackendV2
from qiskit.transpiler import generate_preset_pass_manager

import qmodes


def test_remote_backend_is_a_backend_v2_with_the_device_target(server) -> None:
    backend = qmodes.get_backend("ibm:fake_manila")
    assert isinstance(backend, BackendV2) and backend.is_remote and backend.requires_isa
    assert backend.name == "ibm:fake_manila" and backend.num_qubits == 5
    assert backend.coupling_map.get_edges() == backend.device.coupling_map.get_edges()
    assert backend.dt == backend.device.dt and backend.timing_constraints.granularity >= 1
    assert backend.default_rep_delay == backend.device.default_rep_delay  # the device's
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
    assert set(isa.count_ops()) <= set(backend.operation_names)
    with pytest.raises(NotImplementedError, match=r"qmodes\.Sampler"):
        backend.run(isa)


def test_options_set_on_a_qmodes_sampler_reach_ibm(server, runtime, bell_isa) -> None:
    sampler = qmodes.Sampler(mode="ibm:fake_manila", runtime=runtime,
                             options={"default_shots": 30,
                                      "environment": {"job_tags": ["qmodes-test"]}})
    job = sampler.run([bell_isa])
    assert sum(job.result(timeout=30)[0].data.meas.get_counts().values()) == 30
    assert "qmodes-test" in (server.state.jobs[job.job_id()].tags or [])
