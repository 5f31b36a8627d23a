"""``qmodes.LocalService``: the one line of IBM's tutorials that changes.

``service = QiskitRuntimeService()`` becomes ``service = qmodes.LocalService()``; what the
tutorials then ask of it (``least_busy``, ``backend``, ``backends``, ``usage``, and
``Session``/``Batch`` on its backends) answers with qmodes' emulated devices.
"""

from __future__ import annotations

import warnings

import pytest
from qiskit import QuantumCircuit
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Batch as IBMBatch
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2
from qiskit_ibm_runtime import Session as IBMSession
from qiskit_ibm_runtime.fake_provider.local_service import QiskitRuntimeLocalService

import qmodes
from qmodes.core.timeline import Timeline
from qmodes.local import LocalRuntime
from qmodes.local.runtime import set_device_load


@pytest.fixture
def service() -> qmodes.LocalService:
    return qmodes.LocalService()


@pytest.fixture
def runtime():
    """A runtime of its own (its own timeline and devices), shut down after the test."""
    runtime = LocalRuntime(timeline=Timeline())
    yield runtime
    runtime.shutdown()


def test_it_is_ibms_local_service_and_takes_the_accounts_arguments():
    service = qmodes.LocalService(channel="ibm_quantum_platform", token="not-kept",
                                  instance="crn:v1:...")
    assert isinstance(service, QiskitRuntimeLocalService) and service.is_local
    assert not isinstance(service, QiskitRuntimeService)
    assert "not-kept" not in repr(vars(service))


class TestBackends:
    def test_backend_by_name_is_the_qmodes_backend(self, service):
        assert service.backend("fake_sherbrooke") is qmodes.get_backend("fake_sherbrooke")

    def test_ibm_device_names_are_their_fake_twins(self, service):
        assert service.backend("ibm_sherbrooke") is qmodes.get_backend("fake_sherbrooke")
        assert service.backend("aer_simulator") is qmodes.get_backend("aer")

    def test_an_unknown_name_is_ibms_error_with_the_names_that_exist(self, service):
        with pytest.raises(QiskitBackendNotFoundError, match="fake_manila"):
            service.backend("ibm_nowhere")

    def test_backends_filter_as_ibms(self, service):
        big = service.backends(min_num_qubits=127)
        assert big and all(b.num_qubits >= 127 for b in big)
        assert [b.name for b in big] == sorted(b.name for b in big)
        assert all(isinstance(b, qmodes.backends.LocalBackend) for b in big)
        assert service.backends(simulator=True) == [qmodes.get_backend("aer")]
        five = service.backends(filters=lambda b: b.num_qubits == 5, operational=True)
        assert "fake_manila" in [b.name for b in five]
        with pytest.raises(QiskitBackendNotFoundError):
            service.backends(min_num_qubits=10_000)


class TestLeastBusy:
    def test_without_load_the_first_candidate_by_name(self, service):
        chosen = service.least_busy(operational=True, simulator=False, min_num_qubits=127)
        assert chosen.name == min(b.name for b in service.backends(min_num_qubits=127))

    def test_under_load_the_device_with_the_shortest_emulated_queue(self, runtime):
        set_device_load(runtime, "fake_lima", 0.9)  # first by name, and busy
        service = qmodes.LocalService(runtime=runtime)
        lima, manila = qmodes.get_backend("fake_lima"), qmodes.get_backend("fake_manila")
        assert service.pending_jobs(lima) > service.pending_jobs(manila) == 0
        names = {"fake_lima", "fake_manila"}
        assert service.least_busy(filters=lambda b: b.name in names) is manila

    def test_a_process_wide_load_gives_every_candidate_a_crowd_and_keeps_only_the_chosen(
            self, runtime):
        service = qmodes.LocalService(load=0.8, runtime=runtime)
        assert runtime.device_load == 0.8
        names = {"fake_lima", "fake_manila", "fake_quito"}
        candidates = service.backends(filters=lambda b: b.name in names)
        chosen = service.least_busy(filters=lambda b: b.name in names)
        queue = service.pending_jobs(chosen)
        assert runtime.existing_scheduler(chosen).load is not None  # its crowd goes on
        others = [b for b in candidates if b is not chosen]
        assert all(runtime.existing_scheduler(b) is None for b in others)  # stopped
        assert all(service.pending_jobs(b) >= queue for b in others)

    def test_a_bad_load_is_a_clear_error(self):
        with pytest.raises(ValueError, match=r"between 0 and 0\.95"):
            qmodes.LocalService(load=2)


class TestUsage:
    def test_the_shape_of_ibms_usage_with_the_emulated_figures(self, runtime):
        service = qmodes.LocalService(budget="10m", runtime=runtime)
        backend = service.backend("fake_manila")
        circuit = QuantumCircuit(1)
        circuit.x(0)
        circuit.measure_all()
        isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
        jobs = [qmodes.Sampler(mode=backend, runtime=runtime).run([isa], shots=100)
                for _ in range(2)]
        for job in jobs:
            job.result()
        usage = service.usage()
        billed = sum(job.usage() for job in jobs)
        assert usage["usage_consumed_seconds"] == pytest.approx(billed)
        assert usage["usage_limit_seconds"] == 600.0
        assert usage["usage_remaining_seconds"] == pytest.approx(600.0 - billed)
        assert usage["usage_limit_reached"] is False
        assert set(usage["usage_period"]) == {"start_time", "end_time"}

    def test_without_a_budget_there_is_no_limit(self, runtime):
        usage = qmodes.LocalService(runtime=runtime).usage()
        assert usage["usage_consumed_seconds"] == 0.0
        assert "usage_limit_seconds" not in usage


class TestSessionsOnItsBackends:
    @pytest.mark.parametrize("ibm_class, ours", [(IBMSession, qmodes.Session),
                                                 (IBMBatch, qmodes.Batch)])
    def test_ibms_class_with_the_service_argument_is_qmodes_context(self, service, ibm_class,
                                                                    ours):
        backend = service.backend("fake_manila")
        with ibm_class(backend=backend, service=service, max_time="10m") as context:
            assert type(context) is ours and isinstance(context, ibm_class)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                sampler = SamplerV2(mode=context)
            circuit = QuantumCircuit(1)
            circuit.measure_all()
            job = sampler.run([circuit], shots=10)
        assert job.session_id == context.session_id
        assert context.wait(30)
        assert context.details()["max_time"] == 600 and context.usage() > 0

    def test_ibms_session_on_a_plain_backend_is_still_ibms(self):
        from qiskit_ibm_runtime.fake_provider import FakeManilaV2

        assert type(IBMSession(backend=FakeManilaV2())) is IBMSession
