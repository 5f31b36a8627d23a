"""Other users on an emulated device: their jobs are scheduled by IBM's rules, seeded."""

from __future__ import annotations

import itertools

import pytest

import qmodes
from qmodes.accounting.projection import QUICK_PER_EXECUTION, SUB_JOB_OVERHEAD
from qmodes.local.load import MAX_LOAD, LoadModel, check_load
from tests.local.device import first_wait, make_device, x_circuit

SHOTS = 100


def _sampler(device, mode="fake_manila"):
    return qmodes.Sampler(mode=mode, runtime=device.runtime)


def _overlap(a0, a1, b0, b1) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def test_the_load_model_is_seeded_and_keeps_the_device_busy_as_asked():
    a, b = LoadModel(0.8, seed=3), LoadModel(0.8, seed=3)
    assert [a.duration() for _ in range(5)] == [b.duration() for _ in range(5)]
    model = LoadModel(0.5, seed=1)
    pairs = [(model.gap(), model.duration()) for _ in range(20_000)]
    busy = sum(d for _, d in pairs) / sum(g for g, _ in pairs)
    assert busy == pytest.approx(0.5, rel=0.05)
    low = SUB_JOB_OVERHEAD + QUICK_PER_EXECUTION * 4096
    assert all(low <= d <= SUB_JOB_OVERHEAD + QUICK_PER_EXECUTION * 4096 * 100 for _, d in pairs)


@pytest.mark.parametrize("bad", [-0.1, 1.0, MAX_LOAD + 0.01, "busy", True, float("nan")])
def test_a_load_out_of_range_is_refused_naming_the_bound(bad):
    with pytest.raises(ValueError, match=r"between 0 and 0\.95"):
        check_load(bad)


def test_under_load_job_mode_jobs_queue_and_interleave_with_other_users_jobs():
    device = make_device(load=0.8, seed=7)
    jobs = []
    for _ in range(6):
        job = _sampler(device).run([x_circuit()], shots=SHOTS)
        job.result()
        jobs.append(job)
        device.think(1.0)
    records = [job.record() for job in jobs]
    waits = [r.span("qpu").start - r.created for r in records]  # classical: no device time
    assert sum(waits) > 10.0  # the busy device made them wait
    occupancy = device.scheduler().occupancy
    qpu = [r.span("qpu") for r in records]
    between = [occupancy.busy_between(a.end, b.start) for a, b in itertools.pairwise(qpu)]
    assert sum(1 for seconds in between if seconds > 0) >= 3  # others ran in between
    for span in qpu:  # one job at a time on the QPU
        assert all(_overlap(span.start, span.end, s, e) == 0 for s, e in occupancy.intervals())


def test_job_mode_jobs_submitted_together_take_turns_with_other_users():
    device = make_device(load=0.8, seed=3)  # the crowd has jobs queued from the start
    jobs = [_sampler(device).run([x_circuit()], shots=SHOTS) for _ in range(4)]
    for job in jobs:
        job.result()
    qpu = sorted((job.record().span("qpu") for job in jobs), key=lambda span: span.start)
    occupancy = device.scheduler().occupancy
    assert all(occupancy.busy_between(a.end, b.start) > 0 for a, b in itertools.pairwise(qpu))
    with qmodes.Batch("fake_manila", runtime=device.runtime) as batch:  # the contrast
        batch_jobs = [qmodes.Sampler().run([x_circuit()], shots=SHOTS) for _ in range(4)]
    batch.wait()
    spans = sorted((j.record().span("qpu") for j in batch_jobs), key=lambda span: span.start)
    assert all(b.start == pytest.approx(a.end, abs=1e-6) for a, b in itertools.pairwise(spans))


def test_no_other_job_runs_inside_a_session_s_active_window():
    device = make_device(load=0.8, seed=11)
    with qmodes.Session("fake_manila", runtime=device.runtime) as session:
        for _ in range(4):
            qmodes.Sampler().run([x_circuit()], shots=SHOTS).result()
            device.think(20.0)  # think time: the device stays ours, idle and billed
    later = _sampler(device).run([x_circuit()], shots=SHOTS)
    later.result()  # the crowd runs again once the session is over
    record = session.record()
    occupancy = device.scheduler().occupancy
    assert occupancy.jobs > 0
    for window in record.windows:
        assert window.end is not None
        assert all(_overlap(window.start, window.end, s, e) == 0
                   for s, e in occupancy.intervals())
    qpu = sum(j.span("qpu").duration() for j in device.timeline.jobs(session.id))
    assert session.usage() == pytest.approx(sum(w.end - w.start for w in record.windows))
    assert session.usage() > qpu + 60.0  # idle think time is billed


def test_a_batch_s_jobs_jump_the_queue_once_it_has_started():
    device = make_device(load=0.8, seed=0)
    with qmodes.Batch("fake_manila", runtime=device.runtime) as batch:
        jobs = [qmodes.Sampler().run([x_circuit()], shots=40_000) for _ in range(8)]
        jobs[6].wait()  # others arrived meanwhile, and queued
        jobs += [qmodes.Sampler().run([x_circuit()], shots=40_000) for _ in range(4)]
    batch.wait()
    for _ in range(6):  # job mode afterwards: the crowd that queued meanwhile runs too
        _sampler(device).run([x_circuit()], shots=SHOTS).result()
    records = [job.record() for job in jobs]
    first_start = min(r.started for r in records)
    last_end = max(r.span("qpu").end for r in records)
    occupancy = device.scheduler().occupancy
    arrived_after = [(a, s) for a, s, _ in occupancy.recent if a > first_start]
    assert arrived_after  # others kept arriving while the batch ran
    assert all(start >= last_end - 1e-9 for _, start in arrived_after)
    assert batch.usage() == pytest.approx(sum(r.span("qpu").duration() for r in records))


def test_the_same_seed_replays_the_same_crowd():
    runs = []
    for _ in range(2):
        device = make_device(load=0.6, seed=2)
        job = _sampler(device).run([x_circuit()], shots=SHOTS)
        job.result()
        runs.append((job.record().span("qpu").start - device.wall.now(),
                     device.scheduler().occupancy.intervals()))
    assert runs[0] == runs[1]


def test_the_runtime_setting_turns_the_crowd_on_and_off():
    device = make_device()
    device.runtime.device_load = 0.8
    scheduler = device.scheduler()
    assert scheduler.load is not None
    device.runtime.device_load = 0.0
    assert scheduler.load is None


def test_the_widget_draws_other_users_as_one_band():
    from qmodes.widget import TimelineWidget

    device = make_device(load=0.8, seed=0)  # the crowd holds the QPU as the load starts
    session = qmodes.Session("fake_manila", runtime=device.runtime)
    widget = TimelineWidget(session, clock=device.clock.now)
    _sampler(device).run([x_circuit()], shots=SHOTS).result()  # job mode: behind the crowd
    qmodes.Sampler(mode=session).run([x_circuit()], shots=SHOTS).result()
    session.close()
    widget.flush()
    load = widget.summary["load"]
    occupancy = device.scheduler().occupancy
    assert load["jobs"] == occupancy.jobs > 0
    assert len(load["intervals"]) <= len(occupancy.intervals())
    assert all(b > a for a, b in load["intervals"])
    assert not any(job.id.startswith("other-") for job in widget._state.jobs.values())


def test_other_users_who_arrive_during_a_session_wait_for_it():
    device = make_device(load=0.8, seed=0)
    with qmodes.Session("fake_manila", runtime=device.runtime) as session:
        for _ in range(30):
            qmodes.Sampler().run([x_circuit()], shots=4000).result()
            device.think(1.0)
    window = session.record().windows[0]
    scheduler = device.scheduler()
    arrived = [a for a in scheduler.others_waiting() if window.start <= a < window.end]
    assert len(arrived) >= 2  # they queued while the session held the device
    assert scheduler.occupancy.busy_between(window.start, window.end) == 0


def test_the_mean_queue_wait_matches_the_simulated_device():
    waits = []
    for seed in range(2):
        device = make_device(load=0.8, seed=seed)
        for _ in range(25):
            job = _sampler(device).run([x_circuit()], shots=SHOTS)
            job.result()
            record = job.record()
            waits.append(record.span("qpu").start - record.created)
            device.think(200.0)  # come back at a random moment of the crowd's life
    assert sum(waits) / len(waits) == pytest.approx(LoadModel(0.8).mean_queue_wait(), rel=0.3)


def test_the_advisor_replays_with_the_load_of_the_device_the_context_ran_on():
    from qmodes.advisor import DEFAULT_CROWDS

    device = make_device(load=0.8, seed=1)
    with qmodes.Session("fake_manila", runtime=device.runtime) as session:
        for _ in range(3):
            qmodes.Sampler().run([x_circuit()], shots=SHOTS).result()
    assert session.record().device_load == 0.8
    busy, idle = session.advise(), session.advise(load=0)
    assert busy.load == 0.8 and busy.crowds == DEFAULT_CROWDS and "load 80%" in str(busy)
    assert idle.load == 0 and idle.outcomes["job"].waited == 0
    assert busy.outcomes["job"].waited > 0
    assert busy.outcomes["job"].wall > idle.outcomes["job"].wall


def test_the_crowd_is_in_its_steady_state_when_the_first_job_arrives():
    """A job arriving as the load starts finds the QPU busy as often as the load says, and
    waits, on average, what a job arriving at a random moment of a long-running crowd waits."""
    waits = [first_wait(0.8, seed) for seed in range(300)]
    assert sum(1 for wait in waits if wait > 0) / len(waits) == pytest.approx(0.8, abs=0.05)
    assert sum(waits) / len(waits) == pytest.approx(LoadModel(0.8).mean_queue_wait(), rel=0.2)


def _set_by_runtime_argument(seed):
    device = make_device(seed=seed)
    device.runtime.device_time.load = 0.0
    return device, lambda: setattr(device.runtime, "device_load", 0.8)


@pytest.mark.parametrize("how", ["LocalRuntime(load=)", "runtime.device_load",
                                 "set_device_load (--load)", "after a first job"])
def test_the_crowd_starts_the_same_however_the_load_is_set(how):
    from qmodes.local.runtime import set_device_load

    for seed in range(4):
        reference = make_device(load=0.8, seed=seed)  # DeviceTime(load=0.8)
        device = make_device(seed=seed)
        if how == "LocalRuntime(load=)":
            device.runtime.device_load = 0.8  # what LocalRuntime(load=) does at construction
        elif how == "runtime.device_load":
            device.scheduler()  # the device exists already; the load comes later
            device.runtime.device_load = 0.8
        elif how == "set_device_load (--load)":
            set_device_load(device.runtime, "fake_manila", 0.8)
        else:
            _sampler(device).run([x_circuit()], shots=SHOTS).result()
            device.runtime.device_load = 0.8
        waits = []
        for dev in (reference, device):
            job = _sampler(dev).run([x_circuit()], shots=SHOTS)
            job.result()
            record = job.record()
            waits.append(record.span("qpu").start - record.created)
        assert waits[1] == pytest.approx(waits[0])


def test_job_mode_under_the_process_wide_load_waits_for_other_users():
    from qmodes.local import default_runtime

    runtime = default_runtime()
    runtime.device_load = 0.8
    try:
        waits = []
        for _ in range(10):
            job = qmodes.Sampler(mode="fake_manila").run([x_circuit()], shots=SHOTS)
            job.result()
            record = job.record()
            waits.append(record.span("qpu").start - record.created)
    finally:
        runtime.device_load = 0.0
    assert sum(1 for wait in waits if wait > 0) >= 3
    assert sum(waits) > 20.0
