"""The notebook path, measured: an IPython shell with ``%load_ext qmodes`` (ledger attached).

Prints three ratios, each against a baseline measured in the same run (issue 10):

1. a 100-job ``%%batch`` cell (submit, then every result) / plain Aer ``SamplerV2`` running the
   same 100 PUBs one after another — target <= 1.0;
2. usage "measured on Aer" of an N-job ``%%batch`` with the ledger attached / the same batch
   with the ledger closed, and / the same batch on a runtime whose timeline no one observes,
   at N = 500 and 5,000 — target <= 1.05 (observers must not distort the figures). Usage is
   wall time on the QPU lane, so anything else the process runs (the GIL) or the machine runs
   inflates it: each run is in a new process, the configurations run in rounds (in
   alternating order), and the median of the rounds' ratios is printed with the ratio of
   the medians and the spread of each baseline (at least 9 rounds);
3. per-job submit time of a 10,000-job batch / of a 1,000-job batch — target <= 1.5
   (submission is O(1) a job).

``QMODES_HOME`` is a temporary directory, so the real ledger is untouched. Figures vary with
the machine's load: rerun when it is quiet.

Run: ``python bench/bench_notebook.py [--repeats 3] [--quick] [--parts 1,2,3]``
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import statistics
import subprocess
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
from qmodes.core.timeline import Timeline  # noqa: E402
from qmodes.local import LocalRuntime  # noqa: E402
from qmodes.notebook.testing_shell import TestingShell  # noqa: E402

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

USAGE_CONFIGS = {
    "ledger": "%load_ext qmodes, ledger attached (the notebook path)",
    "detached": "%load_ext qmodes, ledger closed",
    "bare": "a LocalRuntime whose timeline no one observes",
}


def usage_with_ledger(shell: TestingShell, n: int) -> float:
    """Usage of an n-job ``%%batch`` cell on the default runtime."""
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


def usage_sample(config: str, n: int) -> float:
    """One measurement in this (fresh) process: a 50-job warm-up, a full garbage collection
    (the imports' garbage would otherwise be collected inside some runs and not others), then
    the n-job batch."""
    shell = make_shell()
    circuit = tiny()
    shell.user_ns["tiny"] = circuit
    if config == "detached":
        from qmodes.ledger import close_default_ledger

        close_default_ledger()
    if config == "bare":
        usage_without_observers(circuit, 50)
        gc.collect()
        return usage_without_observers(circuit, n)
    usage_with_ledger(shell, 50)
    gc.collect()
    return usage_with_ledger(shell, n)


def _sample_in_new_process(config: str, n: int) -> float:
    command = [sys.executable, __file__, "--sample", config, str(n)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.split()[-1])


def usage_with_and_without_ledger(sizes: list[int], repeats: int) -> None:
    """Each run in a new process (what one notebook kernel meets; nothing carried over from
    the run before), the three configurations interleaved in alternating order so drift of
    the machine hits them alike."""
    for n in sizes:
        runs: dict[str, list[float]] = {config: [] for config in USAGE_CONFIGS}
        for repeat in range(repeats):
            order = list(USAGE_CONFIGS) if repeat % 2 == 0 else list(USAGE_CONFIGS)[::-1]
            for config in order:
                runs[config].append(_sample_in_new_process(config, n))
        median = {config: statistics.median(values) for config, values in runs.items()}
        ledger = median["ledger"]
        print(f"2. usage at {n:>5} jobs (median of {repeats} runs, each in a new process): "
              f"ledger attached {ledger:.4f} s, closed {median['detached']:.4f} s, no "
              f"observer {median['bare']:.4f} s")
        for baseline in ("detached", "bare"):
            rounds = zip(runs["ledger"], runs[baseline], strict=True)
            paired = statistics.median(a / b for a, b in rounds)
            spread = f"{min(runs[baseline]):.3f}..{max(runs[baseline]):.3f} s"
            print(f"   with the ledger / {USAGE_CONFIGS[baseline]}: {paired:.3f}  (target <= "
                  f"1.05; median of the {repeats} same-round ratios; ratio of medians "
                  f"{ledger / median[baseline]:.3f}; spread of the baseline {spread})")


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
    parser.add_argument("--sample", nargs=2, metavar=("CONFIG", "N"),
                        help="internal: one usage run of part 2, printed in seconds")
    args = parser.parse_args()
    if args.sample:
        warnings.filterwarnings("ignore")
        print(usage_sample(args.sample[0], int(args.sample[1])))
        return
    parts = set(args.parts.split(","))
    warnings.filterwarnings("ignore")
    shell = make_shell()
    print(f"QMODES_HOME={os.environ['QMODES_HOME']} (ledger attached: %load_ext qmodes)")
    if "1" in parts:
        batch_vs_plain(shell, args.repeats)
    if "2" in parts:
        sizes = [50, 200] if args.quick else [500, 5000]
        usage_with_and_without_ledger(sizes, max(args.repeats, 9))
    if "3" in parts:
        small, large = (100, 1000) if args.quick else (1000, 10000)
        submit_scaling(shell, small, large, args.repeats)


if __name__ == "__main__":
    main()
