"""qiskit-ibm-runtime's primitives and sessions, taught that a qmodes backend is one of IBM's.

qiskit-ibm-runtime decides where a primitive's jobs go in one private function,
``qiskit_ibm_runtime.base_primitive.get_mode_service_backend(mode)``: an ``IBMBackend`` runs
in job mode on its service, or joins the session or batch whose context manager is open;
any other ``BackendV2`` goes to ``QiskitRuntimeLocalService``, its local testing mode, where a
job has no queue, no usage and no record. qmodes' backends are such other ``BackendV2``\\ s,
so IBM's own ``Sampler(mode=backend)`` would bypass qmodes entirely.

:func:`install` replaces that function, in ``base_primitive`` and in every module that
imported it by name, by :func:`resolve_mode`, which gives a qmodes backend exactly IBM's
``IBMBackend`` branch (qiskit-ibm-runtime 0.50–0.51, ``base_primitive.py``):

* created while a session or batch context manager is open, the primitive joins it, and
  ``qiskit_ibm_runtime.base_primitive`` logs :data:`JOINS_CONTEXT`; if the context's backend
  is another one, :data:`OTHER_BACKEND` is raised as a ``ValueError``;
* created outside any context, it runs in job mode: its service is qmodes'
  :class:`~qmodes.LocalService`, whose ``_run`` / ``_run_executor`` queue a qmodes job-mode
  job (and IBM's own ``_run`` logs, as for an ``IBMBackend``, that a context opened since
  does not take the job);
* an ``ibm:<device>`` backend is unwrapped to its ``IBMBackend``, so IBM's code runs as is.

It also gives ``Session.__new__`` / ``Batch.__new__`` a hook: IBM's ``Session(backend)`` or
``Batch(backend)`` given a qmodes backend builds a :class:`qmodes.Session` /
:class:`qmodes.Batch` (subclasses of IBM's, so every ``isinstance`` check holds).

Private names used (checked on qiskit-ibm-runtime 0.50 and 0.51; ``tests/compat/
test_private_parts.py`` fails with a clear message when an upgrade moves one):
``base_primitive.get_mode_service_backend`` and the modules that import it by name
(:data:`RESOLVER_MODULES`), ``base_primitive.logger``, ``utils.default_session.get_cm_session``,
a session's ``_backend``.

Example:
    >>> import qmodes
    >>> from qiskit import QuantumCircuit
    >>> from qiskit_ibm_runtime.executor_sampler import Sampler
    >>> bell = QuantumCircuit(2); _ = bell.h(0); _ = bell.cx(0, 1); bell.measure_all()
    >>> job = Sampler(mode=qmodes.get_backend("aer")).run([bell], shots=10)
    >>> type(job).__module__, job.result()[0].data.meas.num_shots
    ('qmodes.core.jobs', 10)
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from qiskit_ibm_runtime import Batch as RuntimeBatch
from qiskit_ibm_runtime import Session as RuntimeSession
from qiskit_ibm_runtime import base_primitive
from qiskit_ibm_runtime.utils.default_session import get_cm_session

__all__ = ["JOINS_CONTEXT", "OTHER_BACKEND", "RESOLVER_MODULES", "install", "is_qmodes_backend",
           "register", "resolve_mode"]

RESOLVER_MODULES = (
    "qiskit_ibm_runtime.base_primitive",
    "qiskit_ibm_runtime.executor.executor",
    "qiskit_ibm_runtime.executor_sampler.sampler",
    "qiskit_ibm_runtime.executor_estimator.estimator",
    "qiskit_ibm_runtime.noise_learner.noise_learner",
    "qiskit_ibm_runtime.noise_learner_v3.noise_learner_v3",
    "qiskit_ibm_runtime.executor_noise_learner.noise_learner_v3",
    "qiskit_ibm_runtime.calibrator.calibrator",
)
"""Modules that bind ``get_mode_service_backend`` by name (``from ..base_primitive import``).
Those imported after :func:`install` take the replacement from ``base_primitive`` itself."""

JOINS_CONTEXT = ("A backend was passed in as the mode but a session context manager is open "
                 "so this job will run inside this session/batch instead of in job mode.")
"""IBM's warning (logged by ``qiskit_ibm_runtime.base_primitive``) for a primitive given the
backend of the open context."""
OTHER_BACKEND = ("The backend passed in to the primitive is different from the session backend. "
                 "Please check which backend you intend to use or leave the mode parameter "
                 "empty to use the session backend.")
"""IBM's error for a primitive given another backend than the open context's."""

_ORIGINAL: Callable[[Any], tuple[Any, Any, Any]] = base_primitive.get_mode_service_backend
_ORIGINAL_NEW = RuntimeSession.__new__
_LOGGER = logging.getLogger(base_primitive.__name__)
_lock = threading.Lock()
_installed = False
_registry: dict[str, Any] = {}
_local_types: tuple[type, ...] = ()
"""qmodes' local backend class (:class:`qmodes.backends.types.LocalBackend`), given to
:func:`install` by :mod:`qmodes.backends.types`, which sits above this module."""
_remote_types: tuple[type, ...] = ()
"""qmodes' ``ibm:<device>`` backend class (:class:`qmodes.remote.backend.RemoteBackend`),
given to :func:`install` by :mod:`qmodes.remote.backend`, which sits above this module."""


def register(*, job_service: Callable[[], Any], session: type, batch: type) -> None:
    """The modes layer's classes: the service of job mode, and qmodes' Session and Batch."""
    _registry.update(job_service=job_service, session=session, batch=batch)


def _registered(name: str) -> Any:
    if not _registry:  # a user who made only a backend has not loaded the modes layer yet;
        importlib.import_module("qmodes.modes")  # it registers itself on import (above us)
    return _registry[name]


def is_qmodes_backend(backend: Any) -> bool:
    """True for a backend made by :func:`qmodes.get_backend` (local or ``ibm:<device>``)."""
    return isinstance(backend, _local_types) or _is_remote(backend)


def _is_remote(backend: Any) -> bool:
    """An ``ibm:<device>`` backend: remote, wrapping its ``IBMBackend`` as ``device``."""
    return isinstance(backend, _remote_types) and backend.is_remote


def resolve_mode(mode: Any) -> tuple[Any, Any, Any]:
    """``(mode, service, backend)`` of a primitive given ``mode``, as qiskit-ibm-runtime's
    ``get_mode_service_backend`` does for an ``IBMBackend``, for qmodes backends too."""
    if _is_remote(mode):
        return _ORIGINAL(mode.device)  # IBM's own IBMBackend: IBM's code as it is
    if not isinstance(mode, _local_types):
        return _ORIGINAL(mode)
    session = get_cm_session()
    if session:
        _LOGGER.warning(JOINS_CONTEXT)
        if session._backend != mode:
            raise ValueError(OTHER_BACKEND)
        return session, session.service, mode
    return None, _registered("job_service")(), mode


def _new_session(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``Session.__new__``: IBM's own Session/Batch on a qmodes backend is qmodes' one."""
    if cls is RuntimeSession or cls is RuntimeBatch:
        backend = args[0] if args else kwargs.get("backend")
        if is_qmodes_backend(backend):
            cls = _registered("batch" if cls is RuntimeBatch else "session")
    return _ORIGINAL_NEW(cls)


def install(local_backend: type | None = None, remote_backend: type | None = None) -> None:
    """Put :func:`resolve_mode` and the Session hook in place (idempotent).

    Args:
        local_backend: the class of qmodes' local backends (its subclasses are taken as IBM's
            own backends); given once, by :mod:`qmodes.backends.types`.
        remote_backend: the class of qmodes' ``ibm:<device>`` backends; given once, by
            :mod:`qmodes.remote.backend`.
    """
    global _installed, _local_types, _remote_types
    with _lock:
        if local_backend is not None and local_backend not in _local_types:
            _local_types = (*_local_types, local_backend)
        if remote_backend is not None and remote_backend not in _remote_types:
            _remote_types = (*_remote_types, remote_backend)
        if _installed:
            return
        for name in RESOLVER_MODULES:
            module = sys.modules.get(name)
            if module is None and name == base_primitive.__name__:
                module = base_primitive
            if module is not None and getattr(module, "get_mode_service_backend", None) \
                    is _ORIGINAL:
                module.get_mode_service_backend = resolve_mode  # type: ignore[attr-defined]
        RuntimeSession.__new__ = staticmethod(_new_session)  # type: ignore[assignment]
        _installed = True
