"""Device time: a fake device's QPU is held for each job's projected time, and waits jump
virtual time forward instead of sleeping (all on a manual wall clock: deterministic)."""

from __future__ import annotations

import itertools

import pytest

import qmodes
from qmodes.accounting.projection import project_pubs
from qmodes.core.timeline import Timeline
from qmodes.core.usage import window_end
from qmodes.local import LocalRuntime
from qmodes.local.device_scheduler import DeviceScheduler
from tests.local.device import make_device, x_circuit

SHOTS = 100


def approx(value):
    return pytest.approx(value, abs=1e-6)


@pytest.fixture(scope="module")
def projected() -> float:
    return project_pubs([(x_circuit(), None, SHOTS)], "fake_manila").seconds


def _run(device, mode="fake_manila"):
    return qmodes.Sampler(mode=mode, runtime=device.runtime).run([x_circuit()], shots=SHOTS)


def test_a_job_holds_the_qpu_for_its_projected_time_and_bills_it(projected):
    device = make_device()
    job = _run(device)
    job.result()
    qpu = job.record().span("qpu")
    assert qpu.duration() == approx(projected)
    assert job.usage() == approx(projected)  # job mode: U = Q
    metrics = job.metrics()
    assert metrics["usage"]["quantum_seconds"] == approx(projected)
    assert metrics["source"] == "projected for fake_manila"
    assert metrics["simulation_seconds"] is not None and metrics["simulation_seconds"] > 0


def test_waiting_for_a_result_jumps_virtual_time_and_not_the_wall_clock(projected):
    device = make_device()
    start = device.clock.now()
    job = _run(device)
    assert job.status() != "DONE"  # Aer finished (inline), the device has not
    job.result()
    assert device.wall.now() == 1_000_000.0  # no wall time passed
    assert device.clock.now() == approx(start + projected)
    assert device.clock.offset == approx(projected)


def test_think_time_is_real_and_a_later_job_starts_after_the_result_it_read(projected):
    device = make_device()
    first = _run(device)
    first.result()
    end = first.record().span("qpu").end
    device.think(7.0)
    second = _run(device)
    second.result()
    assert second.record().span("qpu").start == approx(end + 7.0)


def test_a_result_is_released_when_virtual_time_flows_to_the_device_end(projected):
    device = make_device()
    job = _run(device)
    device.think(projected / 2)
    assert job.status() == "RUNNING"
    device.think(projected)
    assert job.status() == "DONE"
    assert job.usage() == approx(projected)


def test_the_warp_fires_the_interactive_ttl_at_its_virtual_instant(projected):
    device = make_device()
    session = qmodes.Session("fake_manila", interactive_ttl=60, runtime=device.runtime)
    qmodes.Sampler(mode=session).run([x_circuit()], shots=SHOTS).result()
    last = session.record().last_job_completed
    outsider = _run(device)  # job mode: waits while the session holds the device
    outsider.result()
    window = session.record().windows[0]
    assert window.end == approx(last + 60.0)
    assert session.record().state == "inactive"
    assert outsider.record().started == approx(last + 60.0)
    assert session.usage() == approx(window.end - window.start)
    session.close()


def test_the_warp_fires_the_max_ttl_at_its_virtual_instant(projected):
    device = make_device()
    session = qmodes.Session("fake_manila", interactive_ttl=600, max_time=30,
                             runtime=device.runtime)
    qmodes.Sampler(mode=session).run([x_circuit()], shots=SHOTS).result()
    record = session.record()
    outsider = _run(device)
    outsider.result()
    record = session.record()
    assert record.state == "closed"
    assert outsider.record().started == approx(record.started_at + 30.0)
    assert record.windows[0].end == approx(
        window_end(record.last_job_completed, 600, None, record.started_at + 30.0))


def test_session_usage_is_the_window_and_batch_usage_the_sum_of_projections(projected):
    device = make_device()
    with qmodes.Batch("fake_manila", runtime=device.runtime) as batch:
        jobs = [qmodes.Sampler().run([x_circuit()], shots=SHOTS) for _ in range(3)]
    batch.wait()
    assert batch.usage() == approx(3 * projected)
    spans = [job.record().span("qpu") for job in jobs]
    assert all(b.start == approx(a.end) for a, b in itertools.pairwise(spans))  # back to back
    with qmodes.Session("fake_manila", runtime=device.runtime) as session:
        for _ in range(2):
            qmodes.Sampler().run([x_circuit()], shots=SHOTS).result()
            device.think(5.0)
    record = session.record()
    assert session.usage() == approx(2 * projected + 10.0)  # idle think time billed
    assert session.usage_figure().source == "projected for fake_manila"
    assert [w.end - w.start for w in record.windows] == [approx(2 * projected + 10.0)]


def test_plain_aer_stays_on_wall_time_and_is_measured_on_aer():
    device = make_device()
    assert not isinstance(device.runtime.scheduler(qmodes.get_backend("aer")), DeviceScheduler)
    job = _run(device, mode="aer")
    job.result(timeout=30)
    assert job.metrics()["source"] == "measured on Aer"


def test_aer_emulates_the_target_device_when_one_is_named():
    device = make_device()
    device.runtime.device_time.target = "fake_manila"
    job = _run(device, mode="aer")
    job.result()
    assert job.metrics()["source"] == "projected for fake_manila"
    assert job.usage() > 2.0  # IBM's 2 s per job, at least


def test_pace_is_the_speed_of_flowing_virtual_time(projected):
    device = make_device()
    device.runtime.pace = 0.1  # ten times faster than real time
    job = _run(device)
    device.think(projected / 10 + 1e-6)
    assert job.status() == "DONE"
    with pytest.raises(ValueError, match="positive speed factor"):
        LocalRuntime(timeline=Timeline(), pace=0)

