"""Primitive options: qiskit-ibm-runtime's own classes; each option takes effect or is reported."""

from __future__ import annotations

import warnings

import pytest
from pydantic import ValidationError
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit_ibm_runtime.options import EstimatorOptions, SamplerOptions

import qmodes
from qmodes.core.jobs import JobFailedError
from qmodes.core.options import OptionNotEmulatedWarning


@pytest.fixture(scope="module")
def manila_bell():
    from qiskit.transpiler import generate_preset_pass_manager

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    manila = qmodes.get_backend("fake_manila")
    return generate_preset_pass_manager(optimization_level=1, backend=manila).run(bell)


def _shots(job) -> int:
    return int(job.result()[0].data.meas.num_shots)


# -- the classes are qiskit-ibm-runtime's ----------------------------------------------------

def test_options_are_qiskit_ibm_runtime_classes_from_a_dict_or_an_instance(bell):
    sampler = qmodes.Sampler(mode="aer", options={"default_shots": 12})
    assert isinstance(sampler.options, SamplerOptions) and sampler.options.default_shots == 12
    given = SamplerOptions(default_shots=13)
    copied = qmodes.Sampler(mode="aer", options=given)
    given.default_shots = 99  # the primitive keeps its own copy, as qiskit-ibm-runtime does
    assert copied.options.default_shots == 13 and _shots(copied.run([bell])) == 13
    estimator = qmodes.Estimator(mode="aer", options=EstimatorOptions(resilience_level=0))
    assert isinstance(estimator.options, EstimatorOptions)


def test_options_validate_as_on_ibm():
    with pytest.raises(ValidationError):
        qmodes.Sampler(mode="aer", options={"no_such_option": 1})
    sampler = qmodes.Sampler(mode="aer")
    with pytest.raises(ValidationError):
        sampler.options.no_such_option = 1
    with pytest.raises(ValidationError):
        sampler.options.default_shots = "many"
    with pytest.raises(TypeError, match="SamplerOptions"):
        qmodes.Sampler(mode="aer", options=42)


def test_options_set_after_construction_take_effect_and_keywords_still_work(bell):
    sampler = qmodes.Sampler(mode="aer")
    assert _shots(sampler.run([bell])) == 1024  # as qiskit-ibm-runtime's local mode
    sampler.options.default_shots = 7
    assert _shots(sampler.run([bell])) == 7 and sampler.default_shots == 7
    keyword = qmodes.Sampler(mode="aer", default_shots=9)
    assert keyword.options.default_shots == 9 and _shots(keyword.run([bell])) == 9
    assert _shots(keyword.run([bell], shots=3)) == 3  # run(shots=) beats the default


def test_estimator_default_precision_and_default_shots():
    circuit = QuantumCircuit(1)
    estimator = qmodes.Estimator(mode="aer", options={"default_precision": 0.05})
    result = estimator.run([(circuit, SparsePauliOp("Z"))]).result()
    assert result[0].metadata["target_precision"] == 0.05 and result[0].metadata["shots"] == 400
    estimator.options.default_shots = 10_000  # IBM: overrides default_precision
    result = estimator.run([(circuit, SparsePauliOp("Z"))]).result()
    assert result[0].metadata["target_precision"] == pytest.approx(0.01)
    exact = qmodes.Estimator(mode="aer", default_precision=0)
    assert float(exact.run([(circuit, SparsePauliOp("Z"))]).result()[0].data.evs) == 1.0


# -- options that take effect locally ---------------------------------------------------------

def test_seed_simulator_makes_two_runs_equal(manila_bell):
    def counts(seed):
        sampler = qmodes.Sampler(mode="fake_manila",
                                 options={"simulator": {"seed_simulator": seed}})
        return sampler.run([manila_bell], shots=500).result()[0].data.meas.get_counts()

    assert counts(11) == counts(11)
    assert counts(11) != counts(12)  # the noisy device gives a spread that seeds move


def test_seed_makes_estimator_shot_noise_repeatable():
    circuit = QuantumCircuit(1)
    circuit.h(0)

    def value(seed):
        estimator = qmodes.Estimator(mode="aer", options={"seed_estimator": seed,
                                                          "default_precision": 0.1})
        return float(estimator.run([(circuit, SparsePauliOp("Z"))]).result()[0].data.evs)

    assert value(5) == value(5) and value(5) != value(6)


def test_noise_model_applies_on_the_ideal_simulator():
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    noise = NoiseModel()
    noise.add_all_qubit_quantum_error(depolarizing_error(0.9, 1), ["x"])
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    sampler = qmodes.Sampler(mode="aer", options={"simulator": {"noise_model": noise,
                                                                "seed_simulator": 1}})
    counts = sampler.run([circuit], shots=400).result()[0].data.meas.get_counts()
    assert counts.get("0", 0) > 50  # ideal: never


def test_job_tags_are_recorded_with_the_job(bell):
    sampler = qmodes.Sampler(mode="aer", options={"environment": {"job_tags": ["exp-1"]}})
    job = sampler.run([bell])
    assert job.result().metadata["qmodes"]["job_tags"] == ["exp-1"]
    assert job._work.tags == ["exp-1"]  # what the job handle reports as its tags
    assert job._work.options == {"environment": {"job_tags": ["exp-1"]}}  # the job's inputs


def test_rep_delay_and_init_qubits_change_the_projected_qpu_time(manila_bell):
    def projected(**execution):
        sampler = qmodes.Sampler(mode="fake_manila", options={"execution": execution})
        job = sampler.run([manila_bell], shots=1000)
        job.result()
        return job.record().projected_qpu

    default, short = projected(), projected(rep_delay=50e-6)
    assert default - short == pytest.approx(1000 * 200e-6)
    assert projected(init_qubits=False) < default


def test_rep_delay_outside_the_device_range_names_the_option(manila_bell):
    sampler = qmodes.Sampler(mode="fake_manila", options={"execution": {"rep_delay": 0.1}})
    with pytest.raises(ValueError, match=r"options\.execution\.rep_delay"):
        sampler.run([manila_bell])


def test_a_job_over_max_execution_time_fails_as_on_ibm(manila_bell):
    # 20,000 shots on fake_manila: about 2 s + 20,000 × ~0.26 ms ≈ 7 s of projected QPU time
    failing = qmodes.Sampler(mode="fake_manila", options={"max_execution_time": 5})
    job = failing.run([manila_bell], shots=20_000)
    with pytest.raises(JobFailedError, match="maximum execution time"):
        job.result()
    assert job.status() == "ERROR" and "max_execution_time=5" in job.error_message()
    passing = qmodes.Sampler(mode="fake_manila", options={"max_execution_time": 60})
    assert passing.run([manila_bell], shots=20_000).result()[0].data.meas.num_shots == 20_000


def test_max_execution_time_is_bounded_by_ibms_limit(bell):
    sampler = qmodes.Sampler(mode="aer", options={"max_execution_time": 10**9})
    with pytest.raises(ValueError, match=r"options\.max_execution_time .*10800"):
        sampler.run([bell])


def test_basis_gates_apply_when_qmodes_transpiles_for_the_ideal_simulator():
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    sampler = qmodes.Sampler(mode="aer", transpile=True,
                             options={"simulator": {"basis_gates": ["rz", "sx", "cz"]}})
    job = sampler.run([circuit], shots=100)
    assert sum(job.result()[0].data.meas.get_counts().values()) == 100
    assert set(job._work.pubs[0].circuit.count_ops()) <= {"rz", "sx", "cz", "measure", "barrier"}


# -- options that are not emulated are reported, never silently ignored ------------------------

def test_a_non_emulated_option_is_reported_once_per_primitive_and_kept_in_the_metadata():
    circuit = QuantumCircuit(1)
    estimator = qmodes.Estimator(mode="aer")
    estimator.options.resilience_level = 2
    estimator.options.dynamical_decoupling.enable = True
    with pytest.warns(OptionNotEmulatedWarning, match="resilience_level=2") as caught:
        job = estimator.run([(circuit, SparsePauliOp("Z"))])
    assert "dynamical_decoupling.enable=True" in str(caught[0].message)
    assert job.result().metadata["qmodes"]["not_emulated"] == {
        "resilience_level": 2, "dynamical_decoupling.enable": True}
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptionNotEmulatedWarning)
        estimator.run([(circuit, SparsePauliOp("Z"))]).result()  # reported once only
    estimator.options.twirling.enable_gates = True
    with pytest.warns(OptionNotEmulatedWarning, match="twirling.enable_gates"):
        estimator.run([(circuit, SparsePauliOp("Z"))])


@pytest.mark.parametrize("options", [
    {"resilience_level": 0},
    {"dynamical_decoupling": {"enable": False}},
    {"twirling": {"enable_gates": False, "enable_measure": False}},
    {"environment": {"private": True, "job_tags": ["a"]}},
])
def test_options_that_ask_for_what_qmodes_does_are_not_reported(options):
    circuit = QuantumCircuit(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptionNotEmulatedWarning)
        job = qmodes.Estimator(mode="aer", options=options).run([(circuit, SparsePauliOp("Z"))])
        assert "not_emulated" not in job.result().metadata["qmodes"]


def test_meas_type_kerneled_is_reported(bell):
    sampler = qmodes.Sampler(mode="aer", options={"execution": {"meas_type": "kerneled"}})
    with pytest.warns(OptionNotEmulatedWarning, match="meas_type"):
        sampler.run([bell]).result()
    classified = qmodes.Sampler(mode="aer", options={"execution": {"meas_type": "classified"}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptionNotEmulatedWarning)
        classified.run([bell]).result()


def test_max_execution_time_on_plain_aer_applies_to_the_measured_run(sim, bell, monkeypatch):
    import itertools
    import types

    import qmodes.local.work as work

    ticks = itertools.count(0.0, 3.0)  # each clock read 3 s later: the Aer run "takes" 3 s
    monkeypatch.setattr(work, "time", types.SimpleNamespace(monotonic=lambda: next(ticks)))
    slow = qmodes.Sampler(mode="aer", runtime=sim.runtime, options={"max_execution_time": 2})
    job = slow.run([bell], shots=10)
    sim.at(20)
    assert job.status() == "ERROR" and "measured on Aer" in job.error_message()
    ok = qmodes.Sampler(mode="aer", runtime=sim.runtime, options={"max_execution_time": 5})
    job = ok.run([bell], shots=10)
    sim.at(40)
    assert job.status() == "DONE"


def test_options_may_be_given_by_position_as_in_qiskit_ibm_runtime(bell):
    sampler = qmodes.Sampler("aer", {"default_shots": 5})
    assert _shots(sampler.run([bell])) == 5
    estimator = qmodes.Estimator("aer", EstimatorOptions(default_precision=0.2))
    assert estimator.default_precision == 0.2
