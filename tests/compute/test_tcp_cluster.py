"""A real distributed topology on loopback: ``dask scheduler`` and two ``dask worker``
processes reached over TCP. Counts equal the kernel's; a worker killed mid-task hands the task
to another (or, with no failures allowed, the job ends ERROR with the reason); an address
with no scheduler is a one-line error; qmodes leaves a cluster it did not start running."""

from __future__ import annotations

import os
import signal

import pytest

import qmodes
from qmodes.compute import clusters
from qmodes.compute.dask_backend import ClusterUnreachableError, DaskBackend
from qmodes.core.timeline import Timeline
from qmodes.local import LocalRuntime
from tests.compute.conftest import free_port, slow_circuit, wait_until

SHOTS = 20


def kernel_counts(circuit):
    job = qmodes.Sampler(mode="aer:statevector", runtime=LocalRuntime(timeline=Timeline()),
                         options={"simulator": {"seed_simulator": 8}}).run(
        [(circuit, None, SHOTS)])
    return job.result()[0].data.meas.get_counts()


def run_and_kill(topology, circuit, timeline):
    """Start a job; once its task runs on a worker, SIGKILL that worker's process."""
    runtime = LocalRuntime(cluster=topology.address, timeline=timeline)
    job = qmodes.Sampler(mode="aer:statevector", runtime=runtime,
                         options={"simulator": {"seed_simulator": 8}}).run(
        [(circuit, None, SHOTS)])
    client = topology.client
    wait_until(lambda: any(client.processing().values()), what="the task to start")
    victim = next(address for address, keys in client.processing().items() if keys)
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    wait_until(job.in_final_state, timeout=180, what="the job to end")
    return job, victim


def test_jobs_run_on_an_external_scheduler_with_the_kernels_counts(topology):
    circuit = slow_circuit(6, 4)
    runtime = LocalRuntime(cluster=topology.address, timeline=Timeline())
    job = qmodes.Sampler(mode="aer:statevector", runtime=runtime,
                         options={"simulator": {"seed_simulator": 8}}).run(
        [(circuit, None, SHOTS)])
    result = job.result()
    assert result[0].data.meas.get_counts() == kernel_counts(circuit)
    assert result.metadata["qmodes"]["worker"] in topology.client.scheduler_info()["workers"]
    assert runtime.cluster == topology.address
    runtime.cluster = None  # back to the kernel
    assert runtime.compute is None
    again = qmodes.Sampler(mode="aer:statevector", runtime=runtime).run([(circuit, None, 5)])
    assert "worker" not in again.result().metadata["qmodes"]


def test_a_worker_killed_mid_task_hands_the_task_to_another_worker(topology):
    circuit = slow_circuit()
    timeline = Timeline()
    job, victim = run_and_kill(topology, circuit, timeline)
    assert job.status() == "DONE"
    assert job.result().metadata["qmodes"]["worker"] != victim
    assert job.result()[0].data.meas.get_counts() == kernel_counts(circuit)
    assert timeline.job(job.job_id()).status == "DONE"
    topology.client.wait_for_workers(2, timeout=120)  # the nanny restarted the victim


def test_with_no_failures_allowed_a_killed_worker_fails_the_job_with_the_reason(topology):
    topology.client.run_on_scheduler(_allow_failures, 0)
    try:
        timeline = Timeline()
        job, _ = run_and_kill(topology, slow_circuit(), timeline)
    finally:
        topology.client.run_on_scheduler(_allow_failures, 3)
        topology.client.wait_for_workers(2, timeout=120)
    assert job.status() == "ERROR"
    record = timeline.job(job.job_id())  # what the ledger records: the final state, the reason
    assert record.status == "ERROR" and "KilledWorker" in record.error


def _allow_failures(count, dask_scheduler=None):
    dask_scheduler.allowed_failures = count


def test_an_unreachable_scheduler_is_a_one_line_error_naming_the_address():
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(ClusterUnreachableError) as caught:
        DaskBackend.connect(address, timeout=1)
    message = str(caught.value)
    assert address in message and "\n" not in message
    timeline = Timeline()
    with pytest.raises(ClusterUnreachableError, match=r"127\.0\.0\.1"):
        runtime = LocalRuntime(timeline=timeline)
        runtime.cluster = address
    assert timeline.jobs() == []  # refused before any job was queued


def test_closing_leaves_a_cluster_qmodes_did_not_start_running(topology):
    backend = clusters.resolve(topology.address)
    assert backend in clusters.active() and backend.cluster is None
    clusters.close_all()
    assert backend.client.status == "closed"
    assert len(topology.client.scheduler_info()["workers"]) == 2  # still up


def test_closing_stops_a_local_cluster_qmodes_started():
    backend = clusters.resolve("local:1")
    cluster = backend.cluster
    assert cluster is not None
    clusters.close_all()
    assert cluster.status.name == "closed"
