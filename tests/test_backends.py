"""Backend names resolve to devices; unknown names say which forms are valid."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

import qmodes
from qmodes.backends import LocalBackend


def test_aer_names_resolve_to_simulators_with_their_method():
    assert qmodes.get_backend("aer").name == "aer"
    statevector = qmodes.get_backend("aer:statevector")
    assert statevector.simulator.options.method == "statevector"
    assert not statevector.requires_isa


def test_fake_devices_resolve_to_a_noisy_aer_model_of_the_device():
    manila = qmodes.get_backend("fake_manila")
    assert manila.device.name == "fake_manila"
    assert manila.requires_isa and manila.num_qubits == 5
    assert manila.simulator.options.noise_model is not None
    assert qmodes.get_backend("fake_manila") is manila  # cached


def test_a_backend_instance_is_accepted():
    backend = qmodes.get_backend(FakeManilaV2())
    assert isinstance(backend, LocalBackend) and backend.requires_isa


@pytest.mark.parametrize("name", ["nope", "aer:warp", "fake_nowhere"])
def test_unknown_names_raise_value_error_listing_the_valid_forms(name):
    with pytest.raises(ValueError, match="aer") as error:
        qmodes.get_backend(name)
    assert name.split(":")[-1] in str(error.value)


def test_available_backends_lists_aer_and_fake_devices():
    names = qmodes.available_backends()
    assert names[0] == "aer" and "aer:statevector" in names and "fake_manila" in names


def test_the_same_instance_resolves_to_the_same_device_model():
    device = FakeManilaV2()
    assert qmodes.get_backend(device) is qmodes.get_backend(device)


# -- real BackendV2 objects (issue 11, item 1) -----------------------------------------------

def _isa_bell(backend):
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    return generate_preset_pass_manager(optimization_level=1, backend=backend).run(bell)


def test_fake_device_backend_is_a_real_backend_v2_of_the_device_class():
    from qiskit.providers import BackendV2
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    manila = qmodes.get_backend("fake_manila")
    reference = FakeManilaV2()
    assert isinstance(manila, BackendV2) and isinstance(manila, FakeManilaV2)
    assert isinstance(manila, FakeBackendV2)
    assert manila.device is manila
    assert manila.coupling_map.get_edges() == reference.coupling_map.get_edges()
    assert manila.dt == reference.dt and manila.default_rep_delay == 250e-6
    assert manila.instruction_durations.get("cx", (0, 1), unit="s") == pytest.approx(
        reference.instruction_durations.get("cx", (0, 1), unit="s"))
    assert manila.timing_constraints.granularity >= 1
    assert manila.target.num_qubits == 5 and set(manila.operation_names) >= {"cx", "sx"}


def test_generate_preset_pass_manager_and_transpile_take_the_backend():
    from qiskit import QuantumCircuit, transpile

    manila = qmodes.get_backend("fake_manila")
    isa = _isa_bell(manila)
    assert set(isa.count_ops()) <= set(manila.operation_names) | {"barrier"}
    circuit = QuantumCircuit(3)
    circuit.ccx(0, 1, 2)
    transpiled = transpile(circuit, manila, optimization_level=0)
    assert "ccx" not in transpiled.count_ops() and transpiled.num_qubits == 5


def test_aer_from_backend_builds_a_noisy_simulator_of_the_device():
    from qiskit_aer import AerSimulator

    manila = qmodes.get_backend("fake_manila")
    simulator = AerSimulator.from_backend(manila)
    assert simulator.options.noise_model is not None
    counts = simulator.run(_isa_bell(manila), shots=200, seed_simulator=3).result().get_counts()
    assert sum(counts.values()) == 200 and counts.get("00", 0) + counts.get("11", 0) > 150


def test_backend_run_works_as_on_the_device_itself():
    manila = qmodes.get_backend("fake_manila")
    counts = manila.run(_isa_bell(manila), shots=100).result().get_counts()
    assert sum(counts.values()) == 100


def test_aer_names_are_aer_simulators_that_run_their_own_circuits():
    from qiskit_aer import AerSimulator

    aer = qmodes.get_backend("aer")
    assert isinstance(aer, AerSimulator) and aer.simulator is aer and aer.device is None
    assert aer.name == "aer" and not aer.requires_isa
    statevector = qmodes.get_backend("aer:statevector")
    assert isinstance(statevector, AerSimulator) and statevector.options.method == "statevector"


def test_runtime_local_mode_takes_the_backend():
    import warnings

    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.executor_sampler import Sampler

    manila = qmodes.get_backend("fake_manila")
    isa = _isa_bell(manila)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        legacy = SamplerV2(mode=manila).run([isa], shots=100).result()
    assert legacy[0].data.meas.num_shots == 100
    result = Sampler(mode=manila).run([(isa, None, 50)]).result()
    assert sum(result[0].data.meas.get_counts().values()) == 50


def test_an_instance_is_adopted_without_touching_the_callers_object():
    from qiskit.providers import BackendV2
    from qiskit_aer import AerSimulator

    device = FakeManilaV2()
    adopted = qmodes.get_backend(device)
    assert type(device) is FakeManilaV2 and isinstance(adopted, FakeManilaV2)
    assert adopted is not device
    assert adopted.coupling_map.get_edges() == device.coupling_map.get_edges()
    simulator = AerSimulator(method="statevector")
    mine = qmodes.get_backend(simulator)
    assert isinstance(mine, BackendV2) and mine.options.method == "statevector"
    assert not mine.requires_isa and type(simulator) is AerSimulator


def test_any_backend_v2_is_a_device_simulated_with_its_noise():
    from qiskit.providers.fake_provider import GenericBackendV2

    generic = GenericBackendV2(3, seed=1)
    backend = qmodes.get_backend(generic)
    assert isinstance(backend, GenericBackendV2) and backend.requires_isa
    assert backend.simulator.num_qubits == 3


def test_backends_pickle_back_to_the_same_cached_backend():
    import pickle

    manila = qmodes.get_backend("fake_manila")
    assert pickle.loads(pickle.dumps(manila)) is manila


def test_sessions_take_qiskit_backend_instances():
    from qiskit_aer import AerSimulator

    device = FakeManilaV2()
    isa = _isa_bell(device)
    with qmodes.Session(backend=device) as session:
        job = qmodes.Sampler().run([isa], shots=20)
    assert job.result(timeout=60)[0].data.meas.num_shots == 20
    assert session.target.name == "fake_manila" and session.target.requires_isa
    from qiskit import QuantumCircuit

    ghz = QuantumCircuit(3)
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.measure_all()
    with qmodes.Session(backend=AerSimulator()) as session:
        counts = qmodes.Sampler().run([ghz], shots=50).result(timeout=60)[0].data.meas
    assert set(counts.get_counts()) == {"000", "111"}
    assert not session.target.requires_isa
