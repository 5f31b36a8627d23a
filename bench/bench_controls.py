"""Benchmark: how fast a widget button acts while the cell is blocked in ``result()``.

Plays the front-end against a real ipykernel (no browser): a ``%%batch`` of 60 jobs on Aer
(about 0.1 s of simulation each, Aer holding the GIL for most of it) shows its widget and
blocks in ``result()`` of the last job; the bench sends the
widget's ``cancel_context`` message (what a click on *Cancel* sends) and times, on the client,
the moment the widget's reply ("cancelled batch-...") arrives on IOPub. Baseline, measured in
the same kernel: the same command sent to the same kind of batch when the kernel is idle
(line-form ``%batch``, cell returned). Target: ≤ 0.5 s blocked, i.e. as responsive as idle.

Run by hand:  .venv/bin/python bench/bench_controls.py [rounds]
With ipykernel 6 on the path (the jupyter-ui-poll fallback):
    QMODES_BENCH_PYTHONPATH=/path/to/ipykernel6 .venv/bin/python bench/bench_controls.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import start_new_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.slow_job import SLOW_CIRCUIT

SETUP = """%load_ext qmodes
import qmodes
""" + SLOW_CIRCUIT
BLOCKED = """%%batch --backend aer
jobs = [sampler.run([circuit], shots=200) for _ in range(60)]
try:
    jobs[-1].result()
except qmodes.JobCancelledError:
    pass
"""
IDLE = """%batch --backend aer
jobs = [sampler.run([circuit], shots=200) for _ in range(60)]
"""


def _round(client: Any, cell: str, wait_idle: bool) -> float:
    """Run ``cell``; 1 s after its widget appears send cancel; seconds to the reply."""
    msg_id = client.execute(cell)
    comm = context = sent = None
    busy = True
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=0.05)
        except Exception:
            msg = None
        if msg is not None:
            content = msg["content"]
            state = content.get("data", {}).get("state", {})
            contexts = state.get("summary", {}).get("contexts")
            mine = msg["parent_header"].get("msg_id") == msg_id
            if msg["msg_type"] == "comm_open" and mine and "snapshot" in state:
                comm = content["comm_id"]
            if (msg["msg_type"] == "comm_msg" and contexts and context is None
                    and content["comm_id"] == comm):
                context, shown = contexts[0]["id"], time.monotonic()
            if (msg["msg_type"] == "comm_msg" and sent and content["comm_id"] == comm
                    and "cancelled" in state.get("message", "")):
                latency = time.monotonic() - sent
                while busy:  # let the cell end before the next round
                    reply = client.get_iopub_msg(timeout=60)
                    busy = not (reply["parent_header"].get("msg_id") == msg_id
                                and reply["msg_type"] == "status"
                                and reply["content"]["execution_state"] == "idle")
                return latency
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"]["execution_state"] == "idle"):
                busy = False
        ready = context is not None and time.monotonic() - shown > 1 and (busy or wait_idle)
        if ready and sent is None and (busy != wait_idle):
            sent = time.monotonic()
            client.shell_channel.send(client.session.msg("comm_msg", {
                "comm_id": comm, "data": {"method": "custom", "content": {
                    "kind": "cancel_context", "context_id": context}}}))
    raise RuntimeError("no reply to the cancel command")


def main(rounds: int = 5) -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QMODES_HOME": home}
        extra = os.environ.get("QMODES_BENCH_PYTHONPATH")
        if extra:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra, env.get("PYTHONPATH")]))
        manager, client = start_new_kernel(kernel_name="python3", env=env)
        try:
            versions: list[str] = []
            client.execute_interactive("import ipykernel; print(ipykernel.__version__)",
                                       output_hook=lambda m: versions.append(
                                           m["content"].get("text", "")))
            client.execute_interactive(SETUP, timeout=120)
            blocked = [_round(client, BLOCKED, wait_idle=False) for _ in range(rounds)]
            idle = [_round(client, IDLE, wait_idle=True) for _ in range(rounds)]
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    ms = [1000 * x for x in blocked]
    base = [1000 * x for x in idle]
    print(f"qmodes widget controls, ipykernel {''.join(versions).strip()}, {rounds} rounds")
    print(f"  Cancel while the cell blocks in result(): median {statistics.median(ms):.0f} ms, "
          f"max {max(ms):.0f} ms (target <= 500 ms)")
    print(f"  Cancel with the kernel idle (baseline):  median {statistics.median(base):.0f} ms, "
          f"max {max(base):.0f} ms")
    print(f"  ratio blocked / idle (median): {statistics.median(ms) / statistics.median(base):.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
