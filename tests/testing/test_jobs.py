"""Jobs in job mode, through the real client: results, metrics, cancel, failures, listing."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import EstimatorV2, SamplerV2
from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError, RuntimeJobFailureError

from qmodes.testing import AerExecutor, ExecutionRequest


def _t(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_sampler_counts(backend, x_isa) -> None:
    job = SamplerV2(mode=backend).run([x_isa], shots=200)
    counts = job.result()[0].data.c.get_counts()
    assert sum(counts.values()) == 200 and counts["1"] > 170
    assert job.status() == "DONE"


def test_metrics_have_ordered_timestamps_and_usage(backend, x_isa) -> None:
    job = SamplerV2(mode=backend).run([x_isa], shots=100)
    job.result()
    metrics = job.metrics()
    stamps = metrics["timestamps"]
    assert _t(stamps["created"]) <= _t(stamps["running"]) <= _t(stamps["finished"])
    usage = metrics["usage"]
    assert usage["quantum_seconds"] > 0 and usage["status"] == "complete"
    assert job.usage() == pytest.approx(usage["quantum_seconds"])
    assert metrics["executions"] == 100


def test_result_carries_execution_spans(backend, bell_isa) -> None:
    result = SamplerV2(mode=backend).run([bell_isa], shots=50).result()
    spans = result.metadata["execution"]["execution_spans"]
    assert len(spans) == 1 and spans[0].size == 50
    assert spans.start <= spans.stop


def test_estimator_expectation_value(backend) -> None:
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    circuit = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    observable = SparsePauliOp("ZZ").apply_layout(circuit.layout)
    value = EstimatorV2(mode=backend).run([(circuit, observable)]).result()[0].data.evs
    assert 0.8 < float(value) <= 1.05


def test_client_side_executor_sampler(backend, bell_isa) -> None:
    from qiskit_ibm_runtime.executor_sampler import Sampler

    job = Sampler(mode=backend).run([bell_isa], shots=100)
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 100 and counts.get("00", 0) + counts.get("11", 0) > 80
    assert job.primitive_id == "executor"


def _slow(seconds: float) -> AerExecutor:
    class Slow(AerExecutor):
        def __call__(self, request: ExecutionRequest):  # type: ignore[no-untyped-def]
            time.sleep(seconds)
            return super().__call__(request)

    return Slow()


def test_cancel_a_queued_job(make) -> None:
    server = make(executor=_slow(0.6))
    backend = server.service().backend("fake_manila")
    sampler = SamplerV2(mode=backend)
    qc = QuantumCircuit(1)
    qc.measure_all()
    first, second = sampler.run([qc]), sampler.run([qc])
    second.cancel()
    assert second.status() == "CANCELLED"
    with pytest.raises(RuntimeInvalidStateError):
        second.result()
    assert first.result()[0].data.meas.num_shots > 0
    with pytest.raises(RuntimeInvalidStateError):
        first.cancel()  # already final: 409


def test_executor_errors_fail_the_job(make) -> None:
    def broken(request: ExecutionRequest):  # type: ignore[no-untyped-def]
        raise RuntimeError("QPU on fire")

    server = make(executor=broken)
    backend = server.service().backend("fake_manila")
    qc = QuantumCircuit(1)
    qc.measure_all()
    job = SamplerV2(mode=backend).run([qc])
    with pytest.raises(RuntimeJobFailureError, match="QPU on fire"):
        job.result()
    assert job.status() == "ERROR"
    assert job.usage() == 0


def test_service_lists_and_retrieves_jobs(service, backend, x_isa) -> None:
    jobs = [SamplerV2(mode=backend).run([x_isa], shots=10) for _ in range(3)]
    for job in jobs:
        job.result()
    listed = service.jobs(limit=10)
    assert [j.job_id() for j in listed] == [j.job_id() for j in reversed(jobs)]
    again = service.job(jobs[0].job_id())
    assert again.status() == "DONE" and again.primitive_id == "sampler"
    assert again.result()[0].data.c.num_shots == 10
    assert service.jobs(pending=True) == []
