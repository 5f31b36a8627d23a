"""The advisor against the emulated device: predicted vs measured, per shape, load and mode.

Three workload shapes on ``fake_manila`` (small ISA circuits), each run in job, batch and
session mode on the emulated device (device time, other users at ``--loads``) with
``--seeds`` seeded crowds:

* ``loop``: 6 jobs, each submitted 5 s after the previous result (a VQE-like loop);
* ``rounds``: 3 rounds of 3 jobs submitted together, 0.5 s of classical work after each round;
* ``sweep``: 8 independent jobs submitted together.

The measured figures are medians over the seeds of the wall time (first submission to last
result, device time) and the billed usage. The prediction is ``batch.advise()`` with its
defaults (the device's load, 32 crowds, objective ``balanced``) on the batch run of the first
seed. Targets, every case: predicted wall time within 25 % of the measured median, billed
usage within 5 %, and the recommendation equal to the mode the advisor's own rule
(:func:`qmodes.advisor.verdict.pick`) picks on the measured medians. A last line times
``advise()`` on a 100-job workload (target ≤ 0.3 s).

The device is deterministic: its virtual clock reads a manual wall clock (think time is
advanced on it) and Aer runs inline, so a run takes milliseconds of Aer and no waiting. The
crowds measured (seeds from 1000) are not the ones the advisor replays (seeds from 0); as a
check that the replay is the emulator, each case also replays the first measured crowd and
compares with that run. Both medians are estimates of one distribution whose median sits, at
a moderate load, near the jump between "no wait" and "one wait behind another user's job":
the last columns set each against a reference median over 512 replayed crowds (seeds from
5000), which shows how much of a miss is the measured median's own sampling noise.

Run: ``python bench/bench_advisor.py [--seeds 32] [--loads 0.5 0.8]``
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one Aer thread: 2 cores, and others' work

import statistics
import time
from collections.abc import Callable
from typing import Any

from qiskit import QuantumCircuit

import qmodes
from qmodes.advisor import advise, replay_once, verdict
from qmodes.core.clock import ManualClock
from qmodes.local import LocalRuntime
from qmodes.local.device_time import DeviceTime, InlineExecutor
from qmodes.local.virtual_clock import VirtualClock
from qmodes.core.timeline import Timeline
from qmodes.advisor.workload import Workload, WorkloadJob, workload_from_records

MODES = ("job", "batch", "session")
REFERENCE_CROWDS = 512
"""Crowds (seeds from 5000) of the reference median: the wall time's median known closely."""
SHOTS = 100


class Device:
    """A fresh emulated fake_manila with other users at ``load`` (crowd ``seed``)."""

    def __init__(self, load: float, seed: int) -> None:
        self.wall = ManualClock(start=1_000_000.0)
        self.clock = VirtualClock(wall=self.wall.now, thread=False)
        device_time = DeviceTime(clock=self.clock, inner=lambda name: InlineExecutor(),
                                 load=load, seed=seed)
        self.runtime = LocalRuntime(timeline=Timeline(), device_time=device_time)

    def think(self, seconds: float) -> None:
        """User code works for ``seconds`` (wall time: device time flows with it)."""
        self.wall.advance(seconds)
        self.clock.poll()


def circuits() -> list[QuantumCircuit]:
    """Three small circuits of fake_manila's native gates (ISA as they are)."""
    made = []
    for gates in (("x",), ("sx",), ("x", "sx")):
        qc = QuantumCircuit(1)
        for gate in gates:
            getattr(qc, gate)(0)
        qc.measure_all()
        made.append(qc)
    return made


def loop(sampler: Any, device: Device, isa: list[QuantumCircuit]) -> list[Any]:
    jobs = []
    for i in range(6):
        job = sampler.run([isa[i % len(isa)]], shots=SHOTS)
        job.result()
        jobs.append(job)
        device.think(5.0)
    return jobs


def rounds(sampler: Any, device: Device, isa: list[QuantumCircuit]) -> list[Any]:
    jobs = []
    for _ in range(3):
        batch = [sampler.run([c], shots=SHOTS) for c in isa]  # 3 jobs at once
        for job in batch:
            job.result()
        jobs += batch
        device.think(0.5)
    return jobs


def sweep(sampler: Any, device: Device, isa: list[QuantumCircuit]) -> list[Any]:
    jobs = [sampler.run([isa[i % len(isa)]], shots=SHOTS) for i in range(8)]
    for job in jobs:
        job.result()
    return jobs


SHAPES: dict[str, Callable[..., list[Any]]] = {"loop": loop, "rounds": rounds, "sweep": sweep}


def run(shape: str, mode: str, load: float, seed: int, isa: list[QuantumCircuit]
        ) -> tuple[float, float, Any]:
    """(wall time, billed usage, the context or None) of one run on a fresh device."""
    device = Device(load, seed)
    work = SHAPES[shape]
    if mode == "job":
        jobs = work(qmodes.Sampler(mode="fake_manila", runtime=device.runtime), device, isa)
        context, usage = None, sum(job.usage() for job in jobs)
    else:
        kind = qmodes.Batch if mode == "batch" else qmodes.Session
        with kind("fake_manila", runtime=device.runtime) as context:
            jobs = work(qmodes.Sampler(), device, isa)
        context.wait()
        usage = context.usage()
    records = [job.record() for job in jobs]
    wall = max(r.finished for r in records) - min(r.created for r in records)
    return wall, usage, context


def case(shape: str, load: float, seeds: int, isa: list[QuantumCircuit]) -> dict[str, Any]:
    measured: dict[str, tuple[float, float]] = {}
    first: dict[str, float] = {}
    subject = None
    for mode in MODES:
        runs = [run(shape, mode, load, 1000 + s, isa) for s in range(seeds)]
        measured[mode] = (statistics.median(u for _, u, _ in runs),
                          statistics.median(w for w, _, _ in runs))
        first[mode] = runs[0][0]
        if mode == "batch":
            subject = runs[0][2]
    workload = workload_from_records(subject.timeline.jobs(ids=subject.record().job_ids),
                                     subject.record())
    same_crowd = max(abs(replay_once(workload, m, load=load, seed=1000).wall / first[m] - 1.0)
                     for m in MODES)
    reference = {m: statistics.median(replay_once(workload, m, load=load, seed=5000 + s).wall
                                      for s in range(REFERENCE_CROWDS)) for m in MODES}
    started = time.perf_counter()
    advice = advise(subject)
    seconds = time.perf_counter() - started
    predicted = {m: (o.usage.seconds, o.wall) for m, o in advice.outcomes.items()}
    expected = verdict.pick(measured, advice.objective, len(subject.jobs()))
    return {"shape": shape, "load": load, "measured": measured, "predicted": predicted,
            "recommended": advice.recommended, "expected": expected, "seconds": seconds,
            "crowds": advice.crowds, "same_crowd": same_crowd, "reference": reference}


def timing() -> float:
    """Median seconds ``advise()`` takes for a 100-job loop at load 0.8 (defaults)."""
    jobs = tuple(WorkloadJob(f"j{i}", qpu=2.5, classical=0.05,
                             after=None if i == 0 else i - 1, think=0.5) for i in range(100))
    workload = Workload(jobs, "fake_manila", "bench", close_after_submit=None,
                        close_after_done=0.0, device_load=0.8)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        advise(workload)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=32)
    parser.add_argument("--loads", type=float, nargs="+", default=[0.5, 0.8])
    args = parser.parse_args()
    isa = circuits()
    print(f"{'shape':<7} {'load':>4} {'mode':<8} {'wall meas.':>10} {'wall pred.':>10} "
          f"{'Δ':>6} {'usage meas.':>11} {'usage pred.':>11} {'Δ':>6} {'reference':>9} "
          f"{'meas./ref.':>10} {'pred./ref.':>10}")
    ok_wall = ok_usage = ok_pick = total = 0
    for shape in SHAPES:
        for load in args.loads:
            result = case(shape, load, args.seeds, isa)
            for mode in MODES:
                (mu, mw), (pu, pw) = result["measured"][mode], result["predicted"][mode]
                dw, du = pw / mw - 1.0, pu / mu - 1.0
                ok_wall += abs(dw) <= 0.25
                ok_usage += abs(du) <= 0.05
                total += 1
                ref = result["reference"][mode]
                print(f"{shape:<7} {load:>4} {mode:<8} {mw:>8.1f} s {pw:>8.1f} s {dw:>+6.0%} "
                      f"{mu:>9.2f} s {pu:>9.2f} s {du:>+6.1%} {ref:>7.1f} s "
                      f"{mw / ref - 1.0:>+10.0%} {pw / ref - 1.0:>+10.0%}")
            same = result["recommended"] == result["expected"]
            ok_pick += same
            print(f"{'':<12} advised {result['recommended']} (measured rule: "
                  f"{result['expected']}) {'ok' if same else 'DIFFERS'}; advise() took "
                  f"{result['seconds']:.2f} s over {result['crowds']} crowds; replay of the "
                  f"first measured crowd vs its run: wall within {result['same_crowd']:.1%}")
    cases = total // len(MODES)
    print(f"wall time within 25 %: {ok_wall}/{total}; usage within 5 %: {ok_usage}/{total}; "
          f"recommendation as the rule on the measured figures: {ok_pick}/{cases}")
    print(f"advise() on a 100-job loop at load 0.8: {timing():.2f} s (median of 5)")


if __name__ == "__main__":
    main()
