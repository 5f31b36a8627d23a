"""Device time: wall time against virtual (device) time for a 20-job VQE-like session.

A session on fake_manila runs 20 jobs one after another, each waiting for the previous result
(as a VQE does). On the device each job holds the QPU for its projected time; in qmodes,
waiting for a result jumps virtual time instead of sleeping. Prints, per repeat and as a
median: the wall time of the loop, the virtual time its session spans (its billed usage), and
their ratio (target ≤ 0.1), next to the wall time of the same 20 jobs with device time off
(fake_manila's noisy Aer simulator at its own speed: what Aer needs anyway). With
``--load 0.8`` other users share the device.

Run: ``python bench/bench_device_time.py [--repeats 5] [--load 0.8]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.transpiler import generate_preset_pass_manager

import qmodes
from qmodes.core.timeline import Timeline
from qmodes.local import LocalRuntime

JOBS = 20
SHOTS = 4096  # qiskit-ibm-runtime's default


def ansatz() -> tuple[QuantumCircuit, Parameter]:
    theta = Parameter("θ")
    circuit = QuantumCircuit(2)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.measure_all()
    device = qmodes.get_backend("fake_manila").device
    return generate_preset_pass_manager(optimization_level=1, backend=device).run(circuit), theta


def vqe_loop(sampler: qmodes.Sampler, circuit: QuantumCircuit) -> None:
    for angle in np.linspace(0, np.pi, JOBS):
        sampler.run([(circuit, [angle])], shots=SHOTS).result()


def device_run(circuit: QuantumCircuit, load: float) -> tuple[float, float]:
    runtime = LocalRuntime(timeline=Timeline(), load=load)
    start = time.perf_counter()
    with qmodes.Session("fake_manila", runtime=runtime) as session:
        vqe_loop(qmodes.Sampler(), circuit)
    wall = time.perf_counter() - start
    record = session.record()
    virtual = sum((w.end or 0.0) - w.start for w in record.windows)
    runtime.shutdown()
    return wall, virtual


def aer_run(circuit: QuantumCircuit) -> float:
    """The same loop at Aer's own speed: fake_manila's noisy simulator, no device time."""
    runtime = LocalRuntime(timeline=Timeline(), device_time=False)
    start = time.perf_counter()
    with qmodes.Session("fake_manila", runtime=runtime):
        vqe_loop(qmodes.Sampler(), circuit)
    wall = time.perf_counter() - start
    runtime.shutdown()
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--load", type=float, default=0.0)
    args = parser.parse_args()
    circuit, _ = ansatz()
    device_run(circuit, args.load)  # warm-up: Aer's simulator and the projection caches
    ratios, walls, virtuals, aers = [], [], [], []
    for _ in range(args.repeats):
        wall, virtual = device_run(circuit, args.load)
        aers.append(aer_run(circuit))
        walls.append(wall)
        virtuals.append(virtual)
        ratios.append(wall / virtual)
        print(f"wall {wall:7.3f} s · device {virtual:8.1f} s · ratio {wall / virtual:.4f} · "
              f"Aer alone {aers[-1]:.3f} s")
    ratio = statistics.median(ratios)
    print(f"\n{JOBS}-job session on fake_manila (load {args.load}): median wall "
          f"{statistics.median(walls):.3f} s for {statistics.median(virtuals):.1f} s of device "
          f"time; wall / device = {ratio:.4f} (target <= 0.1) "
          f"{'OK' if ratio <= 0.1 else 'MISSED'}; wall / Aer alone = "
          f"{statistics.median(walls) / statistics.median(aers):.2f}")


if __name__ == "__main__":
    main()
