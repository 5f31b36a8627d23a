"""The widget: deltas, snapshots, controls and the static snapshot for nbconvert/GitHub."""

from __future__ import annotations

import json

import pytest

import qmodes
from qmodes.core.timeline import Timeline
from qmodes.widget import TimelineWidget
from qmodes.widget.throttle import Flusher
from tests.conftest import make_sim
from tests.widget.fakes import FakeContext, fill_batch


class HeldFlusher(Flusher):
    """A flusher whose thread never runs: tests flush by hand, so nothing races them."""

    def request(self, target) -> None:  # type: ignore[no-untyped-def]
        with self._condition:
            self._pending.add(target)


@pytest.fixture
def flusher() -> Flusher:
    return HeldFlusher(interval=0.05)


def make(timeline: Timeline, flusher: Flusher, **kwargs) -> tuple[TimelineWidget, FakeContext]:
    context = FakeContext(timeline, "batch-1")
    return TimelineWidget(context, flusher=flusher, clock=lambda: 1000.0, **kwargs), context


def test_deltas_chain_from_to_and_carry_only_new_ops(flusher):
    timeline = Timeline()
    fill_batch(timeline, 20, until=1.0)
    widget, _ = make(timeline, flusher, snapshot_interval=3600)
    held = widget.snapshot["to"]
    assert widget.delta == {}  # the first snapshot carries everything so far
    timeline.update_job("batch-1-job00019", 1.1, status="CANCELLED")
    widget.flush()
    assert widget.delta == {"from": held, "to": held + 2, "ops": [  # and why it had waited
        ["j", 19, {"status": "CANCELLED"}],
        ["j", 19, {"wait": "waiting for the batch's turn (2 of its jobs ahead)"}]]}
    timeline.update_job("batch-1-job00018", 1.2, status="CANCELLED")
    timeline.update_job("batch-1-job00017", 1.2, status="CANCELLED")
    widget.flush()
    assert (widget.delta["from"], widget.delta["to"]) == (held + 2, held + 6)


def test_an_update_of_a_10000_job_batch_is_small(flusher):
    timeline = Timeline()
    fill_batch(timeline, 10_000, until=30.0)
    widget, _ = make(timeline, flusher, snapshot_interval=3600)
    full = len(json.dumps(widget._state.ops))  # the whole op log
    timeline.close_span("batch-1-job09000", 30.1)
    timeline.update_job("batch-1-job09000", 30.1, status="CANCELLED", finished=30.1)
    widget.flush()
    update = len(json.dumps(widget.delta)) + len(json.dumps(widget.summary))
    assert widget.delta["ops"] == [  # cancelled while it waited: why it waited stays with it
        ["s", 9000, 30.1], ["j", 9000, {"status": "CANCELLED", "finished": 30.1}],
        ["j", 9000, {"wait": "waiting for the batch's turn (43 of its jobs ahead)"}]]
    assert update < 2_000 < full / 100


def test_snapshot_waits_for_its_interval_while_live_and_catches_up_when_quiet(flusher):
    timeline = Timeline()
    fill_batch(timeline, 3, until=0.2)
    widget, _ = make(timeline, flusher, snapshot_interval=3600)
    assert widget.snapshot["to"] == len(widget._state.ops)  # the first one is free
    fill_batch(timeline, 3, context_id="other")  # not watched: nothing new
    timeline.update_job("batch-1-job00000", 0.3, status="RUNNING")
    widget.flush()
    assert widget.snapshot["to"] < widget.delta["to"]
    for job in timeline.jobs("batch-1"):
        timeline.update_job(job.id, 0.4, status="DONE")
    timeline.update_context("batch-1", 0.5, state="closed", closed_at=0.5)
    assert widget.flush() is False  # nothing live
    assert widget.snapshot["to"] == len(widget._state.ops)
    rows = [op for op in widget.snapshot["ops"] if op[0] == "J"]
    assert [(op[2], op[5]) for op in rows] == [(f"batch-1-job0000{i}", "DONE") for i in range(3)]


def test_a_widget_made_late_starts_from_the_whole_log(flusher):
    timeline = Timeline()
    fill_batch(timeline, 5)
    widget, _ = make(timeline, flusher)
    assert sum(op[0] == "J" for op in widget.snapshot["ops"]) == 5


def test_timeline_changes_reach_the_front_end_through_the_flusher_thread():
    timeline = Timeline()
    flusher = Flusher(interval=0.02)
    widget, _ = make(timeline, flusher)
    fill_batch(timeline, 4)
    import time

    deadline = time.monotonic() + 2
    while widget.summary["totals"]["count"] < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert widget.summary["totals"]["count"] == 4


def test_controls_call_the_handles_and_report_back(flusher):
    timeline = Timeline()
    fill_batch(timeline, 10, until=0.01)
    widget, context = make(timeline, flusher)
    text = widget.handle_command({"kind": "cancel_job", "job_id": "batch-1-job00009"})
    assert text == "cancel requested for job batch-1-job00009" == widget.message
    assert timeline.job("batch-1-job00009").status == "CANCELLED"
    widget.handle_command({"kind": "close_context", "context_id": "batch-1"})
    widget.handle_command({"kind": "cancel_context", "context_id": "batch-1"})
    assert context.calls == ["close", "cancel"]
    assert "failed" in widget.handle_command({"kind": "cancel_job", "job_id": "nope"})
    assert widget.handle_command({"kind": "dance"}) == "unknown command 'dance'"


def test_a_widget_without_handles_hides_the_controls(flusher):
    widget = TimelineWidget(timeline=Timeline(), context_ids=["x"], flusher=flusher)
    assert widget.controls is False


def test_mimebundle_has_the_widget_view_and_a_static_svg_and_text(flusher):
    timeline = Timeline()
    fill_batch(timeline, 6)
    widget, _ = make(timeline, flusher)
    data, _ = widget._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert "<svg" in data["text/html"] and data["text/html"].count("<rect") >= 24
    assert data["text/plain"].startswith("qmodes timeline: batch on aer")
    assert "6 jobs (6 DONE)" in data["text/plain"]


def test_assets_are_plain_files_without_remote_imports():
    text = str(TimelineWidget._esm)
    assert not [line for line in text.splitlines() if line.startswith("import")]
    assert "http://" not in text and "https://" not in text
    assert "export default { initialize, render }" in text
    assert "--jp-layout-color0" in str(TimelineWidget._css)


def test_the_widget_follows_a_real_batch_on_the_local_engine(bell):
    sim = make_sim()
    flusher = Flusher(interval=0.05)
    with qmodes.Batch("aer", runtime=sim.runtime) as batch:
        widget = TimelineWidget(batch, flusher=flusher)
        jobs = [qmodes.Sampler(mode=batch, runtime=sim.runtime).run([bell], shots=10)
                for _ in range(7)]
    widget.flush()
    ctx = widget.summary["contexts"][0]
    assert ctx["jobs"]["RUNNING"] == 5 and ctx["jobs"]["QUEUED"] == 2
    widget.handle_command({"kind": "cancel_job", "job_id": jobs[6].job_id()})
    assert jobs[6].status() == "CANCELLED"
    sim.clock.run_until_idle()
    assert widget.flush() is False
    ctx = widget.summary["contexts"][0]
    assert ctx["jobs"]["DONE"] == 6 and ctx["jobs"]["CANCELLED"] == 1
    assert ctx["usage"]["seconds"] == batch.usage() == 30.0
    assert ctx["status"] == "Closed"
