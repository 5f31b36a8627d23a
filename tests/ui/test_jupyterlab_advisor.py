"""In a real JupyterLab, dark theme then light: the advisor panel reads at a glance.

A batch of independent jobs on fake_manila shows a compact table (mode, billed usage, wall
time, idle billed) with the recommended mode first, the recommendation in one line, the
"combine" hint with its saving in seconds and the sources in one muted footnote. A session
loop that reads each result before the next job is not told to combine. Screenshots of the
panel in both themes go to ``test-artifacts/``.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.jupyterlab import (
    ARTIFACTS,
    DARK_THEME,
    PANEL,
    open_notebook,
    run_all,
    switch_theme,
    wait_cells_done,
    write_notebook,
)

pytestmark = pytest.mark.ui

SETTINGS = DARK_THEME

SETUP = """from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
import qmodes
bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()
isa = generate_preset_pass_manager(
    optimization_level=1, backend=qmodes.get_backend("fake_manila").device).run(bell)"""

BATCH_CELL = """%%batch --backend fake_manila
jobs = [sampler.run([isa], shots=100) for _ in range(6)]
results = [job.result() for job in jobs]"""

LOOP_CELL = """%%session --backend fake_manila
for step in range(4):  # each job needs the previous result, as in VQE
    counts = sampler.run([isa], shots=100).result()[0].data.meas.get_counts()"""

PANEL_STATE = """(root) => {
  const advice = root.querySelector(".qm-advice"), cs = (e) => getComputedStyle(e);
  const probe = (value) => {
    const d = document.createElement("div");
    d.style.color = value;
    document.body.append(d);
    const out = getComputedStyle(d).color;
    d.remove();
    return out;
  };
  return {
    head: [...advice.querySelectorAll("th")].map((e) => e.textContent),
    rows: [...advice.querySelectorAll("tbody tr")].map(
      (tr) => [...tr.cells].map((c) => c.textContent.trim())),
    recommended: [...advice.querySelectorAll("tr.qm-rec")].map((tr) => tr.dataset.mode),
    rec: [...advice.querySelectorAll(".qm-adv-rec")].map((e) => e.textContent),
    hints: [...advice.querySelectorAll(".qm-hints li")].map((e) => e.textContent),
    feet: [...advice.querySelectorAll(".qm-adv-foot")].map((e) => e.textContent),
    footColor: cs(advice.querySelector(".qm-adv-foot")).color,
    tableColor: cs(advice.querySelector("td")).color,
    muted: probe("var(--jp-ui-font-color2)"),
    text: probe("var(--jp-ui-font-color1)"),
    background: cs(advice).backgroundColor,
    layout1: getComputedStyle(document.body).getPropertyValue("--jp-layout-color1").trim(),
  };
}"""


def panel_state(page, index: int) -> dict:
    root = page.locator(f"{PANEL} .qm-root").nth(index)
    return root.evaluate(PANEL_STATE)


def check_batch_panel(state: dict) -> None:
    assert state["head"] == ["mode", "billed usage", "wall time", "p10–p90", "waited",
                             "idle billed"], state
    assert [row[0].split()[0] for row in state["rows"]] == ["batch", "session", "job"], state
    assert state["rows"][0][0] == "batch recommended" and state["recommended"] == ["batch"]
    for row in state["rows"]:
        assert all(re.fullmatch(r"[\d,.]+ s", cell) for cell in row[1:3]), row
    assert state["rows"][2][5] == "–"  # job mode bills no idle time
    assert len(state["rec"]) == 1 and state["rec"][0].startswith("→ batch: ")
    [combine] = [h for h in state["hints"] if "combine" in h]
    assert re.search(r"save ~\d+ s of QPU time", combine), combine
    assert len(state["feet"]) == 1 and "projected for fake_manila" in state["feet"][0]
    assert state["footColor"] == state["muted"] != state["tableColor"] == state["text"], state


def test_advisor_panel_table_in_dark_and_light_themes(server, browser):
    write_notebook(server.notebooks / "advisor.ipynb",
                   ["%load_ext qmodes", SETUP, BATCH_CELL, LOOP_CELL])
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    panel = open_notebook(page, f"{server.url}/lab/tree/advisor.ipynb?reset")
    page.wait_for_function("() => document.body.dataset.jpThemeName === 'JupyterLab Dark'",
                           timeout=30_000)
    run_all(page, panel)
    wait_cells_done(page, panel, timeout=120_000)
    roots = panel.locator(".qm-root")
    for i in range(2):
        roots.nth(i).locator(".qm-status").filter(has_text="Closed").wait_for(timeout=30_000)
        roots.nth(i).locator(".qm-adv-table").wait_for(timeout=30_000)

    dark = panel_state(page, 0)
    check_batch_panel(dark)
    loop = panel_state(page, 1)
    assert loop["rows"] and not [h for h in loop["hints"] if "combine" in h], loop
    ARTIFACTS.mkdir(exist_ok=True)
    roots.nth(0).locator(".qm-advice").screenshot(path=str(ARTIFACTS / "advisor-dark.png"))
    roots.nth(1).locator(".qm-advice").screenshot(path=str(ARTIFACTS / "advisor-loop-dark.png"))

    switch_theme(page, "JupyterLab Light")
    light = panel_state(page, 0)
    check_batch_panel(light)
    assert light["muted"] != dark["muted"] and light["background"] != dark["background"]
    roots.nth(0).locator(".qm-advice").screenshot(path=str(ARTIFACTS / "advisor-light.png"))
    assert errors == []
    page.close()
