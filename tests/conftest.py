"""Shared fixtures: a deterministic local runtime and small circuits."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from qiskit import QuantumCircuit

from qmodes.core.clock import ManualClock
from qmodes.core.timeline import Timeline
from qmodes.local import LocalRuntime, SimulatedExecutor
from qmodes.modes import set_default_context

os.environ["QMODES_HOME"] = tempfile.mkdtemp(prefix="qmodes-tests-")
"""The test run's ledger (and every kernel's it starts) is its own, never ~/.qmodes: a run
neither reads nor changes the user's history, whatever an earlier version left there."""

_FIXTURES_RESET_BY_HAND = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile("ci", max_examples=500, deadline=None,
                          suppress_health_check=_FIXTURES_RESET_BY_HAND)
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=_FIXTURES_RESET_BY_HAND)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev"))
"""Hypothesis: 500 examples a property in CI (``CI=true``), 100 by hand; or name a profile in
``HYPOTHESIS_PROFILE``. Properties reset the shell's state themselves between examples."""

PHASES = {"classical": 1.0, "qpu": 5.0, "post": 0.5}
"""Phase durations of every job in the deterministic tests: a job takes 6.5 s, 5 s on the QPU."""


@dataclass
class Sim:
    """A local runtime on a manual clock: jobs take exactly ``PHASES`` seconds."""

    clock: ManualClock
    runtime: LocalRuntime
    timeline: Timeline

    def at(self, t: float) -> None:
        """Advance the clock to absolute time ``t``."""
        self.clock.advance(t - self.clock.now())


def make_sim(lanes: int = 5, phases: dict[str, float] | None = None) -> Sim:
    clock = ManualClock(start=0.0)
    timeline = Timeline()
    runtime = LocalRuntime(clock=clock, timeline=timeline, lanes=lanes,
                           executor=SimulatedExecutor(clock, phases or PHASES))
    return Sim(clock, runtime, timeline)


@pytest.fixture
def sim() -> Sim:
    return make_sim()


@pytest.fixture(autouse=True)
def _no_sticky_context():
    """No test leaks a cross-cell default context into the next."""
    yield
    set_default_context(None)


@pytest.fixture(scope="session")
def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


@pytest.fixture(scope="session")
def ipython_shell():
    """The one IPython test shell of the run: no colours, no history, whoever asks first.

    IPython shells are singletons; building it here (after clearing any instance a doctest
    made) gives every test module the same predictable shell.
    """
    from traitlets.config import Config

    from qmodes.notebook.testing_shell import TestingShell

    TestingShell.clear_instance()
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    return TestingShell.instance(config=config)
