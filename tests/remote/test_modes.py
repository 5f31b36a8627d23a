"""qmodes' Session, Batch and job mode on ``ibm:<device>``, through the real client."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

import qmodes
import qmodes.remote
from qmodes.remote import SOURCE, RemoteBackend
from tests.remote.conftest import isa, wait_for


def closed(context) -> bool:  # type: ignore[no-untyped-def]
    return context.record().state == "closed"


def test_session_runs_sampler_jobs_on_ibm_and_reports_ibm_usage(server, runtime,
                                                               bell_isa) -> None:
    with qmodes.Session(backend="ibm:fake_manila", runtime=runtime) as session:
        assert isinstance(session.target, RemoteBackend)
        sampler = qmodes.Sampler()  # picks up the open session
        jobs = [sampler.run([bell_isa], shots=50) for _ in range(3)]
    counts = [job.result(timeout=30)[0].data.meas.get_counts() for job in jobs]
    assert all(sum(c.values()) == 50 for c in counts)
    remote = server.state.sessions[qmodes.remote.ibm_session(session).session_id]
    assert {job.job_id() for job in jobs} <= set(server.state.jobs)  # IBM's job ids
    assert all(server.state.jobs[job.job_id()].session_id == remote.id for job in jobs)
    for job in jobs:
        record = job.record()
        assert [span.kind for span in record.spans] == ["queued", "classical", "qpu", "post"]
        assert job.usage() == pytest.approx(server.state.jobs[job.job_id()].quantum_seconds)
        assert record.source == SOURCE and job.metrics()["source"] == SOURCE
    wait_for(lambda: closed(session))
    details = session.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False
    assert details["mode"] == "dedicated" and details["usage_source"] == SOURCE
    assert session.usage() == pytest.approx(remote.elapsed_time(remote.closed_at), abs=1e-6)
    assert session.usage_figure().source == "reported by IBM"
    assert session.status() == "Closed"
    assert len(session.record().windows) >= 1


def test_batch_usage_is_the_sum_reported_for_its_jobs(server, runtime, bell_isa) -> None:
    with qmodes.Batch(backend="ibm:fake_manila", runtime=runtime) as batch:
        jobs = [qmodes.Sampler().run([bell_isa], shots=20) for _ in range(3)]
    assert all(job.wait(30) for job in jobs)
    wait_for(lambda: closed(batch))
    assert batch.details()["mode"] == "batch"
    reported = sum(server.state.jobs[job.job_id()].quantum_seconds for job in jobs)
    assert batch.usage() == pytest.approx(reported, abs=1e-5)
    assert server.state.sessions[qmodes.remote.ibm_session(batch).session_id].mode == "batch"


def test_job_mode_sampler_and_estimator(server, runtime, bell_isa) -> None:
    sampler_job = qmodes.Sampler(mode="ibm:fake_manila", runtime=runtime).run([bell_isa],
                                                                             shots=30)
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    circuit = isa(bell)
    observable = SparsePauliOp("ZZ").apply_layout(circuit.layout)
    estimator_job = qmodes.Estimator(mode="ibm:fake_manila", runtime=runtime).run(
        [(circuit, observable)], precision=0.05)
    assert sampler_job.result(timeout=30)[0].data.meas.num_shots == 30
    assert float(estimator_job.result(timeout=30)[0].data.evs) > 0.7
    for job in (sampler_job, estimator_job):
        assert job.record().mode == "job" and job.context_id is None
        assert server.state.jobs[job.job_id()].session_id is None
        assert job.usage() > 0


def test_transpile_true_transpiles_for_the_ibm_device(server, runtime) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    with pytest.raises(qmodes.InvalidCircuitError):
        qmodes.Sampler(mode="ibm:fake_manila", runtime=runtime).run([circuit])
    job = qmodes.Sampler(mode="ibm:fake_manila", transpile=True, runtime=runtime).run(
        [circuit], shots=10)
    assert job.result(timeout=30)[0].data.meas.num_shots == 10


def test_client_code_without_a_mode_joins_the_open_session(server, runtime, bell_isa) -> None:
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.executor_sampler import Sampler
    from qiskit_ibm_runtime.utils.default_session import get_cm_session

    with qmodes.Session(backend="ibm:fake_manila", runtime=runtime) as session:
        ibm = qmodes.remote.ibm_session(session)
        assert get_cm_session() is ibm
        native = [SamplerV2().run([bell_isa], shots=10), Sampler().run([bell_isa], shots=10)]
        assert all(job.session_id == ibm.session_id for job in native)
        assert native[0].result()[0].data.meas.num_shots == 10
    assert get_cm_session() is None


def test_job_mode_inside_a_remote_session_stays_job_mode(server, runtime, bell_isa) -> None:
    with qmodes.Session(backend="ibm:fake_manila", runtime=runtime):
        job = qmodes.Sampler(mode="ibm:fake_manila", runtime=runtime).run([bell_isa], shots=10)
    assert job.wait(30)
    assert server.state.jobs[job.job_id()].session_id is None


def test_cancel_a_queued_job_and_cancel_a_session(make_server, runtime, bell_isa) -> None:
    from tests.remote.conftest import SlowExecutor

    make_server(executor=SlowExecutor(1.5))
    session = qmodes.Session(backend="ibm:fake_manila", runtime=runtime)
    jobs = [qmodes.Sampler(mode=session).run([bell_isa], shots=10) for _ in range(3)]
    assert jobs[2].cancel()
    session.cancel()  # what an interrupted %%session cell does
    assert all(job.wait(30) for job in jobs)
    assert jobs[2].status() == "CANCELLED" and jobs[1].status() == "CANCELLED"
    assert jobs[0].status() == "DONE"
    with pytest.raises(qmodes.JobCancelledError):
        jobs[1].result()
    with pytest.raises(qmodes.ContextClosedError):
        qmodes.Sampler(mode=session).run([bell_isa])


def test_an_ibm_backend_instance_is_accepted(server, runtime, bell_isa) -> None:
    device = qmodes.remote.get_service().backend("fake_manila")
    with qmodes.Batch(backend=device, runtime=runtime) as batch:
        job = qmodes.Sampler().run([bell_isa], shots=10)
    assert batch.backend_name == "ibm:fake_manila"
    assert job.result(timeout=30)[0].data.meas.num_shots == 10
