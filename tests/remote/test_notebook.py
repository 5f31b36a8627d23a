"""``%%session --backend ibm:<device>`` in IPython and in a real kernel, against the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from IPython.core.error import UsageError

from qmodes.notebook.testing_shell import TestingShell
from tests.remote.conftest import TOKEN, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shell(runtime, ipython_shell) -> Iterator[TestingShell]:  # type: ignore[no-untyped-def]
    shell = ipython_shell
    shell.run_cell("%load_ext qmodes")
    shell.magics_manager.registry["QModesMagics"].contexts.runtime = runtime
    yield shell
    shell.run_cell("%unload_ext qmodes")
    for name in ("session", "batch", "sampler", "estimator", "jobs", "bell"):
        shell.user_ns.pop(name, None)


def test_session_cell_runs_on_ibm_and_its_jobs_carry_ibm_usage(server, runtime, shell,
                                                             bell_isa, capsys) -> None:
    shell.user_ns["bell"] = bell_isa
    shell.run_cell("%%session --backend ibm:fake_manila --no-widget\n"
                   "jobs = [sampler.run([bell], shots=10) for _ in range(2)]\n"
                   "counts = [job.result()[0].data.meas.get_counts() for job in jobs]\n")
    out = capsys.readouterr().out
    summary = next(line for line in out.splitlines() if line.startswith("session closed"))
    assert summary.startswith("session closed · 2 jobs (2 done)")
    assert summary.endswith("reported by IBM")
    session = shell.user_ns["session"]
    assert session.closed and session.backend_name == "ibm:fake_manila"
    wait_for(lambda: session.record().state == "closed")
    records = runtime.timeline.jobs(session.id)
    assert [r.status for r in records] == ["DONE", "DONE"]
    assert all(r.usage_reported and r.source == "reported by IBM" for r in records)
    assert {r.id for r in records} <= set(server.state.jobs)


def test_unknown_device_in_the_magic_is_one_usage_line(server, shell) -> None:
    with pytest.raises(UsageError, match=r"^%%batch: no device 'nope'.*ibm:fake_manila"):
        shell.run_cell("%%batch --backend ibm:nope\npass\n")


def test_a_notebook_runs_a_remote_session_and_its_saved_file_has_no_token(
        server, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n%load_ext qmodes\nimport qmodes\n"
        "from qiskit import QuantumCircuit\n"
        "from qiskit.transpiler import generate_preset_pass_manager\n"
        "from qiskit_ibm_runtime.fake_provider import FakeManilaV2\n"
        "bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()\n"
        "bell = generate_preset_pass_manager(optimization_level=1, "
        "backend=FakeManilaV2()).run(bell)",
        "%%session --backend ibm:fake_manila\n"
        "jobs = [sampler.run([bell], shots=10) for _ in range(2)]\n"
        "print([job.result()[0].data.meas.num_shots for job in jobs])",
        "import time\nfor _ in range(100):\n"
        "    if session.record().state == 'closed': break\n"
        "    time.sleep(0.1)\n"
        "print(session.status(), session.usage_figure(), [j.job_id() for j in jobs])",
    )]
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            store_widget_state=True,
                            resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    path = tmp_path / "remote.ipynb"
    nbformat.write(notebook, path)
    saved = path.read_text()
    assert TOKEN not in saved
    outputs = "".join(o.get("text", "") for o in notebook.cells[2].outputs)
    assert outputs.startswith("Closed") and "reported by IBM" in outputs
    job_ids = json.loads(outputs.split(" ", 1)[1].split("IBM ", 1)[1].replace("'", '"'))
    assert set(job_ids) <= set(server.state.jobs)
    widgets = json.dumps(notebook.metadata.get("widgets", {}))
    assert all(job_id in widgets for job_id in job_ids)  # the widget shows IBM's jobs
    assert "reported by IBM" in json.dumps([c.outputs for c in notebook.cells])
