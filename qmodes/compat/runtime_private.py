"""qiskit-ibm-runtime's private parts that qmodes uses, one named function each.

Each function below is the only place in qmodes that touches the private name it wraps; it
says why qmodes needs it. Checked on qiskit-ibm-runtime 0.50 and 0.51;
``tests/compat/test_private_parts.py`` fails with a clear message when an upgrade moves one.

* :func:`set_default_session`: ``utils.default_session._DEFAULT_SESSION`` and
  ``_IN_SESSION_CM``, the ``ContextVar``\\ s its primitives read when given no mode;
* :func:`run_in_session`: ``Session._run``, what its primitives call on their mode;
* :func:`semantic_role`: ``QuantumProgram._semantic_role``, which primitive built a program;
* :class:`LocalServiceDoor`: ``QiskitRuntimeLocalService._run`` / ``_run_executor``, where its
  primitives hand a job to the local service;
* :func:`account_token`: ``QiskitRuntimeService._account``, to scrub its token from messages;
* :func:`api_client`, :func:`backend_instance`, :func:`use_client`: ``_get_api_client``,
  ``IBMBackend._instance`` and ``RuntimeJobV2._api_client``, the REST client qmodes polls with;
* :func:`fast_client`: ``api.rest.runtime.Runtime``, ``api.session.RetrySession`` and the
  client's ``_session`` / ``_api``, a client that fails fast;
* :func:`mark_closed`: a ``Session``'s ``_active`` and ``_session_id``.

It may import qiskit-ibm-runtime (lazily: ``import qmodes`` does not) and nothing of qmodes.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Callable
from typing import Any

from qiskit_ibm_runtime.fake_provider.local_service import QiskitRuntimeLocalService

__all__ = ["CHECKED_ON", "LocalServiceDoor", "account_token", "api_client", "backend_instance",
           "fast_client", "mark_closed", "run_in_session", "semantic_role",
           "set_default_session", "use_client"]

CHECKED_ON = ("0.50", "0.51")
"""The qiskit-ibm-runtime versions these accesses were checked on."""


def set_default_session(session: Any) -> Callable[[], None]:
    """Make ``session`` qiskit-ibm-runtime's default session; returns the undo.

    Why: its primitives given no mode, and its ``get_cm_session()``, read two private
    ``ContextVar``\\ s of ``utils.default_session`` (``_DEFAULT_SESSION``, ``_IN_SESSION_CM``);
    a qmodes context entered with ``with`` (or ``%session`` across cells) must be what they see,
    as IBM's own ``with Session(...)`` is.
    """
    from qiskit_ibm_runtime.utils import default_session

    tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]] = [
        (default_session._DEFAULT_SESSION, default_session._DEFAULT_SESSION.set(session)),
        (default_session._IN_SESSION_CM, default_session._IN_SESSION_CM.set(True)),
    ]

    def undo() -> None:
        for variable, token in reversed(tokens):
            try:
                variable.reset(token)
            except ValueError:  # left in another context (a thread): clear it instead
                variable.set(None if variable is default_session._DEFAULT_SESSION else False)

    return undo


def run_in_session(session: Any, **program: Any) -> Any:
    """Run an executor program in an IBM ``Session``/``Batch`` as its primitives do.

    Why: ``Session._run(program_id=..., inputs=..., options=..., calibration_id=...,
    dry_run=...)`` is what qiskit-ibm-runtime's primitives call on their mode; a program sent
    to a remote qmodes context goes to IBM's session exactly that way.
    """
    return session._run(**program)


def semantic_role(program: Any) -> str:
    """Which primitive built an executor ``QuantumProgram`` (``"sampler..."``,
    ``"estimator..."``; "" when it does not say).

    Why: the program carries it only as ``_semantic_role``; qmodes records the job as a
    sampler or an estimator job, as IBM does.
    """
    return getattr(program, "_semantic_role", "") or ""


class LocalServiceDoor(QiskitRuntimeLocalService):
    """qiskit-ibm-runtime's local service, whose primitives' jobs can be taken over.

    Why: its primitives in local mode hand each job to ``service._run(program_id, inputs,
    options, ...)`` (V2 primitives) or ``service._run_executor(backend, options, inputs, ...)``
    (executor primitives). A subclass says where a job goes with :meth:`job_destination`
    (None: IBM's own local testing mode) and runs it with :meth:`run_program_at` /
    :meth:`run_executor_at`.
    """

    def job_destination(self, backend: Any) -> Any:
        """Where a job for ``backend`` goes; None for IBM's local testing mode."""
        return None

    def run_program_at(self, destination: Any, program_id: Any, inputs: dict, options: Any,
                       dry_run: bool) -> Any:
        raise NotImplementedError

    def run_executor_at(self, destination: Any, options: Any, program: Any,
                        dry_run: bool) -> Any:
        raise NotImplementedError

    def _run(self, program_id: Any, inputs: dict, options: Any,  # type: ignore[override]
             calibration_id: str | None = None, dry_run: bool = False) -> Any:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        destination = self.job_destination(_option(options, "backend"))
        if destination is None:
            return super()._run(program_id, inputs, options, calibration_id, dry_run)
        return self.run_program_at(destination, program_id, inputs, options, dry_run)

    def _run_executor(self, backend: Any, options: Any, inputs: Any,  # type: ignore[override]
                      dry_run: bool = False) -> Any:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        destination = self.job_destination(backend)
        if destination is None:
            return super()._run_executor(backend, options, inputs, dry_run=dry_run)
        return self.run_executor_at(destination, options, inputs, dry_run)


def _option(options: Any, name: str) -> Any:
    if isinstance(options, dict):
        return options.get(name)
    return getattr(options, name, None)


def account_token(service: Any) -> str:
    """The token of a ``QiskitRuntimeService``'s account ("" if none).

    Why: the service keeps its account only as ``_account``; qmodes scrubs that token from
    every message it shows.
    """
    account = getattr(service, "_account", None)
    return getattr(account, "token", "") or ""


def api_client(service: Any, instance: str | None) -> Any:
    """The REST client a ``QiskitRuntimeService`` uses for ``instance``.

    Why: ``service._get_api_client(instance)`` is the client its jobs poll with; qmodes'
    single poller and its confirmed closes use the same one (made to fail fast).
    """
    return service._get_api_client(instance)


def backend_instance(backend: Any) -> str | None:
    """The IBM Cloud instance (CRN) of an ``IBMBackend`` (None if it has none).

    Why: the backend keeps it only as ``_instance``; it picks the API client and is shown as
    the job's ``instance``.
    """
    return getattr(backend, "_instance", None)


def use_client(job: Any, client: Any) -> None:
    """Make a ``RuntimeJobV2`` poll through ``client``.

    Why: a job polls with its private ``_api_client``; qmodes' poller gives its copy of the
    job the fail-fast client (:func:`fast_client`).
    """
    job._api_client = client


def fast_client(client: Any, *, retries: int = 1, read_timeout: float = 30.0) -> Any:
    """A copy of a runtime API client that fails fast (qmodes' poller retries with backoff).

    Why: the client's own session retries a failed request five times over ~15 s and waits for
    an answer without a read timeout; the poller wants to notice a failure, show the job as
    unknown and try again later. It rebuilds the client's ``_session`` as a
    ``api.session.RetrySession`` and its ``_api`` as an ``api.rest.runtime.Runtime``. Falls
    back to ``client`` if its shape is unexpected.
    """
    try:
        from qiskit_ibm_runtime.api.rest.runtime import Runtime
        from qiskit_ibm_runtime.api.session import RetrySession

        session = client._session
        quick = RetrySession(base_url=session.base_url, retries_total=retries,
                             retries_connect=retries, backoff_factor=0.1, verify=session.verify,
                             proxies=session.proxies, auth=session.auth,
                             timeout=(5.0, read_timeout))
        clone = copy.copy(client)
        clone._session = quick
        clone._api = Runtime(quick)
        return clone
    except Exception:  # a newer client layout: keep its own retries
        return client


def mark_closed(session: Any) -> bool:
    """Mark an IBM ``Session``/``Batch`` closed, as its own ``close()`` does; False if it was
    never created on IBM (nothing to close there).

    Why: ``close()`` would also ask IBM; qmodes sends the close itself (to confirm it and retry)
    and only sets the session's ``_active`` flag, reading its ``_session_id``.
    """
    session._active = False
    return getattr(session, "_session_id", True) is not None
