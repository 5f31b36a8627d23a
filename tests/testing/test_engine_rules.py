"""The server's sessions and batches follow qmodes' engine rules, seen through the real client.

Orderings are forced with gates on the QPU (``Gates``) and long TTLs, never with sleeps, so the
assertions are about the rules (who runs before whom, states, usage formulas), not timings.
"""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from qiskit import QuantumCircuit
from qiskit_ibm_runtime import Batch, SamplerV2, Session

from qmodes.core.timeline import default_timeline
from qmodes.core.usage import batch_usage, job_usage, session_usage
from tests.testing.conftest import Gates, wait_until


def _t(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@pytest.fixture
def qc() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.measure_all()
    return circuit


def test_job_mode_waits_while_another_clients_session_is_active(make, qc) -> None:
    server = make(interactive_ttl=60)
    alice = server.service().backend("fake_manila")
    bob = server.service().backend("fake_manila")  # another client of the same device
    session = Session(backend=alice)
    SamplerV2(mode=session).run([qc], shots=10).result()
    assert session.details()["state"] == "active"  # within its interactive TTL
    outsider = SamplerV2(mode=bob).run([qc], shots=10)
    assert outsider.status() == "QUEUED"  # the session holds the QPU
    again = SamplerV2(mode=session).run([qc], shots=10)  # submitted after the outsider...
    assert again.result()[0].data.meas.num_shots == 10  # ...and runs before it
    assert outsider.status() == "QUEUED"
    session.close()  # the window ends at the close; the device is free again
    assert outsider.result()[0].data.meas.num_shots == 10
    details = session.details()
    assert details["state"] == "closed"
    assert _t(outsider.metrics()["timestamps"]["running"]) >= _t(details["closed_at"])
    record = server.state.sessions[session.session_id].context.record()
    assert len(record.windows) == 1
    assert session.usage() == pytest.approx(session_usage(record), abs=1e-6)
    window = _t(details["closed_at"]) - _t(details["started_at"])  # closed before the TTL ran out
    assert session.usage() == pytest.approx(window.total_seconds(), abs=1e-5)


def test_session_jobs_share_the_lanes_and_take_the_qpu_one_at_a_time(make, qc) -> None:
    gates = Gates(3)
    server = make(executor=gates, interactive_ttl=60)
    backend = server.service().backend("fake_manila")
    session = Session(backend=backend)
    jobs = [SamplerV2(mode=session).run([qc], shots=10) for _ in range(3)]
    wait_until(lambda: all(job.status() == "RUNNING" for job in jobs))  # 5 lanes: all started
    for index in range(3):
        gates.open(index)
    assert all(job.result()[0].data.meas.num_shots == 10 for job in jobs)
    spans = sorted(
        (_t(m["qpu_span"]["start"]), _t(m["qpu_span"]["stop"]))
        for m in (job.metrics() for job in jobs)
    )
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # one QPU: no overlap
    session.cancel()


def test_batch_jobs_jump_the_queue_and_bill_their_qpu_time(make, qc) -> None:
    gates = Gates(1)
    server = make(executor=gates, lanes=1)
    backend = server.service().backend("fake_manila")
    batch = Batch(backend=backend)  # no ``with``: there the client sends every job to the batch
    first = SamplerV2(mode=batch).run([qc], shots=10)  # holds the lane: the batch is active
    outsider = SamplerV2(mode=backend).run([qc], shots=10)
    rest = [SamplerV2(mode=batch).run([qc], shots=10) for _ in range(2)]
    gates.open(0)
    batch.close()
    assert all(job.result()[0].data.meas.num_shots == 10 for job in [first, outsider, *rest])
    started = _t(outsider.metrics()["timestamps"]["running"])
    assert all(started >= _t(job.metrics()["timestamps"]["finished"]) for job in rest)
    wait_until(lambda: batch.details()["state"] == "closed")
    context = server.state.sessions[batch.session_id].context
    records = context.timeline.jobs(ids=context.record().job_ids)
    assert batch.usage() == pytest.approx(batch_usage(records), abs=1e-5)
    assert batch.usage() == pytest.approx(sum(job.usage() for job in [first, *rest]), abs=1e-5)
    assert all(
        job.usage() == pytest.approx(job_usage(r), abs=1e-6)
        for job, r in zip([first, *rest], records, strict=True)
    )


def test_server_records_stay_off_the_default_timeline(server, backend, qc) -> None:
    with Session(backend=backend) as session:
        job = SamplerV2(mode=session).run([qc], shots=10)
        job.result()
    served = server.state.jobs[job.job_id()].job.job_id()  # the engine's own job id
    assert server.state.timeline is not default_timeline()
    assert server.state.timeline.job(served).status == "DONE"
    assert served not in {record.id for record in default_timeline().jobs()}
    context = server.state.sessions[session.session_id].context.id
    assert context not in {record.id for record in default_timeline().contexts()}
