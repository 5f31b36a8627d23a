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
    [table] = widget.advice["tables"]
    rows = table["rows"]
    assert [row["recommended"] for row in rows] == [True, False, False]
    assert rows[0]["mode"] == "batch" and table["recommendation"].startswith("→ batch: ")
    assert {row["mode"] for row in rows} == {"job", "batch", "session"}
    advice = batch.advise()
    for row in rows:
        outcome = advice.outcomes[row["mode"]]
        assert row["usage"] == round(outcome.usage.seconds, 3)
        assert row["wall"] == round(outcome.wall, 3)
        assert row["idle"] == (None if row["mode"] == "job" else round(outcome.idle, 3))
    assert rows == advice.rows() and table["recommendation"] == advice.verdict()
    assert "projected for fake_manila" in table["footnote"]
    assert "\n" not in table["footnote"] and "\n" not in table["recommendation"]
    assert any("combine" in hint and "save ~6 s" in hint for hint in widget.advice["hints"])
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
    assert plain.advice.get("tables") == []
    assert len(targeted.advice["tables"][0]["rows"]) == 3
    plain.close()
    targeted.close()


def test_the_advisor_can_be_switched_off():
    with qmodes.Batch("fake_manila") as batch:
        widget = TimelineWidget(batch, advisor=False)
    widget.flush()
    assert widget.advice == {}
    widget.close()
