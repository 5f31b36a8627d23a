"""A cell that sends job-mode jobs shows them on a live timeline, as a ``%%session`` cell does."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pytest

import qmodes
from qmodes.widget import TimelineWidget
from qmodes.widget.throttle import shared_flusher
from tests.magics.conftest import _shell, qmodes_home, shell  # noqa: F401  (the shell)

CELL = """
from qiskit_ibm_runtime import SamplerV2 as Sampler
jobs = [Sampler(mode=backend).run([circuit], shots=20) for _ in range(3)]
counts = [job.result()[0].data.meas.get_counts() for job in jobs]
"""


@pytest.fixture
def shown(shell, monkeypatch):
    """The widgets cells show (a front-end is attached)."""
    widgets: list[TimelineWidget] = []
    shell.kernel = SimpleNamespace()
    monkeypatch.setattr(TimelineWidget, "show", lambda self: widgets.append(self))
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    backend = qmodes.get_backend("fake_manila")  # device time: usage is the projection's
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
    shell.user_ns.update(backend=backend, circuit=isa)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield widgets
    del shell.kernel
    for widget in widgets:
        widget.close()


def test_one_widget_per_cell_with_the_cells_job_mode_jobs(shell, shown):
    shell.run_cell(CELL)
    first = shell.user_ns["jobs"]
    shell.run_cell(CELL)
    second = shell.user_ns["jobs"]
    assert len(shown) == 2
    for widget, jobs in zip(shown, (first, second), strict=True):
        shared_flusher().flush_now()
        widget.flush()
        assert set(widget._state.jobs) == {job.job_id() for job in jobs}
        summary = widget.summary
        assert summary["contexts"] == [] and summary["job_mode"]["jobs"]["DONE"] == 3
        assert summary["job_mode"]["usage"]["seconds"] == pytest.approx(
            sum(job.usage() for job in jobs), abs=0.01)


def test_the_widget_cancels_a_job_of_its_cell(shell, shown):
    shell.run_cell(CELL)
    job = shell.user_ns["jobs"][0]
    assert shown[0]._find_job(job.job_id()) is job


def test_no_widget_when_widgets_are_off_or_in_a_terminal(shell, shown):
    shell.run_cell("%config QModes.widget = False")
    shell.run_cell(CELL)
    shell.run_cell("%config QModes.widget = True")
    del shell.kernel
    shell.run_cell(CELL)
    shell.kernel = SimpleNamespace()
    assert shown == []


def test_unloading_stops_drawing(shell, shown):
    shell.run_cell("%unload_ext qmodes")
    try:
        shell.run_cell(CELL)
        assert shown == []
    finally:
        shell.run_cell("%load_ext qmodes")
