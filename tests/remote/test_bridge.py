"""qiskit-ibm-runtime's own primitives given a qmodes context on an IBM device."""

from __future__ import annotations

import warnings

import pytest
from qiskit_ibm_runtime.utils.default_session import get_cm_session

import qmodes


def test_ibms_sampler_given_a_remote_qmodes_session_runs_in_its_ibm_session(
        server, runtime, bell_isa) -> None:
    from qiskit_ibm_runtime import SamplerV2

    with qmodes.Session(backend="ibm:fake_manila", runtime=runtime) as session:
        ibm = qmodes.remote.ibm_session(session)
        assert get_cm_session() is ibm  # no mode: IBM's own session, as before
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            sampler = SamplerV2(mode=session, options={"default_shots": 12})
        job = sampler.run([bell_isa])
    assert isinstance(job, qmodes.Job) and job.session_id == session.session_id
    assert job.result(timeout=30)[0].data.meas.num_shots == 12
    assert server.state.jobs[job.job_id()].session_id == ibm.session_id  # IBM's session
    assert job.job_id() in session.record().job_ids  # and qmodes' timeline


def test_a_remote_context_reports_the_ibm_service(server, runtime) -> None:
    with qmodes.Batch(backend="ibm:fake_manila", runtime=runtime) as batch:
        assert batch.service.is_local is False
        assert batch.backend() == "fake_manila" or batch.backend().endswith("fake_manila")
    with pytest.raises(ValueError, match="no session or batch"):
        qmodes.Batch.from_id("not-a-local-id")
