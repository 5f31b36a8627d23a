"""Issue 10, scale: the saved widget state stays bounded, and widgets stop observing.

The ``snapshot`` trait (what a saved notebook keeps) used to be the whole op log, about 420
bytes a job without bound; every ``%%session`` cell's widget stayed subscribed to the
timeline for the life of the kernel.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from qmodes.core.timeline import Timeline
from qmodes.widget import TimelineWidget
from qmodes.widget.compact import DETAIL_JOBS, compact_ops
from qmodes.widget.throttle import Flusher, shared_flusher
from tests.conftest import make_sim
from tests.widget.fakes import FakeContext, fill_batch

SAVED_STATE_BOUND = 150_000
"""Bytes of synced state at 10,000 jobs; the whole log was over 2,000,000."""


def saved_state(widget: TimelineWidget) -> int:
    """Bytes of every synced trait, as a saved notebook's widget state holds them."""
    names = [name for name in widget.trait_names(sync=True) if not name.startswith("_")]
    return len(json.dumps({name: getattr(widget, name) for name in names}, default=str))


def finished_widget(n_jobs: int) -> TimelineWidget:
    timeline = Timeline()
    end = fill_batch(timeline, n_jobs)
    timeline.update_context("batch-1", end, state="closed", closed_at=end)
    widget = TimelineWidget(FakeContext(timeline, "batch-1"), flusher=Flusher(),
                            clock=lambda: end + 1.0, advisor=False)
    widget.flush()
    return widget


def test_saved_state_at_10000_jobs_is_below_a_fixed_bound():
    small, large = finished_widget(1_000), finished_widget(10_000)
    log = len(json.dumps(large._state.ops))
    assert log > 2_000_000  # what the old snapshot held: the per-job growth this bounds
    assert saved_state(large) < SAVED_STATE_BOUND
    assert saved_state(large) < 1.3 * saved_state(small)  # no longer grows with the jobs


def test_the_bounded_snapshot_keeps_recent_rows_and_summarizes_the_rest():
    widget = finished_widget(10_000)
    ops = widget.snapshot["ops"]
    rows = [op for op in ops if op[0] == "J"]
    assert len(rows) == DETAIL_JOBS
    assert rows[-1][2] == "batch-1-job09999" and rows[0][2] == "batch-1-job09800"
    [summary] = [op for op in ops if op[0] == "A"]
    assert summary[1] == 0 and summary[2]["n"] == 10_000 - DETAIL_JOBS
    assert summary[2]["status"] == {"DONE": 10_000 - DETAIL_JOBS}
    assert 0 < len(summary[2]["qpu"]) <= 120 and summary[2]["queued"] == []
    assert widget.snapshot["to"] == len(widget._state.ops)  # deltas continue from the log


def test_running_and_next_queued_jobs_keep_their_rows_while_live():
    timeline = Timeline()
    fill_batch(timeline, 5_000, until=30.0)  # ~40 done, 5 running, the rest queued
    widget = TimelineWidget(FakeContext(timeline, "batch-1"), flusher=Flusher(),
                            clock=lambda: 30.0, advisor=False)
    kept = {op[2]: op[5] for op in compact_ops(widget._state) if op[0] == "J"}
    running = [j.id for j in timeline.jobs() if j.status == "RUNNING"]
    queued = [j.id for j in timeline.jobs() if j.status == "QUEUED"]
    assert len(running) >= 5 and all(kept[job] == "RUNNING" for job in running)
    assert all(kept[job] == "QUEUED" for job in queued[:DETAIL_JOBS])  # next to start
    [summary] = [op for op in compact_ops(widget._state) if op[0] == "A"]
    first, last = summary[2]["queued"][0]
    assert summary[2]["status"]["QUEUED"] == last - first + 1 > 4_000
    assert saved_state(widget) < SAVED_STATE_BOUND


@pytest.fixture
def kernel_shell(ipython_shell, tmp_path, monkeypatch):
    """The test shell with qmodes loaded and a stand-in kernel, so cells show widgets."""
    monkeypatch.setenv("QMODES_HOME", str(tmp_path / "home"))
    ipython_shell.run_cell("%load_ext qmodes")
    ipython_shell.kernel = SimpleNamespace()  # a front-end is attached: widgets are shown
    sim = make_sim()
    ipython_shell.magics_manager.registry["QModesMagics"].contexts.runtime = sim.runtime
    yield ipython_shell, sim
    del ipython_shell.kernel
    ipython_shell.run_cell("%unload_ext qmodes")
    for name in ("session", "sampler", "estimator", "job"):
        ipython_shell.user_ns.pop(name, None)


def test_session_cells_leave_no_timeline_observers_behind(kernel_shell, bell, capsys):
    shell, sim = kernel_shell
    shell.user_ns["bell"] = bell
    baseline = sim.timeline.observer_count
    for _ in range(8):
        shell.run_cell("%%session --backend aer\njob = sampler.run([bell], shots=10)")
        sim.clock.run_until_idle()
    shell.run_cell("pass")  # the widgets' end-of-cell redraw sees every context final
    shared_flusher().flush_now()
    assert sim.timeline.observer_count == baseline
    assert "session" in capsys.readouterr().out


def test_a_final_widget_stops_observing_and_starts_again_when_it_watches_more():
    timeline = Timeline()
    widget = finished_widget(3)
    timeline = widget._state.timeline
    assert not widget.observing
    fill_batch(timeline, 2, context_id="batch-2", start=100.0)
    widget.watch(FakeContext(timeline, "batch-2"))
    assert widget.observing
