"""The advisor's replays on constructed workloads whose right answer is known by hand."""

from __future__ import annotations

import pytest

from qmodes.advisor import Workload, WorkloadJob, advise, replay

SOURCE = "projected for fake_manila (test)"


def independent(n: int = 10, qpu: float = 5.0, classical: float = 1.0) -> Workload:
    """n jobs submitted together, the context closed right after submitting them."""
    jobs = tuple(WorkloadJob(f"j{i}", qpu=qpu, classical=classical, offset=0.0)
                 for i in range(n))
    return Workload(jobs, "fake_manila", SOURCE, close_after_submit=0.0)


def chain(n: int, think: float, qpu: float = 5.0, classical: float = 1.0,
          left_open: bool = False) -> Workload:
    """Each job waits for the previous result, then ``think`` seconds of classical work."""
    jobs = tuple(WorkloadJob(f"j{i}", qpu=qpu, classical=classical,
                             after=None if i == 0 else i - 1, think=think) for i in range(n))
    return Workload(jobs, "fake_manila", SOURCE, close_after_submit=None,
                    close_after_done=None if left_open else 0.0)


def test_independent_jobs_batch_is_cheapest():
    advice = advise(independent())
    usage = {mode: o.usage.seconds for mode, o in advice.outcomes.items()}
    # QPU busy from t=1 (first classical done) to t=51: the session bills its whole window
    assert usage == {"job": pytest.approx(50), "batch": pytest.approx(50),
                     "session": pytest.approx(51)}
    assert advice.recommended == "batch"


def test_independent_jobs_share_the_five_lanes():
    outcome = replay(independent(), "batch")
    assert outcome.wall == pytest.approx(51)  # classical overlaps; the QPU runs back to back


def test_think_time_under_the_ttl_keeps_the_session_billing_while_you_think():
    session = replay(chain(5, think=30), "session")
    batch = replay(chain(5, think=30), "batch")
    assert batch.usage.seconds == pytest.approx(25)
    # one window: 5 * (1 s classical + 5 s QPU) + 4 * 30 s of thinking, closed at the end
    assert session.usage.seconds == pytest.approx(150)
    assert session.activations == 1
    assert session.idle == pytest.approx(125)


def test_long_think_time_bills_the_idle_ttl_each_time():
    session = replay(chain(5, think=120), "session")
    # the session deactivates 60 s after each result: 5 windows of 6 s + 4 idle TTLs
    assert session.usage.seconds == pytest.approx(5 * 6 + 4 * 60)
    assert session.activations == 5
    left_open = replay(chain(5, think=120, left_open=True), "session")
    assert left_open.usage.seconds == pytest.approx(5 * 6 + 5 * 60)  # and one more at the end
    assert advise(chain(5, think=120)).recommended == "batch"


def test_a_shorter_session_ttl_bills_less_idle_time():
    session = replay(chain(5, think=120), "session", interactive_ttl=10)
    assert session.usage.seconds == pytest.approx(5 * 6 + 4 * 10)


def test_queue_waits_make_job_mode_slow_for_dependent_jobs():
    waits = {mode: replay(chain(5, think=30), mode, queue_wait=300).wall
             for mode in ("job", "batch", "session")}
    base = 5 * 6 + 4 * 30
    assert waits["session"] == pytest.approx(base + 300)  # one queue entry, stays active
    assert waits["batch"] == pytest.approx(base + 5 * 300)  # 1 s TTL: queues again each time
    assert waits["job"] == pytest.approx(base + 5 * 300)
    advice = advise(chain(5, think=30), queue_wait=300)
    assert advice.recommended == "batch"
    assert "sooner" in advice.reason  # the trade-off is spelled out


def test_session_is_recommended_when_it_is_faster_at_about_the_same_price():
    # think 5 s: longer than the batch TTL (1 s), so each batch job queues again
    advice = advise(chain(5, think=5, qpu=60), queue_wait=300)
    assert advice.recommended == "session"
    assert "sooner" in advice.reason


def test_a_single_job_runs_in_job_mode():
    assert advise(independent(1)).recommended == "job"


def test_money_only_with_a_price_and_every_figure_labelled():
    plain = advise(independent())
    assert all(o.cost is None for o in plain.outcomes.values())
    assert "at your price" not in str(plain)
    priced = advise(independent(), price_per_second=1.6)
    assert priced.outcomes["batch"].cost == pytest.approx(80)
    text = str(priced).splitlines()
    assert text[1].split()[-3:] == ["at", "your", "price"]
    assert text[2].startswith("→ batch ") and text[2].endswith(" 80.00")
    assert all(o.usage.source == SOURCE for o in priced.outcomes.values())
    assert SOURCE in str(priced)


def test_max_time_cuts_a_session_short():
    outcome = replay(chain(5, think=30), "session", max_time=100)
    assert outcome.failed >= 1


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="job, batch, session"):
        replay(independent(), "dedicated")


def test_a_stored_projection_counts_only_for_the_device_it_was_made_for():
    from qmodes.timeline import JobRecord
    from qmodes.workload import projected_qpu

    record = JobRecord(id="j", context_id=None, mode="job", backend="fake_manila",
                       primitive="sampler", created=0.0, executions=1000, projected_qpu=9.0)
    assert projected_qpu(record, "fake_manila") == 9.0
    assert projected_qpu(record, "fake_lima") == pytest.approx(2 + 0.00035 * 1000)
