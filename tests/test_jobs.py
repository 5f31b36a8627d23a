"""The job handle has qiskit-ibm-runtime 0.51's ``RuntimeJobV2`` surface."""

from __future__ import annotations

from datetime import datetime

import pytest
from qiskit_ibm_runtime.exceptions import (
    IBMInputValueError,
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobTimeoutError,
)

import qmodes
from qmodes.core.jobs import JobCancelledError, JobTimeoutError
from tests.conftest import PHASES


def test_status_strings_and_predicates_follow_the_job(sim, bell) -> None:
    job = qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=10)
    assert job.status() == "RUNNING"  # classical pre-processing has started at once
    assert (job.running(), job.done(), job.errored(), job.in_final_state()) == (
        True, False, False, False)
    sim.at(10.0)
    assert job.status() == "DONE" and isinstance(job.status(), str)
    assert (job.running(), job.done(), job.cancelled(), job.in_final_state()) == (
        False, True, False, True)
    assert job.error_message() is None


def test_wait_for_final_state_times_out_with_ibms_error(sim, bell) -> None:
    job = qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=10)
    with pytest.raises(RuntimeJobTimeoutError):
        job.wait_for_final_state(timeout=0.01)
    with pytest.raises(TimeoutError):  # also Python's own
        job.result(timeout=0.01)
    sim.at(10.0)
    assert job.wait_for_final_state(timeout=1) is None
    assert job.result()[0].data.meas.num_shots == 10


def test_usage_is_zero_until_final_unless_partial(sim, bell) -> None:
    job = qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=10)
    sim.at(PHASES["classical"] + 2.0)  # two seconds into its QPU phase
    assert job.usage() == 0
    assert job.usage(partial=True) == pytest.approx(2.0)
    sim.at(10.0)
    assert job.usage() == pytest.approx(PHASES["qpu"])


def test_metrics_have_the_rest_shape(sim, bell) -> None:
    job = qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=10)
    assert job.metrics()["usage"]["status"] == "pending"
    sim.at(10.0)
    metrics = job.metrics()
    assert set(metrics["timestamps"]) == {"created", "running", "finished"}
    assert all(isinstance(value, str) and value.endswith("Z")
               for value in metrics["timestamps"].values())
    assert metrics["usage"]["quantum_seconds"] == metrics["bss"]["seconds"] == PHASES["qpu"]
    assert metrics["usage"]["status"] == "complete"
    assert metrics["executions"] == 10 and metrics["num_circuits"] == 1


def test_identity_backend_inputs_and_dates(bell) -> None:
    job = qmodes.Sampler(mode="fake_manila", transpile=True).run([bell], shots=10)
    job.wait_for_final_state(timeout=60)
    assert job.primitive_id == "sampler"
    assert job.backend().name == "fake_manila"
    assert job.backend().num_qubits == 5
    assert isinstance(job.creation_date, datetime) and job.creation_date.tzinfo is not None
    assert len(job.inputs["pubs"]) == 1 and job.inputs["version"] == 2
    assert job.session_id is None and job.instance is None and job.private is False
    assert job.logs() == ""
    assert job.usage_estimation["quantum_seconds"] > 0  # projected on the device


def test_usage_estimation_is_none_where_no_device_is_modelled(sim, bell) -> None:
    job = qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=10)
    assert job.usage_estimation == {"quantum_seconds": None}


def test_tags_can_be_replaced_and_are_validated(sim, bell) -> None:
    job = qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=10)
    assert job.tags == []
    assert job.update_tags(["b", "a", "a"]) == ["a", "b"]
    assert job.tags == ["a", "b"]
    with pytest.raises(IBMInputValueError):
        job.update_tags(["ok", 3])  # type: ignore[list-item]


def test_errors_are_qiskit_ibm_runtimes_own(sim, bell) -> None:
    with qmodes.Session("aer", runtime=sim.runtime) as session:
        first = qmodes.Sampler(mode=session).run([bell], shots=10)
        queued = [qmodes.Sampler(mode=session).run([bell], shots=10) for _ in range(6)]
        assert queued[-1].cancel()
    sim.at(100.0)
    with pytest.raises(RuntimeInvalidStateError) as raised:
        queued[-1].result()
    assert isinstance(raised.value, JobCancelledError)
    assert first.result()[0].data.meas.num_shots == 10
    assert issubclass(qmodes.JobFailedError, RuntimeJobFailureError)
    assert issubclass(JobTimeoutError, RuntimeJobTimeoutError)
