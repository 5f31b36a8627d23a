"""The notebook path, measured: an IPython shell with ``%load_ext qmodes`` (ledger attached).

Prints three ratios, each against a baseline measured in the same run (issue 10):

1. a 100-job ``%%batch`` cell (submit, then every result) / plain Aer ``SamplerV2`` running the
   same 100 PUBs one after another — target <= 1.0;
2. usage "measured on Aer" of an N-job batch with the ledger attached / the same batch on a
   runtime whose timeline has no observer, at N = 500 and 5,000 — target <= 1.05 (observers
   must not distort the figures). Usage is wall time on the QPU lane, so anything else the
   machine runs inflates it: the ratio of medians is printed with the ratio of the least
   disturbed runs (minimums) and the spread of the runs without observers;
3. per-job submit time of a 10,000-job batch / of a 1,000-job batch — target <= 1.5
   (submission is O(1) a job).

``QMODES_HOME`` is a temporary directory, so the real ledger is untouched. Figures vary with
the machine's load: rerun when it is quiet.

Run: ``python bench/bench_notebook.py [--repeats 3] [--quick] [--parts 1,2,3]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["QMODES_HOME"] = tempfile.mkdtemp(prefix="qmodes-bench-")

from qiskit import QuantumCircuit, transpile  # noqa: E402
from qiskit.circuit.random import random_circuit  # noqa: E402
from qiskit_aer.primitives import SamplerV2 as AerSampler  # noqa: E402
from traitlets.config import Config  # noqa: E402

import qmodes  # noqa: E402
from qmodes.local import LocalRuntime  # noqa: E402
from qmodes.testing_shell import TestingShell  # noqa: E402
from qmodes.timeline import Timeline  # noqa: E402

SHOTS = 1024


def random_pubs(count: int, seed: int = 7) -> list[QuantumCircuit]:
    """Small circuits: 5 qubits, depth 4 (as bench_engine, smaller)."""
    raw = [random_circuit(5, 4, max_operands=2, measure=True, seed=seed + i)
           for i in range(count)]
    return transpile(raw, basis_gates=["rz", "sx", "x", "cx"], optimization_level=0)


def tiny() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    return circuit


def make_shell() -> TestingShell:
    config = Config()
    config.HistoryManager.enabled = False
    shell = TestingShell.instance(config=config)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        shell.run_cell("%load_ext qmodes")
    return shell


def run_cell(shell: TestingShell, code: str) -> float:
    """Seconds the cell took (its output swallowed)."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        shell.run_cell(code)
    return time.perf_counter() - start


def plain_aer(pubs: list[QuantumCircuit]) -> float:
    start = time.perf_counter()
    sampler = AerSampler()
    for pub in pubs:
        sampler.run([pub], shots=SHOTS).result()
    return time.perf_counter() - start


BATCH_CELL = """%%batch
jobs = [sampler.run([pub], shots={shots}) for pub in pubs]
results = [job.result() for job in jobs]
"""


def batch_vs_plain(shell: TestingShell, repeats: int) -> None:
    pubs = random_pubs(100)
    shell.user_ns["pubs"] = pubs
    cell = BATCH_CELL.format(shots=SHOTS)
    run_cell(shell, cell.replace("pubs]", "pubs[:5]]"))  # warm-up
    plain_aer(pubs[:5])
    ours, plain = [], []
    for _ in range(repeats):
        ours.append(run_cell(shell, cell))
        plain.append(plain_aer(pubs))
    a, b = statistics.median(ours), statistics.median(plain)
    print(f"1. 100-job %%batch cell  {a * 1e3:8.1f} ms   plain Aer one after another "
          f"{b * 1e3:8.1f} ms   ratio {a / b:.3f}  (target <= 1.0)")


USAGE_CELL = """%%batch --no-widget
jobs = [sampler.run([tiny], shots=100) for _ in range({n})]
for job in jobs:
    job.wait()
"""


def usage_with_ledger(shell: TestingShell, n: int) -> float:
    """Usage of an n-job ``%%batch`` cell: default runtime, ledger attached."""
    run_cell(shell, USAGE_CELL.format(n=n))
    return float(shell.user_ns["batch"].usage())


def usage_without_observers(circuit: QuantumCircuit, n: int) -> float:
    """Usage of the same batch on a runtime whose timeline nobody observes."""
    runtime = LocalRuntime(timeline=Timeline())
    with qmodes.Batch("aer", runtime=runtime) as batch:
        sampler = qmodes.Sampler(mode=batch)
        jobs = [sampler.run([circuit], shots=100) for _ in range(n)]
    for job in jobs:
        job.wait()
    runtime.shutdown()
    return batch.usage()


def usage_with_and_without_ledger(shell: TestingShell, sizes: list[int], repeats: int) -> None:
    circuit = tiny()
    shell.user_ns["tiny"] = circuit
    for n in sizes:
        with_ledger: list[float] = []
        without: list[float] = []
        for repeat in range(repeats):  # alternate the order: drift hits both alike
            if repeat % 2:
                without.append(usage_without_observers(circuit, n))
            with_ledger.append(usage_with_ledger(shell, n))
            if not repeat % 2:
                without.append(usage_without_observers(circuit, n))
        a, b = statistics.median(with_ledger), statistics.median(without)
        low_a, low_b = min(with_ledger), min(without)
        print(f"2. usage at {n:>5} jobs: with the ledger {a:.4f} s, without {b:.4f} s   "
              f"ratio {a / b:.3f}  (target <= 1.05); least disturbed runs: {low_a:.4f} / "
              f"{low_b:.4f} s = {low_a / low_b:.3f}; spread without: "
              f"{low_b:.3f}..{max(without):.3f} s")


SUBMIT_CELL = """%%batch --no-widget
import time as _time
_start = _time.perf_counter()
jobs = [sampler.run([tiny], shots=10) for _ in range({n})]
_submit_seconds = _time.perf_counter() - _start
"""


def submit_scaling(shell: TestingShell, small: int, large: int, repeats: int) -> None:
    shell.user_ns["tiny"] = tiny()
    per_job: dict[int, list[float]] = {small: [], large: []}
    for _ in range(repeats):
        for n in (small, large):
            run_cell(shell, SUBMIT_CELL.format(n=n))
            per_job[n].append(shell.user_ns["_submit_seconds"] / n)
            for job in shell.user_ns["jobs"]:
                job.wait()
    a, b = statistics.median(per_job[large]), statistics.median(per_job[small])
    print(f"3. submit per job: {large} jobs {a * 1e6:7.1f} us, {small} jobs {b * 1e6:7.1f} us"
          f"   ratio {a / b:.3f}  (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--parts", default="1,2,3", help="which measures, e.g. '2,3'")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    warnings.filterwarnings("ignore")
    shell = make_shell()
    print(f"QMODES_HOME={os.environ['QMODES_HOME']} (ledger attached: %load_ext qmodes)")
    if "1" in parts:
        batch_vs_plain(shell, args.repeats)
    if "2" in parts:
        sizes = [50, 200] if args.quick else [500, 5000]
        usage_with_and_without_ledger(shell, sizes, args.repeats)
    if "3" in parts:
        small, large = (100, 1000) if args.quick else (1000, 10000)
        submit_scaling(shell, small, large, args.repeats)


if __name__ == "__main__":
    main()
