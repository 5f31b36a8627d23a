"""A LocalCluster of two worker processes: the same seeded counts and device-time spans as the
kernel, results simulated ahead of their QPU slot, where each result ran, and cancel."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit.library import efficient_su2
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

import qmodes
from qmodes.backends import get_backend
from qmodes.compute import KernelBackend, describe
from qmodes.compute.dask_backend import DaskBackend
from qmodes.local import LocalRuntime
from tests.compute.conftest import slow_circuit, wait_until
from tests.local.device import make_device


@pytest.fixture(scope="module")
def ansatz():
    circuit = efficient_su2(3, reps=1)
    circuit.measure_all()
    pm = generate_preset_pass_manager(optimization_level=1, backend=get_backend("fake_manila"))
    return pm.run(circuit)


def rehearse(ansatz, compute=None):
    """A batch of three sampler jobs (one of two PUBs) and an estimator job on fake_manila,
    on a deterministic virtual clock; returns the jobs."""
    device = make_device()
    if compute is not None:
        device.runtime.cluster = compute
    rng = np.random.default_rng(5)
    values = [rng.random(ansatz.num_parameters) for _ in range(4)]
    observable = SparsePauliOp("ZZI").apply_layout(ansatz.layout)
    unmeasured = ansatz.remove_final_measurements(inplace=False)
    with qmodes.Batch("fake_manila", runtime=device.runtime) as batch:
        sampler = qmodes.Sampler(mode=batch, options={"simulator": {"seed_simulator": 17}})
        jobs = [sampler.run([(ansatz, values[0], 150), (ansatz, values[1], 50)]),
                sampler.run([(ansatz, values[2], 150)]),
                sampler.run([(ansatz, values[3], 150)])]
        estimator = qmodes.Estimator(mode=batch, options={"seed_estimator": 3,
                                                          "default_precision": 0.05})
        jobs.append(estimator.run([(unmeasured, observable, values[0])]))
    for job in jobs:
        job.result()
    return jobs


def outputs(jobs):
    counts = [[pub.data.meas.get_counts() for pub in job.result()] for job in jobs[:3]]
    evs = float(jobs[3].result()[0].data.evs)
    spans = [[(s.kind, s.start, s.end) for s in job.record().spans] for job in jobs]
    return counts, evs, spans


def test_seeded_counts_and_device_time_spans_are_those_of_the_kernel(local_cluster, ansatz):
    kernel = rehearse(ansatz)
    cluster = rehearse(ansatz, local_cluster)
    assert outputs(cluster) == outputs(kernel)
    workers = set(local_cluster.client.scheduler_info()["workers"])
    for job in cluster:
        where = job.result().metadata["qmodes"]
        assert where["worker"] in workers and where["worker_seconds"] > 0
        assert job.record().simulation_seconds == pytest.approx(where["worker_seconds"])
        assert "worker" not in kernel[0].result().metadata["qmodes"]


def test_a_job_split_per_pub_gives_the_same_counts_on_the_cluster_as_in_the_kernel(
        local_cluster, ansatz):
    split = DaskBackend(local_cluster.client, aer_threads=1, split=True)
    on_cluster = rehearse(ansatz, split)
    in_kernel = rehearse(ansatz, KernelBackend(split=True))
    assert outputs(on_cluster) == outputs(in_kernel)


def test_in_device_time_queued_jobs_are_simulated_ahead_of_their_qpu_slot(local_cluster,
                                                                          ansatz):
    runtime = LocalRuntime(cluster=local_cluster, pace=1.0)  # device time flows in real time
    with qmodes.Batch("fake_manila", runtime=runtime) as batch:
        sampler = qmodes.Sampler(mode=batch, options={"simulator": {"seed_simulator": 1}})
        jobs = [sampler.run([(ansatz, np.full(ansatz.num_parameters, 0.1 * i), 100)])
                for i in range(4)]
    # every job's task was submitted at submission; the last waits for 3 QPU slots (~2 s each)
    assert all(job._work._handle is not None for job in jobs)
    wait_until(lambda: jobs[-1]._work._handle.done(), what="the last job's simulation")
    assert jobs[-1].status() != "DONE"  # simulated, but its emulated QPU slot is later
    assert local_cluster.stats()["ahead"] >= 1
    assert "simulated ahead" in describe(local_cluster)
    runtime.shutdown()


def test_cancel_while_the_cluster_simulates_cancels_the_jobs_future(local_cluster):
    runtime = LocalRuntime(cluster=local_cluster)
    job = qmodes.Sampler(mode="aer:statevector", runtime=runtime).run(
        [(slow_circuit(), None, 10)])
    wait_until(lambda: job._work._handle is not None
               and any(local_cluster.client.processing().values()), what="the task to run")
    assert job.cancel()
    wait_until(lambda: job.in_final_state(), what="the job to end")
    assert job.status() == "CANCELLED"
    future = job._work._handle._futures[0]
    wait_until(lambda: future.status == "cancelled", what="the future to be cancelled")
    runtime.shutdown()


def test_the_widget_header_shows_the_cluster_of_its_contexts(local_cluster):
    from qmodes.widget import TimelineWidget
    from tests.widget.test_widget import HeldFlusher

    runtime = LocalRuntime(cluster=local_cluster)
    with qmodes.Batch("aer", runtime=runtime) as batch:
        widget = TimelineWidget(batch, flusher=HeldFlusher(interval=0.05))
        widget.flush()
    compute = widget.summary["compute"]
    assert compute["workers"] == 2 and compute["address"] == local_cluster.address
    assert {"running", "queued", "ahead", "dashboard"} <= set(compute)
    kernel = LocalRuntime()
    with qmodes.Batch("aer", runtime=kernel) as batch:
        widget = TimelineWidget(batch, flusher=HeldFlusher(interval=0.05))
        widget.flush()
    assert "compute" not in widget.summary
    runtime.shutdown()
    kernel.shutdown()
