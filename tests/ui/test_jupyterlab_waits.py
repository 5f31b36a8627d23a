"""In a real JupyterLab: job-mode jobs on a busy ``fake_manila`` (other users at a load of
0.8, in device time) wait for the QPU after their classical phase. The widget draws that wait
as queued (pixels of the queued colour on the canvas where the store says the job waited),
its tooltip says why ("… other users' jobs ahead"), and the other users' band is drawn.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.jupyterlab import (
    ARTIFACTS,
    PANEL,
    open_notebook,
    run_all,
    screenshot,
    switch_theme,
    wait_cells_done,
    write_notebook,
)

pytestmark = pytest.mark.ui

SETUP = """%load_ext qmodes
%config QModes.device_load = 0.8"""

JOB_MODE = """import qmodes
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qmodes.widget import TimelineWidget

TimelineWidget().show()  # everything on the timeline: here, job mode
backend = qmodes.get_backend("fake_manila")
bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
bell.measure_all()
isa = generate_preset_pass_manager(1, backend=backend).run(bell)
sampler = qmodes.Sampler(mode="fake_manila")
jobs = [sampler.run([isa], shots=4000) for _ in range(4)]  # together: they queue
results = [job.result() for job in jobs]
"""

# The widget's store: per job row, its gaps (waits after its classical phase), the reason
# the kernel sent, and the queued colour; and the band of other users.
STORE = """(panel) => {
  const root = document.querySelector(panel + " .qm-root");
  const q = root.parentElement.__qmodes;
  const rows = q.store.rows.map((job, r) => {
    const sp = job.spans, cls = sp.find((s) => s[0] === 1), qpu = sp.find((s) => s[0] === 2);
    return {r, id: job.id, wait: job.wait ?? null, status: job.status,
            gap: cls && qpu && cls[2] !== null ? [cls[2], qpu[1]] : null};
  });
  return {rows, load: q.view.summary.load || null};
}"""

# The canvas pixel in the middle of a row's gap, and the queued colour as the canvas draws it.
PIXEL = """([panel, r, t]) => {
  const root = document.querySelector(panel + " .qm-root"), q = root.parentElement.__qmodes;
  const canvas = root.querySelector(".qm-scroll canvas"), d = window.devicePixelRatio || 1;
  const rgb = (g, x, y) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)];
  const g = canvas.getContext("2d"), probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = getComputedStyle(root).getPropertyValue("--qm-queued").trim();
  probe.fillRect(0, 0, 1, 1);
  const x = Math.round(q.x(t) * d), y = Math.round((22 + r * 16 + 8) * d);
  return {pixel: rgb(g, x, y), queued: rgb(probe, 0, 0)};
}"""


def test_job_mode_waits_are_drawn_as_queued_with_their_reason(server, browser):
    write_notebook(server.notebooks / "waits.ipynb", [SETUP, JOB_MODE])
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    panel = open_notebook(page, f"{server.url}/lab/tree/waits.ipynb?reset")
    run_all(page, panel)
    wait_cells_done(page, panel, timeout=120_000)
    root = panel.locator(".qm-root").first
    root.wait_for(timeout=30_000)
    # the kernel's last update: every job done, and the reasons of those that waited
    page.wait_for_function(
        f"""(panel) => {{ const s = ({STORE})(panel);
              return s.rows.length === 4 && s.rows.every((r) => r.status === "DONE")
                && s.rows.some((r) => r.wait); }}""", arg=PANEL, timeout=30_000)
    state = page.evaluate(STORE, PANEL)
    assert state["load"] and state["load"]["intervals"], state  # other users' band
    waited = [row for row in state["rows"] if row["wait"]]
    assert any(re.fullmatch(r".*\d+ other users?'s? jobs? ahead", row["wait"]) for row in waited)
    row = max(waited, key=lambda r: r["gap"][1] - r["gap"][0] if r["gap"] else 0)
    assert row["gap"] and row["gap"][1] - row["gap"][0] > 1.0, row  # after classical: a wait

    # drawn as queued: the canvas, halfway through the gap, has the queued colour
    middle = (row["gap"][0] + row["gap"][1]) / 2
    drawn = page.evaluate(PIXEL, [PANEL, row["r"], middle])
    assert drawn["pixel"] == drawn["queued"], drawn

    ARTIFACTS.mkdir(exist_ok=True)
    root.screenshot(path=str(ARTIFACTS / "widget-waits-light.png"))

    # the tooltip says how long and why
    box = page.locator(f"{PANEL} .qm-scroll canvas").first.bounding_box()
    x = page.evaluate(f"(t) => document.querySelector('{PANEL} .qm-root')"
                      ".parentElement.__qmodes.x(t)", middle)
    page.mouse.move(box["x"] + x, box["y"] + 22 + row["r"] * 16 + 8)
    tip = panel.locator(".qm-tip").first
    tip.locator(".qm-tip-why").wait_for(timeout=10_000)
    text = tip.inner_text()
    assert re.search(r"\nwaited \d[\dm.]* ?\d*s for the QPU: ", text), text  # "2m 29s" too
    assert tip.locator(".qm-tip-why").inner_text() == row["wait"]
    assert panel.locator(".qm-load-key").first.is_visible()  # "other users" in the legend
    root.screenshot(path=str(ARTIFACTS / "widget-waits-tooltip.png"))

    switch_theme(page, "JupyterLab Dark")
    page.wait_for_function(  # repainted in the dark theme's colours
        """(panel) => { const root = document.querySelector(panel + " .qm-root");
             const c = root.querySelector(".qm-scroll canvas").getContext("2d");
             const [r, g, b] = c.getImageData(c.canvas.width - 3, 1, 1, 1).data;
             return r + g + b < 200; }""", arg=PANEL, timeout=30_000)
    page.mouse.move(0, 0)
    root.screenshot(path=str(ARTIFACTS / "widget-waits-dark.png"))
    screenshot(page, "jupyterlab-waits")
    assert errors == []
    page.close()
