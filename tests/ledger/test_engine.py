"""The ledger observing the real engine (manual clock): its figures are the engine's figures."""

from __future__ import annotations

import pytest

import qmodes
from qmodes.ledger import Ledger
from tests.conftest import make_sim


@pytest.mark.parametrize("mode", [qmodes.Session, qmodes.Batch])
def test_the_ledger_bills_what_the_context_bills(tmp_path, bell, mode):
    sim = make_sim()
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    ledger.attach(sim.timeline)
    context = mode(backend="aer", runtime=sim.runtime)
    sampler = qmodes.Sampler(mode=context, runtime=sim.runtime)
    first = sampler.run([bell], shots=10)
    assert ledger.job(first.job_id()) is not None  # written as it was submitted
    sim.clock.advance(30)
    second = sampler.run([bell], shots=10)
    sim.clock.advance(100)
    context.close()
    sim.clock.run_until_idle()
    [row] = ledger.contexts()
    assert row["usage_seconds"] == pytest.approx(context.usage())
    assert row["state"] == "closed" and row["jobs"] == 2
    for job in (first, second):
        stored = ledger.job(job.job_id())
        assert stored["status"] == "DONE"
        assert stored["usage_seconds"] == pytest.approx(job.usage())
        spans = ledger.query("SELECT kind FROM spans WHERE job_id = ? ORDER BY start, rowid",
                             (job.job_id(),))
        assert [s["kind"] for s in spans] == ["queued", "classical", "qpu", "post"]
    ledger.close()
