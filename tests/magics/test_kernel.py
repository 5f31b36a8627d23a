"""The magics in a real ipykernel: Run All stops on a body's error, top-level await, shutdown.

ipykernel runs cells on its asyncio loop (an async cell as a task), so these check what a
plain shell cannot: the ContextVar reaches an awaiting body, and the kernel's exit closes
what a line magic left open.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]

SETUP = f"""
import sys; sys.path.insert(0, {str(ROOT)!r})
%load_ext qmodes
import qmodes
from qiskit import QuantumCircuit
bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()
"""


def run_notebook(*cells: str, home: Path | None = None, timeout: int = 120
                 ) -> tuple[nbformat.NotebookNode, Exception | None]:
    """Run the cells after SETUP in a fresh kernel; its ledger goes to ``home`` (default: the
    test's ``QMODES_HOME``, never the real ~/.qmodes)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP), *map(nbformat.v4.new_code_cell, cells)]
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}})
    env = dict(os.environ)
    if home is not None:
        env["QMODES_HOME"] = str(home)
    assert "QMODES_HOME" in env
    try:
        client.execute(env=env)
    except CellExecutionError as error:
        return notebook, error
    return notebook, None


def text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


@pytest.fixture(scope="module")
def kernel_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kernel-home")


@pytest.fixture(scope="module")
def notebook_run(kernel_home):
    return run_notebook(
        # 1: top-level await in the body, unmodified Sampler() code
        "%%session --no-widget\nimport asyncio\nawait asyncio.sleep(0.01)\n"
        "job = qmodes.Sampler().run([bell], shots=10)\n"
        "(await asyncio.to_thread(job.result))[0].data.meas.num_shots",
        # 2: synchronous body, last expression displayed
        "%%batch --no-widget\njobs = [sampler.run([bell], shots=10) for _ in range(2)]\n"
        "[j.result()[0].data.meas.num_shots for j in jobs]",
        # 3: a cell the checks below read
        "print(job.context_id == session.id, session.status(), batch.closed)",
        # 4: the body fails: the notebook stops here
        "%%session --no-widget\njob2 = sampler.run([bell], shots=10)\n1 / 0",
        # 5: never runs
        "print('after the error')",
        home=kernel_home,
    )


def test_top_level_await_in_a_kernel_uses_the_context(notebook_run):
    notebook, _ = notebook_run
    assert "10" in text(notebook.cells[1])
    assert "session closed · 1 job (1 done)" in text(notebook.cells[1])
    assert text(notebook.cells[3]).split() == ["True", "Closed", "True"]


def test_the_last_expression_of_a_body_is_the_cell_s_result(notebook_run):
    notebook, _ = notebook_run
    results = [o for o in notebook.cells[2].outputs if o.output_type == "execute_result"]
    assert [r.data["text/plain"] for r in results] == ["[10, 10]"]


def test_an_error_in_the_body_stops_run_all_after_closing(notebook_run):
    notebook, error = notebook_run
    assert error is not None and error.ename == "ZeroDivisionError"
    failed = notebook.cells[4]
    errors = [o for o in failed.outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "ZeroDivisionError"  # shown once
    assert "session closed · 1 job" in text(failed)
    assert notebook.cells[5].get("execution_count") is None  # Run All stopped


def test_the_kernel_s_contexts_and_jobs_are_in_its_ledger(notebook_run, kernel_home):
    from qmodes.ledger import Ledger

    ledger = Ledger(kernel_home / "ledger.sqlite3")
    try:
        contexts = sorted((row["created"], row["mode"], row["jobs"], row["state"])
                          for row in ledger.contexts())
        assert [c[1:] for c in contexts] == [("session", 1, "closed"), ("batch", 2, "closed"),
                                             ("session", 1, "closed")]
        assert len(ledger.jobs()) == 4
    finally:
        ledger.close()


def test_in_a_kernel_the_widget_or_its_text_line_opens_the_cell():
    notebook, error = run_notebook("%%batch\nprint('body')")
    assert error is None
    outputs = notebook.cells[1].outputs
    first = outputs[0]
    widget_view = "application/vnd.jupyter.widget-view+json"
    assert widget_view in first.get("data", {}) or first.get("text", "").startswith(
        "batch open · aer")


def test_kernel_shutdown_closes_the_line_form_context(tmp_path):
    from jupyter_client.manager import start_new_kernel

    log = tmp_path / "events.jsonl"
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        code = SETUP + f"""
%session --no-widget
import json
def record(event, path={str(log)!r}):
    with open(path, "a") as out:
        out.write(json.dumps({{"kind": event.kind, "data": repr(event.data)}}) + "\\n")
session.timeline.subscribe(record)
print(session.status())
"""
        reply = client.execute_interactive(code, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        manager.shutdown_kernel(now=False)  # a clean shutdown: the kernel's atexit runs
    finally:
        client.stop_channels()
        if manager.is_alive():
            manager.shutdown_kernel(now=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not log.exists():
        time.sleep(0.1)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(e["kind"] == "context.changed" and "'accepting_jobs': False" in e["data"]
               for e in events), events


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kernels via POSIX paths")


def test_kernel_shutdown_with_a_line_form_session_and_200_jobs_ends_all_final(qmodes_home,
                                                                              tmp_path):
    """Issue 10: a clean shutdown with 200 jobs submitted in an open ``%session``: queued jobs
    are cancelled, running ones get a bounded time, the session closes, and the timeline and
    the ledger hold every job in a final state."""
    from jupyter_client.manager import start_new_kernel

    from qmodes.ledger import Ledger

    log = tmp_path / "final.jsonl"
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        code = SETUP + f"""
%config QModes.pace = 1.0
%session --no-widget -b fake_manila
import json
def record(event, path={str(log)!r}):
    if event.kind == "job.changed" and event.data.get("status") in ("DONE", "CANCELLED",
                                                                     "ERROR"):
        with open(path, "a") as out:
            out.write(json.dumps([event.subject, event.data["status"]]) + "\\n")
session.timeline.subscribe(record)
paced = qmodes.Sampler(transpile=True)
jobs = [paced.run([bell], shots=10) for _ in range(200)]
print(session.id, sum(job.status() == "QUEUED" for job in jobs))
"""
        reply = client.execute_interactive(code, timeout=180, output_hook=_keep(outputs := []))
        assert reply["content"]["status"] == "ok", reply["content"]
        session_id, queued = "".join(outputs).split()
        assert int(queued) > 150  # paced to device time: most still wait
        started = time.monotonic()
        manager.shutdown_kernel(now=False)  # a clean shutdown: the kernel's atexit runs
        assert time.monotonic() - started < 60  # bounded, not 200 paced jobs long
    finally:
        client.stop_channels()
        if manager.is_alive():
            manager.shutdown_kernel(now=True)
    finals = dict(json.loads(line) for line in log.read_text().splitlines())
    assert len(finals) == 200
    assert "CANCELLED" in finals.values()
    ledger = Ledger(qmodes_home / "ledger.sqlite3")
    try:
        jobs = ledger.jobs(session_id)
        assert len(jobs) == 200
        assert {row["status"] for row in jobs} <= {"DONE", "CANCELLED", "ERROR"}
        (context,) = [row for row in ledger.contexts() if row["id"] == session_id]
        assert context["state"] == "closed" and context["jobs"] == 200
    finally:
        ledger.close()


def _keep(outputs: list[str]):
    def hook(message) -> None:
        if message["msg_type"] == "stream":
            outputs.append(message["content"]["text"])

    return hook
