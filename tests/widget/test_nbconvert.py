"""A notebook executed with nbclient and exported by nbconvert shows the final static snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import nbclient
import nbformat
from nbconvert import HTMLExporter

REPO = Path(__file__).resolve().parents[2]

CELL = """%%batch --backend aer
from qiskit import QuantumCircuit
c = QuantumCircuit(2); c.h(0); c.cx(0, 1); c.measure_all()
jobs = [sampler.run([c], shots=100) for _ in range(5)]
batch.wait(60)
"""


def test_nbconvert_html_has_the_final_svg_snapshot(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext qmodes"), nbformat.v4.new_code_cell(CELL)]
    nbclient.NotebookClient(nb, store_widget_state=True, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[1].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    static = [o for o in outputs if "text/html" in o.get("data", {})]
    assert static and "Closed" in static[0]["data"]["text/plain"]
    assert "5 jobs (5 DONE)" in static[0]["data"]["text/plain"]
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert '<div class="qmodes-static">' in html and "<svg" in html
    assert "batch on aer — Closed" in html
