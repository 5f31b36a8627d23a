"""In Notebook 7 (``jupyter notebook``): a ``%%batch`` cell shows the same live timeline as in
JupyterLab, over the same widget protocol (anywidget through the ipywidgets manager).

The header names the mode, backend and final status, the usage panel counts the jobs, and the
chart has one row per job. The widget's store is filled only from the kernel's deltas, so rows
there mean the comm works in this front-end too.
"""

from __future__ import annotations

import pytest

from tests.ui.jupyterlab import open_notebook, run_all, screenshot, wait_cells_done, write_notebook

pytestmark = pytest.mark.ui

APP = "notebook"

BATCH_CELL = """%%batch --backend aer
from qiskit import QuantumCircuit

circuit = QuantumCircuit(3)
circuit.h(0)
circuit.cx(0, 1)
circuit.cx(1, 2)
circuit.measure_all()
jobs = [sampler.run([circuit], shots=256) for _ in range(5)]
results = [job.result() for job in jobs]
"""


def test_batch_cell_renders_rows_and_header_in_notebook7(server, browser):
    write_notebook(server.notebooks / "nb7.ipynb", ["%load_ext qmodes", BATCH_CELL])
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
    panel = open_notebook(page, f"{server.url}/notebooks/nb7.ipynb")
    assert page.locator("body[data-notebook='notebooks']").count() == 1, "not Notebook 7"
    run_all(page, panel)
    wait_cells_done(page, panel)

    root = panel.locator(".jp-Cell").nth(1).locator(".qm-root")
    root.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('.qm-root')?.dataset.jobs === '5'", timeout=30_000)
    header = root.locator(".qm-header")
    header.locator(".qm-status").filter(has_text="Closed").wait_for(timeout=30_000)
    header_text = header.inner_text()
    assert "batch" in header_text and "aer" in header_text and "max time" in header_text
    root.locator(".qm-usage").filter(has_text="5 done").wait_for(timeout=30_000)
    assert "5 jobs" in root.locator(".qm-rows").inner_text()
    # rows are drawn: the canvas is tall enough for five rows and not blank where they are
    box = root.locator(".qm-scroll canvas").bounding_box()
    assert box["height"] >= 22 + 5 * 16
    drawn = page.evaluate("""() => {
      const c = document.querySelector('.qm-scroll canvas'), d = window.devicePixelRatio || 1;
      const g = c.getContext('2d'), w = c.width;
      const px = g.getImageData(0, Math.round((22 + 2 * 16 + 8) * d), w, 1).data;
      const bg = g.getImageData(w - 2, 1, 1, 1).data;
      const off = (i) => Math.abs(px[i] - bg[0]) + Math.abs(px[i + 1] - bg[1])
        + Math.abs(px[i + 2] - bg[2]);
      let n = 0;
      for (let i = Math.round(140 * d) * 4; i < px.length; i += 4) if (off(i) > 60) n++;
      return n;
    }""")
    assert drawn > 0, "no job segment drawn in the third row"
    screenshot(page, "notebook7-batch")
    # Notebook 7.6 itself throws one "reading 'schema'" error at start, with no notebook
    # extension loaded: only errors from other code count
    assert [e for e in errors if "/static/notebook/notebook_core." not in e] == []
    page.close()
