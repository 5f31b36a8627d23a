"""Shutting the engine down (kernel exit) leaves every job and context in a final state."""

from __future__ import annotations

import pytest

import qmodes
from qmodes.core.errors import ContextClosedError
from qmodes.local import LocalRuntime
from qmodes.local.scheduler import SHUTDOWN_REASON
from tests.conftest import make_sim


def test_shutdown_cancels_queued_jobs_and_closes_every_context(bell):
    sim = make_sim()
    session = qmodes.Session("aer", runtime=sim.runtime)  # a line-form session, left open
    jobs = [qmodes.Sampler(mode=session).run([bell], shots=5) for _ in range(20)]
    solo = [qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=5)
            for _ in range(3)]
    sim.at(3.0)  # five jobs on lanes, one on the QPU, the rest queued
    sim.runtime.shutdown(timeout=0)
    records = sim.timeline.jobs()
    assert len(records) == 23 and all(r.in_final_state for r in records)
    assert {r.status for r in records} == {"CANCELLED"}
    assert all(r.error == SHUTDOWN_REASON for r in records)
    assert all(job.status() == "CANCELLED" for job in jobs + solo)
    context = session.record()
    assert (context.state, context.accepting_jobs) == ("closed", False)
    assert context.windows and context.windows[-1].end is not None
    sim.clock.run_until_idle()  # late phase completions change nothing
    assert {r.status for r in sim.timeline.jobs()} == {"CANCELLED"}


def test_after_shutdown_the_engine_refuses_jobs_with_a_clear_error(bell):
    sim = make_sim()
    batch = qmodes.Batch("aer", runtime=sim.runtime)
    scheduler = sim.runtime.scheduler(batch.target)
    scheduler.shutdown()
    with pytest.raises(ContextClosedError, match="closed and accepts no new jobs"):
        qmodes.Sampler(mode=batch).run([bell], shots=5)
    assert len(sim.timeline.jobs()) == 0


def test_running_jobs_get_the_grace_time_to_finish(bell):
    runtime = LocalRuntime()  # real threads: the running jobs finish within the grace
    with qmodes.Batch("aer", runtime=runtime) as batch:
        jobs = [qmodes.Sampler(mode=batch).run([bell], shots=5) for _ in range(3)]
        first = jobs[0]
    runtime.shutdown(timeout=30)
    assert all(job.in_final_state() for job in jobs)
    assert first.status() in ("DONE", "CANCELLED")
    assert batch.record().state == "closed"
    done = [job for job in jobs if job.status() == "DONE"]
    assert all(job.result()[0].data.meas.num_shots == 5 for job in done)


def test_shutdown_is_idempotent_and_never_raises(bell):
    sim = make_sim()
    qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=5)
    sim.runtime.shutdown()
    sim.runtime.shutdown()
    assert all(r.in_final_state for r in sim.timeline.jobs())
