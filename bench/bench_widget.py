"""Benchmark: one live update of the timeline widget with 10,000 jobs, in headless Chromium.

Builds a 10,000-job batch on a hand-driven timeline, loads the widget's snapshot into the real
timeline.js (stand-in model, no Jupyter), then replays the batch 0.1 s at a time: each step is
one flush in Python (pull + summary) and one update in the browser (apply the delta, refresh
the header, redraw the chart, with a band of 500 intervals of other users' occupancy),
timed with performance.now(). Also times a burst of 1,000 job
changes at once, and prints the bytes pushed per update against the size of the whole state.

Run by hand:  /work/venv/bin/python bench/bench_widget.py  [n_jobs]
Target: <= 16 ms per update in the browser (one frame at 60 Hz).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qmodes.core.timeline import (
    ContextRecord,
    Timeline,
)
from qmodes.widget import TimelineWidget
from qmodes.widget.throttle import Flusher
from tests.ui.harness import chromium_missing, launch, load_widget, model_state
from tests.widget.fakes import FakeContext, apply_action, batch_actions

UPDATE = """([delta, summary]) => {
  const t0 = performance.now();
  window.model.set("delta", delta);
  window.model.set("summary", summary);
  window.widgetEl.__qmodes.draw();
  return performance.now() - t0;
}"""


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main(n_jobs: int = 10_000, steps: int = 100, start_at: float = 120.0) -> None:
    reason = chromium_missing()
    if reason:
        raise SystemExit(f"cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    timeline, now = Timeline(), [start_at]
    timeline.add_context(ContextRecord(id="batch-1", mode="batch", backend="aer", created=0.0,
                                       max_time=28800.0, interactive_ttl=1.0))
    actions = batch_actions(n_jobs)
    i = 0
    while actions[i][0] <= start_at:
        apply_action(timeline, actions[i][0], actions[i][1], "batch-1", "batch")
        i += 1
    widget = TimelineWidget(FakeContext(timeline, "batch-1"), flusher=Flusher(),
                            clock=lambda: now[0], snapshot_interval=1e9)
    state_bytes = len(json.dumps(widget.snapshot))
    log_bytes = len(json.dumps(widget._state.ops))
    compact_ms = []
    for _ in range(5):
        t0 = time.perf_counter()
        widget._push_snapshot()
        compact_ms.append((time.perf_counter() - t0) * 1000)

    updates, py_ms, last_to = [], [], widget.snapshot["to"]
    for _ in range(steps):
        now[0] += 0.1
        while i < len(actions) and actions[i][0] <= now[0]:
            apply_action(timeline, actions[i][0], actions[i][1], "batch-1", "batch")
            i += 1
        t0 = time.perf_counter()
        widget.flush()
        py_ms.append((time.perf_counter() - t0) * 1000)
        fresh = widget.delta.get("to", 0) > last_to
        updates.append((dict(widget.delta) if fresh else {}, dict(widget.summary)))
        last_to = widget.delta["to"] if fresh else last_to
    burst_from = widget.delta["to"]
    for job in timeline.jobs("batch-1")[-1000:]:
        timeline.update_job(job.id, now[0], status="CANCELLED")
    widget.flush()
    burst = (widget.delta, widget.summary)
    assert burst[0]["from"] == burst_from

    band = {"intervals": [[k * now[0] / 500, (k + 0.8) * now[0] / 500] for k in range(500)],
            "jobs": 500, "seconds": 0.8 * now[0], "source": "other users (seeded load model)"}
    for _, summary in (*updates, burst):  # other users on the device: the widget's load band
        summary["load"] = band
    sizes = [len(json.dumps({"delta": d, "summary": s})) for d, s in updates]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        start = burst_from - sum(len(d.get("ops", [])) for d, _ in updates)
        first = {**model_state(widget), "delta": {}, "summary": updates[0][1],
                 "snapshot": {"to": start, "ops": widget._state.ops[:start]}}
        t0 = time.perf_counter()
        load_widget(page, first)
        load_ms = (time.perf_counter() - t0) * 1000
        boot_ms = page.evaluate("window.bootMs")
        assert page.locator(".qm-root").get_attribute("data-jobs") is not None
        for _ in range(20):  # warm up the JIT on redraws
            page.evaluate("window.widgetEl.__qmodes.draw()")
        browser_ms = [page.evaluate(UPDATE, [d, s]) for d, s in updates]
        burst_ms = page.evaluate(UPDATE, list(burst))
        jobs_shown = page.locator(".qm-root").get_attribute("data-jobs")
        load_widget(page, {**model_state(widget), "delta": {}})  # the bounded snapshot
        bounded_boot_ms = page.evaluate("window.bootMs")
        bounded_rows = page.evaluate("window.widgetEl.__qmodes.store.rows.length")
        bounded_ms = [page.evaluate(UPDATE, [{}, widget.summary]) for _ in range(20)]
        browser.close()

    print(f"qmodes widget benchmark: {jobs_shown} jobs in the browser, {steps} updates of 0.1 s")
    print(f"  browser, apply one update + redraw: median {statistics.median(browser_ms):.2f} ms, "
          f"p95 {pct(browser_ms, 0.95):.2f} ms, max {max(browser_ms):.2f} ms (target <= 16 ms)")
    print(f"  browser, burst of 1000 job changes: {burst_ms:.2f} ms")
    busy = [ms for ms, (d, _) in zip(browser_ms, updates, strict=False) if d.get("ops")]
    print(f"  browser, updates that carried ops ({len(busy)}): median "
          f"{statistics.median(busy):.2f} ms, max {max(busy):.2f} ms")
    print(f"  browser, rebuild from the snapshot and first draw: {boot_ms:.0f} ms "
          f"({load_ms:.0f} ms with page setup and transfer)")
    print(f"  kernel, one flush (pull + summary): median {statistics.median(py_ms):.2f} ms, "
          f"max {max(py_ms):.2f} ms")
    print(f"  bytes per update (delta + summary JSON): median {statistics.median(sizes):.0f}, "
          f"max {max(sizes)}; ops per update: median "
          f"{statistics.median(len(d.get('ops', [])) for d, _ in updates):.0f}")
    print(f"  saved state (bounded snapshot JSON): {state_bytes} bytes, "
          f"{state_bytes / statistics.median(sizes):.0f}x a median update; the op log it "
          f"replaces: {log_bytes} bytes ({log_bytes / state_bytes:.0f}x)")
    print(f"  kernel, rebuild the bounded snapshot: median {statistics.median(compact_ms):.1f} ms")
    print(f"  browser, from the bounded snapshot: rebuild + first draw {bounded_boot_ms:.0f} ms, "
          f"{bounded_rows} rows, redraw median {statistics.median(bounded_ms):.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
