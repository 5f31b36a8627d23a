"""The advisor's replays on constructed workloads whose right answer is known by hand."""

from __future__ import annotations

import pytest

from qmodes.advisor import DEFAULT_CROWDS, Workload, WorkloadJob, advise, replay

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


def test_on_a_busy_device_job_mode_waits_for_other_users_and_a_session_waits_once():
    workload = chain(5, think=30)
    job, batch, session = (replay(workload, mode, load=0.8) for mode in ("job", "batch",
                                                                          "session"))
    idle = replay(workload, "job")
    assert idle.waited == 0 and idle.wall == pytest.approx(5 * 6 + 4 * 30)
    assert job.waited > 30 and job.wall > idle.wall + 30  # other users' jobs between yours
    assert session.waited < job.waited / 2  # one queue entry, then the device is yours
    assert session.wall < job.wall
    assert job.usage.seconds == batch.usage.seconds == pytest.approx(25)  # billing unchanged
    assert job.wall_range[0] <= job.wall <= job.wall_range[1]
    assert job.crowds == DEFAULT_CROWDS


def test_the_replay_is_the_emulator_s_device_and_crowd():
    """A job arriving on a busy device waits what the emulator's own first job waits."""
    from qmodes.advisor import replay_once
    from qmodes.advisor.workload import Workload, WorkloadJob
    from tests.local.device import first_wait

    one = Workload((WorkloadJob("j", qpu=2.0),), "fake_manila", SOURCE)
    for seed in range(5):
        assert replay_once(one, "job", load=0.8, seed=seed).waited == pytest.approx(
            first_wait(0.8, seed, qpu=2.0))


def test_load_zero_replays_an_idle_device_once():
    outcome = replay(chain(3, think=5), "job", load=0.0, crowds=16)
    assert outcome.crowds == 1 and outcome.waited == 0


def test_session_is_recommended_when_it_is_faster_at_about_the_same_price():
    # the batch's 1 s TTL lapses during each 5 s think: every job queues behind other users
    advice = advise(chain(8, think=5, qpu=60), load=0.8)
    assert advice.recommended == advice.fastest == "session"
    assert advice.cheapest == "batch"
    assert "sooner than batch" in advice.reason


def test_each_objective_picks_by_its_rule():
    workload = chain(5, think=30)
    cost, time, balanced = (advise(workload, load=0.8, objective=o)
                            for o in ("cost", "time", "balanced"))
    assert cost.recommended == cost.cheapest == "batch"
    assert time.recommended == time.fastest == "session"
    # the session bills 150 s against the batch's 25 s: far over 10 %, so balanced saves
    assert balanced.recommended == "batch"
    assert "bills least" in balanced.reason
    assert "(cheapest: batch · fastest: session · objective balanced: the fastest mode " \
        "unless it bills more than 10% over the cheapest)" in str(balanced)


@pytest.mark.parametrize("options, message", [
    ({"objective": "speed"}, "objective must be one of 'balanced', 'cost', 'time'"),
    ({"crowds": 0}, "crowds must be a whole number from 1 to 256"),
    ({"load": 1.2}, r"load must be between 0 and 0\.95"),
])
def test_bad_advisor_options_are_one_clear_error(options, message):
    with pytest.raises(ValueError, match=message):
        advise(independent(), **options)


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
    assert next(row["mode"] for row in priced.rows()) == "batch"  # the model of both views
    assert all(o.usage.source == SOURCE for o in priced.outcomes.values())
    assert SOURCE in str(priced)


def test_max_time_cuts_a_session_short():
    outcome = replay(chain(5, think=30), "session", max_time=100)
    assert outcome.failed >= 1


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="job, batch, session"):
        replay(independent(), "dedicated")


def test_a_stored_projection_counts_only_for_the_device_it_was_made_for():
    from qmodes.advisor.workload import projected_qpu
    from qmodes.core.timeline import JobRecord

    record = JobRecord(id="j", context_id=None, mode="job", backend="fake_manila",
                       primitive="sampler", created=0.0, executions=1000, projected_qpu=9.0)
    assert projected_qpu(record, "fake_manila") == 9.0
    assert projected_qpu(record, "fake_lima") == pytest.approx(2 + 0.00035 * 1000)
