"""The advisor on workloads recorded by the real engine (manual clock), and the live hints."""

from __future__ import annotations

import pytest

import qmodes
from qmodes.advisor import advise, hints, workload_from_records
from tests.conftest import make_sim


def run(sim, mode, circuit, shots=1000):
    return qmodes.Sampler(mode=mode, runtime=sim.runtime).run([circuit], shots=shots)


def test_a_recorded_session_with_long_think_time_bills_idle_ttl(bell):
    sim = make_sim()  # every job: 1 s classical, 5 s QPU, 0.5 s post
    session = qmodes.Session(backend="aer", runtime=sim.runtime)
    for _ in range(3):
        job = run(sim, session, bell)
        sim.clock.advance(6.5)
        assert job.status() == "DONE"
        sim.clock.advance(120)  # the user thinks for two minutes
    session.close()
    record = session.record()
    workload = workload_from_records(sim.timeline.jobs(ids=record.job_ids), record,
                                     target="fake_manila")
    assert [j.after for j in workload.jobs] == [None, 0, 1]
    assert [j.think for j in workload.jobs] == pytest.approx([0, 120, 120])
    assert all(j.executions == 1000 for j in workload.jobs)
    assert workload.jobs[0].qpu == pytest.approx(2 + 0.00035 * 1000)  # quick form
    advice = advise(session, target="fake_manila")
    session_usage = advice.outcomes["session"].usage.seconds
    batch_usage = advice.outcomes["batch"].usage.seconds
    assert batch_usage == pytest.approx(3 * 2.35)
    # 3 windows, each: 1 s classical + 2.35 s QPU + 0.5 s post; 60 s TTL idle after the first
    # two (it was closed 120 s after the last result: that TTL is billed too)
    assert session_usage == pytest.approx(3 * 3.85 + 3 * 60)
    assert advice.recommended == "batch"
    assert "fake_manila" in advice.source and "measured on Aer" in advice.source
    live = hints(record, sim.timeline.jobs(ids=record.job_ids), sim.clock.now())
    assert any("idle time" in h for h in live)


def test_a_recorded_batch_of_independent_jobs(bell):
    sim = make_sim()
    with qmodes.Batch(backend="aer", runtime=sim.runtime) as batch:
        for _ in range(4):
            run(sim, batch, bell)
    sim.clock.run_until_idle()
    advice = advise(batch, target="fake_manila", price_per_second=1.0)
    assert advice.recommended == "batch"
    assert advice.outcomes["batch"].usage.seconds == pytest.approx(4 * 2.35)
    assert advice.outcomes["session"].usage.seconds > advice.outcomes["batch"].usage.seconds
    assert any("combine their PUBs" in h for h in advice.hints)


def test_job_mode_jobs_can_be_advised_too(bell):
    sim = make_sim()
    for _ in range(2):
        run(sim, "aer", bell)
    sim.clock.run_until_idle()
    advice = advise(None, jobs=sim.timeline.jobs(), target="fake_manila")
    assert advice.outcomes["job"].usage.seconds == pytest.approx(2 * 2.35)


def test_hint_a_session_left_open_with_nothing_to_run(bell):
    sim = make_sim()
    session = qmodes.Session(backend="aer", runtime=sim.runtime)
    run(sim, session, bell)
    sim.clock.advance(300)
    record = session.record()
    found = hints(record, sim.timeline.jobs(ids=record.job_ids), sim.clock.now())
    assert any("open with nothing to run" in h and "session.close()" in h for h in found)
    session.close()
    record = session.record()
    assert not any("open with nothing" in h
                   for h in hints(record, sim.timeline.jobs(ids=record.job_ids), sim.clock.now()))


def test_no_hints_for_a_busy_well_used_session(bell):
    sim = make_sim(phases={"classical": 1.0, "qpu": 120.0, "post": 0.5})
    session = qmodes.Session(backend="aer", runtime=sim.runtime)
    run(sim, session, bell)
    sim.clock.advance(60)
    record = session.record()
    assert hints(record, sim.timeline.jobs(ids=record.job_ids), sim.clock.now(),
                 target="fake_manila") == []


def test_a_loop_that_reads_each_result_is_never_told_to_combine(bell):
    """VQE: each job is submitted after the previous result was read; a batch of the same
    jobs submitted together is told to combine them, with the saving in seconds."""
    sim = make_sim()
    session = qmodes.Session(backend="aer", runtime=sim.runtime)
    for _ in range(6):
        job = run(sim, session, bell, shots=100)
        sim.clock.advance(6.5)  # 1 s classical, 5 s QPU, 0.5 s post
        assert job.status() == "DONE"
        sim.clock.advance(0.5)  # the optimizer's step
    session.close()
    record = session.record()
    jobs = sim.timeline.jobs(ids=record.job_ids)
    assert not any("combine" in h for h in hints(record, jobs, sim.clock.now(),
                                                 target="fake_manila"))
    assert not any("combine" in h for h in advise(session, target="fake_manila").hints)

    batch_sim = make_sim()
    with qmodes.Batch(backend="aer", runtime=batch_sim.runtime) as batch:
        for _ in range(6):
            run(batch_sim, batch, bell, shots=100)
    batch_sim.clock.run_until_idle()
    [hint] = [h for h in advise(batch, target="fake_manila").hints if "combine" in h]
    assert hint.startswith("6 jobs use under a minute") and "save ~10 s of QPU time" in hint


def test_groups_submitted_together_inside_a_loop_are_told_to_combine_within_groups(bell):
    """Each step submits 3 jobs at once, then reads their results: 3 → 1 job per step."""
    sim = make_sim()
    session = qmodes.Session(backend="aer", runtime=sim.runtime)
    for _ in range(4):
        jobs = [run(sim, session, bell, shots=100) for _ in range(3)]
        sim.clock.advance(16.5)  # QPU phases back to back
        assert all(job.status() == "DONE" for job in jobs)
        sim.clock.advance(0.5)
    session.close()
    record = session.record()
    found = hints(record, sim.timeline.jobs(ids=record.job_ids), sim.clock.now(),
                  target="fake_manila")
    [hint] = [h for h in found if "combine" in h]
    assert hint.startswith("12 jobs use") and "save ~16 s" in hint  # 4 groups × 2 jobs × 2 s


def test_jobs_cancelled_before_they_ran_are_not_replayed(bell):
    sim = make_sim()
    with qmodes.Batch(backend="aer", runtime=sim.runtime) as batch:
        jobs = [run(sim, batch, bell, shots=100) for _ in range(8)]
    sim.clock.advance(1.5)  # the first job is on the QPU
    batch.cancel()
    sim.clock.run_until_idle()
    cancelled = [job for job in jobs if job.status() == "CANCELLED"]
    assert 3 <= len(cancelled) < 8
    record = batch.record()
    workload = workload_from_records(sim.timeline.jobs(ids=record.job_ids), record,
                                     target="fake_manila")
    assert {job.id for job in workload.jobs} == {j.job_id() for j in jobs} - {
        j.job_id() for j in cancelled}
    ran = 8 - len(cancelled)
    found = hints(record, sim.timeline.jobs(ids=record.job_ids), sim.clock.now(),
                  target="fake_manila")
    combine = [h for h in found if "combine" in h]  # counts only the jobs that ran
    assert combine == [] if ran < 3 else combine[0].startswith(f"{ran} jobs use")
    assert advise(batch, target="fake_manila").outcomes["batch"].usage.seconds == \
        pytest.approx(ran * (2 + 0.00035 * 100))
