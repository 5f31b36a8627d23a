"""Sessions and batches through the real client's ``Session`` and ``Batch``."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from qiskit_ibm_runtime import Batch, SamplerV2, Session
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

DETAIL_KEYS = {
    "id", "backend_name", "interactive_timeout", "max_time", "active_timeout", "state",
    "accepting_jobs", "last_job_started", "last_job_completed", "started_at", "closed_at",
    "activated_at", "mode", "usage_time",
}  # fmt: skip


def _t(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_session_runs_jobs_and_details_match_the_client_keys(backend, x_isa) -> None:
    with Session(backend=backend, max_time=600) as session:
        sampler = SamplerV2(mode=session)
        jobs = [sampler.run([x_isa], shots=20) for _ in range(3)]
        assert all(j.result()[0].data.c.num_shots == 20 for j in jobs)
        details = session.details()
        assert DETAIL_KEYS <= set(details)
        assert details["mode"] == "dedicated" and details["max_time"] == 600
        assert details["state"] == "active" and details["accepting_jobs"] is True
        assert session.status() == "In progress, accepting new jobs"
        assert all(j.session_id == session.session_id for j in jobs)
    # close() on exit: no more jobs, closes once they are done
    details = session.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False
    assert session.status() == "Closed"
    assert session.usage() >= sum(j.usage() for j in jobs)


def test_session_goes_inactive_after_the_interactive_ttl(backend, x_isa) -> None:
    session = Session(backend=backend)
    assert session.status() == "Pending"  # open, no job yet
    job = SamplerV2(mode=session).run([x_isa], shots=10)
    job.result()
    time.sleep(0.8)  # the fixture's server has a 0.5 s interactive TTL
    details = session.details()
    assert details["state"] == "inactive" and session.status() == "Pending"
    window = _t(details["last_job_completed"]) - _t(details["started_at"])
    assert session.usage() == pytest.approx(window.total_seconds() + 0.5, abs=0.01)
    # the next job reactivates it
    SamplerV2(mode=session).run([x_isa], shots=10).result()
    assert session.details()["state"] == "active"
    session.cancel()


def test_active_session_holds_the_qpu_against_job_mode(backend, x_isa) -> None:
    session = Session(backend=backend)
    SamplerV2(mode=session).run([x_isa], shots=10).result()
    outsider = SamplerV2(mode=backend).run([x_isa], shots=10)
    outsider.result()
    completed = _t(session.details()["last_job_completed"])
    running = _t(outsider.metrics()["timestamps"]["running"])
    assert (running - completed).total_seconds() >= 0.45  # waited for the 0.5 s TTL
    assert session.details()["state"] == "inactive"
    session.close()
    assert session.details()["state"] == "closed"


def test_batch_bills_the_sum_of_its_jobs(backend, x_isa) -> None:
    with Batch(backend=backend) as batch:
        sampler = SamplerV2(mode=batch)
        jobs = [sampler.run([x_isa], shots=10) for _ in range(3)]
        for job in jobs:
            job.result()
    details = batch.details()
    assert details["mode"] == "batch" and details["state"] == "closed"
    assert batch.usage() == pytest.approx(sum(j.usage() for j in jobs), abs=1e-5)


def test_session_cancel_cancels_queued_jobs(make) -> None:
    from qmodes.testing import AerExecutor, ExecutionRequest

    class Slow(AerExecutor):
        def __call__(self, request: ExecutionRequest):  # type: ignore[no-untyped-def]
            time.sleep(0.4)
            return super().__call__(request)

    server = make(executor=Slow())
    backend = server.service().backend("fake_manila")
    session = Session(backend=backend)
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(1)
    qc.measure_all()
    sampler = SamplerV2(mode=session)
    jobs = [sampler.run([qc], shots=10) for _ in range(3)]
    session.cancel()
    assert [j.status() for j in jobs[1:]] == ["CANCELLED", "CANCELLED"]
    assert jobs[0].result()[0].data.meas.num_shots == 10
    deadline = time.time() + 5
    while session.details()["state"] != "closed" and time.time() < deadline:
        time.sleep(0.05)
    assert session.details()["state"] == "closed"


def test_server_refuses_jobs_in_a_closed_session(service, backend, x_isa) -> None:
    session = Session(backend=backend)
    service._get_api_client().close_session(session.session_id)  # closed behind its back
    with pytest.raises(IBMRuntimeError, match="not accepting jobs"):
        SamplerV2(mode=session).run([x_isa], shots=10)


def test_max_time_closes_the_session_and_fails_queued_jobs(make) -> None:
    server = make(max_ttl=0.3)
    backend = server.service().backend("fake_manila")
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(1)
    qc.measure_all()
    session = Session(backend=backend)
    SamplerV2(mode=session).run([qc], shots=10).result()
    time.sleep(0.5)
    details = session.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False
    assert session.usage() == pytest.approx(0.3, abs=0.02)
