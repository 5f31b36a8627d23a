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
