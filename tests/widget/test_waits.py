"""The widget shows the waits: what it sends about the time a job waited for the QPU (drawn
as queued), why it waited, and other users' band, in job mode, a session and a batch."""

from __future__ import annotations

import qmodes
from qmodes.core.timeline import ContextRecord, JobRecord, Span, Timeline
from qmodes.widget import TimelineWidget
from qmodes.widget.compact import compact_ops
from qmodes.widget.snapshot import render_svg
from qmodes.widget.state import TimelineState
from qmodes.widget.summary import summarize
from qmodes.widget.waits import Busy, during, gaps, waits
from tests.local.device import make_device, x_circuit
from tests.widget.fakes import fill_batch

SHOTS = 100


def wait_ops(state: TimelineState) -> dict[str, str]:
    """Job id -> the reason its ``j`` op sent."""
    ids = {ji: job_id for job_id, ji in state._job_index.items()}
    return {ids[op[1]]: op[2]["wait"] for op in state.ops if op[0] == "j" and "wait" in op[2]}


def others_within(device, stretches) -> int:
    """Other users' jobs that held the QPU during ``stretches``, from the scheduler itself."""
    recent = device.scheduler().occupancy.recent
    return len({start for _, start, end in recent for a, b in stretches if start < b and end > a})


def ahead(n: int) -> str:
    return "1 other user's job ahead" if n == 1 else f"{n} other users' jobs ahead"


def test_job_mode_under_load_sends_each_wait_with_the_other_users_jobs_ahead():
    device = make_device(load=0.8, seed=7)
    widget = TimelineWidget(timeline=device.timeline, clock=device.clock.now)  # job mode
    sampler = qmodes.Sampler(mode="fake_manila", runtime=device.runtime)
    jobs = [sampler.run([x_circuit()], shots=SHOTS) for _ in range(4)]  # submitted together
    for job in jobs:
        job.result()
    widget.flush()
    state = widget._state
    sent = wait_ops(state)
    waited = 0
    for job in jobs:
        record = device.timeline.job(job.job_id())
        qpu = record.span("qpu")
        stretches = waits(record.spans, True, record.finished, qpu.start)
        theirs = others_within(device, stretches)
        mine = sum(1 for other in jobs if other is not job
                   and device.timeline.job(other.job_id()).span("qpu").start < qpu.start)
        if not stretches:
            assert job.job_id() not in sent
            continue
        waited += 1
        expected = []
        if mine:
            expected.append(f"{mine} of your jobs ahead")
        if theirs:
            expected.append(ahead(theirs))
        assert sent[job.job_id()] == "; ".join(expected), (record.spans, stretches)
        assert gaps(record.spans, True, record.finished, qpu.start)  # after classical: a gap
    assert waited >= 3 and any("other user" in text for text in sent.values()), sent
    load = widget.summary["load"]  # the band, in job mode too
    assert load["jobs"] == device.scheduler().occupancy.jobs > 0
    assert all(b > a for a, b in load["intervals"])


def test_a_session_job_that_reactivates_it_waited_because_the_session_was_inactive():
    device = make_device(load=0.8, seed=3)
    session = qmodes.Session("fake_manila", runtime=device.runtime, interactive_ttl=1)
    widget = TimelineWidget(session, clock=device.clock.now)
    sampler = qmodes.Sampler(mode=session)
    first = sampler.run([x_circuit()], shots=SHOTS)
    first.result()
    device.think(30.0)  # past the interactive TTL: inactive; other users take the device
    second = sampler.run([x_circuit()], shots=SHOTS)
    second.result()
    session.close()
    widget.flush()
    sent = wait_ops(widget._state)
    assert len(session.record().windows) == 2  # it was reactivated
    for job in (first, second):  # before its first job and after the TTL: not active
        record = device.timeline.job(job.job_id())
        stretches = waits(record.spans, True, record.finished, record.span("qpu").start)
        assert stretches, record.spans  # it queued behind the crowd
        theirs = others_within(device, stretches)
        assert theirs > 0
        assert sent[job.job_id()] == f"session inactive; {ahead(theirs)}"
    assert widget.summary["load"]["jobs"] > 0  # the band, in a session too


def test_a_batch_job_waits_for_a_lane_then_for_the_batch_s_turn_and_says_so_live():
    # 8 jobs, 2 lanes: 0.2 s then 1 s of pre-processing, 0.5 s on the QPU, back to back
    timeline = Timeline()
    fill_batch(timeline, 8, lanes=2, until=3.0)
    widget = TimelineWidget(context_ids=["batch-1"], timeline=timeline, clock=lambda: 3.0)
    state = widget._state
    assert wait_ops(state) == {
        "batch-1-job00002": "waiting for a classical lane",  # both lanes busy, QPU idle
        "batch-1-job00003": "waiting for the batch's turn (1 of its jobs ahead)",
        "batch-1-job00004": "waiting for the batch's turn (2 of its jobs ahead)",
        "batch-1-job00005": "waiting for the batch's turn (3 of its jobs ahead)"}
    # a saved notebook keeps the reasons: the bounded snapshot carries them too
    kept = {op[1]: op[2]["wait"] for op in compact_ops(state) if op[0] == "j" and "wait" in op[2]}
    assert kept == {2: "waiting for a classical lane",
                    **{ji: f"waiting for the batch's turn ({ji - 2} of its jobs ahead)"
                       for ji in (3, 4, 5)}}

    timeline = Timeline()
    fill_batch(timeline, 8, lanes=2, until=1.0)  # jobs 4-7 still queued: why, so far
    widget = TimelineWidget(context_ids=["batch-1"], timeline=timeline, clock=lambda: 1.0)
    assert widget.summary["waits"] == {
        str(ji): "waiting for the batch's turn (2 of its jobs ahead)" for ji in (4, 5, 6, 7)}


def test_a_job_cancelled_while_it_waited_keeps_its_wait_and_reason():
    spans = [Span("queued", 0.0, 0.0), Span("classical", 0.0, 0.2)]
    assert gaps(spans, final=False, finished=None, now=5.0) == [(0.2, 5.0)]
    assert gaps(spans, final=True, finished=3.0, now=5.0) == [(0.2, 3.0)]
    after_qpu = [*spans, Span("qpu", 1.0, 2.0), Span("post", 2.5, 2.6)]
    assert gaps(after_qpu, final=True, finished=2.6, now=5.0) == [(0.2, 1.0)]  # not after it


def test_jobs_on_the_qpu_during_a_wait_are_counted_once_each_and_the_running_one_too():
    busy = Busy()
    for start, end in [(0.0, 1.0), (1.0, 2.5), (2.6, 2.9), (4.0, 6.0)]:
        busy.close(start, end)
    busy.open(7.0)
    assert busy.count(0.5, 4.5) == 4 and busy.count(2.95, 4.0) == 0
    assert busy.count(6.5, 8.0) == 1  # the one on the QPU now
    # waiting (0.5, 2.55), then pre-processing, then waiting (3.0, 4.5): (2.6, 2.9) is not
    # counted, (1.0, 2.5) once
    assert during(busy, [(0.5, 2.55), (3.0, 4.5)]) == 3
    assert busy.band(since=0.5, limit=10, now=8.0) == [(0.0, 2.5), (2.6, 2.9), (4.0, 6.0),
                                                       (7.0, 8.0)]


def test_the_static_snapshot_draws_waits_as_queued_with_their_reason_and_the_band():
    timeline = Timeline()
    timeline.add_job(JobRecord(id="j1", context_id=None, mode="job", backend="fake_manila",
                               primitive="sampler", created=0.0))
    timeline.open_span("j1", "queued", 0.0)
    timeline.close_span("j1", 0.0)
    timeline.open_span("j1", "classical", 0.0)
    timeline.close_span("j1", 0.1)
    for start, end in [(0.0, 2.0), (2.0, 3.5)]:
        timeline.others_qpu("fake_manila", start)
        timeline.others_qpu("fake_manila", start, end)
    timeline.open_span("j1", "qpu", 3.5)
    state = TimelineState(timeline)
    state.pull()
    assert state.waits == {"j1": "2 other users' jobs ahead"}
    svg = render_svg(state, summarize(state, now=4.0))
    assert "j1 waited 3.400s for the QPU: 2 other users&#x27; jobs ahead" in svg
    assert "other users 3.500s" in svg  # the band (merged)


def test_a_widget_of_one_context_hears_only_its_backend_s_other_users():
    timeline = Timeline()
    timeline.add_context(ContextRecord(id="b1", mode="batch", backend="fake_manila",
                                       created=0.0, max_time=60.0, interactive_ttl=1.0))
    widget = TimelineWidget(context_ids=["b1"], timeline=timeline, clock=lambda: 1.0)
    timeline.others_qpu("fake_lima", 0.0, 1.0)
    events = timeline.events_since(0)
    assert not widget.wants(events[-1])
    timeline.others_qpu("fake_manila", 0.0, 1.0)
    assert widget.wants(timeline.events_since(0)[-1])
