"""Fault injection, and the client's retry logic recovering from it."""

from __future__ import annotations

import time

import pytest
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from qmodes.testing import FakeRuntimeServer, FaultRule, Faults


def test_rules_match_by_path_and_method_and_count() -> None:
    faults = Faults()
    rule = faults.add(path=r"/jobs/[^/]+$", method="get", status=503, times=2)
    assert faults.take("POST", "/api/v1/jobs/abc") is None
    assert faults.take("GET", "/api/v1/jobs/abc/results") is None
    assert [faults.take("GET", "/api/v1/jobs/abc") for _ in range(3)] == [rule, rule, None]
    assert rule.hits == 2 and rule.exhausted
    forever = faults.add(path="/backends", delay=0.01, times=None)
    assert all(faults.take("GET", "/backends") is forever for _ in range(5))
    with pytest.raises(ValueError):
        FaultRule(path="/x")  # no status, delay or drop


def test_503_twice_then_success_on_job_status(server: FakeRuntimeServer, backend, x_isa) -> None:
    job = SamplerV2(mode=backend).run([x_isa], shots=10)
    job.result()
    rule = server.faults.add(path=r"/jobs/[^/]+/metrics$", status=503, times=2)
    assert job.metrics()["usage"]["status"] == "complete"
    assert rule.hits == 2
    statuses = [s for m, p, s in server.log if p.endswith("/metrics")]
    assert statuses[-3:] == [503, 503, 200]


def test_503_on_submission_is_retried_without_duplicating_the_job(server, backend, x_isa) -> None:
    server.faults.add(path="/jobs$", method="POST", status=503, times=1)
    job = SamplerV2(mode=backend).run([x_isa], shots=10)
    assert job.result()[0].data.c.num_shots == 10
    assert len(server.state.jobs) == 1  # the 503 answered before the job was created


def test_dropped_connection_is_retried(server: FakeRuntimeServer, backend, x_isa) -> None:
    job = SamplerV2(mode=backend).run([x_isa], shots=10)
    job.wait_for_final_state()
    server.faults.add(path="/results$", drop=True, times=1)
    assert job.result()[0].data.c.num_shots == 10
    assert [s for m, p, s in server.log if p.endswith("/results")] == [-1, 200]


def test_slow_answers_are_slow(server: FakeRuntimeServer, backend) -> None:
    server.faults.add(path="/status$", delay=0.3, times=1)
    start = time.perf_counter()
    assert backend.status().operational
    assert time.perf_counter() - start >= 0.3


def test_client_errors_are_not_retried(server: FakeRuntimeServer, backend, x_isa) -> None:
    job = SamplerV2(mode=backend).run([x_isa], shots=10)
    job.result()
    server.faults.add(path="/metrics$", status=400, times=None)
    with pytest.raises(IBMRuntimeError, match="400"):
        job.metrics()
    assert [s for m, p, s in server.log if p.endswith("/metrics")] == [400]
