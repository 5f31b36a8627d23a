"""The magics: --budget, --rehearse, %config QModes.budget, and the allowance in %qmodes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qiskit import QuantumCircuit

from qmodes.notebook.testing_shell import TestingShell
from qmodes.testing import FakeRuntimeServer
from tests.budget.conftest import LIMIT, job_posts, wait_usage


@pytest.fixture
def shell(ipython_shell: TestingShell) -> Iterator[TestingShell]:
    ipython_shell.run_cell("%load_ext qmodes")
    yield ipython_shell
    ipython_shell.run_cell("%unload_ext qmodes")
    ipython_shell.config.pop("QModes", None)
    for name in ("session", "batch", "sampler", "estimator", "isa", "result", "job"):
        ipython_shell.user_ns.pop(name, None)


def test_qmodes_shows_the_remaining_seconds_falling(
        shell: TestingShell, billing_server: FakeRuntimeServer, bell_isa: QuantumCircuit,
        capsys: pytest.CaptureFixture[str]) -> None:
    shell.user_ns["isa"] = bell_isa
    shell.run_cell("%%batch --backend ibm:fake_manila --no-widget\n"
                   "result = sampler.run([isa], shots=1000).result()\n")
    wait_usage(billing_server, 2.26)
    from qmodes.accounting import allowance
    allowance.invalidate()
    capsys.readouterr()
    shell.run_cell("%qmodes")
    status = capsys.readouterr().out
    assert "IBM allowance: 57.7s remaining of 1m (2.26s consumed), period" in status
    shell.run_cell("%qmodes usage")
    assert "remaining of 1m" in capsys.readouterr().out
    assert LIMIT == 60.0


def test_cell_budget_refuses_and_rehearse_sends_nothing(
        shell: TestingShell, billing_server: FakeRuntimeServer, bell_isa: QuantumCircuit,
        capsys: pytest.CaptureFixture[str]) -> None:
    shell.user_ns["isa"] = bell_isa
    from qmodes.accounting.budget import BudgetExceededError

    with pytest.raises(BudgetExceededError, match="refused before submission"):
        shell.run_cell("%%batch --backend ibm:fake_manila --no-widget --budget 2s\n"
                       "job = sampler.run([isa], shots=1000)\n")
    assert job_posts(billing_server) == 0
    capsys.readouterr()
    shell.run_cell("%%session --backend ibm:fake_manila --no-widget --rehearse\n"
                   "result = sampler.run([isa], shots=1000).result()\n")
    out = capsys.readouterr().out
    assert "rehearsal on the twin of fake_manila: nothing was sent to IBM" in out
    assert "remaining allowance 1m" in out
    assert job_posts(billing_server) == 0


def test_bad_budget_is_a_usage_error(shell: TestingShell) -> None:
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="invalid --budget 'soon'"):
        shell.run_cell("%%batch --backend fake_manila --budget soon\npass\n")


def test_config_budget_is_dropped_on_unload(ipython_shell: TestingShell) -> None:
    from qmodes.accounting import budget
    ipython_shell.run_cell("%load_ext qmodes")
    ipython_shell.run_cell('%config QModes.budget = "90s"')
    assert budget.default_budget() == 90.0
    ipython_shell.run_cell("%unload_ext qmodes")
    ipython_shell.config.pop("QModes", None)
    assert budget.default_budget() is None
