"""Session and Batch have qiskit-ibm-runtime's signatures and types; its primitives join them."""

from __future__ import annotations

import warnings

import pytest
import qiskit_ibm_runtime
from qiskit_ibm_runtime.utils.default_session import get_cm_session

import qmodes


def test_they_are_qiskit_ibm_runtimes_session_and_batch(sim) -> None:
    session = qmodes.Session("aer", runtime=sim.runtime)
    batch = qmodes.Batch("aer", runtime=sim.runtime)
    assert isinstance(session, qiskit_ibm_runtime.Session)
    assert isinstance(batch, qiskit_ibm_runtime.Batch)
    assert not isinstance(batch, qmodes.Session)
    session.close()
    batch.close()


def test_max_time_is_the_second_positional_argument(sim) -> None:
    with qmodes.Session("aer", "25m", runtime=sim.runtime) as session:
        assert session.details()["max_time"] == 1500
    with qmodes.Batch("aer", 600, create_new=True, runtime=sim.runtime) as batch:
        assert batch.details()["max_time"] == 600


def test_details_types_match_ibms(sim, bell) -> None:
    session = qmodes.Session("aer", runtime=sim.runtime)
    details = session.details()
    assert details["interactive_timeout"] == 60 and type(details["interactive_timeout"]) is int
    assert type(details["max_time"]) is int and type(details["active_timeout"]) is int
    assert details["usage_time"] is None  # IBM: no elapsed time before the first job starts
    assert details["started_at"] is None and details["state"] == "open"
    job = qmodes.Sampler(mode=session).run([bell], shots=10)
    sim.at(10.0)
    job.result()
    session.close()
    details = session.details()
    assert isinstance(details["usage_time"], float) and details["usage_time"] > 0
    assert isinstance(details["started_at"], str)
    fractional = qmodes.Session("aer", interactive_ttl=0.5, runtime=sim.runtime)
    assert fractional.details()["interactive_timeout"] == 0.5  # not rounded away
    fractional.close()


def test_identity_backend_and_service(sim) -> None:
    with qmodes.Batch("fake_manila", runtime=sim.runtime) as batch:
        assert batch.session_id == batch.id
        assert batch.backend() == "fake_manila"
        assert batch._backend.name == "fake_manila"  # what IBM's primitives read
        assert batch.service.is_local
        assert batch.service is batch.service


def test_from_id_rejoins_a_context_of_this_process(sim) -> None:
    session = qmodes.Session("aer", runtime=sim.runtime)
    assert qmodes.Session.from_id(session.session_id) is session
    with pytest.raises(ValueError, match="execution mode dedicated instead of batch"):
        qmodes.Batch.from_id(session.session_id)
    with pytest.raises(ValueError, match="no session or batch"):
        qmodes.Session.from_id("session-000000000000")
    session.close()


def test_the_open_context_is_qiskit_ibm_runtimes_default_session(sim) -> None:
    assert get_cm_session() is None
    with qmodes.Batch("aer", runtime=sim.runtime) as batch:
        assert get_cm_session() is batch
        with qmodes.Session("aer", runtime=sim.runtime) as session:
            assert get_cm_session() is session
        assert get_cm_session() is batch
    assert get_cm_session() is None


@pytest.mark.parametrize("mode_given", [True, False])
def test_ibms_v2_primitives_run_in_a_qmodes_session(sim, bell, mode_given) -> None:
    from qiskit.quantum_info import SparsePauliOp

    bell_no_meas = bell.remove_final_measurements(inplace=False)
    with qmodes.Session("aer", runtime=sim.runtime) as session, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 0.50 deprecates SamplerV2
        mode = {"mode": session} if mode_given else {}
        sampler = qiskit_ibm_runtime.SamplerV2(**mode, options={"default_shots": 20})
        sampler.options.environment.job_tags = ["vqe"]
        estimator = qiskit_ibm_runtime.EstimatorV2(**mode)
        jobs = [sampler.run([bell]),
                estimator.run([(bell_no_meas, SparsePauliOp("ZZ"))], precision=0.01)]
    assert all(isinstance(job, qmodes.Job) for job in jobs)
    assert [job.session_id for job in jobs] == [session.session_id] * 2
    assert session.record().job_ids == [job.job_id() for job in jobs]  # on qmodes' timeline
    sim.at(30.0)
    assert jobs[0].result()[0].data.meas.num_shots == 20  # the options came through
    assert jobs[0].tags == ["vqe"] and jobs[1].tags == []
    assert float(jobs[1].result()[0].data.evs) == pytest.approx(1.0, abs=0.05)  # ZZ: +1 always


def test_executor_primitives_run_in_a_qmodes_batch(bell) -> None:
    from qiskit_ibm_runtime.executor_sampler import Sampler

    with qmodes.Batch("aer") as batch:
        jobs = [Sampler(mode=batch).run([bell], shots=16), Sampler().run([bell], shots=16)]
    assert [job.session_id for job in jobs] == [batch.session_id] * 2
    for job in jobs:
        counts = job.result(timeout=60)[0].data.meas.get_counts()
        assert set(counts) <= {"00", "11"} and sum(counts.values()) == 16
    assert batch.usage() > 0


def test_a_closed_context_refuses_ibms_primitives_too(sim, bell) -> None:
    session = qmodes.Session("aer", runtime=sim.runtime)
    session.close()
    with pytest.raises(qmodes.ContextClosedError), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        qiskit_ibm_runtime.SamplerV2(mode=session).run([bell], shots=10)


@pytest.mark.parametrize("make_backend", ["fake", "aer"])
def test_a_backend_instance_still_opens_a_context_that_ibms_primitives_join(
        make_backend, bell) -> None:
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime.executor_sampler import Sampler
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    backend = FakeManilaV2() if make_backend == "fake" else AerSimulator()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(bell)
    with qmodes.Session(backend=backend) as session:
        job = Sampler().run([isa], shots=50)
    assert job.session_id == session.session_id
    assert job.result(timeout=60)[0].data.meas.num_shots == 50
    assert session.backend() == backend.name


def test_runtime_options_of_ibms_primitives_reach_the_qmodes_job(sim, bell) -> None:
    options = {"max_execution_time": 300, "simulator": {"seed_simulator": 5},
               "environment": {"job_tags": ["t"]}, "default_shots": 16}
    with qmodes.Session("aer", runtime=sim.runtime) as session, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        job = qiskit_ibm_runtime.SamplerV2(mode=session, options=options).run([bell])
    given = job.inputs["options"]  # the options set, as IBM's job inputs show them
    assert given["max_execution_time"] == 300 and given["simulator"]["seed_simulator"] == 5
    assert job.tags == ["t"]
    sim.at(30.0)
    assert job.result()[0].data.meas.num_shots == 16
