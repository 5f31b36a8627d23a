"""A real IPython shell with ``%load_ext qmodes``, reset between tests."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from pathlib import Path

import pytest

from qmodes.notebook.magics import QModesMagics
from qmodes.notebook.testing_shell import TestingShell
from tests.conftest import Sim, make_sim


@pytest.fixture(scope="session")
def _shell(ipython_shell: TestingShell) -> TestingShell:
    """The run's one IPython test shell (tests/conftest.py)."""
    return ipython_shell


@pytest.fixture(autouse=True)
def qmodes_home(tmp_path: Path) -> Iterator[Path]:
    """Each test's ledger is in its own directory: no test writes to the real ~/.qmodes.

    A MonkeyPatch of its own (not the ``monkeypatch`` fixture): a test's own patches must be
    undone before the shell fixture unloads the extension, this one only after.
    """
    home = tmp_path / "qmodes-home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QMODES_HOME", str(home))
        yield home


@pytest.fixture
def shell(_shell: TestingShell, qmodes_home: Path) -> Iterator[TestingShell]:
    """The shell with qmodes loaded; unloaded (closing whatever is open) after the test.

    A ``builtins._`` left by doctests (Python's displayhook sets it) would stop IPython from
    binding ``_`` to a cell's value, as in no real kernel: it is removed first.
    """
    builtins.__dict__.pop("_", None)
    _shell.run_cell("%load_ext qmodes")
    yield _shell
    _shell.run_cell("%unload_ext qmodes")
    _shell.config.pop("QModes", None)  # what %config stored in the shell's own config
    for name in ("session", "batch", "sampler", "estimator", "job", "jobs"):
        _shell.user_ns.pop(name, None)


@pytest.fixture
def magics(shell: TestingShell) -> QModesMagics:
    return shell.magics_manager.registry["QModesMagics"]


@pytest.fixture
def manual(magics: QModesMagics) -> Sim:
    """Contexts opened by the magics run on a manual clock: jobs wait until it advances."""
    sim = make_sim()
    magics.contexts.runtime = sim.runtime
    return sim


def contexts_opened(sim: Sim) -> list:
    return sim.timeline.contexts()
