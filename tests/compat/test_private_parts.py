"""The private parts of qiskit-ibm-runtime that :mod:`qmodes.compat` relies on are still there.

Each check fails with a message that names the part and what stops working without it, so an
upgrade of qiskit-ibm-runtime that moves one is found here, not at a random place.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
from qiskit_ibm_runtime import Session, base_primitive
from qiskit_ibm_runtime.utils import default_session

from qmodes.compat import runtime_modes


@pytest.mark.parametrize("name", runtime_modes.RESOLVER_MODULES)
def test_each_primitive_module_resolves_its_mode_through_our_function(name):
    try:
        module = importlib.import_module(name)
    except ImportError:
        pytest.skip(f"{name} is not in this qiskit-ibm-runtime (nothing to teach)")
    assert getattr(module, "get_mode_service_backend", None) is runtime_modes.resolve_mode, (
        f"{name}.get_mode_service_backend is not qmodes' resolver: qiskit-ibm-runtime's "
        f"primitives given a qmodes backend would run in IBM's local mode (usage 0, no record)")


def test_ibms_resolver_keeps_the_shape_qmodes_mirrors():
    signature = inspect.signature(runtime_modes._ORIGINAL)
    assert list(signature.parameters) == ["mode"], (
        "base_primitive.get_mode_service_backend(mode) changed its signature: "
        "qmodes.compat.runtime_modes.resolve_mode must follow")
    source = inspect.getsource(runtime_modes._ORIGINAL)
    assert "isinstance(mode, IBMBackend)" in source and "get_cm_session()" in source, (
        "IBM's rule for an IBMBackend moved: re-check qmodes.compat.runtime_modes.resolve_mode")


def test_the_context_manager_session_is_read_as_ibm_reads_it():
    assert callable(default_session.get_cm_session) and callable(default_session.set_cm_session)
    assert base_primitive.get_cm_session is default_session.get_cm_session, (
        "base_primitive no longer reads the open session from utils.default_session")
    assert isinstance(base_primitive.logger.name, str)


def test_sessions_are_still_made_by_their_class():
    assert Session.__new__ is not object.__new__, "qmodes' Session hook is not installed"
    session_init = inspect.signature(Session.__init__)
    assert list(session_init.parameters)[:3] == ["self", "backend", "max_time"], (
        "IBM's Session(backend, max_time) changed: qmodes.Session's signature must follow")


# -- qmodes.compat.runtime_private: one check per private name it wraps ----------------------

def test_the_default_session_context_variables_are_there():
    from qmodes.compat import runtime_private

    for name in ("_DEFAULT_SESSION", "_IN_SESSION_CM"):
        assert hasattr(default_session, name), (
            f"qiskit_ibm_runtime.utils.default_session.{name} is gone: qiskit-ibm-runtime's "
            f"primitives with no mode would not join a qmodes context "
            f"(qmodes.compat.runtime_private.set_default_session)")
    marker = object()
    undo = runtime_private.set_default_session(marker)
    try:
        assert default_session.get_cm_session() is marker, (
            "get_cm_session() no longer reads _DEFAULT_SESSION: re-check set_default_session")
    finally:
        undo()
    assert default_session.get_cm_session() is not marker


def test_a_session_runs_programs_through_its_run():
    parameters = list(inspect.signature(Session._run).parameters)
    assert parameters[:4] == ["self", "program_id", "inputs", "options"], (
        "Session._run(program_id, inputs, options, ...) changed: qmodes sends executor "
        "programs of remote contexts through it (qmodes.compat.runtime_private.run_in_session)")
    assert "dry_run" in parameters and "calibration_id" in parameters


def test_a_quantum_program_says_which_primitive_built_it():
    from qiskit_ibm_runtime.quantum_program import QuantumProgram

    from qmodes.compat import runtime_private

    program = QuantumProgram(shots=1)
    assert hasattr(program, "_semantic_role"), (
        "QuantumProgram._semantic_role is gone: qmodes cannot tell a sampler from an estimator "
        "program (qmodes.compat.runtime_private.semantic_role)")
    assert isinstance(runtime_private.semantic_role(program), str)


def test_the_local_service_hands_jobs_over_through_run_and_run_executor():
    from qiskit_ibm_runtime.fake_provider.local_service import QiskitRuntimeLocalService

    for name, first in (("_run", ["self", "program_id", "inputs", "options"]),
                        ("_run_executor", ["self", "backend", "options", "inputs"])):
        method = getattr(QiskitRuntimeLocalService, name, None)
        assert method is not None, (
            f"QiskitRuntimeLocalService.{name} is gone: IBM's primitives on a qmodes backend "
            f"would bypass qmodes (qmodes.compat.runtime_private.LocalServiceDoor)")
        assert list(inspect.signature(method).parameters)[:4] == first, (
            f"QiskitRuntimeLocalService.{name}'s signature changed: re-check LocalServiceDoor")
    source = inspect.getsource(base_primitive)
    assert "_run_executor(" in source or "_run(" in source


def test_the_service_keeps_its_account_and_api_clients():
    from qiskit_ibm_runtime import QiskitRuntimeService

    assert "_account" in inspect.getsource(QiskitRuntimeService.__init__), (
        "QiskitRuntimeService._account is gone: qmodes could not scrub the token from messages "
        "(qmodes.compat.runtime_private.account_token)")
    getter = getattr(QiskitRuntimeService, "_get_api_client", None)
    assert getter is not None and list(inspect.signature(getter).parameters)[:2] == [
        "self", "instance"], (
        "QiskitRuntimeService._get_api_client(instance) changed: the poller has no client "
        "(qmodes.compat.runtime_private.api_client)")


def test_backends_and_jobs_keep_their_instance_and_client():
    from qiskit_ibm_runtime import IBMBackend, RuntimeJobV2

    assert "_instance" in inspect.getsource(IBMBackend.__init__), (
        "IBMBackend._instance is gone (qmodes.compat.runtime_private.backend_instance)")
    assert "_api_client" in inspect.getsource(RuntimeJobV2.__init__), (
        "RuntimeJobV2._api_client is gone: jobs would poll with IBM's slow retries "
        "(qmodes.compat.runtime_private.use_client)")


def test_the_fast_client_is_built_from_the_rest_modules():
    from qiskit_ibm_runtime.api.rest.runtime import Runtime
    from qiskit_ibm_runtime.api.session import RetrySession

    from qmodes.compat import runtime_private

    session = RetrySession(base_url="https://example.invalid/api")
    client = type("Client", (), {})()
    client._session, client._api = session, Runtime(session)
    quick = runtime_private.fast_client(client, retries=1, read_timeout=3.0)
    assert quick is not client and isinstance(quick._session, RetrySession), (
        "api.session.RetrySession or api.rest.runtime.Runtime changed: the poller keeps IBM's "
        "slow retries (qmodes.compat.runtime_private.fast_client)")
    assert isinstance(quick._api, Runtime)


def test_a_session_closes_by_its_active_flag():
    source = inspect.getsource(Session.close)
    assert "_active" in source, (
        "Session.close() no longer sets _active: re-check qmodes.compat.runtime_private."
        "mark_closed")
    assert "_session_id" in inspect.getsource(Session.__init__)


# -- qmodes.compat.aer_private ---------------------------------------------------------------

def test_aer_primitives_run_coerced_pubs_with_their_run():
    from qiskit import QuantumCircuit
    from qiskit.primitives.containers.sampler_pub import SamplerPub
    from qiskit_aer.primitives import EstimatorV2, SamplerV2

    from qmodes.compat import aer_private

    for cls in (SamplerV2, EstimatorV2):
        assert callable(getattr(cls, "_run", None)), (
            f"qiskit_aer.primitives.{cls.__name__}._run is gone: local jobs cannot run "
            f"(qmodes.compat.aer_private.run_pubs)")
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    result = aer_private.run_pubs(SamplerV2(), [SamplerPub.coerce(circuit, 4)])
    assert result[0].data.meas.get_counts() == {"1": 4}


# -- qmodes.compat.kernel_private ------------------------------------------------------------

def test_ipykernel_routes_comm_messages_per_comm_and_says_it_has_subshells():
    ipykernel = pytest.importorskip("ipykernel")
    if int(ipykernel.__version__.split(".")[0]) < 7:
        pytest.skip("ipykernel < 7 has no subshells (the widget's buttons act after the cell)")
    from ipykernel.comm import Comm
    from ipykernel.kernelbase import Kernel

    from qmodes.compat import kernel_private

    assert hasattr(Kernel, "_supports_kernel_subshells"), (
        "ipykernel's Kernel._supports_kernel_subshells is gone: the widget's buttons would act "
        "only after the cell (qmodes.compat.kernel_private.supports_subshells)")
    assert hasattr(Comm, "_reply_subshell_for"), (
        "ipykernel's Comm._reply_subshell_for is gone: widget messages are not routed to the "
        "subshell (qmodes.compat.kernel_private.route_comm)")
    comm = type("FakeComm", (), {"_reply_subshell_for": None})()
    assert kernel_private.route_comm(comm, lambda data, default: "s1")
    assert comm._reply_subshell_for(None, None) == "s1"
