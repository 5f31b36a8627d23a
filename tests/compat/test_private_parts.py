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
