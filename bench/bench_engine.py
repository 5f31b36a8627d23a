"""Overhead of qmodes' local engine against plain Aer and qiskit-ibm-runtime's local mode.

Prints, side by side in one run, the median wall time of:

(a) one job of 100 ten-qubit PUBs × 1024 shots;
(b) 100 jobs of one PUB each, in a batch (plain Aer: run one after another).

and the ratios qmodes / plain Aer and qmodes / runtime local mode. Targets: (a) ≤ 1.03 ×
plain Aer; (b) ≤ 1.0 × plain Aer one after another and ≤ 0.8 × runtime local mode.

Run: ``python bench/bench_engine.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

from qiskit import transpile
from qiskit.circuit.random import random_circuit
from qiskit_aer import AerSimulator
from qiskit_aer.primitives import SamplerV2 as AerSampler
from qiskit_ibm_runtime import Batch as RuntimeBatch
from qiskit_ibm_runtime import SamplerV2 as RuntimeSampler

import qmodes

SHOTS = 1024


def circuits(count: int, seed: int = 7) -> list:
    raw = [random_circuit(10, 6, max_operands=2, measure=True, seed=seed + i) for i in range(count)]
    return transpile(raw, basis_gates=["rz", "sx", "x", "cx"], optimization_level=0)


def one_job_plain(pubs):
    AerSampler().run(pubs, shots=SHOTS).result()


def one_job_runtime(pubs):
    RuntimeSampler(mode=AerSimulator()).run(pubs, shots=SHOTS).result()


def one_job_qmodes(pubs):
    qmodes.Sampler(mode="aer").run(pubs, shots=SHOTS).result()


def many_jobs_plain(pubs):
    sampler = AerSampler()
    for pub in pubs:
        sampler.run([pub], shots=SHOTS).result()


def many_jobs_runtime(pubs):
    with RuntimeBatch(backend=AerSimulator()) as batch:
        sampler = RuntimeSampler(mode=batch)
        jobs = [sampler.run([pub], shots=SHOTS) for pub in pubs]
        for job in jobs:
            job.result()


def many_jobs_qmodes(pubs):
    with qmodes.Batch(backend="aer") as batch:
        sampler = qmodes.Sampler(mode=batch)
        jobs = [sampler.run([pub], shots=SHOTS) for pub in pubs]
    for job in jobs:
        job.result()


def measure(functions: dict[str, Callable], pubs, repeats: int) -> dict[str, float]:
    """Median seconds of each function, runs interleaved so drift hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():  # warm-up: imports, caches
        function(pubs[:2])
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function(pubs)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def report(title: str, medians: dict[str, float]) -> None:
    plain, runtime, ours = medians["plain Aer"], medians["runtime local"], medians["qmodes"]
    print(f"\n{title}")
    for name, seconds in medians.items():
        print(f"  {name:<14} {seconds * 1000:8.1f} ms")
    print(f"  qmodes / plain Aer      = {ours / plain:.3f}")
    print(f"  qmodes / runtime local  = {ours / runtime:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    pubs = circuits(100)
    report("(a) one job, 100 ten-qubit PUBs x 1024 shots", measure(
        {"plain Aer": one_job_plain, "runtime local": one_job_runtime,
         "qmodes": one_job_qmodes}, pubs, args.repeats))
    report("(b) 100 jobs of one PUB, in a batch (plain Aer: one after another)", measure(
        {"plain Aer": many_jobs_plain, "runtime local": many_jobs_runtime,
         "qmodes": many_jobs_qmodes}, pubs, args.repeats))


if __name__ == "__main__":
    main()
