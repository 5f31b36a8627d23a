"""A stand-alone writer for the ledger's multi-process tests (run as a script).

Usage: python writer.py DB PREFIX JOBS [START_AT] [--hang]
Opens a batch on its own timeline, submits JOBS jobs recorded by a Ledger on DB, runs each
through its phases, prints "SUBMITTED <n>" after each submission, and with --hang stops there
(after submitting, before finishing) and waits to be killed.
"""

from __future__ import annotations

import sys
import time

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.ledger import Ledger


def main() -> None:
    db, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    start_at = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] != "--hang" else 0.0
    hang = "--hang" in sys.argv
    timeline = Timeline()
    ledger = Ledger(db)
    ledger.attach(timeline)
    while time.time() < start_at:
        time.sleep(0.001)
    ctx = f"{prefix}-batch"
    timeline.add_context(ContextRecord(id=ctx, mode="batch", backend="fake_manila",
                                       created=time.time(), max_time=28800.0,
                                       interactive_ttl=1.0))
    for i in range(count):
        job = f"{prefix}-job{i}"
        t = time.time()
        timeline.add_job(JobRecord(id=job, context_id=ctx, mode="batch", backend="fake_manila",
                                   primitive="sampler", created=t, executions=1024))
        timeline.open_span(job, "queued", t)
        print(f"SUBMITTED {i + 1}", flush=True)
        if hang:
            continue
        timeline.close_span(job, t + 0.001)
        timeline.open_span(job, "qpu", t + 0.001)
        timeline.close_span(job, t + 1.001)
        timeline.update_job(job, t + 1.001, status="DONE", finished=t + 1.001)
    if hang:
        print("HANGING", flush=True)
        time.sleep(600)
    timeline.update_context(ctx, time.time(), state="closed", accepting_jobs=False,
                            closed_at=time.time())


if __name__ == "__main__":
    main()
