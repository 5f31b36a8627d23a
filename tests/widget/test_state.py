"""Timeline events become compact append-only ops that rebuild the same picture."""

from __future__ import annotations

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.core.usage import context_usage
from qmodes.widget.state import KIND_CODES, TimelineState
from qmodes.widget.summary import status_string, summarize
from tests.widget.fakes import fill_batch


def replay(ops: list[list]) -> dict[str, dict]:
    """What the front-end does with the ops (timeline.js applyOps), in Python."""
    jobs: dict[int, dict] = {}
    for op in ops:
        if op[0] == "J":
            jobs[op[1]] = {"id": op[2], "status": op[5], "spans": []}
        elif op[0] == "j":
            jobs[op[1]].update(op[2])
        elif op[0] == "S":
            jobs[op[1]]["spans"].append([op[2], op[3], None])
        elif op[0] == "s":
            jobs[op[1]]["spans"][-1][2] = op[2]
    return {job["id"]: job for job in jobs.values()}


def test_ops_replayed_in_order_rebuild_every_job_and_span():
    timeline = Timeline()
    fill_batch(timeline, 12, start=100.0)
    state = TimelineState(timeline, ["batch-1"])
    rebuilt = replay(state.pull())
    for job in timeline.jobs("batch-1"):
        assert rebuilt[job.id]["status"] == job.status == "DONE"
        assert rebuilt[job.id]["spans"] == [
            [KIND_CODES[s.kind], round(s.start - 100.0, 3), round(s.end - 100.0, 3)]
            for s in job.spans]


def test_each_pull_returns_only_the_new_ops_and_the_log_only_grows():
    timeline = Timeline()
    fill_batch(timeline, 5, until=0.5)
    state = TimelineState(timeline, ["batch-1"])
    first = state.pull()
    assert state.pull() == []
    timeline.update_job("batch-1-job00000", 0.6, status="CANCELLED")
    second = state.pull()
    assert second == [["j", 0, {"status": "CANCELLED"}]]
    assert state.ops == first + second


def test_other_contexts_are_ignored_until_watched_then_added_once():
    timeline = Timeline()
    fill_batch(timeline, 3, context_id="a")
    fill_batch(timeline, 4, context_id="b")
    state = TimelineState(timeline, ["a"])
    state.pull()
    assert len(state.jobs) == 3
    state.watch("b")
    state.pull()
    assert len(state.jobs) == 7
    assert sum(op[0] == "J" for op in state.ops) == 7
    assert all(len(job.spans) == 4 for job in state.jobs.values())


def test_watching_everything_includes_job_mode_jobs():
    timeline = Timeline()
    timeline.add_job(JobRecord(id="j", context_id=None, mode="job", backend="aer",
                               primitive="sampler", created=5.0))
    state = TimelineState(timeline)
    assert state.pull() == [["J", 0, "j", -1, 0.0, "QUEUED", 0, None, "sampler"]]


def test_summary_usage_is_the_mode_rule_over_the_mirror_with_its_source():
    timeline = Timeline()
    end = fill_batch(timeline, 8)
    state = TimelineState(timeline, ["batch-1"])
    state.pull()
    summary = summarize(state, now=end)
    ctx = summary["contexts"][0]
    expected = context_usage(timeline.context("batch-1"), timeline.jobs("batch-1"), end)
    assert ctx["usage"] == {"seconds": round(expected.seconds, 3), "rule": expected.rule,
                            "source": "measured on Aer"}
    assert ctx["qpu_seconds"]["seconds"] == 4.0  # 8 jobs x 0.5 s
    assert ctx["jobs"] == {"QUEUED": 0, "RUNNING": 0, "DONE": 8, "ERROR": 0, "CANCELLED": 0}
    assert summary["live"]  # the batch is not closed yet


def test_session_header_shows_runtime_status_strings_and_ttl_countdown():
    record = ContextRecord(id="s", mode="session", backend="aer", created=0.0, max_time=3600.0,
                           interactive_ttl=60.0)
    assert status_string(record) == "Pending"
    timeline = Timeline()
    timeline.add_context(record)
    timeline.update_context("s", 1.0, state="active", started_at=1.0, last_job_completed=10.0)
    timeline.open_window("s", 1.0)
    state = TimelineState(timeline, ["s"])
    state.pull()
    ctx = summarize(state, now=20.0)["contexts"][0]
    assert ctx["status"] == "In progress, accepting new jobs"
    assert ctx["ttl_deadline"] == 70.0
    assert ctx["max_time_used"] == 19.0
    assert ctx["usage"]["seconds"] == 19.0  # the open window counts up to now
    timeline.update_context("s", 21.0, accepting_jobs=False)
    state.pull()
    assert summarize(state, 21.0)["contexts"][0]["status"] == "In progress, not accepting new jobs"
