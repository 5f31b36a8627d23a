"""The timeline records every change as an event, for observers to follow."""

from __future__ import annotations

import threading

import qmodes
from tests.conftest import make_sim


def test_a_job_leaves_a_complete_trail_of_events(bell):
    sim = make_sim()
    events = []
    sim.timeline.subscribe(events.append)
    with qmodes.Batch("aer", runtime=sim.runtime) as batch:
        job = qmodes.Sampler(mode=batch, runtime=sim.runtime).run([bell], shots=5)
    sim.clock.run_until_idle()
    assert sim.timeline.flush(10)
    kinds = [(e.kind, e.data.get("kind") or e.data.get("status") or e.data.get("state"))
             for e in events if e.subject == job.job_id()]
    assert kinds == [("job.created", "QUEUED"), ("span.opened", "queued"),
                     ("span.closed", "queued"), ("job.changed", "RUNNING"),
                     ("span.opened", "classical"), ("span.closed", "classical"),
                     ("span.opened", "qpu"), ("span.closed", "qpu"),
                     ("span.opened", "post"), ("span.closed", "post"),
                     ("job.changed", "DONE")]
    assert all(e.context_id == batch.id for e in events)
    assert [e.seq for e in events] == sorted(e.seq for e in events)


def test_events_since_returns_only_newer_events_of_one_context(bell):
    sim = make_sim()
    first = qmodes.Batch("aer", runtime=sim.runtime)
    mark = sim.timeline.last_seq
    second = qmodes.Batch("aer", runtime=sim.runtime)
    qmodes.Sampler(mode=second, runtime=sim.runtime).run([bell])
    newer = sim.timeline.events_since(mark)
    assert newer and all(e.seq > mark for e in newer)
    assert sim.timeline.events_since(mark, first.id) == []


def test_unsubscribed_observers_hear_nothing_more(bell):
    sim = make_sim()
    events = []
    unsubscribe = sim.timeline.subscribe(events.append)
    qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell])
    assert sim.timeline.flush(10)
    unsubscribe()
    count = len(events)
    assert count
    sim.clock.run_until_idle()
    assert len(events) == count


def test_jobs_from_many_threads_are_all_recorded(bell):
    with qmodes.Batch("aer") as batch:
        sampler = qmodes.Sampler(mode=batch)
        threads = [threading.Thread(target=lambda: sampler.run([bell], shots=8))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert batch.wait(60)
    assert len(batch.jobs()) == 8
    assert {job.status() for job in batch.jobs()} == {"DONE"}
    assert len(batch.record().job_ids) == 8
