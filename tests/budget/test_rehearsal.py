"""Rehearsals offline: fake_<device> names, ibm:<device> without an account, bad names."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

import qmodes
import qmodes.remote
from qmodes.modes.rehearsal import Bill, Rehearsal
from qmodes.remote.service import RemoteError


def _bell(backend) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return generate_preset_pass_manager(1, backend=backend).run(circuit)


def test_python_rehearsal_ends_with_the_bill(capsys: pytest.CaptureFixture[str]) -> None:
    with qmodes.Batch("fake_manila", rehearse=True) as batch:
        sampler = qmodes.Sampler(mode=batch)
        jobs = [sampler.run([_bell(batch.target)], shots=1000) for _ in range(2)]
        [job.result() for job in jobs]
    out = capsys.readouterr().out
    assert "rehearsal on the twin of fake_manila: nothing was sent to IBM" in out
    assert "no allowance known (offline)" in out
    bill = batch.bill()
    assert bill.usage["batch"] == pytest.approx(batch.usage(), rel=1e-3)
    assert bill.usage["batch"] == pytest.approx(2 * 2.261, rel=0.01)  # projected device time
    assert bill.fits() and bill.remaining is None


def test_ibm_name_without_an_account_rehearses_on_the_fake(monkeypatch) -> None:
    def no_account(name):
        raise RemoteError("no IBM Quantum account found: save one")

    monkeypatch.setattr(qmodes.remote, "get_remote_backend", no_account)
    rehearsal = Rehearsal.of("ibm:ibm_manila")
    assert rehearsal.twin.name == "fake_manila" and rehearsal.service is None
    with pytest.raises(RemoteError, match="save one; and there is no offline twin 'fake_nowh"):
        Rehearsal.of("ibm:ibm_nowhere")


def test_rehearse_needs_a_device() -> None:
    with pytest.raises(ValueError, match="rehearse=True needs a device"):
        qmodes.Session("aer", rehearse=True)


def test_a_non_rehearsal_has_no_bill() -> None:
    with qmodes.Batch("aer") as batch, pytest.raises(ValueError, match="not a rehearsal"):
        batch.bill()


def test_bill_text_flags_what_exceeds_the_allowance() -> None:
    bill = Bill("ibm_x", "session", {"job": 5.0, "batch": 5.0, "session": 12.0}, 10.0, 600.0)
    text = str(bill)
    assert not bill.fits() and bill.fits("batch")
    assert "session     12.00s  120.0% of what is left  exceeds the allowance" in text
