"""The widget's advisor panel: live hints and the mode comparison."""

from __future__ import annotations

from qiskit import QuantumCircuit

import qmodes
from qmodes.widget import TimelineWidget


def _native_x() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    return circuit


def test_a_finished_device_batch_shows_the_comparison_and_the_combine_hint():
    with qmodes.Batch("fake_manila") as batch:
        widget = TimelineWidget(batch)
        for _ in range(4):
            qmodes.Sampler().run([_native_x()], shots=100)
    assert batch.wait(60)
    widget.flush()  # goes final: the comparison is computed now
    widget.flush()
    rows = widget.advice["comparison"]
    assert rows[0]["mode"] == "batch (recommended)"
    assert {row["mode"].split()[0] for row in rows} == {"job", "batch", "session"}
    assert all("projected for fake_manila" in row["source"] for row in rows)
    assert any("combine" in hint for hint in widget.advice["hints"])
    widget.close()


def test_plain_aer_without_a_target_has_no_comparison_but_one_with_a_target():
    circuit = _native_x()
    with qmodes.Batch("aer") as batch:
        plain = TimelineWidget(batch)
        targeted = TimelineWidget(batch, target="fake_manila")
        qmodes.Sampler().run([circuit], shots=10)
    assert batch.wait(60)
    for widget in (plain, targeted):
        widget.flush()
        widget.flush()
    assert plain.advice.get("comparison") == []
    assert len(targeted.advice["comparison"]) == 3
    plain.close()
    targeted.close()


def test_the_advisor_can_be_switched_off():
    with qmodes.Batch("fake_manila") as batch:
        widget = TimelineWidget(batch, advisor=False)
    widget.flush()
    assert widget.advice == {}
    widget.close()
