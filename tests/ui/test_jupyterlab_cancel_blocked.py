"""In a real JupyterLab: the widget's Cancel acts while the cell is blocked in ``result()``.

A ``%%batch`` of 50 jobs on Aer (about 0.1 s of simulation each; on an emulated ``fake_*``
device a wait jumps device time ahead, so it hardly blocks) blocks in ``result()`` of its
last job. A click on the batch's *Cancel*
button reaches the kernel on its qmodes subshell while the main thread still waits: the queued
jobs end CANCELLED, so ``result()`` raises before the batch could have finished, and the
widget shows the cancelled jobs while the cell still runs. (The click-to-effect latency is
printed here and measured by ``bench/bench_controls.py``.)
"""

from __future__ import annotations

import re

import pytest

from tests.slow_job import SLOW_CIRCUIT
from tests.ui.jupyterlab import (
    ARTIFACTS,
    PANEL,
    open_notebook,
    run_all,
    screenshot,
    wait_cells_done,
    write_notebook,
)

pytestmark = pytest.mark.ui

PACE_CELL = "import qmodes"

BATCH_CELL = """%%batch --backend aer
import time
from qmodes import JobCancelledError

""" + SLOW_CIRCUIT + """jobs = [sampler.run([circuit], shots=200) for _ in range(50)]
try:
    jobs[-1].result()
    print("last job DONE")
except JobCancelledError:
    print(f"last job CANCELLED at {time.time():.3f}")
    time.sleep(2)  # the cell still runs: the widget must show the cancellation meanwhile
print("states:", {s: sum(j.status() == s for j in jobs) for s in ("DONE", "CANCELLED")})
"""

CLICK = """(panel) => {
  const button = document.querySelector(panel + " .qm-root .qm-cancel");
  const at = Date.now() / 1000;
  button.click();
  return at;
}"""


def test_cancel_acts_while_the_cell_is_blocked_in_result(server, browser):
    write_notebook(server.notebooks / "cancel.ipynb", ["%load_ext qmodes", PACE_CELL,
                                                        BATCH_CELL])
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    panel = open_notebook(page, f"{server.url}/lab/tree/cancel.ipynb?reset")
    run_all(page, panel)
    root = panel.locator(".qm-root").first
    try:
        root.wait_for(timeout=120_000)
    except Exception:
        screenshot(page, "jupyterlab-cancel-blocked-failed")
        print(panel.inner_text())  # shown when the test fails
        raise
    prompt = panel.locator(".jp-Cell").nth(2).locator(".jp-InputArea-prompt")
    usage = root.locator(".qm-usage")
    # all 50 submitted, a few done, the cell still blocked in result()
    usage.filter(has_text=re.compile(r"\b([3-9]|1\d) done")).wait_for(timeout=120_000)
    all_submitted(panel)
    assert "*" in prompt.inner_text(), "the cell ended before the click"
    screenshot(page, "jupyterlab-cancel-blocked-before")

    clicked = page.evaluate(CLICK, PANEL)
    # the widget shows the cancelled jobs; the cell returns (result() raised)
    usage.filter(has_text=re.compile(r"[1-9]\d* cancelled")).wait_for(timeout=2_000)
    assert "*" in prompt.inner_text(), "the widget showed the cancellation only after the cell"
    screenshot(page, "jupyterlab-cancel-blocked-after")
    wait_cells_done(page, panel, timeout=30_000)
    output = panel.locator(".jp-Cell").nth(2).locator(".jp-OutputArea").inner_text()
    found = re.search(r"last job CANCELLED at ([\d.]+)", output)
    assert found, output
    latency = float(found.group(1)) - clicked
    print(f"click to result() raising in the kernel: {latency * 1000:.0f} ms")
    assert latency >= 0, latency
    states = re.search(r"states: \{'DONE': (\d+), 'CANCELLED': (\d+)\}", output)
    done, cancelled = int(states.group(1)), int(states.group(2))
    # the queued ones did not run; those already on a lane or the QPU (6 at most) go on
    assert cancelled >= 30 and done + cancelled >= 44, output
    assert re.search(rf"\b{cancelled} cancelled", usage.inner_text())
    assert "cancelled batch" in root.locator(".qm-message").inner_text()
    root.screenshot(path=str(ARTIFACTS / "widget-cancel-blocked.png"))
    assert errors == []
    page.close()


WAIT_CELL = BATCH_CELL.split("try:")[0] + """batch.wait()
print("states:", {s: sum(j.status() == s for j in jobs) for s in ("DONE", "CANCELLED")})
"""


def all_submitted(panel, jobs: int = 50) -> None:
    """Wait until the widget shows every job of the cell (the cell is still blocked then)."""
    panel.locator(f'.qm-root[data-jobs="{jobs}"]').first.wait_for(timeout=60_000)


def test_cancel_job_and_close_act_while_the_cell_is_blocked_in_wait(server, browser):
    write_notebook(server.notebooks / "wait.ipynb", ["%load_ext qmodes", PACE_CELL, WAIT_CELL])
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    panel = open_notebook(page, f"{server.url}/lab/tree/wait.ipynb?reset")
    run_all(page, panel)
    root = panel.locator(".qm-root").first
    root.wait_for(timeout=120_000)
    prompt = panel.locator(".jp-Cell").nth(2).locator(".jp-InputArea-prompt")
    root.locator(".qm-usage").filter(has_text=re.compile(r"\b[1-9]\d* done")).wait_for(
        timeout=120_000)
    all_submitted(panel)  # submitting shares the GIL with Aer: it may trail the first results
    assert "*" in prompt.inner_text()

    # Cancel job: the last row is still queued
    box = root.locator(".qm-scroll canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + 22 + 10 * 16 + 8)
    selected = root.locator(".qm-selected")
    assert "QUEUED" in selected.inner_text()
    root.locator(".qm-cancel-job").click()
    selected.filter(has_text="CANCELLED").wait_for(timeout=2_000)
    assert "*" in prompt.inner_text(), "the cell ended before Cancel job acted"

    # Close: the batch stops accepting jobs, its queued jobs still run
    root.locator(".qm-close").click()
    root.locator(".qm-status").filter(has_text="not accepting new jobs").wait_for(timeout=2_000)
    assert "*" in prompt.inner_text(), "the cell ended before Close acted"
    screenshot(page, "jupyterlab-close-blocked")

    root.locator(".qm-cancel").click()  # and Cancel ends the wait
    wait_cells_done(page, panel, timeout=30_000)
    output = panel.locator(".jp-Cell").nth(2).locator(".jp-OutputArea").inner_text()
    states = re.search(r"states: \{'DONE': (\d+), 'CANCELLED': (\d+)\}", output)
    assert states and int(states.group(2)) >= 10, output
    page.close()
