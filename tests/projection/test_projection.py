"""Projected QPU time: IBM's published estimate, its quick form, and the job limits."""

from __future__ import annotations

import math

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

from qmodes.accounting.projection import (
    DEFAULT_REP_DELAY,
    MAX_SAMPLER_EXECUTIONS,
    Projection,
    check_limits,
    circuit_duration,
    project_job,
    project_pubs,
    quick_estimate,
    rep_delay_of,
    resolve_device,
)


@pytest.fixture(scope="module")
def manila() -> FakeManilaV2:
    return FakeManilaV2()


def bell() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    return qc


def ibm_recipe(isa_circuits: list[QuantumCircuit], backend, shots: int) -> float:
    """IBM's "Estimate usage locally with Qiskit" example, as published (docs, Workload usage)."""
    pm = generate_preset_pass_manager(target=backend.target, optimization_level=0,
                                      scheduling_method="alap")
    scheduled_circuits = pm.run(isa_circuits)
    init_duration = backend.target["reset"][(0,)].duration
    rep_delay = backend.default_rep_delay
    circuit_duration = 0.0
    for circuit in scheduled_circuits:
        circuit_duration += circuit.estimate_duration(backend.target)
        circuit_duration += init_duration  # init_qubits defaults to True
        circuit_duration += rep_delay
    return 2 + circuit_duration * shots


def test_matches_ibm_published_recipe_for_the_docs_bell_circuit(manila):
    isa = generate_preset_pass_manager(backend=manila, optimization_level=1).run(bell())
    expected = ibm_recipe([isa], manila, shots=4096)
    projection = project_pubs([isa], manila, shots=4096)
    assert projection.seconds == pytest.approx(expected, rel=1e-12)
    assert projection.executions == 4096


def test_abstract_circuits_are_transpiled_before_timing(manila):
    isa = generate_preset_pass_manager(backend=manila, optimization_level=1).run(bell())
    assert circuit_duration(bell(), manila) == pytest.approx(circuit_duration(isa, manila))


def test_several_pubs_add_up_like_the_recipe(manila):
    pm = generate_preset_pass_manager(backend=manila, optimization_level=1)
    ghz = QuantumCircuit(3, 3)
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.measure(range(3), range(3))
    isas = pm.run([bell(), ghz])
    expected = ibm_recipe(isas, manila, shots=1000)
    assert project_pubs(isas, manila, shots=1000).seconds == pytest.approx(expected)


def test_quick_form_is_the_full_formula_with_a_100_microsecond_circuit(manila):
    """IBM's quick form 2 + 0.00035 * n assumes 250 µs rep delay and ~100 µs of circuit."""
    qc = QuantumCircuit(1)
    qc.delay(100, 0, unit="us")
    projection = project_pubs([qc], manila, shots=10_000, init_qubits=False)
    assert projection.seconds == pytest.approx(quick_estimate(10_000))
    assert quick_estimate(10_000) == pytest.approx(5.5)
    assert quick_estimate(1_000_000, sub_jobs=3) == pytest.approx(6 + 350)


def test_rep_delay_comes_from_the_device(manila):
    assert rep_delay_of(manila) == pytest.approx(250e-6)
    assert rep_delay_of(object()) == DEFAULT_REP_DELAY
    slow = project_pubs([bell()], manila, shots=1000, rep_delay=500e-6)
    fast = project_pubs([bell()], manila, shots=1000)
    assert slow.seconds - fast.seconds == pytest.approx(1000 * 250e-6)


def test_parameter_sweeps_count_every_bound_circuit(manila):
    from qiskit.circuit import Parameter

    theta = Parameter("θ")
    qc = QuantumCircuit(1, 1)
    qc.rx(theta, 0)
    qc.measure(0, 0)
    projection = project_pubs([(qc, [[0.1], [0.2], [0.3]], 100)], manila)
    assert projection.executions == 300


def test_estimator_groups_qubit_wise_commuting_observables(manila):
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    observables = SparsePauliOp(["ZZ", "IZ", "XX"])  # {ZZ, IZ} and {XX}: two bases
    projection = project_pubs([(qc, observables)], manila, primitive="estimator")
    shots = math.ceil(1 / 0.015625**2)
    assert shots == 4096
    assert projection.executions == 2 * shots


def test_labels_name_the_device_and_the_method(manila):
    assert project_pubs([bell()], manila).source == (
        "projected for fake_manila from its calibration snapshot")
    assert project_job(1000, "ibm_kyiv").source == "projected for ibm_kyiv by IBM's quick formula"
    assert project_job(1000, "ibm_kyiv").figure().seconds == pytest.approx(2.35)


def test_devices_resolve_by_name():
    assert resolve_device("fake_manila").name == "fake_manila"
    with pytest.raises(ValueError, match="unknown fake device"):
        resolve_device("fake_nowhere")


def test_too_many_sampler_executions_is_a_clear_error_before_submission():
    with pytest.raises(ValueError, match=r"10,000,000 per Sampler job"):
        check_limits(project_job(MAX_SAMPLER_EXECUTIONS + 1, "fake_manila"), "sampler")
    check_limits(project_job(MAX_SAMPLER_EXECUTIONS, "fake_manila"), "sampler")


def test_estimator_jobs_are_split_not_refused():
    projection = project_job(25_000_000, "fake_manila", primitive="estimator")
    assert projection.sub_jobs == 3
    assert projection.seconds == pytest.approx(3 * 2 + 25_000_000 * 0.00035)
    check_limits(projection, "estimator")  # under 3 h: no error


def test_more_than_three_hours_of_qpu_is_refused(manila):
    qc = QuantumCircuit(1, 1)
    qc.delay(2, 0, unit="ms")
    qc.measure(0, 0)
    projection = project_pubs([(qc, None, 6_000_000)], manila)
    assert projection.seconds > 3 * 3600
    with pytest.raises(ValueError, match="at most 3h"):
        check_limits(projection, "sampler")


def test_a_lower_max_execution_time_is_the_limit():
    projection = Projection(120.0, 1000, 1, "fake_manila", "quick form")
    check_limits(projection, "sampler")
    with pytest.raises(ValueError, match="at most 1m"):
        check_limits(projection, "sampler", max_execution_time=60)


def test_shots_from_a_precision_are_rounded_once_for_projection_record_and_result():
    """At precision 0.03, 1/0.03² = 1111.1: every figure says 1112 shots (IBM's ⌈1/p²⌉)."""
    import qmodes
    from qmodes.accounting.projection import shots_for_precision

    assert shots_for_precision(0.03) == 1112
    circuit = QuantumCircuit(1)
    circuit.h(0)
    job = qmodes.Estimator(mode="aer").run([(circuit, SparsePauliOp("Z"))], precision=0.03)
    result = job.result()
    projected = project_pubs([(circuit, SparsePauliOp("Z"))], "fake_manila",
                             primitive="estimator", precision=0.03)
    assert job.record().executions == projected.executions == 1112
    assert result[0].metadata["shots"] == 1112


@pytest.mark.parametrize("precision", [0, -0.1])
def test_an_exact_precision_takes_no_shots(precision):
    from qmodes.accounting.projection import shots_for_precision

    with pytest.raises(ValueError, match="precision must be positive"):
        shots_for_precision(precision)
