"""The widget's JavaScript in headless Chromium with a stand-in model (no Jupyter): applying
deltas, gaps, the tooltip and the controls' messages."""

from __future__ import annotations

import pytest

from qmodes.core.timeline import JobRecord, Timeline
from qmodes.widget import TimelineWidget
from qmodes.widget.throttle import Flusher
from tests.ui.harness import load_widget, model_state
from tests.widget.fakes import FakeContext, fill_batch

pytestmark = pytest.mark.ui


def widget_over(n_jobs: int, until: float | None = None) -> tuple[TimelineWidget, Timeline]:
    timeline = Timeline()
    fill_batch(timeline, n_jobs, until=until)
    widget = TimelineWidget(FakeContext(timeline, "batch-1"), flusher=Flusher(),
                            clock=lambda: 3.0)
    return widget, timeline


def test_rows_tooltip_and_cancel_message(page):
    widget, _timeline = widget_over(20, until=2.0)
    load_widget(page, model_state(widget))
    root = page.locator(".qm-root")
    assert root.get_attribute("data-jobs") == "20"
    assert "batch" in page.locator(".qm-header").inner_text()
    box = page.locator(".qm-scroll canvas").bounding_box()
    row = 15  # still queued at t=2
    page.mouse.move(box["x"] + 300, box["y"] + 22 + row * 16 + 8)
    tip = page.locator(".qm-tip")
    assert "batch-1-job00015" in tip.inner_text() and "QUEUED" in tip.inner_text()
    assert "shots 1024" in tip.inner_text()
    page.mouse.click(box["x"] + 300, box["y"] + 22 + row * 16 + 8)
    page.screenshot(path="test-artifacts/widget-harness.png")
    page.locator(".qm-cancel-job").click()
    sent = page.evaluate("window.model.sent")
    assert sent == [{"kind": "cancel_job", "job_id": "batch-1-job00015", "index": 15}]
    assert page.js_errors == []


def test_deltas_apply_in_order_and_a_gap_asks_for_a_resync(page):
    widget, timeline = widget_over(5, until=0.1)
    load_widget(page, model_state(widget))
    before = int(page.locator(".qm-root").get_attribute("data-ops"))
    timeline.update_job("batch-1-job00001", 0.5, status="CANCELLED")
    widget.flush()
    page.evaluate("d => window.model.set('delta', d)", widget.delta)
    assert int(page.locator(".qm-root").get_attribute("data-ops")) == before + 1
    page.evaluate("d => window.model.set('delta', d)", {"from": 999, "to": 1000, "ops": []})
    assert page.evaluate("window.model.sent") == [{"kind": "resync"}]
    assert page.js_errors == []


def test_wheel_zooms_and_fit_restores(page):
    widget, _ = widget_over(30)
    load_widget(page, model_state(widget))
    box = page.locator(".qm-scroll canvas").bounding_box()
    span = "(() => { const v = window.widgetEl.__qmodes.view; return v.t1 - v.t0; })()"
    full = page.evaluate(span)
    page.mouse.move(box["x"] + 500, box["y"] + 100)
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"() => {span} < {full / 1.5}", timeout=10_000)  # a frame later
    page.locator(".qm-fit").click()
    page.wait_for_function(f"() => Math.abs({span} - {full}) < 1e-6", timeout=10_000)


def test_canvas_follows_a_theme_switch_without_a_resize(page):
    # VS Code switches themes by rewriting its --vscode-* variables on <html> and the body's
    # class; nothing is resized, yet the canvas must be repainted in the new colours
    widget, _ = widget_over(5, until=2.0)
    load_widget(page, model_state(widget))
    pixel = """() => {
      const c = document.querySelector('.qm-scroll canvas');
      const [r, g, b] = c.getContext('2d').getImageData(c.width - 3, 1, 1, 1).data;
      return [r, g, b];
    }"""
    # drawn on the first frames (and again on the ResizeObserver's first call)
    page.wait_for_function(f"() => ({pixel})().join() === '255,255,255'", timeout=10_000)
    page.evaluate("""() => {
      document.documentElement.style.setProperty('--vscode-editor-background', '#1e1e1e');
      document.documentElement.style.setProperty('--vscode-editor-foreground', '#d4d4d4');
      document.body.className = 'vscode-dark';
    }""")
    page.wait_for_function(f"() => ({pixel})().join() === '30,30,30'", timeout=10_000)
    assert page.js_errors == []


def test_a_bounded_snapshot_draws_a_summary_row_and_later_rows_still_arrive(page):
    # 3,000 jobs, most still queued: the snapshot summarizes all but ~200 recent or next rows
    widget, timeline = widget_over(3_000, until=20.0)
    state = model_state(widget)
    load_widget(page, {**state, "delta": {}})
    root = page.locator(".qm-root")
    assert root.get_attribute("data-jobs") == "3000"
    store = "window.widgetEl.__qmodes.store"
    first = page.evaluate(f"(() => {{ const r = {store}.rows[0]; "
                          f"return [r.summary, r.n, r.counts]; }})()")
    assert first[0] is True and first[1] > 2_000 and first[2]["QUEUED"] > 2_000
    box = page.locator(".qm-scroll canvas").bounding_box()
    page.mouse.move(box["x"] + 300, box["y"] + 22 + 8)
    assert "earlier jobs, summarized" in page.locator(".qm-tip").inner_text()
    # a summarized queued job starts: it gets a row of its own, in its context
    rows = page.evaluate(f"{store}.rows.length")
    job = timeline.jobs()[2_500]
    assert job.status == "QUEUED"
    timeline.close_span(job.id, 21.0)
    timeline.open_span(job.id, "classical", 21.0)
    timeline.update_job(job.id, 21.0, status="RUNNING")
    widget.flush()  # (the flusher's thread may have pushed part of it already)
    held, ops = state["snapshot"]["to"], widget._state.ops
    page.evaluate("d => window.model.set('delta', d)",
                  {"from": held, "to": len(ops), "ops": ops[held:]})
    assert page.evaluate(f"{store}.rows.length") == rows + 1
    stub = page.evaluate(f"{store}.jobs[2500]")
    assert stub["ci"] == 0 and stub["status"] == "RUNNING" and stub["spans"][0][0] == 1
    page.mouse.click(box["x"] + 300, box["y"] + 22 + 8)  # the summary row: nothing to cancel
    assert page.locator(".qm-cancel-job").is_disabled()
    assert page.js_errors == []



def job_mode_wait() -> tuple[TimelineWidget, float]:
    """A job-mode job pre-processed at once that waits 1.9 s for the QPU: another user's
    job holds it. Returns the widget and the middle of the wait."""
    timeline = Timeline()
    timeline.add_job(JobRecord(id="job-a", context_id=None, mode="job", backend="fake_manila",
                               primitive="sampler", created=0.0, num_pubs=1, shots=100))
    for kind, start, end in [("queued", 0.0, 0.0), ("classical", 0.0, 0.1)]:
        timeline.open_span("job-a", kind, start)
        timeline.close_span("job-a", end)
    timeline.others_qpu("fake_manila", 0.05)
    timeline.others_qpu("fake_manila", 0.05, 2.0)
    timeline.open_span("job-a", "qpu", 2.0)
    timeline.close_span("job-a", 2.5)
    timeline.update_job("job-a", 2.5, status="DONE", finished=2.5)
    return TimelineWidget(timeline=timeline, flusher=Flusher(), clock=lambda: 3.0), 1.05


def test_a_wait_between_phases_is_drawn_as_queued_and_its_tooltip_says_why(page):
    widget, middle = job_mode_wait()
    load_widget(page, model_state(widget))
    look = """(t) => {
      const q = window.widgetEl.__qmodes, canvas = document.querySelector(".qm-scroll canvas");
      const d = window.devicePixelRatio || 1, g = canvas.getContext("2d");
      const probe = document.createElement("canvas").getContext("2d");
      probe.fillStyle = getComputedStyle(document.querySelector(".qm-root"))
        .getPropertyValue("--qm-queued").trim();
      probe.fillRect(0, 0, 1, 1);
      const px = g.getImageData(Math.round(q.x(t) * d), Math.round((22 + 8) * d), 1, 1);
      return [[...px.data.slice(0, 3)], [...probe.getImageData(0, 0, 1, 1).data.slice(0, 3)],
              q.x(t)];
    }"""
    page.wait_for_function(f"() => {{ const [a, b] = ({look})({middle}); "
                           "return a.join() === b.join(); }", timeout=10_000)  # next frame
    x = page.evaluate(look, middle)[2]
    box = page.locator(".qm-scroll canvas").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + 22 + 8)
    text = page.locator(".qm-tip").inner_text()
    assert "waited 1.900 s for the QPU: 1 other user's job ahead" in text, text
    assert page.locator(".qm-load-key").is_visible()  # the band's legend key
    assert page.js_errors == []
