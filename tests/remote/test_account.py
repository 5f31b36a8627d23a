"""Accounts and devices: each problem is one line that says what to do, never the token."""

from __future__ import annotations

import pytest

import qmodes
import qmodes.remote
from qmodes.remote import RemoteError
from tests.remote.conftest import TOKEN


def test_the_standard_environment_variables_are_enough(server) -> None:
    backend = qmodes.get_backend("ibm:fake_manila")
    assert backend.name == "ibm:fake_manila" and backend.is_remote and backend.requires_isa
    assert backend.num_qubits == 5
    assert qmodes.get_backend("ibm:fake_manila") is backend


def test_use_service_takes_an_explicit_service(server, monkeypatch) -> None:
    service = server.service()
    monkeypatch.delenv("QISKIT_IBM_TOKEN")
    qmodes.remote.use_service(service)
    assert qmodes.remote.get_service() is service
    assert qmodes.get_backend("ibm:fake_manila").service is service


def test_no_account_says_how_to_save_one(server, monkeypatch, tmp_path) -> None:
    from qiskit_ibm_runtime.accounts import management

    monkeypatch.setattr(management, "_DEFAULT_ACCOUNT_CONFIG_JSON_FILE",
                        str(tmp_path / "qiskit-ibm.json"))
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_URL"):
        monkeypatch.delenv(name)
    with pytest.raises(RemoteError) as raised:
        qmodes.get_backend("ibm:fake_manila")
    message = str(raised.value)
    assert "no IBM Quantum account" in message and "save_account" in message
    assert "\n" not in message and raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_bad_credentials_are_one_line_without_the_token(server, monkeypatch) -> None:
    wrong = "wrong-" + TOKEN
    monkeypatch.setenv("QISKIT_IBM_TOKEN", wrong)
    with pytest.raises(ValueError) as raised:  # a RemoteError is a ValueError
        qmodes.Session("ibm:fake_manila")
    message = str(raised.value)
    assert isinstance(raised.value, qmodes.QModesError)
    assert "did not accept the account" in message and "QISKIT_IBM_TOKEN" in message
    assert "\n" not in message and wrong not in message and TOKEN not in message


def test_unknown_device_lists_the_devices_of_the_instance(server) -> None:
    with pytest.raises(RemoteError, match=r"no device 'ibm_nowhere'.*ibm:fake_manila"):
        qmodes.Batch("ibm:ibm_nowhere")
