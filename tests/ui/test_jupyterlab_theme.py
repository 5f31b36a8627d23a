"""In JupyterLab's dark theme (set in the user settings, as the Settings Editor saves it) the
widget takes its colours from the page's theme variables, on its HTML and on its canvas alike,
and follows a switch back to the light theme without a re-run.
"""

from __future__ import annotations

import pytest

from tests.ui.jupyterlab import (
    ARTIFACTS,
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

BATCH_CELL = """%%batch --backend aer
from qiskit import QuantumCircuit

circuit = QuantumCircuit(2)
circuit.h(0)
circuit.cx(0, 1)
circuit.measure_all()
jobs = [sampler.run([circuit], shots=128) for _ in range(3)]
results = [job.result() for job in jobs]
"""

COLOURS = """(panel) => {
  const probe = (prop, value) => {  // a CSS colour as the browser computes it (rgb/rgba)
    const d = document.createElement("div");
    d.style[prop] = value;
    document.body.append(d);
    const out = getComputedStyle(d)[prop];
    d.remove();
    return out;
  };
  const root = document.querySelector(panel + " .qm-root"), cs = getComputedStyle(root);
  const canvas = root.querySelector(".qm-scroll canvas");
  const [r, g, b] = canvas.getContext("2d").getImageData(canvas.width - 3, 1, 1, 1).data;
  return {
    theme: document.body.dataset.jpThemeName,
    layout0: probe("backgroundColor", "var(--jp-layout-color0)"),
    font1: probe("color", "var(--jp-ui-font-color1)"),
    background: cs.backgroundColor,
    text: cs.color,
    canvas: `rgb(${r}, ${g}, ${b})`,
    status: getComputedStyle(root.querySelector(".qm-status")).color,
  };
}"""


def colours(page) -> dict[str, str]:
    return page.evaluate(COLOURS, PANEL)


def test_widget_follows_the_dark_theme_and_a_switch_to_light(server, browser):
    write_notebook(server.notebooks / "theme.ipynb", ["%load_ext qmodes", BATCH_CELL])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    panel = open_notebook(page, f"{server.url}/lab/tree/theme.ipynb?reset")
    page.wait_for_function("() => document.body.dataset.jpThemeName === 'JupyterLab Dark'",
                           timeout=30_000)
    run_all(page, panel)
    wait_cells_done(page, panel)
    root = panel.locator(".qm-root").first
    root.locator(".qm-status").filter(has_text="Closed").wait_for(timeout=30_000)

    dark = colours(page)
    assert dark["theme"] == "JupyterLab Dark"
    assert dark["background"] == dark["layout0"], dark
    assert dark["text"] == dark["font1"], dark
    assert dark["canvas"] == dark["layout0"], dark
    assert dark["status"] == dark["font1"], dark
    screenshot(page, "jupyterlab-dark")
    root.screenshot(path=str(ARTIFACTS / "widget-dark.png"))

    # Settings > Theme > JupyterLab Light: the widget follows without re-running the cell
    switch_theme(page, "JupyterLab Light")
    # the canvas is repainted on the next frame: wait for that, not for a fixed time
    page.wait_for_function(f"(panel) => {{ const c = ({COLOURS})(panel); "
                           "return c.canvas === c.layout0; }", arg=PANEL, timeout=30_000)
    light = colours(page)
    assert light["layout0"] != dark["layout0"] and light["font1"] != dark["font1"], light
    assert light["background"] == light["layout0"], light
    assert light["text"] == light["font1"], light
    assert light["canvas"] == light["layout0"], light
    screenshot(page, "jupyterlab-light-after-dark")
    assert errors == []
    page.close()
