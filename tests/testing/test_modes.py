"""Sessions and batches through the real client's ``Session`` and ``Batch``."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from qiskit_ibm_runtime import Batch, SamplerV2, Session
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from tests.testing.conftest import wait_until

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
    wait_until(lambda: session.details()["state"] == "inactive")  # the fixture's TTL: 0.5 s
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
    """Max TTL from the first start: queued jobs fail, the running one finishes and counts."""
    from qiskit import QuantumCircuit

    from qmodes.core.usage import window_end
    from tests.testing.conftest import Gates

    gates = Gates(2)  # QPU calls wait for their gate: the order is the test's, not the clock's
    server = make(max_ttl=0.3, lanes=1, executor=gates)
    backend = server.service().backend("fake_manila")
    qc = QuantumCircuit(1)
    qc.measure_all()
    outsider = SamplerV2(mode=backend).run([qc], shots=10)  # holds the only lane
    session = Session(backend=backend)
    first, second = (SamplerV2(mode=session).run([qc], shots=10) for _ in range(2))
    assert session.details()["started_at"] is None  # queued behind the outsider
    gates.open(0)
    outsider.result()
    wait_until(lambda: session.details()["accepting_jobs"] is False)  # max TTL reached
    assert second.status() == "ERROR" and "maximum time" in str(second.error_message())
    assert first.status() == "RUNNING"  # on the QPU past the max TTL: it finishes
    gates.open(1)
    assert first.result()[0].data.meas.num_shots == 10
    wait_until(lambda: session.details()["state"] == "closed")
    details = session.details()
    started, last = _t(details["started_at"]), _t(details["last_job_completed"])
    closed = _t(details["closed_at"])
    assert (closed - started).total_seconds() >= details["max_time"]  # never before max TTL
    end = window_end(
        last.timestamp(),
        details["interactive_timeout"],
        closed.timestamp(),
        started.timestamp() + details["max_time"],
    )
    assert end == last.timestamp()  # the running job's completion ends the window
    assert session.usage() == pytest.approx(end - started.timestamp(), abs=1e-5)
    assert second.usage() == 0
