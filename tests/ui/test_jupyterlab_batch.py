"""In a real JupyterLab: a ``%%batch`` cell of 20 jobs on Aer shows its live timeline.

Rows appear while the cell is still running, the tooltip shows a job, and the widget's
"Cancel job" button cancels a job that is still queued in the kernel (the CANCELLED status
shown comes back from the kernel's timeline, so the kernel did cancel it). Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.jupyterlab import REPO, jupyterlab, open_notebook, run_all, write_notebook

pytestmark = pytest.mark.ui

ARTIFACTS = REPO / "test-artifacts"

BATCH_CELL = """%%batch --backend aer
import time
from qiskit import QuantumCircuit

circuit = QuantumCircuit(14)
for layer in range(300):  # about 0.5 s of simulation per job
    for q in range(14):
        circuit.rx(0.1 * (q + layer), q)
    for q in range(layer % 2, 13, 2):
        circuit.cx(q, q + 1)
circuit.measure_all()
# Aer holds the GIL for most of a simulation, so each submission may wait for a running job:
# submit back to back, so that jobs are still queued when the cell ends
jobs = [sampler.run([circuit], shots=1000) for i in range(20)]
time.sleep(0.5)  # the batch closes when the cell ends; its jobs go on after that
"""


def row_center(page, row: int) -> tuple[float, float]:
    box = page.locator(".qm-scroll canvas").first.bounding_box()
    return box["x"] + box["width"] * 0.6, box["y"] + 22 + row * 16 + 8


def test_batch_cell_shows_live_rows_tooltip_and_cancels_a_queued_job(browser, tmp_path):
    notebooks, home = tmp_path / "notebooks", tmp_path / "home"
    notebooks.mkdir()
    write_notebook(notebooks / "batch.ipynb", ["%load_ext qmodes", BATCH_CELL])
    ARTIFACTS.mkdir(exist_ok=True)
    with jupyterlab(notebooks, home) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        panel = open_notebook(page, f"{url}/lab/tree/batch.ipynb?reset")
        run_all(page, panel)

        root = panel.locator(".qm-root").first
        try:
            root.wait_for(timeout=60_000)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-batch-failed.png"))
            raise
        batch_prompt = panel.locator(".jp-Cell").nth(1).locator(".jp-InputArea-prompt")
        seen_while_running = None
        for _ in range(200):
            jobs = int(root.get_attribute("data-jobs") or 0)
            if jobs >= 3 and "*" in batch_prompt.inner_text():
                seen_while_running = jobs
                break
            page.wait_for_timeout(50)
        assert seen_while_running is not None, "no rows appeared while the cell was running"
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-batch-running.png"))

        # the cell ends (the batch closes, its jobs go on): find a queued job by its tooltip
        page.wait_for_function(
            "() => [...document.querySelectorAll('.qm-root')].some(r => r.dataset.jobs === '20')",
            timeout=60_000)
        page.wait_for_selector(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell:nth-child(2) "
            ".jp-InputArea-prompt:not(:has-text('*'))", timeout=60_000)
        tip = panel.locator(".qm-tip").first
        queued_row = None
        for row in range(19, 0, -1):
            page.mouse.move(*row_center(page, row))
            if "QUEUED" in tip.inner_text():
                queued_row = row
                break
        if queued_row is None:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-batch-failed.png"))
        assert queued_row is not None, "no queued job left to cancel"
        job_id = re.search(r"\S+", tip.inner_text()).group(0)
        assert "shots 1000" in tip.inner_text() and "PUBs 1" in tip.inner_text()
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-batch-tooltip.png"))
        panel.locator(".jp-Cell").nth(1).locator(".jp-OutputArea").screenshot(
            path=str(ARTIFACTS / "widget.png"))

        page.mouse.click(*row_center(page, queued_row))
        panel.locator(".qm-cancel-job").first.click()
        selected = panel.locator(".qm-selected").first
        selected.filter(has_text="CANCELLED").wait_for(timeout=10_000)
        assert job_id in selected.inner_text()
        page.mouse.move(*row_center(page, queued_row))
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-batch-cancelled.png"))

        # everything final: nothing queued or running is left
        panel.locator(".qm-usage").first.filter(
            has_text=re.compile(r"0 queued · 0 running")).wait_for(timeout=60_000)
        assert re.search(r"1 cancelled", panel.locator(".qm-usage").first.inner_text())
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-batch-final.png"))
        page.close()
