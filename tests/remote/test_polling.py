"""One poller, no faster than 0.5 s, backing off while queued; faults lose no job."""

from __future__ import annotations

import itertools

import qmodes
from qmodes.remote.poller import MIN_INTERVAL, default_poller
from tests.remote.conftest import Requests, SlowExecutor

JOB_GET = r"/jobs/[0-9a-f]{32}$"


def statuses(timeline, job_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.data["status"] for e in timeline.events_since(0)
            if e.subject == job_id and e.kind == "job.changed" and "status" in e.data]


def test_one_poller_never_faster_than_half_a_second_and_backing_off_while_queued(
        make_server, runtime, bell_isa) -> None:
    server = make_server(executor=SlowExecutor(1.5))
    requests = Requests(server)
    jobs = [qmodes.Sampler(mode="ibm:fake_manila", runtime=runtime).run([bell_isa], shots=10)
            for _ in range(3)]
    import threading
    pollers = [t for t in threading.enumerate() if t.name == "qmodes-ibm-poller"]
    assert len(pollers) == 1
    assert all(job.wait(30) for job in jobs)
    for job in jobs:
        times = requests.polls(job.job_id())
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert gaps and min(gaps) >= MIN_INTERVAL - 0.02, gaps
    last = requests.polls(jobs[2].job_id())  # queued ~3 s behind the others
    gaps = [b - a for a, b in itertools.pairwise(last)]
    assert max(gaps) > 1.0  # backed off
    assert len(last) <= 8  # ~4.5 s at 0.5 s would be 9 or more polls
    assert default_poller().watching == 0  # job mode: nothing left to follow


def test_503s_while_polling_show_unknown_then_the_job_completes(server, runtime, bell_isa,
                                                                fast_errors) -> None:
    server.faults.add(path=JOB_GET, method="GET", status=503, times=4)
    job = qmodes.Sampler(mode="ibm:fake_manila", runtime=runtime).run([bell_isa], shots=10)
    assert job.result(timeout=30)[0].data.meas.num_shots == 10
    seen = statuses(runtime.timeline, job.job_id())
    assert "UNKNOWN" in seen and seen[-1] == "DONE"
    assert job.status() == "DONE"


def test_dropped_connections_and_failing_results_lose_no_job(server, runtime, bell_isa,
                                                            fast_errors) -> None:
    server.faults.add(path=JOB_GET, method="GET", drop=True, times=4)
    server.faults.add(path=r"/results$", method="GET", status=502, times=3)
    server.faults.add(path=r"/metrics$", method="GET", drop=True, times=2)
    with qmodes.Batch(backend="ibm:fake_manila", runtime=runtime):
        jobs = [qmodes.Sampler().run([bell_isa], shots=10) for _ in range(2)]
    assert all(job.result(timeout=40)[0].data.meas.num_shots == 10 for job in jobs)
    assert all(job.usage() > 0 for job in jobs)
    assert any("UNKNOWN" in statuses(runtime.timeline, job.job_id()) for job in jobs)


def test_slow_answers_while_polling_do_not_fail_the_job(server, runtime, bell_isa) -> None:
    server.faults.add(path=JOB_GET, method="GET", delay=1.0, times=2)
    with qmodes.Session(backend="ibm:fake_manila", runtime=runtime):
        job = qmodes.Sampler().run([bell_isa], shots=10)
    assert job.result(timeout=30)[0].data.meas.num_shots == 10
