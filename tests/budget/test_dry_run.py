"""qiskit-ibm-runtime's dry run, offered for ibm:<device>: validated, nothing billed."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

from qmodes.remote.dry_run import dry_run
from qmodes.remote.service import RemoteError


def test_dry_run_goes_to_the_mock_device_and_bills_nothing(make_server,
                                                           bell_isa: QuantumCircuit) -> None:
    server = make_server(usage_limit_seconds=60.0, device_pace=0.05, mock_devices=True)
    job = dry_run([bell_isa], "ibm:fake_manila", shots=100)
    result = job.result()
    assert result[0].data.meas.num_shots == 100
    assert server.state.jobs[job.job_id()].backend == "mock_manila"
    assert server.state.usage_consumed() == 0.0


def test_dry_run_without_a_mock_device_is_one_line(make_server,
                                                   bell_isa: QuantumCircuit) -> None:
    make_server()
    with pytest.raises(RemoteError, match="mock_manila") as error:
        dry_run([bell_isa], "ibm:fake_manila", shots=100)
    assert "\n" not in str(error.value)
