"""One of several processes that create the same brand-new ledgers at once (run as a script).

Usage: python creator.py DIR NAME ROUNDS START_AT PERIOD JOBS
Round r starts at START_AT + r * PERIOD (epoch seconds): the process opens (so creates, if it
is first) ``DIR/round-<r>.sqlite3``, records a batch of JOBS jobs named after NAME through an
attached timeline, and closes the ledger. Prints "ROUND <r> <seconds to open>" for each.
"""

from __future__ import annotations

import sys
import time

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.ledger import Ledger


def main() -> None:
    directory, name = sys.argv[1], sys.argv[2]
    rounds, start_at, period, jobs = (int(sys.argv[3]), float(sys.argv[4]),
                                      float(sys.argv[5]), int(sys.argv[6]))
    for r in range(rounds):
        while time.time() < start_at + r * period:
            time.sleep(0.0005)
        opened = time.monotonic()
        ledger = Ledger(f"{directory}/round-{r}.sqlite3")
        opened = time.monotonic() - opened
        timeline = Timeline()
        detach = ledger.attach(timeline)
        ctx = f"{name}-r{r}"
        timeline.add_context(ContextRecord(id=ctx, mode="batch", backend="aer",
                                           created=time.time(), max_time=60.0,
                                           interactive_ttl=1.0))
        for i in range(jobs):
            timeline.add_job(JobRecord(id=f"{ctx}-j{i}", context_id=ctx, mode="batch",
                                       backend="aer", primitive="sampler", created=time.time()))
        if not ledger.close():
            sys.exit(f"round {r}: rows not written: {ledger.problem}")
        detach()
        print(f"ROUND {r} {opened:.3f}", flush=True)


if __name__ == "__main__":
    main()
