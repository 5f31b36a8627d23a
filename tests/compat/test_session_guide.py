"""IBM guide "Run jobs in a session" (docs/guides/run-jobs-session.mdx), sample by sample.

The guide leaves ``circuit``, ``observable``, ``sampler_circuit`` and the ``...`` of ``run``
undefined; :func:`problem` gives them: a Bell state, ``ZZ`` (exactly 1) and the measured Bell
circuit, transpiled for the device as the guide's other pages do.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from scipy.optimize import minimize

from tests.compat.conftest import Runtime, assert_counts_match, assert_evs_match, heavy_reference

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::UserWarning:qiskit_ibm_runtime")


def problem(backend):
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    circuit = pm.run(bell)
    observable = SparsePauliOp("ZZ").apply_layout(circuit.layout)
    measured = bell.copy()
    measured.measure_all()
    return circuit, observable, pm.run(measured), measured


def test_open_a_session_with_the_session_class(rt: Runtime) -> None:
    Session, Sampler, Estimator = rt.Session, rt.Sampler, rt.Estimator
    backend = rt.backend  # service.least_busy(operational=True, simulator=False)
    session = Session(backend=backend)
    estimator = Estimator(mode=session)
    sampler = Sampler(mode=session)
    # --- end of sample
    assert estimator.mode is session and sampler.mode is session
    session.close()
    if rt.is_qmodes:
        assert session.status() == "Closed"


def test_open_a_session_with_the_context_manager(rt: Runtime) -> None:
    Session, Sampler, Estimator = rt.Session, rt.Sampler, rt.Estimator
    backend = rt.backend
    with Session(backend=backend) as session:
        estimator = Estimator()
        sampler = Sampler()
    # --- end of sample
    assert estimator.mode is session and sampler.mode is session


def test_session_length(rt: Runtime) -> None:
    Session = rt.Session
    backend = rt.backend
    with Session(backend=backend, max_time="25m") as session:
        ...
    # --- end of sample
    if rt.is_qmodes:
        assert session.details()["max_time"] == 25 * 60
    else:
        assert session.details() is None  # IBM's local mode has no session details


def test_close_a_session_with_the_context_manager(rt: Runtime) -> None:
    Session, Estimator = rt.Session, rt.Estimator
    backend = rt.backend
    circuit, observable, _, _ = problem(backend)
    with Session(backend=backend) as session:
        estimator = Estimator()
        job1 = estimator.run([(circuit, observable)])
        job2 = estimator.run([(circuit, observable)])

    # The session is no longer accepting jobs but the submitted job will run to completion.
    result = job1.result()
    result2 = job2.result()
    # --- end of sample
    for pub in (result[0], result2[0]):
        assert_evs_match(pub.data.evs, 1.0, pub.data.stds)
    if rt.is_qmodes:
        assert session.status() == "Closed" and job1.session_id == session.session_id


def test_close_a_session_by_hand(rt: Runtime) -> None:
    Session, Estimator = rt.Session, rt.Estimator
    backend = rt.backend
    circuit, observable, _, _ = problem(backend)
    session = Session(backend=backend)

    estimator = Estimator(mode=session)
    job1 = estimator.run([(circuit, observable)])
    job2 = estimator.run([(circuit, observable)])
    print(f"Result1: {job1.result()}")
    print(f"Result2: {job2.result()}")

    # Manually close the session. Running and queued jobs will run to completion.
    session.close()
    # --- end of sample
    assert_evs_match(job2.result()[0].data.evs, 1.0, job2.result()[0].data.stds)
    if rt.is_qmodes:
        assert session.usage() > 0


def test_cancel_a_session(rt: Runtime) -> None:
    Session, Estimator = rt.Session, rt.Estimator
    backend = rt.backend
    circuit, observable, _, _ = problem(backend)
    with Session(backend=backend) as session:
        estimator = Estimator()
        job1 = estimator.run([(circuit, observable)])
        job2 = estimator.run([(circuit, observable)])
        # You can use session.cancel() to fail all pending jobs, for example,
        # if you realize you made a mistake.
        session.cancel()
    # --- end of sample
    for job in (job1, job2):
        job.wait_for_final_state() if rt.is_qmodes else job.result()
        assert str(job.status()).split(".")[-1] in ("DONE", "CANCELLED")
    if rt.is_qmodes:
        assert session.status() == "Closed"
        with pytest.raises(Exception, match="closed"):
            estimator.run([(circuit, observable)])


def test_invoke_multiple_primitives_in_a_session(rt: Runtime) -> None:
    Session, Sampler, Estimator = rt.Session, rt.Sampler, rt.Estimator
    backend = rt.backend
    circuit, observable, sampler_circuit, measured = problem(backend)
    with Session(backend=backend):
        sampler = Sampler()
        estimator = Estimator()

        job = sampler.run([sampler_circuit])
        result = job.result()
        print(f" > Counts: {result[0].data.meas.get_counts()}")
        counts = result[0].data.meas.get_counts()

        job = estimator.run([(circuit, observable)])
        result = job.result()
        print(f" > Expectation value: {result[0].data.evs}")
        print(f" > Metadata: {result[0].metadata}")
    # --- end of sample
    assert_counts_match(counts, measured)
    assert_evs_match(result[0].data.evs, 1.0, result[0].data.stds)


def test_two_vqe_algorithms_in_a_session_with_threads(rt: Runtime) -> None:
    heavy_reference(rt)
    Session, Estimator = rt.Session, rt.Estimator
    backend = rt.backend
    # The guide's context (its VQE tutorial): a one-parameter ansatz and a Hamiltonian whose
    # ground energy is -1 at theta = pi, from 0.07 at x0; few iterations keep the test fast.
    from qiskit.circuit import Parameter

    theta = Parameter("theta")
    circuit = QuantumCircuit(1)
    circuit.ry(theta, 0)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    ansatz = pm.run(circuit)
    hamiltonian = SparsePauliOp("Z").apply_layout(ansatz.layout)
    x0 = [1.5]

    def cost_func(params, ansatz, hamiltonian, estimator):
        result = estimator.run([(ansatz, [hamiltonian], [params])]).result()
        return float(result[0].data.evs[0])

    # The sample:
    def minimize_thread(estimator, method):
        return minimize(cost_func, x0, args=(ansatz, hamiltonian, estimator), method=method,
                        options={"maxiter": 4})

    with Session(backend=backend) as session, ThreadPoolExecutor() as executor:
        estimator1 = Estimator()
        estimator2 = Estimator()

        # Use different tags to differentiate the jobs.
        estimator1.options.environment.job_tags = ["cobyla"]
        estimator2.options.environment.job_tags = ["nelder-mead"]

        # Submit the two workloads.
        cobyla_future = executor.submit(minimize_thread, estimator1, "cobyla")
        nelder_mead_future = executor.submit(minimize_thread, estimator2, "nelder-mead")

        # Get workload results.
        cobyla_result = cobyla_future.result()
        nelder_mead_result = nelder_mead_future.result()
    # --- end of sample
    for result in (cobyla_result, nelder_mead_result):
        assert result.fun < -0.5  # exact minimum -1; fake_manila's readout noise lifts it
    if rt.is_qmodes:
        tags = {tuple(job.tags) for job in session.jobs()}
        assert tags == {("cobyla",), ("nelder-mead",)}


def test_check_session_status(rt: Runtime) -> None:
    Session = rt.Session
    backend = rt.backend
    session = Session(backend=backend)
    status = session.status()
    # --- end of sample
    session.close()
    if rt.is_qmodes:
        assert status == "Pending" and session.status() == "Closed"
    else:
        assert status is None  # IBM's local mode: "status details are not available"


def test_determine_session_details(rt: Runtime) -> None:
    Session, Estimator = rt.Session, rt.Estimator
    backend = rt.backend
    circuit, observable, _, _ = problem(backend)
    with Session(backend=backend) as session:
        estimator = Estimator()
        job = estimator.run([(circuit, observable)])
        print(session.details())
        details = session.details()
    # --- end of sample
    job.result()
    if not rt.is_qmodes:
        assert details is None
        return
    assert details["mode"] == "dedicated" and details["interactive_timeout"] == 60
    assert details["max_time"] == 28800 and details["backend_name"] == "fake_manila"
    assert details["accepting_jobs"] is True and details["id"] == session.session_id
