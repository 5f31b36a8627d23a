"""IBM guides "Monitor or cancel a job" (docs/guides/monitor-job.mdx) and "Local testing mode"
(docs/guides/local-testing-mode), sample by sample."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives import BitArray
from qiskit.transpiler import generate_preset_pass_manager

import qmodes
from tests.compat.conftest import Runtime, assert_counts_match, ibm_local_cannot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::UserWarning:qiskit_ibm_runtime")

NO_SPANS = "local-mode results carry no metadata['execution']['execution_spans']"


def bell_isa(backend):
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    return bell, generate_preset_pass_manager(optimization_level=1, backend=backend).run(bell)


def spans_job(rt: Runtime):
    """A Sampler job of three PUBs, the second of shape (2, 3) (the guide's mask example)."""
    backend = rt.backend
    theta = Parameter("theta")
    rotation = QuantumCircuit(1)
    rotation.ry(theta, 0)
    rotation.measure_all()
    _, isa = bell_isa(backend)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    angles = np.linspace(0, np.pi, 6).reshape(2, 3, 1)
    pubs = [(isa,), (pm.run(rotation), angles, 4), (isa,)]
    with rt.Session(backend=backend) as session:
        job = rt.Sampler(mode=session).run(pubs, shots=64)
    return job, angles


def test_monitor_a_job(rt: Runtime) -> None:
    Sampler = rt.Sampler
    backend = rt.backend
    bell, isa_circuit = bell_isa(backend)
    job = Sampler(mode=backend).run([isa_circuit])
    # The guide's table: job.result(), job.job_id(), job.status()
    result = job.result()
    job_id = job.job_id()
    status = job.status()
    # --- end of sample
    assert_counts_match(result[0].data.meas.get_counts(), bell)
    assert isinstance(job_id, str) and job_id
    if rt.job_mode_is_qmodes:
        assert status == "DONE"  # RuntimeJobV2's string
    else:
        assert status.name == "DONE"  # a LocalRuntimeJob's JobStatus enum


def test_cancel_a_job(rt: Runtime) -> None:
    backend = rt.backend
    bell, isa_circuit = bell_isa(backend)
    with rt.Batch(backend=backend) as batch:
        sampler = rt.Sampler(mode=batch)
        jobs = [sampler.run([isa_circuit]) for _ in range(8)]
        job = jobs[-1]
        # In Qiskit, use job.cancel() to cancel a job.
        job.cancel()
    # --- end of sample
    ibm_local_cannot(rt, "a job that already ran cannot be cancelled: it reports DONE")
    job.wait_for_final_state()
    assert job.status() == "CANCELLED" and job.cancelled()
    with pytest.raises(qmodes.JobCancelledError):
        job.result()
    assert_counts_match(jobs[0].result()[0].data.meas.get_counts(), bell)


def test_view_execution_spans(rt: Runtime) -> None:
    ibm_local_cannot(rt, NO_SPANS)
    job, _ = spans_job(rt)
    pub_results = job.result()
    spans = pub_results.metadata["execution"]["execution_spans"]
    for span in spans:
        print(span)
    # --- end of sample
    from qiskit_ibm_runtime.execution_span import ExecutionSpans

    assert isinstance(spans, ExecutionSpans) and len(spans) >= 1
    assert sum(span.size for span in spans) == 64 + 6 * 4 + 64  # every shot of every PUB


def test_execution_span_masks(rt: Runtime) -> None:
    ibm_local_cannot(rt, NO_SPANS)
    job, angles = spans_job(rt)
    pub_results = job.result()
    spans = pub_results.metadata["execution"]["execution_spans"]
    # Get the mask of the 1st PUB for the 0th span.
    mask = spans[0].mask(1)

    # Decide whether the 0th shot of parameter set (1, 2) occurred in this span.
    in_this_span = mask[1, 2, 0]

    # Create a new bit array containing only the PUB-1 data collected during this span.
    bits = pub_results[1].data.meas
    filtered_data = BitArray(bits.array[mask], bits.num_bits)
    # --- end of sample
    assert mask.shape == (2, 3, 4)
    if len(spans) == 1:  # one span holds every shot
        assert in_this_span and filtered_data.num_shots == 24
    ones = pub_results[1].data.meas.bitcount().mean(axis=-1)  # fraction of 1s per angle
    exact = np.sin(angles[..., 0] / 2) ** 2
    assert np.all(np.abs(ones - exact) <= 5 * np.sqrt(0.25 / 4) + 0.1)


def test_filter_and_inspect_execution_spans(rt: Runtime) -> None:
    ibm_local_cannot(rt, NO_SPANS)
    job, _ = spans_job(rt)
    spans = job.result().metadata["execution"]["execution_spans"]
    # take the subset of spans that reference data in PUBs 0 or 2
    subset = spans.filter_by_pub([0, 2])
    print("Number of execution spans:", len(spans))
    print("  Start of the first span:", spans.start)
    print("     End of the last span:", spans.stop)
    print("       Total duration (s):", spans.duration)
    spans.sort()
    print(" Start of first span:", spans[0].start)
    print("   End of first span:", spans[0].stop)
    print("#shots in first span:", spans[0].size)
    # --- end of sample
    assert sum(span.size for span in subset) >= 128  # PUBs 0 and 2: 64 shots each
    assert spans.start <= spans.stop and spans.duration >= 0
    created = job.creation_date
    assert spans.start.timestamp() >= created.timestamp() - 1  # spans are after creation


def test_draw_execution_spans_of_local_jobs(rt: Runtime) -> None:
    """qiskit_ibm_runtime.visualization.draw_execution_spans over several local jobs."""
    ibm_local_cannot(rt, NO_SPANS)
    pytest.importorskip("plotly")
    from qiskit_ibm_runtime.visualization import draw_execution_spans

    backend = rt.backend
    _, isa = bell_isa(backend)
    with rt.Batch(backend=backend) as batch:
        sampler = rt.Sampler(mode=batch)
        jobs = [sampler.run([isa, isa], shots=32) for _ in range(3)]
    figure = draw_execution_spans(
        *[j.result().metadata["execution"]["execution_spans"] for j in jobs])
    # --- end of sample
    assert len(figure.data) >= 3  # one trace per job's spans at least
    assert figure.layout.xaxis.type in (None, "date")


def test_local_mode_fake_backend_with_seed(rt: Runtime) -> None:
    Sampler = rt.Sampler
    # Bell Circuit
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()

    fake_manila = rt.backend  # FakeManilaV2()
    pm = generate_preset_pass_manager(backend=fake_manila, optimization_level=1)
    isa_qc = pm.run(qc)

    # You can use a fixed seed to get fixed results.
    options = {"simulator": {"seed_simulator": 42}}
    sampler = Sampler(mode=fake_manila, options=options)

    result = sampler.run([isa_qc]).result()
    # --- end of sample
    again = Sampler(mode=fake_manila, options=options).run([isa_qc]).result()
    assert result[0].data.meas.get_counts() == again[0].data.meas.get_counts()  # the seed
    assert_counts_match(result[0].data.meas.get_counts(), qc)


def test_local_mode_aer_simulator_in_a_session(rt: Runtime) -> None:
    Session, Sampler = rt.Session, rt.Sampler
    from qiskit_aer import AerSimulator

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()

    # Run the sampler job locally using AerSimulator.
    # Session syntax is supported but ignored because local mode doesn't support sessions.
    aer_sim = AerSimulator()  # unchanged: qmodes takes any BackendV2
    pm = generate_preset_pass_manager(backend=aer_sim, optimization_level=1)
    isa_qc = pm.run(qc)
    with Session(backend=aer_sim) as session:
        sampler = Sampler(mode=session)
        result = sampler.run([isa_qc]).result()
    # --- end of sample
    assert_counts_match(result[0].data.meas.get_counts(), qc, noise=0.0)  # ideal: no noise
    if rt.is_qmodes:
        assert session.details()["usage_time"] > 0  # qmodes does not ignore the session


def test_local_mode_noise_of_a_device_on_aer(rt: Runtime) -> None:
    Sampler = rt.Sampler
    from qiskit_aer import AerSimulator

    real_backend = rt.backend  # service.backend("ibm_brisbane")
    aer = AerSimulator.from_backend(real_backend)

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    pm = generate_preset_pass_manager(backend=aer, optimization_level=1)
    isa_qc = pm.run(qc)
    sampler = Sampler(mode=aer)
    result = sampler.run([isa_qc]).result()
    # --- end of sample
    assert_counts_match(result[0].data.meas.get_counts(), qc)
    assert sum(result[0].data.meas.get_counts().get(k, 0) for k in ("01", "10")) > 0  # noisy


def test_local_mode_clifford_simulation(rt: Runtime) -> None:
    Sampler = rt.Sampler
    from qiskit.circuit.library import efficient_su2
    from qiskit_aer import AerSimulator

    n_qubits = 60  # 500 in the guide: smaller keeps the suite fast, still beyond statevector
    circuit = efficient_su2(n_qubits)
    circuit.measure_all()
    rng = np.random.default_rng(1234)
    params = rng.choice([0, np.pi / 2, np.pi, 3 * np.pi / 2], size=circuit.num_parameters)

    # Tell Aer to use the stabilizer (clifford) simulation method
    aer_sim = AerSimulator(method="stabilizer")  # unchanged: qmodes takes any BackendV2
    pm = generate_preset_pass_manager(backend=aer_sim, optimization_level=1)
    isa_qc = pm.run(circuit)
    sampler = Sampler(mode=aer_sim)
    result = sampler.run([(isa_qc, params)]).result()
    # --- end of sample
    bits = result[0].data.meas
    assert bits.num_bits == n_qubits and bits.num_shots == 1024
    # Exact values: the circuit is a Clifford; every qubit whose Z outcome its stabilizer
    # state fixes must read that outcome in every shot, the others about half the time.
    from qiskit.quantum_info import Clifford

    bound = circuit.remove_final_measurements(inplace=False).assign_parameters(params)
    clifford = Clifford(bound)
    for qubit in range(n_qubits):
        ones = bits.slice_bits([qubit]).get_counts().get("1", 0) / bits.num_shots
        fixed = _z_fixed(clifford, qubit)
        if fixed is None:
            assert abs(ones - 0.5) <= 5 * (0.25 / bits.num_shots) ** 0.5
        else:
            assert ones == fixed


def _z_fixed(clifford, qubit):
    """The fixed outcome of measuring ``qubit`` in Z on a stabilizer state, if it is fixed."""
    from qiskit.quantum_info import Pauli, StabilizerState

    state = StabilizerState(clifford)
    label = ["I"] * clifford.num_qubits
    label[clifford.num_qubits - 1 - qubit] = "Z"
    value = state.expectation_value(Pauli("".join(label)))
    return None if value == 0 else (0 if value > 0 else 1)
