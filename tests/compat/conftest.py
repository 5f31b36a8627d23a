"""The compatibility suite: IBM's own code samples, with only the backend line changed.

Each test is one code sample from IBM's documentation (Qiskit/documentation, ``docs/guides``),
the qiskit-ibm-runtime README or the docstrings of ``Session`` and ``Batch``, kept as written
except for the line that picks the backend::

    backend = service.least_busy(operational=True, simulator=False)   # IBM
    backend = qmodes.get_backend("fake_manila")                        # here

The names a sample imports from qiskit-ibm-runtime (``Session``, ``Batch``, ``SamplerV2 as
Sampler``, ``EstimatorV2 as Estimator``) come from the ``rt`` fixture, which runs every sample
three ways:

* ``qmodes``: qmodes' ``Session``, ``Batch``, ``Sampler``, ``Estimator`` (a ported notebook's
  ``from qmodes import Session, Batch, Sampler, Estimator``);
* ``ibm-primitives``: qmodes' ``Session``/``Batch`` with qiskit-ibm-runtime's own
  ``SamplerV2``/``EstimatorV2`` (the bridge, :mod:`qmodes.modes.runtime_bridge`);
* ``ibm-local``: everything from qiskit-ibm-runtime on ``FakeManilaV2()``, IBM's own local
  testing mode: the reference. A sample it cannot run is marked there with the reason.

Results are checked against exact values (``Statevector``) within shot noise (5 standard
errors) plus an allowance for the fake device's noise model (:data:`DEVICE_NOISE`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

import qmodes

DEVICE_NOISE = 0.1
"""Largest error fake_manila's noise model adds to a probability on these small circuits."""


@dataclass(frozen=True)
class Runtime:
    """The names a sample imports, and the backend its one changed line picks."""

    name: str
    Session: Any
    Batch: Any
    Sampler: Any
    Estimator: Any
    backend: Any

    @property
    def is_qmodes(self) -> bool:
        """Sessions and batches are qmodes' (scheduled, billed, on the timeline)."""
        return self.name != "ibm-local"

    @property
    def job_mode_is_qmodes(self) -> bool:
        """``Sampler(mode=backend)`` is a qmodes job: qmodes' primitives, and
        qiskit-ibm-runtime's own given a qmodes backend (:mod:`qmodes.compat.runtime_modes`)."""
        return self.name != "ibm-local"


def _runtime(name: str) -> Runtime:
    import qiskit_ibm_runtime as ibm

    if name == "qmodes":
        return Runtime(name, qmodes.Session, qmodes.Batch, qmodes.Sampler, qmodes.Estimator,
                       qmodes.get_backend("fake_manila"))
    if name == "ibm-primitives":
        return Runtime(name, qmodes.Session, qmodes.Batch, ibm.SamplerV2, ibm.EstimatorV2,
                       qmodes.get_backend("fake_manila"))
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    return Runtime(name, ibm.Session, ibm.Batch, ibm.SamplerV2, ibm.EstimatorV2, FakeManilaV2())


RUNTIMES = ("qmodes", "ibm-primitives", "ibm-local")


@pytest.fixture(params=RUNTIMES)
def rt(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    yield _runtime(request.param)


@pytest.fixture
def qrt() -> Runtime:
    """Only qmodes' own classes: for samples whose point is a session's or job's figures."""
    return _runtime("qmodes")


def ibm_local_cannot(rt: Runtime, reason: str, job_mode: bool = False) -> None:
    """Mark the sample as one IBM's own local testing mode cannot run (with why).

    ``job_mode``: the sample gives the primitive a backend, so qiskit-ibm-runtime's own
    primitives run it in IBM's local mode in the ``ibm-primitives`` flavour too.
    """
    if rt.name == "ibm-local" or (job_mode and not rt.job_mode_is_qmodes):
        pytest.xfail(f"IBM's local testing mode: {reason}")


def heavy_reference(rt: Runtime, job_mode: bool = False) -> None:
    """Skip IBM's local-mode reference run of a slow sample (it took 3-7 s on this machine,
    the qmodes runs 1-3 s) unless ``QMODES_COMPAT_REFERENCE=all``: the suite stays < 60 s.

    ``job_mode``: the sample gives the primitive a backend, so the ``ibm-primitives`` flavour
    is IBM's local mode too (on qmodes' backend) and is skipped likewise.
    """
    in_ibm_local = rt.name == "ibm-local" or (job_mode and not rt.job_mode_is_qmodes)
    if in_ibm_local and os.environ.get("QMODES_COMPAT_REFERENCE") != "all":
        pytest.skip("slow reference run in IBM's local mode: QMODES_COMPAT_REFERENCE=all runs it")


def probabilities(circuit: QuantumCircuit) -> dict[str, float]:
    """Exact outcome probabilities of ``circuit`` (its measurements removed)."""
    state = Statevector(circuit.remove_final_measurements(inplace=False))
    return {key: float(p) for key, p in state.probabilities_dict().items() if p > 1e-12}


def assert_counts_match(counts: dict[str, int], circuit: QuantumCircuit,
                        noise: float = DEVICE_NOISE) -> None:
    """Each outcome's frequency is within 5 standard errors (+ ``noise``) of the exact one."""
    shots = sum(counts.values())
    exact = probabilities(circuit)
    for outcome in set(exact) | set(counts):
        p = exact.get(outcome, 0.0)
        measured = counts.get(outcome, 0) / shots
        tolerance = 5 * math.sqrt(max(p * (1 - p), 1 / shots) / shots) + noise
        assert abs(measured - p) <= tolerance, (outcome, measured, p, tolerance)


def assert_evs_match(evs: Any, exact: Any, stds: Any, scale: float = 1.0,
                     noise: float = DEVICE_NOISE) -> None:
    """Expectation values within 5 standard errors (+ device noise × the observable's norm)."""
    evs, exact, stds = (np.asarray(x, dtype=float) for x in (evs, exact, stds))
    tolerance = 5 * stds + 1e-9 + 2 * noise * scale
    assert np.all(np.abs(evs - exact) <= tolerance), (evs, exact, tolerance)


def assert_evs_match_damped(evs: Any, exact: Any, stds: Any, scale: float = 1.0) -> float:
    """A curve of expectation values is the exact one times a damping factor (the device's
    depolarizing noise, from 0.5 to 1), within 5 standard errors + 5% of the scale.

    Returns:
        The fitted damping factor.
    """
    evs, exact, stds = (np.asarray(x, dtype=float) for x in (evs, exact, stds))
    damping = float(np.dot(evs, exact) / np.dot(exact, exact))
    assert 0.5 < damping <= 1.05, damping
    tolerance = 5 * stds + 0.05 * scale
    assert np.all(np.abs(evs - damping * exact) <= tolerance), (evs, damping * exact)
    return damping


from tests.magics.conftest import _shell, qmodes_home, shell  # noqa: E402,F401  (the shell)
