"""IBM guide "Run jobs in a batch" (docs/guides/run-jobs-batch.mdx) and ``Batch``'s docstring."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, random_hermitian
from qiskit.transpiler import generate_preset_pass_manager

from tests.compat.conftest import Runtime, assert_counts_match, assert_evs_match

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::UserWarning:qiskit_ibm_runtime")


def bell_problem(backend, measured: bool = False):
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    if measured:
        bell.measure_all()
    circuit = generate_preset_pass_manager(optimization_level=1, backend=backend).run(bell)
    return circuit, (bell if measured else SparsePauliOp("ZZ").apply_layout(circuit.layout))


def test_open_a_batch_with_the_batch_class(rt: Runtime) -> None:
    Batch, Sampler, Estimator = rt.Batch, rt.Sampler, rt.Estimator
    backend = rt.backend  # service.least_busy(operational=True, simulator=False)
    batch = Batch(backend=backend)
    estimator = Estimator(mode=batch)
    sampler = Sampler(mode=batch)
    # Close the batch because no context manager was used.
    batch.close()
    # --- end of sample
    assert estimator.mode is batch and sampler.mode is batch
    if rt.is_qmodes:
        assert batch.status() == "Closed"


def test_open_a_batch_with_the_context_manager(rt: Runtime) -> None:
    Batch, Sampler, Estimator = rt.Batch, rt.Sampler, rt.Estimator
    backend = rt.backend
    with Batch(backend=backend) as batch:
        estimator = Estimator()
        sampler = Sampler()
    # --- end of sample
    assert estimator.mode is batch and sampler.mode is batch


def test_batch_length(rt: Runtime) -> None:
    Batch = rt.Batch
    backend = rt.backend
    with Batch(backend=backend, max_time="25m") as batch:
        ...
    # --- end of sample
    if rt.is_qmodes:
        details = batch.details()
        assert details["max_time"] == 1500 and details["interactive_timeout"] == 1


def test_close_a_batch_with_the_context_manager(rt: Runtime) -> None:
    Batch, Estimator = rt.Batch, rt.Estimator
    backend = rt.backend
    circuit, observable = bell_problem(backend)
    with Batch(backend=backend) as batch:
        estimator = Estimator()
        job1 = estimator.run([(circuit, observable)])
        job2 = estimator.run([(circuit, observable)])

    # The batch is no longer accepting jobs but the submitted job will run to completion.
    result = job1.result()
    result2 = job2.result()
    # --- end of sample
    for pub in (result[0], result2[0]):
        assert_evs_match(pub.data.evs, 1.0, pub.data.stds)
    if rt.is_qmodes:
        assert batch.details()["mode"] == "batch" and job2.session_id == batch.session_id


def test_close_a_batch_by_hand(rt: Runtime) -> None:
    Batch, Estimator = rt.Batch, rt.Estimator
    backend = rt.backend
    circuit, observable = bell_problem(backend)
    batch = Batch(backend=backend)

    # If using qiskit-ibm-runtime earlier than 0.24.0, change `mode=` to `batch=`
    estimator = Estimator(mode=batch)
    job1 = estimator.run([(circuit, observable)])
    job2 = estimator.run([(circuit, observable)])
    print(f"Result1: {job1.result()}")
    print(f"Result2: {job2.result()}")

    # Manually close the batch. Running and queued jobs will run to completion.
    batch.close()
    # --- end of sample
    assert_evs_match(job1.result()[0].data.evs, 1.0, job1.result()[0].data.stds)
    if rt.is_qmodes:  # batch usage: the jobs' QPU time only
        assert batch.usage() == pytest.approx(job1.usage() + job2.usage())


def test_determine_batch_details(rt: Runtime) -> None:
    Batch = rt.Batch
    backend = rt.backend
    with Batch(backend=backend) as batch:
        print(batch.details())
        details = batch.details()
    # --- end of sample
    if rt.is_qmodes:
        assert details["mode"] == "batch" and details["state"] == "open"
        assert details["usage_time"] is None and details["started_at"] is None
    else:
        assert details is None


def test_partition_circuits_into_jobs_of_a_batch(rt: Runtime) -> None:
    Batch, Sampler = rt.Batch, rt.Sampler
    backend = rt.backend
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    circuits = []  # the guide's ``circuits``: five small ones, with exact results known
    for k in range(5):
        circuit = QuantumCircuit(2)
        circuit.ry(0.4 * (k + 1), 0)
        circuit.cx(0, 1)
        circuit.measure_all()
        circuits.append(circuit)
    logical, circuits = circuits, pm.run(circuits)
    # The sample (max_circuits as written would make one job of five; 2 makes three):
    max_circuits = 2
    all_partitioned_circuits = []
    for i in range(0, len(circuits), max_circuits):
        all_partitioned_circuits.append(circuits[i : i + max_circuits])
    jobs = []
    start_idx = 0

    with Batch(backend=backend):
        sampler = Sampler()
        for partitioned_circuits in all_partitioned_circuits:
            job = sampler.run(partitioned_circuits)
            jobs.append(job)
    # --- end of sample
    assert start_idx == 0 and len(jobs) == 3
    results = [pub for job in jobs for pub in job.result()]
    for pub, circuit in zip(results, logical, strict=True):
        assert_counts_match(pub.data.meas.get_counts(), circuit)


def test_batch_docstring_example(rt: Runtime) -> None:
    """qiskit_ibm_runtime.Batch's docstring: IQP circuits, partitioned into jobs of a batch."""
    Batch, Sampler = rt.Batch, rt.Sampler
    from qiskit.circuit.library import IQP

    n_qubits = 5  # 127 in the docstring: the device's size
    backend = rt.backend
    rng = np.random.default_rng(seed=7)  # the docstring's default_rng(), seeded
    mats = [np.real(random_hermitian(n_qubits, seed=rng)) for _ in range(30)]
    circuits = [IQP(mat) for mat in mats]
    for circuit in circuits:
        circuit.measure_all()
    pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
    isa_circuits = pm.run(circuits)
    max_circuits = 10
    all_partitioned_circuits = []
    for i in range(0, len(isa_circuits), max_circuits):
        all_partitioned_circuits.append(isa_circuits[i : i + max_circuits])
    jobs = []
    start_idx = 0
    with Batch(backend=backend):
        sampler = Sampler()
        for partitioned_circuits in all_partitioned_circuits:
            job = sampler.run(partitioned_circuits)
            jobs.append(job)
    # --- end of sample
    assert start_idx == 0 and len(jobs) == 3
    results = [pub for job in jobs for pub in job.result()]
    for pub, circuit in zip(results[:3], circuits, strict=False):  # three of thirty: speed
        # IQP-5 routes to ~20 CX on manila's line: its noise model shifts up to ~0.2
        assert_counts_match(pub.data.meas.get_counts(), circuit, noise=0.25)


def test_batch_executor_primitives(rt: Runtime) -> None:
    """The 0.50+ executor Sampler and Estimator in a batch (``mode=batch``, and no mode)."""
    from qiskit_ibm_runtime.executor_estimator import Estimator
    from qiskit_ibm_runtime.executor_sampler import Sampler

    backend = rt.backend
    circuit, observable = bell_problem(backend)
    measured, logical = bell_problem(backend, measured=True)
    with rt.Batch(backend=backend) as batch:
        counts_job = Sampler(mode=batch).run([measured], shots=400)
        evs_job = Estimator().run([(circuit, observable)])
    # --- end of sample
    assert_counts_match(counts_job.result()[0].data.meas.get_counts(), logical)
    assert_evs_match(evs_job.result()[0].data.evs, 1.0, evs_job.result()[0].data.stds)
    if rt.is_qmodes:
        assert {counts_job.session_id, evs_job.session_id} == {batch.session_id}
