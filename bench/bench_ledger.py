"""Benchmark: what the ledger costs the code that records to the timeline, and how fast it
catches up, with a healthy disk and with a database another process holds locked.

A hand-driven timeline records a batch of N jobs through their phases (6 events a job), with
and without a ledger attached. Printed, per N (median of 3):

* ``record with / without``: the time to record everything with the ledger attached over the
  time without it, median of 5 interleaved pairs (the engine's side: observers run on the
  timeline's dispatcher and the ledger's writer thread, never on the recording thread);
* ``catch-up``: from the first event until every row is on disk (``Ledger.flush``);
* ``locked``: the same ratio while another connection holds the database locked the whole
  time (the rows wait; the recording does not), then the catch-up once it is released.

Run by hand:  .venv/bin/python bench/bench_ledger.py  [N ...]   (default 1000 5000 10000)
Target: the recording thread's CPU with / without about 1.0 at every N, locked or not (no
observer runs on it, it never waits for SQLite); wall-clock ratios also count the other
threads' share of the GIL and the machine's load. Catch-up grows linearly with N.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.ledger import Ledger


def record(timeline: Timeline, n: int) -> tuple[float, float]:
    """Record a batch of ``n`` jobs through their phases; (wall seconds, this thread's CPU
    seconds): the CPU figure does not depend on how busy the machine is."""
    start, cpu = time.perf_counter(), time.thread_time()
    timeline.add_context(ContextRecord(id="b", mode="batch", backend="aer", created=0.0,
                                       max_time=28800.0, interactive_ttl=1.0))
    for i in range(n):
        job = f"j{i}"
        timeline.add_job(JobRecord(id=job, context_id="b", mode="batch", backend="aer",
                                   primitive="sampler", created=float(i)))
        timeline.open_span(job, "queued", float(i))
    for i in range(n):
        job = f"j{i}"
        timeline.close_span(job, i + 0.1)
        timeline.open_span(job, "qpu", i + 0.1)
        timeline.close_span(job, i + 0.2)
        timeline.update_job(job, i + 0.2, status="DONE", finished=i + 0.2)
    return time.perf_counter() - start, time.thread_time() - cpu


def once(n: int, ledger: bool, locked: bool = False
         ) -> tuple[tuple[float, float], float, float]:
    """((record wall, record CPU), catch-up seconds, catch-up after unlock) for one run."""
    timeline = Timeline()
    if not ledger:
        seconds = record(timeline, n)
        timeline.flush()
        return seconds, 0.0, 0.0
    path = Path(tempfile.mkdtemp()) / "ledger.sqlite3"
    attached = Ledger(path, busy_timeout=0.05)
    attached.attach(timeline)
    blocker = None
    if locked:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
    start = time.perf_counter()
    seconds = record(timeline, n)
    timeline.flush()
    unlocked = time.perf_counter()
    if blocker is not None:
        blocker.execute("ROLLBACK")
        blocker.close()
        unlocked = time.perf_counter()
    assert attached.flush(120), attached.problem
    done = time.perf_counter()
    assert len(attached.jobs("b")) == n
    assert abs(attached.contexts()[0]["usage_seconds"] - 0.1 * n) < 1e-6 * n
    attached.close()
    return seconds, done - start, done - unlocked


def main(sizes: list[int], rounds: int = 5) -> None:
    print(f"{'jobs':>6}  {'wall with/without':>17}  {'CPU with/without':>16}  {'catch-up':>9}"
          f"  {'locked: wall':>12}  {'locked: CPU':>11}  {'catch-up after unlock':>21}")
    for n in sizes:
        runs: dict[str, list[float]] = {k: [] for k in ("wall", "cpu", "up", "lwall", "lcpu",
                                                        "lup")}
        for _ in range(rounds):  # interleaved, so that a busy machine affects both alike
            (wall, cpu), _, _ = once(n, False)
            (lwall, lcpu), up, _ = once(n, True)
            runs["wall"].append(lwall / wall)
            runs["cpu"].append(lcpu / cpu)
            runs["up"].append(up)
            (wall, cpu), _, _ = once(n, False)
            (lwall, lcpu), _, up = once(n, True, locked=True)
            runs["lwall"].append(lwall / wall)
            runs["lcpu"].append(lcpu / cpu)
            runs["lup"].append(up)
        med = {k: statistics.median(v) for k, v in runs.items()}
        print(f"{n:>6}  {med['wall']:>17.2f}  {med['cpu']:>16.2f}  {med['up']:>8.2f}s"
              f"  {med['lwall']:>12.2f}  {med['lcpu']:>11.2f}  {med['lup']:>20.2f}s")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000, 10000])
