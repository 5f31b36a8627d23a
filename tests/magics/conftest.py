"""A real IPython shell with ``%load_ext qmodes``, reset between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qmodes.magics import QModesMagics
from qmodes.testing_shell import TestingShell
from tests.conftest import Sim, make_sim


@pytest.fixture(scope="session")
def _shell() -> TestingShell:
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    return TestingShell.instance(config=config)


@pytest.fixture
def shell(_shell: TestingShell) -> Iterator[TestingShell]:
    """The shell with qmodes loaded; unloaded (closing whatever is open) after the test."""
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
