"""Simulations on Dask, measured (issue 18). Four figures on this machine:

1. a noisy batch on ``fake_sherbrooke`` through ``"local"`` (a LocalCluster: one single-thread
   worker per core) / the same batch in the kernel — target <= 1.05;
2. the same batch on 2 single-thread workers / on 1 — throughput, target >= 1.8x;
3. cancel latency of a job whose simulation runs on the cluster: ``job.cancel()`` until the
   job is CANCELLED (the kernel's GIL is free) — target <= 0.2 s;
4. a projection of wall / device time for the 20-job, 14-qubit, 2,000-shot ``efficient_su2``
   batch of the issue at 16, 64 and 256 cores, from a measured 14-qubit task (CPU seconds on
   one Aer thread, scaled from ``--shots14`` to 2,000 shots) and the per-task overhead
   measured in part 2: ``wall(N) = ceil(J / N) * (t + o)``, device time ``D`` from qmodes'
   projection.

Each batch is timed from its first submission to its last result (device time jumps while we
wait, so the wall time is the simulations'); simulators are warmed on every worker first.
Figures vary with the machine's load (other processes share the 2 cores): rerun when quiet.

Run: ``python bench/bench_cluster.py [--jobs 6] [--qubits 10] [--shots 300] [--shots14 200]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QMODES_HOME", tempfile.mkdtemp(prefix="qmodes-bench-"))

DEVICE = "fake_sherbrooke"


def ansatz(qubits: int):  # type: ignore[no-untyped-def]
    from qiskit.circuit.library import efficient_su2
    from qiskit.transpiler import generate_preset_pass_manager

    from qmodes.backends import get_backend

    circuit = efficient_su2(qubits, reps=2)
    circuit.measure_all()
    pm = generate_preset_pass_manager(optimization_level=1, backend=get_backend(DEVICE))
    return pm.run(circuit)


def batch(runtime, circuit, jobs: int, shots: int) -> tuple[float, list]:  # type: ignore[no-untyped-def]
    """Wall seconds of a seeded batch (submit, then every result), and its jobs."""
    import numpy as np

    import qmodes

    rng = np.random.default_rng(0)
    values = [rng.random(circuit.num_parameters) for _ in range(jobs)]
    start = time.perf_counter()
    with qmodes.Batch(DEVICE, runtime=runtime) as context:
        sampler = qmodes.Sampler(mode=context, options={"simulator": {"seed_simulator": 7}})
        handles = [sampler.run([(circuit, v, shots)]) for v in values]
    for job in handles:
        job.result()
    return time.perf_counter() - start, handles


def counts(jobs) -> list:  # type: ignore[no-untyped-def]
    return [job.result()[0].data.meas.get_counts() for job in jobs]


def runtime_on(compute=None):  # type: ignore[no-untyped-def]
    from qmodes.local import LocalRuntime

    return LocalRuntime(cluster=compute, pace=0.01)


def part1(circuit, args) -> None:  # type: ignore[no-untyped-def]
    from qmodes.compute import resolve

    kernel = runtime_on()
    batch(kernel, circuit, 1, 10)  # warm the kernel's simulator
    local = resolve("local")
    cluster = runtime_on(local)
    batch(cluster, circuit, 4, 10)  # warm every worker's simulator
    t_kernel, k_jobs = batch(kernel, circuit, args.jobs, args.shots)
    t_local, c_jobs = batch(cluster, circuit, args.jobs, args.shots)
    same = counts(k_jobs) == counts(c_jobs)
    stats = local.stats()
    print(f"1. {args.jobs}-job noisy batch on {DEVICE} ({args.qubits} qubits, {args.shots} "
          f"shots): kernel {t_kernel:.1f} s, 'local' ({stats['workers']} workers x 1 thread, "
          f"Aer {stats['aer_threads']} thread) {t_local:.1f} s -> ratio "
          f"{t_local / t_kernel:.2f} (target <= 1.05); seeded counts identical: {same}")


def part2(circuit, args) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from qmodes.compute.dask_backend import DaskBackend

    times = {}
    overhead = 0.0
    for workers in (1, 2):
        backend = DaskBackend.local(workers, aer_threads=1)
        try:
            runtime = runtime_on(backend)
            batch(runtime, circuit, 2 * workers, 10)
            elapsed, jobs = batch(runtime, circuit, args.jobs, args.shots)
            times[workers] = elapsed
            if workers == 1:
                task = statistics.mean(j.result().metadata["qmodes"]["worker_seconds"]
                                       for j in jobs)
                overhead = max(0.0, elapsed / args.jobs - task)
        finally:
            backend.close()
    print(f"2. throughput, 2 single-thread workers / 1: {times[1]:.1f} s / {times[2]:.1f} s "
          f"= {times[1] / times[2]:.2f}x (target >= 1.8x); per-task overhead on 1 worker "
          f"{overhead:.3f} s")
    return overhead, times[1]


def part3(circuit, args) -> None:  # type: ignore[no-untyped-def]
    import qmodes
    from qmodes.compute import resolve

    runtime = runtime_on(resolve("local"))
    latencies = []
    for _ in range(5):
        with qmodes.Batch(DEVICE, runtime=runtime) as context:
            sampler = qmodes.Sampler(mode=context)
            jobs = [sampler.run([(circuit, [0.1] * circuit.num_parameters, args.shots)])
                    for _ in range(3)]
            victim = jobs[-1]
            while not any(runtime.compute.client.processing().values()):
                time.sleep(0.01)
            start = time.perf_counter()
            victim.cancel()
            while not victim.in_final_state():
                time.sleep(0.001)
            latencies.append(time.perf_counter() - start)
            context.cancel()
        for job in jobs:
            while not job.in_final_state():
                time.sleep(0.01)
    print(f"3. cancel latency while the cluster simulates: median "
          f"{statistics.median(latencies):.3f} s, max {max(latencies):.3f} s (target <= 0.2 s)")


def part4(overhead: float, args) -> None:  # type: ignore[no-untyped-def]
    from qmodes.accounting.projection import project_pubs
    from qmodes.compute.dask_backend import DaskBackend

    circuit = ansatz(14)
    values = [0.2] * circuit.num_parameters
    device = project_pubs([(circuit, values, 2000)], DEVICE).seconds * 20
    backend = DaskBackend.local(1, aer_threads=1)
    try:
        _, jobs = batch(runtime_on(backend), circuit, 1, args.shots14)
        measured = jobs[0].result().metadata["qmodes"]["worker_seconds"]
    finally:
        backend.close()
    task = measured * 2000 / args.shots14
    print(f"4. 20 jobs x 14-qubit efficient_su2, 2,000 shots on {DEVICE}: one task "
          f"{measured:.1f} s at {args.shots14} shots on 1 Aer thread -> t = {task:.0f} s "
          f"at 2,000 shots; o = {overhead:.2f} s; D = {device:.1f} s of device time")
    print("   wall(N) = ceil(20 / N) * (t + o):")
    for cores in (2, 16, 64, 256):
        wall = math.ceil(20 / cores) * (task + overhead)
        print(f"   {cores:>4} cores: wall {wall:7.1f} s, wall / device time {wall / device:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--qubits", type=int, default=10)
    parser.add_argument("--shots", type=int, default=300)
    parser.add_argument("--shots14", type=int, default=200)
    parser.add_argument("--parts", default="1,2,3,4")
    args = parser.parse_args()
    parts = {int(p) for p in args.parts.split(",")}
    circuit = ansatz(args.qubits)
    print(f"bench_cluster on {os.cpu_count()} cores (load average "
          f"{os.getloadavg()[0]:.2f} at start)")
    overhead = 0.0
    try:
        if 1 in parts:
            part1(circuit, args)
        if 2 in parts:
            overhead, _ = part2(circuit, args)
        if 3 in parts:
            part3(circuit, args)
        if 4 in parts:
            part4(overhead, args)
    finally:
        from qmodes.compute import close_all

        close_all()


if __name__ == "__main__":
    main()
