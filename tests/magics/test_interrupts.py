"""Ctrl-C at any point of a submission loop, through the real IPython shell path.

Each trial runs a cell that submits jobs in a loop and delivers a real SIGINT (as Ctrl-C does)
after a seeded random number of bytecodes executed in qmodes' code or the cell's. Whatever
the point, afterwards every job on the timeline has a handle in its context and reaches a
final state: none is left QUEUED forever, none is recorded without a handle.
"""

from __future__ import annotations

import functools
import itertools
import random
import signal
import sys
from collections.abc import Callable

import pytest

from qmodes.context.base import _all_contexts
from tests.conftest import Sim

TRIALS = 120

CELLS = {
    "batch cell": "%%batch --no-widget\njobs = []\nfor _ in range(6):\n"
                  "    jobs.append(sampler.run([bell], shots=5))\n",
    "session cell": "%%session --no-widget\njobs = [sampler.run([bell], shots=5) "
                    "for _ in range(6)]\n",
    "line-form batch": "%batch --no-widget",  # then the loop below, in its own cell
    "job mode": "jobs = [qmodes.Sampler(mode='aer', runtime=runtime).run([bell], shots=5) "
                "for _ in range(6)]\n",
}
LOOP = "jobs = [sampler.run([bell], shots=5) for _ in range(6)]\n"


def _traced(stop_at: int, run: Callable[[], None]) -> tuple[int, bool]:
    """Run ``run()``, raising SIGINT after ``stop_at`` bytecodes of qmodes or cell code.

    Returns how many such bytecodes ran and whether a KeyboardInterrupt came out.
    """
    counter = itertools.count(1)
    seen = 0

    def local(frame, event, arg):
        nonlocal seen
        if event == "opcode":
            seen = next(counter)
            if seen == stop_at:
                signal.raise_signal(signal.SIGINT)
        return local

    def start(frame, event, arg):
        name = frame.f_code.co_filename
        if "/qmodes/" in name or name.startswith("<ipython-input"):
            frame.f_trace_opcodes = True
            return local
        return None

    interrupted = False
    sys.settrace(start)
    try:
        run()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        sys.settrace(None)
    return seen, interrupted


@pytest.fixture
def ready(shell, manual: Sim) -> Sim:
    shell.run_cell("import qmodes\nfrom qiskit import QuantumCircuit\n"
                   "bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()")
    shell.user_ns["runtime"] = manual.runtime
    return manual


def _run(shell, kind: str) -> None:
    shell.run_cell(CELLS[kind])
    if kind == "line-form batch":
        shell.run_cell(LOOP)


def _check(shell, sim: Sim) -> None:
    """Every job has a handle and ends final; every context closes."""
    if shell.run_cell("%batch --close").success is False:  # the line form, if open
        pytest.fail("could not close the line-form batch")
    contexts = {c.id: c for c in list(_all_contexts)}
    sim.clock.run_until_idle()
    for record in sim.timeline.contexts():
        context = contexts[record.id]
        assert [job.job_id() for job in context.jobs()] == list(record.job_ids)
        assert not record.accepting_jobs
    jobs = sim.timeline.jobs()
    assert all(job.in_final_state for job in jobs), [(j.id, j.status) for j in jobs]
    for record in sim.timeline.contexts():
        assert record.state == "closed"


@pytest.mark.parametrize("kind", CELLS)
def test_a_run_without_interrupt_is_the_baseline(shell, ready, kind, capsys):
    count, interrupted = _traced(0, functools.partial(_run, shell, kind))
    assert count > 100 and not interrupted
    _check(shell, ready)


def test_ctrl_c_at_random_points_never_loses_or_strands_a_job(shell, magics, ready, capsys):
    """TRIALS seeded trials, spread over the four ways of submitting."""
    from tests.conftest import make_sim

    rng = random.Random(20261129)
    lengths: dict[str, int] = {}
    interrupted_trials = 0
    for trial in range(TRIALS):
        kind = list(CELLS)[trial % len(CELLS)]
        sim = make_sim()
        magics.contexts.runtime = sim.runtime
        shell.user_ns["runtime"] = sim.runtime
        if kind not in lengths:  # how many bytecodes a whole run takes
            lengths[kind], _ = _traced(0, functools.partial(_run, shell, kind))
            _check(shell, sim)
            sim = make_sim()
            magics.contexts.runtime = sim.runtime
            shell.user_ns["runtime"] = sim.runtime
        stop_at = rng.randint(1, lengths[kind])
        _, interrupted = _traced(stop_at, functools.partial(_run, shell, kind))
        interrupted_trials += interrupted
        try:
            _check(shell, sim)
        except AssertionError as error:
            raise AssertionError(f"trial {trial} ({kind}, SIGINT after {stop_at} "
                                 f"bytecodes): {error}") from None
        capsys.readouterr()
    assert interrupted_trials >= TRIALS * 0.9  # the interrupt did land, nearly every time


@pytest.mark.parametrize("where", ["after the context opened", "as the close begins"])
def test_ctrl_c_between_the_guarded_sections_still_closes_the_cell(
        shell, magics, ready, monkeypatch, where, capsys):
    """A Ctrl-C that lands where no guard holds it (the context is open and registered, but
    the code that closes it has not started) still closes the context and unregisters it:
    the next magic is not refused as nested (found by the seeded trials above)."""
    from qmodes.notebook.cell import CellContexts

    hook = "_start_cell" if where == "after the context opened" else "_finish_cell"
    original = getattr(CellContexts, hook)
    landed = []

    def then_ctrl_c(self, *args):
        if not landed:
            landed.append(True)
            if hook == "_start_cell":
                original(self, *args)
            raise KeyboardInterrupt  # as if SIGINT arrived at this very bytecode
        return original(self, *args)

    monkeypatch.setattr(CellContexts, hook, then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):  # the test shell re-raises what the cell raised
        shell.run_cell("%%batch --no-widget\njobs = [sampler.run([bell], shots=5)]\n")
    assert landed
    assert magics.contexts.cells == []
    assert shell.user_ns["batch"].closed
    assert "batch cancelled" in capsys.readouterr().out
    monkeypatch.undo()
    assert shell.run_cell("%%session --no-widget\nok = 1").success
    _check(shell, ready)


@pytest.fixture(autouse=True)
def _bell_and_jobs_cleared(shell):
    """The cells above assign ``_`` (a loop variable), and IPython stops binding ``_`` to a
    cell's value once the user has assigned it: it is removed with the rest."""
    yield
    for name in ("bell", "runtime", "qmodes", "_", "ok"):
        shell.user_ns.pop(name, None)
    shell.displayhook._ = shell.displayhook.__ = shell.displayhook.___ = ""
