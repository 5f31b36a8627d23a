"""The scheduling and billing rules of each mode, on a manual clock.

Every job takes 1 s of classical pre-processing, 5 s on the QPU and 0.5 s of
post-processing (see ``conftest.PHASES``), so the instants below are exact.
"""

from __future__ import annotations

import asyncio

import pytest

import qmodes
from qmodes.local.scheduler import IDLE_CLOSE_SECONDS
from tests.conftest import make_sim


def spans(job):
    return {span.kind: (span.start, span.end) for span in job.record().spans}


def run(sim, mode, circuit, **kwargs):
    return qmodes.Sampler(mode=mode, runtime=sim.runtime, **kwargs).run([circuit], shots=10)


class TestJobMode:
    def test_a_job_goes_queued_classical_qpu_post_and_bills_its_qpu_time(self, sim, bell):
        job = run(sim, "aer", bell)
        assert job.status() == "RUNNING"  # a free lane: pre-processing starts at once
        sim.clock.run_until_idle()
        assert job.status() == "DONE"
        assert spans(job) == {"queued": (0, 0), "classical": (0, 1), "qpu": (1, 6),
                              "post": (6, 6.5)}
        assert job.usage() == 5.0
        assert job.result()[0].data.meas.num_shots == 10

    def test_the_qpu_runs_one_job_at_a_time_while_lanes_preprocess_in_parallel(self, sim, bell):
        jobs = [run(sim, "aer", bell) for _ in range(3)]
        sim.clock.run_until_idle()
        assert [spans(j)["classical"] for j in jobs] == [(0, 1)] * 3
        assert [spans(j)["qpu"] for j in jobs] == [(1, 6), (6, 11), (11, 16)]

    def test_metrics_have_runtime_timestamps_and_quantum_seconds(self, sim, bell):
        job = run(sim, "aer", bell)
        sim.clock.run_until_idle()
        metrics = job.metrics()
        assert metrics["timestamps"]["created"].endswith("Z")
        assert metrics["usage"]["quantum_seconds"] == 5.0
        assert metrics["executions"] == 10


class TestBatch:
    def test_at_most_five_lanes_run_classical_work_and_the_qpu_runs_back_to_back(self, bell):
        sim = make_sim(lanes=5)
        with qmodes.Batch("aer", runtime=sim.runtime) as batch:
            jobs = [run(sim, batch, bell) for _ in range(7)]
        assert [j.status() for j in jobs] == ["RUNNING"] * 5 + ["QUEUED"] * 2
        sim.clock.run_until_idle()
        qpu = [spans(j)["qpu"] for j in jobs]
        assert qpu[:5] == [(1, 6), (6, 11), (11, 16), (16, 21), (21, 26)]
        # job 6 takes the lane job 1 freed at 6.5, and reaches the QPU when it is free
        assert spans(jobs[5])["classical"] == (6.5, 7.5)
        assert qpu[5] == (26, 31)

    def test_usage_is_the_sum_of_the_jobs_qpu_time(self, bell):
        sim = make_sim(lanes=2)
        with qmodes.Batch("aer", runtime=sim.runtime) as batch:
            for _ in range(4):
                run(sim, batch, bell)
        sim.at(100)  # long idle time afterwards is not billed
        assert batch.usage() == 4 * 5.0
        assert batch.details()["usage_time"] == 20.0
        assert batch.details()["mode"] == "batch"

    def test_once_started_the_batch_jumps_the_queue(self, bell):
        sim = make_sim(lanes=1)
        batch = qmodes.Batch("aer", runtime=sim.runtime)
        first = run(sim, batch, bell)
        sim.at(0.5)
        outsider = run(sim, "aer", bell)
        later = [run(sim, batch, bell) for _ in range(2)]
        sim.clock.run_until_idle()
        starts = [spans(j)["classical"][0] for j in (first, *later, outsider)]
        assert starts == sorted(starts)

    def test_a_failing_job_is_error_with_its_reason_and_the_others_go_on(self, bell):
        from qiskit import QuantumCircuit

        too_big = QuantumCircuit(40)
        too_big.h(range(40))
        too_big.measure_all()
        sim = make_sim()
        with qmodes.Batch("aer:statevector", runtime=sim.runtime) as batch:
            good1 = run(sim, batch, bell)
            bad = run(sim, batch, too_big)
            good2 = run(sim, batch, bell)
        sim.clock.run_until_idle()
        assert [good1.status(), bad.status(), good2.status()] == ["DONE", "ERROR", "DONE"]
        assert "memory" in bad.error_message().lower()
        with pytest.raises(qmodes.JobFailedError, match=bad.job_id()):
            bad.result()
        assert bad.record().error_kind == "user"


class TestSession:
    def test_the_window_opens_at_the_first_job_and_the_interactive_ttl_deactivates_it(
            self, sim, bell):
        session = qmodes.Session("aer", interactive_ttl=60, runtime=sim.runtime)
        assert session.status() == "Pending"
        run(sim, session, bell)  # 0 → 6.5
        sim.at(30)
        run(sim, session, bell)  # within the TTL: runs at once, 30 → 36.5
        sim.at(36.5 + 59.9)
        assert session.status() == "In progress, accepting new jobs"
        sim.at(36.5 + 60)
        assert session.status() == "Pending"  # inactive, not closed
        assert session.details()["state"] == "inactive"
        windows = [(w.start, w.end) for w in session.record().windows]
        assert windows == [(0, 96.5)]

    def test_a_job_after_deactivation_reactivates_the_session_in_a_new_window(self, sim, bell):
        session = qmodes.Session("aer", interactive_ttl=60, runtime=sim.runtime)
        run(sim, session, bell)
        sim.at(200)
        run(sim, session, bell)  # 200 → 206.5
        sim.at(210)
        session.close()  # 3.5 s into the TTL: the window ends at the close
        windows = [(w.start, w.end) for w in session.record().windows]
        assert windows == [(0, 66.5), (200, 210)]
        assert session.usage() == pytest.approx(66.5 + 10)
        assert session.status() == "Closed"

    def test_closing_with_jobs_running_ends_the_window_at_the_last_completion(self, sim, bell):
        with qmodes.Session("aer", runtime=sim.runtime) as session:
            jobs = [run(sim, session, bell) for _ in range(2)]
        assert session.status() == "In progress, not accepting new jobs"
        sim.clock.run_until_idle()
        assert [j.status() for j in jobs] == ["DONE", "DONE"]
        assert [(w.start, w.end) for w in session.record().windows] == [(0, 11.5)]
        assert session.usage() == 11.5
        assert session.details()["state"] == "closed"

    def test_max_time_closes_the_session_running_jobs_finish_queued_jobs_fail(self, bell):
        sim = make_sim(lanes=1, phases={"classical": 1, "qpu": 8, "post": 0.5})
        session = qmodes.Session("aer", max_time=20, runtime=sim.runtime)
        jobs = [run(sim, session, bell) for _ in range(4)]  # 9.5 s each, one lane
        sim.at(20)
        assert session.closed
        assert [j.status() for j in jobs] == ["DONE", "DONE", "RUNNING", "ERROR"]
        assert "maximum time" in jobs[3].error_message()
        sim.clock.run_until_idle()
        assert jobs[2].status() == "DONE"
        assert jobs[3].usage() == 0.0  # a system error bills nothing
        assert [(w.start, w.end) for w in session.record().windows] == [(0, 28.5)]
        with pytest.raises(qmodes.ContextClosedError):
            run(sim, session, bell)

    def test_max_time_never_pauses_and_bounds_the_idle_ttl(self, sim, bell):
        session = qmodes.Session("aer", max_time=30, interactive_ttl=60, runtime=sim.runtime)
        run(sim, session, bell)  # 0 → 6.5, then idle
        sim.clock.run_until_idle()
        assert [(w.start, w.end) for w in session.record().windows] == [(0, 30)]
        assert session.status() == "Closed"

    def test_no_other_job_takes_the_qpu_during_the_active_window(self, sim, bell):
        session = qmodes.Session("aer", interactive_ttl=60, runtime=sim.runtime)
        run(sim, session, bell)  # 0 → 6.5, window open until 66.5 unless another job comes
        sim.at(10)
        outsider = run(sim, "aer", bell)
        sim.at(66)
        assert outsider.status() == "QUEUED"
        sim.clock.run_until_idle()
        assert spans(outsider)["classical"][0] == 66.5

    def test_closing_an_idle_session_frees_the_device_at_once(self, sim, bell):
        session = qmodes.Session("aer", interactive_ttl=60, runtime=sim.runtime)
        run(sim, session, bell)  # 0 → 6.5, then idle in its TTL
        sim.at(10)
        outsider = run(sim, "aer", bell)
        sim.at(20)
        session.close()
        assert outsider.status() == "RUNNING"
        assert spans(outsider)["classical"][0] == 20

    def test_a_session_waits_for_the_device_to_be_free_before_locking_it(self, sim, bell):
        outsider = run(sim, "aer", bell)  # 0 → 6.5
        session = qmodes.Session("aer", runtime=sim.runtime)
        inside = run(sim, session, bell)
        assert inside.status() == "QUEUED"
        sim.clock.run_until_idle()
        assert spans(inside)["classical"][0] == spans(outsider)["post"][1] == 6.5
        assert session.record().windows[0].start == 6.5

    def test_jobs_submitted_together_run_in_parallel_on_the_lanes(self, sim, bell):
        session = qmodes.Session("aer", runtime=sim.runtime)
        jobs = [run(sim, session, bell) for _ in range(3)]
        assert [j.status() for j in jobs] == ["RUNNING"] * 3

    def test_a_session_with_no_job_for_30_minutes_closes_itself(self, sim):
        session = qmodes.Session("aer", runtime=sim.runtime)
        sim.at(IDLE_CLOSE_SECONDS)
        assert session.status() == "Closed"
        assert session.usage() == 0.0

    def test_cancel_cancels_queued_jobs_and_closes(self, bell):
        sim = make_sim(lanes=1)
        session = qmodes.Session("aer", runtime=sim.runtime)
        jobs = [run(sim, session, bell) for _ in range(3)]
        sim.at(2)  # job 1 is on the QPU
        session.cancel()
        sim.clock.run_until_idle()
        assert [j.status() for j in jobs] == ["DONE", "CANCELLED", "CANCELLED"]
        assert session.status() == "Closed"
        assert [(w.start, w.end) for w in session.record().windows] == [(0, 6.5)]

    def test_details_have_qiskit_ibm_runtime_keys(self, sim, bell):
        session = qmodes.Session("aer", runtime=sim.runtime)
        run(sim, session, bell)
        details = session.details()
        assert {"id", "backend_name", "interactive_timeout", "max_time", "active_timeout",
                "state", "accepting_jobs", "last_job_started", "last_job_completed",
                "started_at", "closed_at", "activated_at", "mode", "usage_time"} <= set(details)
        assert details["mode"] == "dedicated"
        assert details["state"] == "active"


class TestCancel:
    def test_a_queued_job_is_cancelled_and_bills_nothing(self, bell):
        sim = make_sim(lanes=1)
        first, second = run(sim, "aer", bell), run(sim, "aer", bell)
        assert second.cancel()
        sim.clock.run_until_idle()
        assert (first.status(), second.status()) == ("DONE", "CANCELLED")
        assert second.usage() == 0.0
        with pytest.raises(qmodes.JobCancelledError):
            second.result()

    def test_a_job_cancelled_on_the_qpu_bills_what_it_used(self, sim, bell):
        job = run(sim, "aer", bell)
        sim.at(3)
        job.cancel()
        sim.clock.run_until_idle()
        assert job.status() == "CANCELLED"
        assert job.usage() == 5.0

    def test_done_callbacks_run_once_the_job_is_final(self, sim, bell):
        seen = []
        job = run(sim, "aer", bell)
        job.add_done_callback(lambda j: seen.append(j.status()))
        assert seen == []
        sim.clock.run_until_idle()
        assert seen == ["DONE"]
        job.add_done_callback(lambda j: seen.append("late"))
        assert seen == ["DONE", "late"]


class TestLeavingTheWithBlock:
    @pytest.mark.parametrize("interruption", [KeyboardInterrupt, asyncio.CancelledError])
    def test_an_interruption_cancels_queued_jobs_then_closes(self, bell, interruption):
        sim = make_sim(lanes=1)
        with pytest.raises(interruption):
            with qmodes.Batch("aer", runtime=sim.runtime) as batch:
                jobs = [run(sim, batch, bell) for _ in range(3)]
                raise interruption
        sim.clock.run_until_idle()
        # the first was in pre-processing (not yet on the QPU): cancelled too
        assert [j.status() for j in jobs] == ["CANCELLED"] * 3
        assert batch.status() == "Closed"

    def test_an_error_closes_and_lets_submitted_jobs_finish(self, bell):
        sim = make_sim(lanes=1)
        with pytest.raises(ZeroDivisionError):
            with qmodes.Batch("aer", runtime=sim.runtime) as batch:
                jobs = [run(sim, batch, bell) for _ in range(2)]
                raise ZeroDivisionError("a bug in the body")
        sim.clock.run_until_idle()
        assert [j.status() for j in jobs] == ["DONE", "DONE"]
        assert batch.status() == "Closed"
