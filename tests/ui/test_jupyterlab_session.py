"""In a real JupyterLab: a ``%%session`` whose interactive TTL runs out between two jobs draws
two active windows, and its header shows the runtime's status strings as they change; the
header's Close and Cancel buttons close line-form ``%batch`` contexts from earlier cells.

The chart is a canvas, so the windows are checked twice: in the widget's store (what the
kernel's deltas said) and in the pixels of an empty row (what was drawn).
"""

from __future__ import annotations

import re

import pytest

from tests.ui.jupyterlab import (
    ARTIFACTS,
    open_notebook,
    run_all,
    screenshot,
    write_notebook,
)

pytestmark = pytest.mark.ui

FIRST_BATCH = """%batch --backend aer --name first
from qiskit import QuantumCircuit

bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
bell.measure_all()
counts = sampler.run([bell], shots=64).result()[0].data.meas.get_counts()
"""

SESSION = """%%session --backend aer --interactive-ttl 1s
import time

sampler.run([bell], shots=64).result()
time.sleep(2)  # longer than the interactive TTL: the session goes inactive
sampler.run([bell], shots=64).result()
time.sleep(0.5)
"""

SECOND_BATCH = """%batch --backend aer --name second
slow = QuantumCircuit(14)
for layer in range(300):  # about 0.5 s of simulation per job
    for q in range(14):
        slow.rx(0.1 * (q + layer), q)
    for q in range(layer % 2, 13, 2):
        slow.cx(q, q + 1)
slow.measure_all()
waiting = [sampler.run([slow], shots=1000) for _ in range(8)]
"""

ACTIVE = "In progress, accepting new jobs"
STATUS_FLOW = [ACTIVE, "Pending", ACTIVE, "Closed"]
"""Active with the first job, inactive (Pending) once the TTL ran out, active again with the
second job, closed with the cell."""

# Runs of non-background pixels (at least 3 px wide, so not grid lines) along the empty third
# row of a chart's canvas, right of the job-name gutter: the bands drawn for windows.
BANDS = """(canvas) => {
  const d = window.devicePixelRatio || 1, g = canvas.getContext("2d");
  const y = Math.round((22 + 2 * 16 + 8) * d), w = canvas.width;
  const row = g.getImageData(0, y, w, 1).data, bg = g.getImageData(w - 2, 1, 1, 1).data;
  const runs = [];
  let start = -1;
  for (let x = Math.round(134 * d); x <= w; x++) {
    const i = x * 4, on = x < w && Math.abs(row[i] - bg[0]) + Math.abs(row[i + 1] - bg[1])
      + Math.abs(row[i + 2] - bg[2]) > 12;
    if (on && start < 0) start = x;
    if (!on && start >= 0) { if (x - start >= 3 * d) runs.push([start / d, x / d]); start = -1; }
  }
  return runs;
}"""


def cell(panel, index: int):
    return panel.locator(".jp-Cell").nth(index)


def status_of(panel, index: int) -> str:
    return cell(panel, index).locator(".qm-header .qm-status").first.inner_text()


def test_session_windows_status_and_context_buttons(server, browser):
    write_notebook(server.notebooks / "session.ipynb",
                   ["%load_ext qmodes", FIRST_BATCH, SESSION, SECOND_BATCH])
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    panel = open_notebook(page, f"{server.url}/lab/tree/session.ipynb?reset")

    # run the first three cells (the last one is run later, on its own)
    cell(panel, 3).locator(".jp-InputArea-prompt").click()
    run_all(page, panel, "Run All Above Selected Cell")

    # the session's header while its cell runs: active, then inactive after the TTL
    session = cell(panel, 2)
    session.locator(".qm-root").wait_for(timeout=60_000)
    seen: list[str] = []
    ttl_shown = False
    for _ in range(400):
        status = status_of(panel, 2)
        if not seen or seen[-1] != status:
            seen.append(status)
        ttl_shown = ttl_shown or "interactive TTL" in session.locator(".qm-ttl").first.inner_text()
        if status == "Closed":
            break
        page.wait_for_timeout(25)
    # closing while the last job still finishes shows "not accepting new jobs" for a moment:
    # a valid step that the widget may or may not catch between two updates
    flow = [status for status in seen if status != "In progress, not accepting new jobs"]
    if flow[-3:] == [ACTIVE, "Pending", "Closed"] and len(flow) > len(STATUS_FLOW):
        del flow[-2]  # on a loaded machine the cell's end may come after the 1 s TTL: valid
    assert flow[-len(STATUS_FLOW):] == STATUS_FLOW, seen
    assert ttl_shown, "no interactive-TTL countdown while the session was idle"
    session.locator(".jp-InputArea-prompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for(
        timeout=30_000)

    # two windows in the store, each with its band on the canvas, a gap between them
    windows = session.locator(".qm-root").first.evaluate(
        "root => root.parentElement.__qmodes.store.contexts.map(c => c.windows)")
    assert len(windows) == 1 and len(windows[0]) == 2, windows
    (a0, a1), (b0, b1) = windows[0]
    assert a1 is not None and b1 is not None and a1 < b0, windows
    assert 0.8 < a1 - a0 < 1.6 and b0 - a1 > 0.5, windows  # a TTL of 1 s, a 2 s sleep
    bands = session.locator(".qm-scroll canvas").first.evaluate(BANDS)
    assert len(bands) == 2, bands
    assert "2 done" in session.locator(".qm-usage").first.inner_text()
    session.locator(".qm-root").first.screenshot(path=str(ARTIFACTS / "widget-session.png"))

    # Close on the line-form batch of cell 1, now that its cell has returned
    first = cell(panel, 1)
    assert status_of(panel, 1) != "Closed"
    first.locator(".qm-close").first.click()
    first.locator(".qm-status").filter(has_text="Closed").wait_for(timeout=10_000)
    assert "closed batch-" in first.locator(".qm-message").first.inner_text()
    assert first.locator(".qm-close").first.is_disabled()

    # Cancel on a second line-form batch whose slow jobs wait for the QPU (RUNNING: the engine
    # pre-processes a batch's jobs ahead of the QPU): those that have not reached it are cancelled
    second = cell(panel, 3)
    second.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Shift+Enter")
    second.locator(".qm-root").wait_for(timeout=30_000)
    second.locator(".jp-InputArea-prompt").filter(
        has_text=re.compile(r"\[\d+\]")).wait_for(timeout=30_000)
    try:
        second.locator(".qm-usage").filter(has_text=re.compile(r"[2-9] running")).wait_for(
            timeout=10_000)
    except Exception:
        screenshot(page, "jupyterlab-session-failed")
        raise
    second.locator(".qm-cancel").first.click()
    second.locator(".qm-status").filter(has_text="Closed").wait_for(timeout=10_000)
    assert "cancelled batch-" in second.locator(".qm-message").first.inner_text()
    usage = second.locator(".qm-usage").first
    usage.filter(has_text=re.compile(r"0 queued · 0 running")).wait_for(timeout=30_000)
    assert re.search(r"[1-9] cancelled", usage.inner_text()), usage.inner_text()
    screenshot(page, "jupyterlab-session")
    assert errors == []
    page.close()
