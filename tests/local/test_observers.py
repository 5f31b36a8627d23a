"""Spans are the executor's stamps, and observers can neither change them nor block the engine."""

from __future__ import annotations

import logging
import threading
import time

import qmodes
from qmodes.core.clock import ManualClock
from qmodes.core.timeline import ContextRecord, Timeline
from qmodes.local import LocalRuntime, SimulatedExecutor


class StampingExecutor:
    """Runs every phase at once and reports stamps of its own, far from ``clock.now()``."""

    def __init__(self) -> None:
        self.next_start = 1000.0

    def submit(self, phase, job, work, done):
        start = self.next_start
        end = start + {"classical": 1.0, "qpu": 5.0, "post": 0.5}[phase]
        self.next_start = end + 100.0
        done(work(), None, start=start, end=end)

    def shutdown(self):
        pass


def test_spans_are_the_executor_s_stamps_not_the_scheduler_s_clock(bell):
    clock = ManualClock(start=0.0)
    runtime = LocalRuntime(clock=clock, executor=StampingExecutor(), timeline=Timeline())
    job = qmodes.Sampler(mode="aer", runtime=runtime).run([bell], shots=5)
    spans = {s.kind: (s.start, s.end) for s in job.record().spans}
    # the clock never moved: every time below comes from the executor
    assert spans["classical"] == (1000.0, 1001.0)
    assert spans["qpu"] == (1101.0, 1106.0)
    assert spans["post"] == (1206.0, 1206.5)
    assert job.usage() == 5.0 and job.status() == "DONE"


def test_a_late_qpu_start_is_corrected_in_the_record_and_the_event(bell):
    runtime = LocalRuntime(clock=ManualClock(start=0.0), executor=StampingExecutor(),
                           timeline=Timeline())
    events = []
    runtime.timeline.subscribe(events.append)
    job = qmodes.Sampler(mode="aer", runtime=runtime).run([bell], shots=5)
    assert runtime.timeline.flush(10)
    closed = [e.data for e in events if e.kind == "span.closed" and e.subject == job.job_id()]
    assert {"kind": "qpu", "start": 1101.0, "end": 1106.0} in closed


def test_observers_run_on_the_dispatcher_thread_never_under_the_scheduler_lock(bell):
    runtime = LocalRuntime(timeline=Timeline())  # real threads, the real clock
    scheduler_locks = []
    seen = []

    def observer(event):
        scheduler = runtime._schedulers.get("aer")
        if scheduler is not None:  # the lock is free for us: nobody holds it for us to run
            acquired = scheduler._lock.acquire(timeout=5)
            scheduler_locks.append(acquired)
            if acquired:
                scheduler._lock.release()
        seen.append(threading.current_thread().name)

    runtime.timeline.subscribe(observer)
    with qmodes.Batch("aer", runtime=runtime) as batch:
        jobs = [qmodes.Sampler(mode=batch).run([bell], shots=5) for _ in range(5)]
    assert all(job.wait(30) for job in jobs)
    assert runtime.timeline.flush(30)
    assert seen and set(seen) == {"qmodes-timeline"}
    assert scheduler_locks and all(scheduler_locks)
    runtime.shutdown()


def test_a_slow_observer_does_not_change_usage_or_slow_submission(bell):
    """Deterministic: on a manual clock the figures are exact, whoever listens."""
    clock = ManualClock(start=0.0)
    phases = {"classical": 1.0, "qpu": 5.0, "post": 0.5}
    runtime = LocalRuntime(clock=clock, executor=SimulatedExecutor(clock, phases),
                           timeline=Timeline())
    gate = threading.Event()
    runtime.timeline.subscribe(lambda event: gate.wait(10))  # blocks until released
    with qmodes.Batch("aer", runtime=runtime) as batch:
        jobs = [qmodes.Sampler(mode=batch).run([bell], shots=5) for _ in range(4)]
    clock.run_until_idle()  # the engine went on while the observer was stuck
    assert [job.status() for job in jobs] == ["DONE"] * 4
    assert batch.usage() == 20.0
    gate.set()
    assert runtime.timeline.flush(10)


def test_an_observer_that_raises_is_logged_and_the_others_still_hear(bell, caplog):
    timeline = Timeline()
    heard = []

    def broken(event):
        raise RuntimeError("observer bug")

    timeline.subscribe(broken)
    timeline.subscribe(heard.append)
    clock = ManualClock(start=0.0)
    runtime = LocalRuntime(clock=clock, timeline=timeline,
                           executor=SimulatedExecutor(clock, {"qpu": 1.0}))
    with caplog.at_level(logging.ERROR, logger="qmodes.core.timeline"):
        job = qmodes.Sampler(mode="aer", runtime=runtime).run([bell], shots=5)
        clock.run_until_idle()
        assert timeline.flush(10)
    assert job.status() == "DONE"
    assert len(heard) == len(timeline.events_since(0))
    assert "observer bug" in caplog.text


def test_flush_waits_for_delivery_and_times_out_on_a_stuck_observer():
    timeline = Timeline()
    gate = threading.Event()
    timeline.subscribe(lambda event: gate.wait(10))
    timeline.add_context(ContextRecord(id="b", mode="batch", backend="aer", created=0.0,
                                       max_time=60.0, interactive_ttl=1.0))
    start = time.monotonic()
    assert timeline.flush(0.2) is False
    assert time.monotonic() - start < 5
    gate.set()
    assert timeline.flush(10) is True


def test_context_copies_share_job_ids_without_copying_them(bell, sim):
    with qmodes.Batch("aer", runtime=sim.runtime) as batch:
        jobs = [qmodes.Sampler(mode=batch).run([bell], shots=5) for _ in range(3)]
    first = batch.record()
    qmodes.Sampler(mode="aer", runtime=sim.runtime).run([bell], shots=5)
    assert list(first.job_ids) == [job.job_id() for job in jobs]
    assert first.job_ids == [job.job_id() for job in jobs]
    assert first.job_ids[-1] == jobs[-1].job_id() and len(first.job_ids) == 3
