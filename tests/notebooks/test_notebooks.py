"""The tutorial notebooks run from top to bottom in a real kernel and show what they promise.

Each notebook is executed with nbclient (widget state stored), exactly as
``notebooks/execute.py`` does for the committed copies: as on a machine without an IBM account
(the kernel's HOME is empty), so ``04_ibm_hardware.ipynb`` runs against qmodes' fake IBM
runtime server. The committed copies are checked
too: executed, no stale errors, no local paths or keys, a reasonable size.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MAX_BYTES = 1_000_000


def _load_execute() -> Any:
    spec = importlib.util.spec_from_file_location(
        "qmodes_notebooks_execute", NOTEBOOKS / "execute.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute = _load_execute()
NAMES = [path.name for path in execute.notebooks()]


def test_the_four_tutorials_are_there() -> None:
    assert NAMES == [
        "01_execution_modes.ipynb",
        "02_session_vqe.ipynb",
        "03_batch_sweep.ipynb",
        "04_ibm_hardware.ipynb",
        "05_budget.ipynb",
        "06_cluster.ipynb",
    ]


@pytest.fixture(scope="module")
def qmodes_home(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("qmodes-home"))


@pytest.fixture(scope="module")
def run(qmodes_home: str) -> Callable[[str], nbformat.NotebookNode]:
    """Execute a notebook once for all the tests of this module; later calls reuse it."""
    cache: dict[str, nbformat.NotebookNode] = {}

    def run(name: str) -> nbformat.NotebookNode:
        if name not in cache:
            cache[name] = execute.execute(NOTEBOOKS / name, qmodes_home)
        return cache[name]

    return run


# -- reading outputs -----------------------------------------------------------------------
def _text(cell: Any) -> str:
    """All the text a code cell showed: streams, plain-text results, error names."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
        else:
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def _all_text(notebook: Any) -> str:
    return "\n".join(_text(cell) for cell in notebook.cells if cell.cell_type == "code")


def _errors(notebook: Any) -> list[tuple[int, str]]:
    return [
        (index, f"{output.ename}: {output.evalue}")
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]


def _expected_errors(notebook: Any) -> list[int]:
    return [
        index
        for index, cell in enumerate(notebook.cells)
        if "raises-exception" in cell.metadata.get("tags", [])
    ]


def _cell_after(notebook: Any, needle: str) -> Any:
    """The first code cell whose source contains ``needle``."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and needle in cell.source:
            return cell
    raise AssertionError(f"no cell contains {needle!r}")


def _widget_models(notebook: Any) -> dict[str, Any]:
    return notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def _check_clean(notebook: Any, name: str) -> None:
    """Only the cells tagged raises-exception failed; widget state stored; nothing local."""
    assert [index for index, _ in _errors(notebook)] == _expected_errors(notebook), (
        f"{name}: unexpected errors {_errors(notebook)}"
    )
    models = _widget_models(notebook)
    assert any(m.get("model_name") == "AnyModel" for m in models.values()), (
        f"{name}: no widget state stored"
    )
    raw = nbformat.writes(notebook)
    home = str(Path.home())
    for local in (
        "/work/",
        "/tmp/",
        "/root/",
        "/home/",
        "qmodes-test-key",
        "site-packages",
        *([home + "/"] if len(home) > 1 else []),
    ):
        assert local not in raw, f"{name}: output contains {local!r}"


# -- every notebook ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_without_error(run: Callable[[str], Any], name: str) -> None:
    notebook = run(name)
    _check_clean(notebook, name)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code)
    summaries = re.findall(
        r"^(session|batch) closed · .* · usage [\d.]+ s ", _all_text(notebook), flags=re.M
    )
    assert summaries, f"{name}: no magic summary line"


@pytest.mark.parametrize("name", NAMES)
def test_committed_copy_is_executed_and_clean(name: str) -> None:
    path = NOTEBOOKS / name
    assert path.stat().st_size < MAX_BYTES
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{name}: not executed top to bottom"
    _check_clean(notebook, name)
    assert notebook.metadata["kernelspec"]["name"] == "python3"


# -- what each notebook shows --------------------------------------------------------------
def test_execution_modes(run: Callable[[str], Any]) -> None:
    nb = run("01_execution_modes.ipynb")
    text = _all_text(nb)
    assert re.search(r"job mode usage: 12 jobs, Σ Q_j = [\d.]+ s \(projected for fake_manila\)",
                     text)
    session = _text(_cell_after(nb, "details = session.details()"))
    billed = re.search(r"session.usage\(\) = ([\d.]+) s \(idle billed ([\d.]+) s\)", session)
    assert billed and float(billed.group(2)) >= 1.0  # 3 * 0.5 s of classical work billed
    side = _text(_cell_after(nb, "'on the device'"))
    rows = {m[0]: [float(x) for x in m[1:]] for m in re.findall(
        r"^ *(job|batch|session) \| +([\d.]+) s \| +([\d.]+) s \| +(\d+) \| +([\d.]+) s \| "
        r"([\d.]+) s$", side, flags=re.M)}
    assert set(rows) == {"job", "batch", "session"}
    device, between, usage = (lambda mode, i: rows[mode][i]), 2, 3
    assert device("session", between) == 0 < device("job", between)  # exclusive vs. turns
    assert device("session", 0) < device("job", 0)  # the session waited once
    assert device("job", usage) == device("batch", usage) < device("session", usage)
    assert all(device(mode, 4) < device(mode, 0) for mode in rows)  # no waiting here
    # the advisor replays the device's load over seeded crowds and agrees with the run
    advice = _text(_cell_after(nb, "advice = session.advise()"))
    assert "other users' load 80%, median of 32 seeded crowds" in advice
    assert re.search(r"\(cheapest: batch · fastest: \w+ · objective balanced: ", advice)
    check = _text(_cell_after(nb, "the measured run against the advisor's range"))
    assert check.count(": inside;") == 3 and "OUTSIDE" not in check
    fastest = re.search(r"fastest here: (\w+); fastest by the advisor's medians: (\w+)", check)
    assert fastest and fastest.group(1) == fastest.group(2)
    idle = _text(_cell_after(nb, "session.advise(load=0)"))
    assert "idle device" in idle and "→ batch: the cheapest and the fastest" in idle
    # always close: the failing cell failed, and its session is closed
    failing = _cell_after(nb, "my analysis failed")
    assert "RuntimeError: my analysis failed" in _text(failing)
    assert "session closed · 1 job (1 done)" in _text(failing)
    assert "Closed · accepting jobs: False" in _text(_cell_after(nb, "print(failing.status()"))
    # combining jobs: one job of four PUBs is projected cheaper than four jobs
    combined = _text(_cell_after(nb, "four_jobs = "))
    four, one = (float(x) for x in re.findall(r"PUBs?: ([\d.]+) s projected", combined))
    assert one < four / 2
    # parallel lanes: the QPU takes one job at a time, the lanes several
    lanes = _text(_cell_after(nb, "def most_at_once"))
    assert "jobs on the QPU at once:              1" in lanes
    at_once = re.search(r"classical processing at once: (\d)", lanes)
    assert at_once and int(at_once.group(1)) >= 2


def test_session_vqe(run: Callable[[str], Any]) -> None:
    nb = run("02_session_vqe.ipynb")
    text = _all_text(nb)
    assert re.search(r"\d+ energy evaluations; best -1\.\d+ Ha", text)
    changes = _text(_cell_after(nb, "state changes"))
    assert "active → inactive → active" in changes  # the TTL deactivated, a job reactivated
    assert "window 2:" in changes and "window 3:" not in changes
    assert "other users on the QPU inside the windows: 0.0 s" in changes
    arrived = re.search(r"arrived while a window was open: (\d+); each waited until the window "
                        r"closed: True", changes)
    assert arrived and int(arrived.group(1)) >= 1  # the session kept the device; they waited
    assert "projected for fake_manila" in changes
    metrics = _text(_cell_after(nb, "metrics()"))
    assert "'quantum_seconds'" in metrics and "'simulation_seconds'" in metrics
    advice = _text(_cell_after(nb, "session.advise(load=0)"))
    assert "other users' load" in advice and "seeded crowds" in advice  # the device's load
    assert "idle device" in advice and "(cheapest: batch · fastest: " in advice


def test_batch_sweep(run: Callable[[str], Any]) -> None:
    nb = run("03_batch_sweep.ipynb")
    text = _all_text(nb)
    assert "batch closed · 16 jobs (16 done)" in text
    assert "batch closed · 1 job (1 done)" in text
    table = _text(_cell_after(nb, "ideal   16 jobs"))
    rows = [line.split() for line in table.splitlines()[1:]]
    assert len(rows) == 16
    assert all(abs(float(a) - float(b)) < 0.15 for _, _, a, b in rows)
    saving = re.search(r"combining saves (\d+)%", text)
    assert saving and int(saving.group(1)) > 50
    assert "at your price" in text


def test_ibm_hardware_against_the_test_server(run: Callable[[str], Any]) -> None:
    """Without an IBM account (the kernel's HOME is empty), notebook 04 says so in one line
    and runs every cell against qmodes' offline IBM Quantum server."""
    nb = run("04_ibm_hardware.ipynb")
    text = _all_text(nb)
    first = _text(nb.cells[1]).splitlines()
    assert first == ["No IBM Quantum account here: running on qmodes' offline IBM Quantum "
                     "server (qmodes.testing.FakeRuntimeServer) instead.",
                     "device: ibm:fake_manila"]
    assert "AccountNotFoundError" not in text
    assert "batch closed · 4 jobs (4 done) · usage" in text and "reported by IBM" in text
    details = _text(_cell_after(nb, "details = session.details()"))
    assert "state: closed" in details and "(reported by IBM)" in details
    assert "cannot reach IBM" not in text


def test_budget_against_the_test_server(run: Callable[[str], Any]) -> None:
    nb = run("05_budget.ipynb")
    rehearsal = _text(_cell_after(nb, "--rehearse"))
    assert "nothing was sent to IBM; projected bill (remaining allowance 1m)" in rehearsal
    projected = float(re.search(r"→ batch\s+([\d.]+)s", rehearsal).group(1))
    refused = _text(_cell_after(nb, "--budget 6s"))
    assert "BudgetExceededError" in refused and "budget 6.0s" in refused
    real = _text(_cell_after(nb, "rehearsal projected"))
    billed = float(re.search(r"the batch billed ([\d.]+) s", real).group(1))
    assert billed == pytest.approx(projected, rel=0.05)
    assert re.search(r"IBM allowance: [\d.]+s remaining of 1m", real)
    chart = _cell_after(nb, "%qmodes usage")
    assert any("image/svg+xml" in o.get("data", {}) for o in chart.outputs)


def test_cluster_rehearsal(run: Callable[[str], Any]) -> None:
    nb = run("06_cluster.ipynb")
    status = _text(_cell_after(nb, '%config QModes.cluster = "local"'))
    assert "compute: Dask at tcp://127.0.0.1:" in status and "started by qmodes" in status
    where = _text(_cell_after(nb, "for job, result in zip(jobs, results)"))
    assert len(re.findall(r"simulated on tcp://127\.0\.0\.1:\d+ in [\d.]+ s", where)) == 8
    same = _text(_cell_after(nb, "same_counts = "))
    assert "identical seeded counts: True" in same and "identical QPU durations: True" in same
    assert "ran in the kernel: True" in same
    assert "compute: in the kernel" in _text(_cell_after(nb, "%config QModes.cluster = None"))


def test_widget_state_is_small_json(run: Callable[[str], Any]) -> None:
    for name in NAMES:
        models = _widget_models(run(name))
        assert len(json.dumps(models)) < MAX_BYTES // 2
