"""The V2 primitives: PUBs, results, modes, and clear errors on bad input."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2, PrimitiveResult
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

import qmodes


def test_sampler_and_estimator_are_qiskit_v2_primitives():
    assert isinstance(qmodes.Sampler(mode="aer"), BaseSamplerV2)
    assert isinstance(qmodes.Estimator(mode="aer"), BaseEstimatorV2)


def test_sampler_runs_parametrised_pubs_with_their_own_shots(bell):
    theta = Parameter("θ")
    rotation = QuantumCircuit(1)
    rotation.rx(theta, 0)
    rotation.measure_all()
    job = qmodes.Sampler(mode="aer").run([(rotation, [[0.0], [np.pi]], 50), bell], shots=20)
    result = job.result()
    assert isinstance(result, PrimitiveResult)
    assert result[0].data.meas.shape == (2,)
    assert result[0].data.meas[0].get_counts() == {"0": 50}
    assert result[0].data.meas[1].get_counts() == {"1": 50}
    assert result[1].data.meas.num_shots == 20
    assert job.record().executions == 2 * 50 + 20


def test_estimator_computes_expectation_values_at_the_requested_precision():
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    exact = qmodes.Estimator(mode="aer", default_precision=0).run(
        [(bell, [SparsePauliOp("ZZ"), SparsePauliOp("XI")])]).result()
    assert exact[0].data.evs.tolist() == pytest.approx([1.0, 0.0])
    noisy = qmodes.Estimator(mode="aer").run([(bell, SparsePauliOp("ZZ"))],
                                             precision=0.05).result()
    assert float(noisy[0].data.stds) == 0.05
    assert abs(float(noisy[0].data.evs) - 1.0) < 0.5


def test_fake_devices_reject_non_isa_circuits_with_how_to_transpile(bell):
    with pytest.raises(qmodes.InvalidCircuitError, match="transpile=True"):
        qmodes.Sampler(mode="fake_manila").run([bell])


def test_transpile_true_transpiles_on_a_classical_lane_and_runs_noisily(bell):
    job = qmodes.Sampler(mode="fake_manila", transpile=True).run([bell], shots=500)
    counts = job.result()[0].data.meas.get_counts()
    assert counts["00"] + counts["11"] > 400
    assert job.backend_name == "fake_manila"


def test_estimator_transpile_lays_out_observables_for_the_device():
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    job = qmodes.Estimator(mode="fake_manila", transpile=True, default_precision=0).run(
        [(bell, SparsePauliOp("ZZ"))])
    assert float(job.result()[0].data.evs) > 0.8


def test_a_sampler_made_in_a_context_uses_it_and_one_made_outside_joins_at_run(bell):
    outside = qmodes.Sampler()
    with qmodes.Batch("aer") as batch:
        inside = qmodes.Sampler()
        jobs = [inside.run([bell], shots=10), outside.run([bell], shots=10)]
    assert [job.context_id for job in jobs] == [batch.id, batch.id]
    assert outside.run([bell], shots=10).context_id is None  # after the block: job mode
    assert batch.wait(30)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, c: s.run([c], shots=0), "shots must be a positive integer"),
        (lambda s, c: s.run([c], shots=-5), "shots must be a positive integer"),
        (lambda s, c: s.run([(c, None, 0)]), "invalid PUB #0"),
        (lambda s, c: s.run(["not a circuit"]), "invalid PUB #0"),
        (lambda s, c: s.run([]), "at least one PUB"),
        (lambda s, c: s.run([c], shots=10_000_001), "10,000,000"),
        (lambda s, c: s.run([(c, None, 5_000_000)] * 3), "split the PUBs"),
    ],
)
def test_bad_input_is_a_clear_value_error_and_creates_no_job(bell, call, message):
    sampler = qmodes.Sampler(mode="aer")
    with qmodes.Batch("aer") as batch:
        with pytest.raises((ValueError, TypeError), match=message):
            call(qmodes.Sampler(mode=batch), bell)
    assert batch.jobs() == []
    with pytest.raises((ValueError, TypeError), match=message):
        call(sampler, bell)


def test_estimator_rejects_a_negative_precision():
    with pytest.raises(ValueError, match="default_precision must be a finite number"):
        qmodes.Estimator(mode="aer", default_precision=-1)


@pytest.mark.parametrize(
    ("precision", "message"),
    [
        (float("nan"), r"precision must be a finite number .*nan"),
        (float("inf"), r"precision must be a finite number .*inf"),
        (-0.1, r"precision must be a finite number"),
        (1e-200, r"precision=1e-200 needs about .* shots per circuit; .*10,000,000"),
        ("0.1", r"precision must be a number"),
        (True, r"precision must be a number"),
    ],
)
def test_bad_precision_is_refused_with_a_message_naming_it(precision, message):
    circuit = QuantumCircuit(1)
    estimator = qmodes.Estimator(mode="aer")
    with pytest.raises(ValueError, match=message):
        estimator.run([(circuit, SparsePauliOp("Z"))], precision=precision)
    with pytest.raises(ValueError, match="default_" + message):
        qmodes.Estimator(mode="aer", default_precision=precision)
    with pytest.raises(ValueError, match=r"precision of PUB #0|invalid PUB #0"):
        estimator.run([(circuit, SparsePauliOp("Z"), None, precision)])


def test_bad_options_precision_names_the_option():
    circuit = QuantumCircuit(1)
    estimator = qmodes.Estimator(mode="aer")
    estimator.options.default_precision = float("nan")  # qiskit-ibm-runtime lets it through
    with pytest.raises(ValueError, match=r"options\.default_precision must be a finite"):
        estimator.run([(circuit, SparsePauliOp("Z"))])


def test_numpy_numbers_are_accepted_as_qiskit_accepts_them(bell):
    sampler = qmodes.Sampler(mode="aer", default_shots=np.int32(6))
    assert sampler.run([bell]).result()[0].data.meas.num_shots == 6
    assert sampler.run([bell], shots=np.int64(10)).result()[0].data.meas.num_shots == 10
    assert sampler.run([(bell, None, np.uint16(4))]).result()[0].data.meas.num_shots == 4
    sampler.options.default_shots = np.int64(8)
    assert sampler.run([bell]).result()[0].data.meas.num_shots == 8
    circuit = QuantumCircuit(1)
    result = qmodes.Estimator(mode="aer").run([(circuit, SparsePauliOp("Z"))],
                                              precision=np.float64(0.1)).result()
    assert result[0].metadata["target_precision"] == pytest.approx(0.1)


@pytest.mark.parametrize("shots", [0, -1, True, 2.5, "10", 10**12])
def test_bad_shots_name_the_argument(bell, shots):
    sampler = qmodes.Sampler(mode="aer")
    with pytest.raises(ValueError, match=r"^shots must be a positive integer"):
        sampler.run([bell], shots=shots)
    with pytest.raises(ValueError, match=r"^default_shots must be a positive integer"):
        qmodes.Sampler(mode="aer", default_shots=shots)


def test_a_closed_context_refuses_new_jobs_with_what_to_do(bell):
    with qmodes.Session("aer") as session:
        pass
    with pytest.raises(qmodes.ContextClosedError, match="open a new session"):
        qmodes.Sampler(mode=session).run([bell])


def test_device_jobs_carry_their_projected_qpu_time(bell):
    from qmodes.accounting.projection import project_pubs

    device = qmodes.get_backend("fake_manila").device
    isa = generate_preset_pass_manager(optimization_level=1, backend=device).run(bell)
    job = qmodes.Sampler(mode="fake_manila").run([isa], shots=1000)
    expected = project_pubs([(isa, None, 1000)], device).seconds
    assert job.record().projected_qpu == pytest.approx(expected)
    transpiled = qmodes.Sampler(mode="fake_manila", transpile=True).run([bell], shots=1000)
    transpiled.result()
    assert transpiled.record().projected_qpu > 2.0  # set on the lane, after transpiling


def test_a_job_projected_over_three_hours_of_qpu_is_refused_before_submission():
    slow = QuantumCircuit(1)
    slow.delay(5, 0, unit="ms")
    slow.measure_all()
    with pytest.raises(ValueError, match="at most 3h"):
        qmodes.Sampler(mode="fake_manila").run([slow], shots=3_000_000)


def test_advise_compares_the_modes_on_the_context(bell):
    with qmodes.Batch("aer") as batch:
        for _ in range(3):
            qmodes.Sampler().run([bell], shots=100)
    batch.wait()
    advice = batch.advise(target="fake_manila")
    assert set(advice.outcomes) == {"job", "batch", "session"}
    assert advice.recommended == "batch"
