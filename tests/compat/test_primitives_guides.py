"""IBM guides "Get started with primitives", "Estimate job run time", "Maximum execution time"
and the qiskit-ibm-runtime README (Sampler, Estimator, Session), and ``Session``'s docstring."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ClassicalRegister, Parameter, QuantumRegister
from qiskit.quantum_info import SparsePauliOp, Statevector, random_hermitian
from qiskit.transpiler import generate_preset_pass_manager

from tests.compat.conftest import (
    Runtime,
    assert_counts_match,
    assert_evs_match,
    assert_evs_match_damped,
    heavy_reference,
    ibm_local_cannot,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::UserWarning:qiskit_ibm_runtime")


def ghz_phase_problem():
    """The README's circuit (|000> + e^{i theta}|111>)/sqrt(2) and observable M1."""
    theta = Parameter("θ")
    circuit = QuantumCircuit(3)
    circuit.h(0)  # generate superposition
    circuit.p(theta, 0)  # add quantum phase
    circuit.cx(0, 1)  # condition 1st qubit on 0th qubit
    circuit.cx(0, 2)  # condition 2nd qubit on 0th qubit
    M1 = SparsePauliOp.from_list([("XXY", 1), ("XYX", 1), ("YXX", 1), ("YYY", -1)])
    return circuit, M1


def exact_m1(circuit, M1, thetas):
    return [Statevector(circuit.assign_parameters(t)).expectation_value(M1).real
            for t in thetas]


def test_get_started_with_estimator(rt: Runtime) -> None:
    Estimator = rt.Estimator
    backend = rt.backend  # service.least_busy(operational=True, simulator=False, ...=127)
    estimator = Estimator(mode=backend)
    from qiskit.circuit.library import IQP

    n_qubits = 5  # 127 in the guide: the device's size

    mat = np.real(random_hermitian(n_qubits, seed=1234))
    circuit = IQP(mat)
    observable = SparsePauliOp("Z" * n_qubits)
    print(f">>> Observable: {observable.paulis}")
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    isa_circuit = pm.run(circuit)
    isa_observable = observable.apply_layout(isa_circuit.layout)
    job = estimator.run([(isa_circuit, isa_observable)])
    print(f">>> Job ID: {job.job_id()}")
    print(f">>> Job Status: {job.status()}")
    result = job.result()
    print(f">>> {result}")
    print(f"  > Expectation value: {result[0].data.evs}")
    print(f"  > Metadata: {result[0].metadata}")
    # --- end of sample
    exact = Statevector(circuit).expectation_value(observable).real
    assert_evs_match(result[0].data.evs, exact, result[0].data.stds, noise=0.2)
    assert result[0].metadata["target_precision"] == 0.015625
    if rt.job_mode_is_qmodes:
        assert job.status() == "DONE"  # a string, as RuntimeJobV2 returns


def test_get_started_with_sampler(rt: Runtime) -> None:
    Sampler = rt.Sampler
    backend = rt.backend
    from qiskit.circuit.library import IQP

    n_qubits = 4  # 127 in the guide

    mat = np.real(random_hermitian(n_qubits, seed=1234))
    circuit = IQP(mat)
    circuit.measure_all()
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    isa_circuit = pm.run(circuit)
    sampler = Sampler(mode=backend)
    job = sampler.run([isa_circuit])
    print(f">>> Job ID: {job.job_id()}")
    print(f">>> Job Status: {job.status()}")
    result = job.result()

    # Get results for the first (and only) PUB
    pub_result = result[0]
    print(f"Counts for the meas output register: {pub_result.data.meas.get_counts()}")
    # --- end of sample
    assert pub_result.data.meas.num_shots == 1024
    assert_counts_match(pub_result.data.meas.get_counts(), circuit, noise=0.15)


def test_estimate_job_run_time(rt: Runtime) -> None:
    ibm_local_cannot(rt, "a LocalRuntimeJob has no usage_estimation", job_mode=True)
    Sampler = rt.Sampler
    # Create a new circuit with two qubits (first argument) and two classical
    # bits (second argument)
    qc = QuantumCircuit(2, 2)

    # Add a Hadamard gate to qubit 0
    qc.h(0)

    # Perform a controlled-X gate on qubit 1, controlled by qubit 0
    qc.cx(0, 1)

    # Measure qubit 0 to cbit 0, and qubit 1 to cbit 1
    qc.measure(0, 0)
    qc.measure(1, 1)

    # Run on the least-busy system you have access to
    backend = rt.backend

    # Generate ISA circuits
    pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
    isa_circuit = pm.run(qc)

    # Create a Sampler object
    sampler = Sampler(backend)

    # Submit the circuit to the sampler
    job = sampler.run([isa_circuit])

    print(job.usage_estimation)
    # --- end of sample
    estimate = job.usage_estimation["quantum_seconds"]
    # IBM's rule: ~2 s per job + shots x (rep_delay + circuit duration)
    assert 2.0 < estimate < 2.0 + 1024 * (250e-6 + 20e-6)
    assert_counts_match(job.result()[0].data.c.get_counts(), qc)


def test_maximum_execution_time_options_and_metrics(rt: Runtime) -> None:
    ibm_local_cannot(rt, "a LocalRuntimeJob's metrics() has no usage.quantum_seconds",
                     job_mode=True)
    Sampler = rt.Sampler
    backend = rt.backend
    qc = QuantumCircuit(1)
    qc.x(0)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    # Create the options object with attributes and values
    options = {"max_execution_time": 360}
    job = Sampler(mode=backend, options=options).run([isa])
    job.result()
    # Find quantum time used by the job
    print(f"Quantum time used by job {job.job_id()} was "
          f"{job.metrics()['usage']['quantum_seconds']} seconds")
    # --- end of sample
    assert job.metrics()["usage"]["quantum_seconds"] > 0
    assert job.metrics()["usage"]["quantum_seconds"] == job.usage()


def test_readme_sampler(rt: Runtime) -> None:
    Sampler = rt.Sampler
    # 1. A quantum circuit for preparing the quantum state (|00> + |11>)/rt{2}
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()

    # 2: Optimize problem for quantum execution.
    backend = rt.backend
    pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
    isa_circuit = pm.run(bell)

    # 3. Execute using the Sampler primitive
    sampler = Sampler(mode=backend)
    sampler.options.default_shots = 1024  # Options can be set using auto-complete.
    job = sampler.run([isa_circuit])
    print(f"Job ID is {job.job_id()}")
    pub_result = job.result()[0]
    print(f"Counts for the meas output register: {pub_result.data.meas.get_counts()}")
    # --- end of sample
    assert pub_result.data.meas.num_shots == 1024
    assert_counts_match(pub_result.data.meas.get_counts(), bell)


@pytest.mark.filterwarnings("ignore::qmodes.core.options.OptionNotEmulatedWarning")
def test_readme_estimator(rt: Runtime) -> None:
    heavy_reference(rt, job_mode=True)
    Estimator = rt.Estimator
    circuit, M1 = ghz_phase_problem()

    # batch of theta parameters to be executed
    points = 50
    theta1 = []
    for x in range(points):
        theta = [x*2.0*np.pi/50]
        theta1.append(theta)

    # 2: Optimize problem for quantum execution.
    backend = rt.backend
    pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
    isa_circuit = pm.run(circuit)
    isa_observables = M1.apply_layout(isa_circuit.layout)

    # 3. Execute using the Estimator primitive
    estimator = Estimator(backend)
    estimator.options.resilience_level = 1  # Options can be set using auto-complete.
    job = estimator.run([(isa_circuit, isa_observables, theta1)])
    print(f"Job ID is {job.job_id()}")
    pub_result = job.result()[0]
    print(f"Expectation values: {pub_result.data.evs}")
    # --- end of sample
    exact = exact_m1(circuit, M1, theta1)  # 4 sin(theta): the curve peaks at theta = pi/2
    assert_evs_match_damped(pub_result.data.evs, exact, pub_result.data.stds, scale=4)
    if rt.job_mode_is_qmodes:  # reported once as not emulated (a warning) and recorded
        assert job.result().metadata["qmodes"]["not_emulated"] == {"resilience_level": 1}
    assert np.argmax(pub_result.data.evs) in (11, 12, 13)  # theta = pi/2 is point 12.5


def test_readme_session_golden_search(rt: Runtime) -> None:
    heavy_reference(rt)
    Session, Estimator = rt.Session, rt.Estimator
    circuit, M1 = ghz_phase_problem()

    gr = (np.sqrt(5) + 1) / 2 # golden ratio
    thetaa = 0 # lower range of theta
    thetab = 2*np.pi # upper range of theta
    tol = 1e-1 # tol

    # 2: Optimize problem for quantum execution.
    backend = rt.backend
    pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
    isa_circuit = pm.run(circuit)
    isa_observables = M1.apply_layout(isa_circuit.layout)

    # 3. Execute iteratively using the Estimator primitive
    with Session(backend=backend) as session:
        estimator = Estimator(mode=session)
        estimator.options.default_precision = 0.03  # Options can be set using auto-complete.
        #next test range
        thetac = thetab - (thetab - thetaa) / gr
        thetad = thetaa + (thetab - thetaa) / gr
        while abs(thetab - thetaa) > tol:
            print(f"max value of M1 is in the range theta = {[thetaa, thetab]}")
            job = estimator.run([(isa_circuit, isa_observables, [[thetac],[thetad]])])
            test = job.result()[0].data.evs
            if test[0] > test[1]:
                thetab = thetad
            else:
                thetaa = thetac
            thetac = thetab - (thetab - thetaa) / gr
            thetad = thetaa + (thetab - thetaa) / gr

        # Final job to evaluate Estimator at midpoint found using golden search method
        theta_mid = (thetab + thetaa) / 2
        job = estimator.run([(isa_circuit, isa_observables, theta_mid)])
        print(f"Session ID is {session.session_id}")
        print(f"Final Job ID is {job.job_id()}")
        print(f"Job result is {job.result()[0].data.evs} at theta = {theta_mid}")
    # --- end of sample
    assert theta_mid == pytest.approx(np.pi / 2, abs=0.2)  # README: 1.5757
    evs = job.result()[0].data.evs
    assert 2.0 < evs <= 4.0 + 5 * job.result()[0].data.stds  # 4 exactly, damped by noise
    if rt.is_qmodes:
        assert len(session.jobs()) == 10 and session.status() == "Closed"  # 9 + final
        assert session.usage() >= sum(j.usage() for j in session.jobs())


def test_session_docstring_example(rt: Runtime) -> None:
    """qiskit_ibm_runtime.Session's docstring: a Bell circuit on named registers."""
    Session, Sampler = rt.Session, rt.Sampler
    backend = rt.backend  # service.least_busy(operational=True, simulator=False)

    # Bell Circuit
    qr = QuantumRegister(2, name="qr")
    cr = ClassicalRegister(2, name="cr")
    qc = QuantumCircuit(qr, cr, name="bell")
    qc.h(qr[0])
    qc.cx(qr[0], qr[1])
    qc.measure(qr, cr)

    pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
    isa_circuit = pm.run(qc)

    with Session(backend=backend) as session:
        sampler = Sampler(mode=session)
        job = sampler.run([isa_circuit])
        pub_result = job.result()[0]
        print(f"Sampler job ID: {job.job_id()}")
        print(f"Counts: {pub_result.data.cr.get_counts()}")
    # --- end of sample
    assert_counts_match(pub_result.data.cr.get_counts(), qc)
    if rt.is_qmodes:
        assert job.session_id == session.session_id
