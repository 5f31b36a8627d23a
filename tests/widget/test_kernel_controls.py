"""In a real ipykernel, no browser: a widget command acts while the cell blocks in result().

The test plays the front-end: it reads the widget's ``comm_open`` on IOPub and, while the
cell waits for the last of 40 jobs on Aer (about 0.1 s each), sends the widget's
``cancel_context`` message on the shell channel, as JupyterLab does for a click on *Cancel*.
The kernel handles it on the qmodes subshell (ipykernel 7), or from qmodes' wait with
jupyter-ui-poll (ipykernel 6): the cell's ``result()`` raises long before the batch could
have finished (without either, the command waits for the cell and the last job ends DONE).
The latency is measured by ``bench/bench_controls.py``.

The ipykernel-6 case runs where ``QMODES_TEST_IPYKERNEL6`` names a folder holding ipykernel
6 (``pip install --no-deps --target DIR "ipykernel==6.29.5"``); it is put first on the
kernel's ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.slow_job import SLOW_CIRCUIT

jupyter_client = pytest.importorskip("jupyter_client")

CELL = """%%batch --backend aer
import time
import qmodes
""" + SLOW_CIRCUIT + """jobs = [sampler.run([circuit], shots=200) for _ in range(40)]
try:
    jobs[-1].result()
    print("DONE")
except qmodes.JobCancelledError:
    print(f"CANCELLED {time.time():.3f} {sum(j.status() == 'CANCELLED' for j in jobs)}")
"""


IPYKERNEL6 = os.environ.get("QMODES_TEST_IPYKERNEL6")


@pytest.mark.parametrize("kernel", [
    "ipykernel",
    pytest.param("ipykernel6", marks=pytest.mark.skipif(
        not IPYKERNEL6, reason="set QMODES_TEST_IPYKERNEL6 to a folder holding ipykernel 6")),
])
def test_cancel_reaches_a_kernel_blocked_in_result(tmp_path: Path, kernel: str) -> None:
    env = {**os.environ, "QMODES_HOME": str(tmp_path)}
    if kernel == "ipykernel6":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [IPYKERNEL6, env.get("PYTHONPATH")]))
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3", env=env)
    try:
        client.execute_interactive("%load_ext qmodes", timeout=60)
        versions: list[str] = []
        client.execute_interactive(
            "import ipykernel; print(ipykernel.__version__)", timeout=60,
            output_hook=lambda m: versions.append(m["content"].get("text", "")))
        assert "".join(versions).startswith("6." if kernel == "ipykernel6" else "7.")
        msg_id = client.execute(CELL)
        widget, output, sent, comm_id = None, "", None, None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                msg = client.get_iopub_msg(timeout=1)
            except Exception:  # queue.Empty
                msg = None
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                kind, content = msg["msg_type"], msg["content"]
                state = content.get("data", {}).get("state", {})
                if kind == "comm_open" and "snapshot" in state:
                    comm_id = content["comm_id"]
                contexts = state.get("summary", {}).get("contexts")
                if widget is None and kind == "comm_msg" and contexts:
                    widget = (content["comm_id"], contexts[0]["id"])
                    assert widget[0] == comm_id
                    opened = time.monotonic()
                elif kind == "stream":
                    output += content["text"]
                elif kind == "error":
                    pytest.fail("\n".join(content["traceback"]))
                elif kind == "status" and content["execution_state"] == "idle":
                    break
            if widget and sent is None and time.monotonic() - opened > 1:  # some jobs ran
                sent = time.time()
                client.shell_channel.send(client.session.msg("comm_msg", {
                    "comm_id": widget[0], "data": {"method": "custom", "content": {
                        "kind": "cancel_context", "context_id": widget[1]}}}))
        assert widget is not None, "the cell showed no widget"
        assert sent is not None and "CANCELLED" in output, output
        at, cancelled = output.split("CANCELLED ")[1].split()[:2]
        assert float(at) >= sent
        assert int(cancelled) >= 10  # 40 jobs of ~0.1 s each: many were still queued
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
