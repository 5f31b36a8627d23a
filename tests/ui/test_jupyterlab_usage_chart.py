"""``%qmodes usage`` draws its chart (an inline SVG) in JupyterLab: bars, the budget and
allowance lines, and text in the theme's colour, in the dark theme and after a switch to light.
"""

from __future__ import annotations

import pytest

from tests.ui.jupyterlab import (
    DARK_THEME,
    PANEL,
    open_notebook,
    run_all,
    screenshot,
    switch_theme,
    wait_cells_done,
    write_notebook,
)

pytestmark = pytest.mark.ui

SETTINGS = DARK_THEME

SETUP = "%load_ext qmodes"  # the kernel's ledger is the server's own (QMODES_HOME, per module)

BATCH_CELL = """%%batch --backend fake_manila --no-widget
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

circuit = QuantumCircuit(2)
circuit.h(0)
circuit.cx(0, 1)
circuit.measure_all()
isa = generate_preset_pass_manager(1, backend=batch.target).run(circuit)
jobs = [sampler.run([isa], shots=128) for _ in range(2)]
results = [job.result() for job in jobs]
"""

CHART = """%config QModes.budget = "10s"
%qmodes usage"""

READ = """(panel) => {
  const probe = (value) => {
    const d = document.createElement("div");
    d.style.color = value;
    document.body.append(d);
    const out = getComputedStyle(d).color;
    d.remove();
    return out;
  };
  const svg = document.querySelector(panel + " svg.qmodes-usage-chart");
  if (!svg) return null;
  const label = [...svg.querySelectorAll("text")].find((t) => t.textContent.startsWith("budget"));
  const area = svg.closest(".jp-RenderedHTMLCommon") || svg.parentElement;
  return {
    bars: svg.querySelectorAll("rect.bar").length,
    budget: !!svg.querySelector("line.budget"),
    width: svg.getBoundingClientRect().width,
    fill: getComputedStyle(label).fill,
    outputColour: getComputedStyle(area).color,
    page: probe("var(--jp-content-font-color1)"),
  };
}"""


def luminance(rgb: str) -> float:
    r, g, b = (int(x) for x in rgb[rgb.index("(") + 1: rgb.index(")")].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_usage_chart_in_dark_and_light(server, browser):
    write_notebook(server.notebooks / "chart.ipynb", [SETUP, BATCH_CELL, CHART])
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    panel = open_notebook(page, f"{server.url}/lab/tree/chart.ipynb?reset")
    page.wait_for_function("() => document.body.dataset.jpThemeName === 'JupyterLab Dark'",
                           timeout=30_000)
    run_all(page, panel)
    wait_cells_done(page, panel, timeout=120_000)
    panel.locator("svg.qmodes-usage-chart").first.wait_for(timeout=30_000)
    dark = page.evaluate(READ, PANEL)
    assert dark["bars"] == 1 and dark["budget"] and dark["width"] > 300, dark
    assert dark["fill"] == dark["outputColour"], dark  # currentColor: the theme's text colour
    assert luminance(dark["fill"]) > 150, dark  # light text on the dark theme
    screenshot(page, "usage-chart-dark")

    switch_theme(page, "JupyterLab Light")
    light = page.evaluate(READ, PANEL)
    assert light["fill"] == light["outputColour"], light
    assert luminance(light["fill"]) < 100, light  # dark text on the light theme
    screenshot(page, "usage-chart-light")
    assert errors == []
    page.close()
