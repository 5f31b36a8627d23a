"""What qiskit-ibm-runtime's code reads of a session: a context impersonating one.

IBM's primitives and helpers read a few attributes of the session they run in (``service``,
``_backend``, ``_active``, ``_session_id``, ``_instance``, ``backend()``), and its ``with``
makes the session the default one. :class:`RuntimeSessionSurface` gives a qmodes context
those; it is a mixin of :class:`~qmodes.context.base.ExecutionContext`. On a local device,
what the modes layer adds (a ``QiskitRuntimeLocalService``, becoming IBM's default session)
comes through :meth:`~RuntimeSessionSurface._local_service` and
:meth:`~RuntimeSessionSurface._enter_local_default`, overridden by
:class:`qmodes.modes.RuntimeContext`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmodes.core.jobs import qiskit_backend

if TYPE_CHECKING:
    from qmodes.core.protocols import EngineBackend, JobScheduler

__all__ = ["RuntimeSessionSurface"]


class RuntimeSessionSurface:
    """qiskit-ibm-runtime's session attributes, read from the context's backend and id."""

    _service: Any = None

    if TYPE_CHECKING:
        _id: str
        _target: EngineBackend
        _scheduler: JobScheduler

        @property
        def closed(self) -> bool: ...

    @property
    def service(self) -> Any:
        """As qiskit-ibm-runtime: the service jobs go through.

        On an IBM device, its ``QiskitRuntimeService``; on a local device, what
        :meth:`_local_service` makes (:class:`qmodes.modes.RuntimeContext`: a
        ``QiskitRuntimeLocalService`` bound to this context).
        """
        remote_service = getattr(self._target, "service", None)
        if remote_service is not None and self._target.is_remote:
            return remote_service
        if self._service is None:
            self._service = self._local_service()
        return self._service

    def _local_service(self) -> Any:
        """The service of this context on a local device (None here; the modes layer gives
        qiskit-ibm-runtime's)."""
        return None

    @property
    def _backend(self) -> Any:
        """The Qiskit ``BackendV2`` (qiskit-ibm-runtime's primitives read ``mode._backend``)."""
        return qiskit_backend(self._target)

    @property
    def _active(self) -> bool:
        """qiskit-ibm-runtime's flag: True while the context accepts jobs."""
        return not self.closed

    @property
    def _session_id(self) -> str:
        return self._id

    @property
    def _instance(self) -> str | None:
        return getattr(self._target, "ibm_instance", None)  # qmodes.remote.backend

    def backend(self) -> str:
        """As qiskit-ibm-runtime: the backend's name."""
        return self._target.name

    def _make_runtime_default(self) -> Any:
        """Make this context qiskit-ibm-runtime's default session; returns the undo (or None).

        Remote: the client's own Session (the scheduler's ``enter_context``); local: what
        :meth:`_enter_local_default` does (:class:`qmodes.modes.RuntimeContext`: this context
        itself becomes the default).
        """
        hook = getattr(self._scheduler, "enter_context", None)
        if hook is not None:
            return hook(self._id)
        return self._enter_local_default()

    def _enter_local_default(self) -> Any:
        """On a local device: nothing here (the modes layer makes this context IBM's default
        session); returns the undo or None."""
        return None
