"""``kill -9`` of a real kernel mid-batch: the next kernel's ``%qmodes history`` shows the dead
kernel's batch as closed ("process ended"), never active, and no job of it stays queued."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from qmodes.ledger import Ledger

ROOT = Path(__file__).resolve().parents[2]

SETUP = f"""
import sys; sys.path.insert(0, {str(ROOT)!r})
%load_ext qmodes
import os, qmodes
from qiskit import QuantumCircuit
"""

BATCH = """
from tests.ledger.kernel import layered

%batch --no-widget
jobs = [sampler.run([layered(14, 40, seed)], shots=4000) for seed in range(40)]
print("PID", os.getpid(), "BATCH", batch.id)
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kill -9 of a POSIX process")


def run(client, code: str) -> str:
    """Run ``code`` in the kernel; its printed output."""
    out: list[str] = []

    def hook(message: dict) -> None:
        if message["header"]["msg_type"] == "stream":
            out.append(message["content"]["text"])

    reply = client.execute_interactive(code, timeout=120, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out)


def test_a_kernel_killed_mid_batch_is_not_active_in_the_next_kernel_s_history(tmp_path):
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "QMODES_HOME": str(tmp_path)}
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        run(client, SETUP)
        words = run(client, BATCH).split()
        pid, batch_id = int(words[words.index("PID") + 1]), words[words.index("BATCH") + 1]
        reader = Ledger(tmp_path / "ledger.sqlite3", recover=False)
        deadline = time.monotonic() + 20
        while len(reader.jobs(batch_id)) < 40:  # written promptly by the writer thread
            assert time.monotonic() < deadline, "the batch's rows were not written"
            time.sleep(0.05)
        rows = reader.jobs(batch_id)
        assert any(r["status"] in ("QUEUED", "RUNNING") for r in rows)  # killed mid-batch
        assert reader.contexts()[0]["state"] not in ("closed",)
        reader.close()
        os.kill(pid, signal.SIGKILL)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        run(client, SETUP)
        text = run(client, "%qmodes history")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    [line] = [line for line in text.splitlines() if batch_id[:20] in line]
    assert "closed: process ended" in line and "active" not in line
    assert " 40 jobs" in line
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    statuses = {r["status"] for r in ledger.jobs(batch_id)}
    assert statuses <= {"DONE", "CANCELLED"} and "CANCELLED" in statuses
    cancelled = [r for r in ledger.jobs(batch_id) if r["status"] == "CANCELLED"]
    assert {r["error"] for r in cancelled} == {"process ended"}
    ledger.close()
