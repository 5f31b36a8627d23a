"""The ``QiskitRuntimeService`` that ``ibm:<device>`` backends use, and errors without secrets.

The service comes from, in order: :func:`use_service` (explicit), else
``QiskitRuntimeService()``, which reads the environment variables ``QISKIT_IBM_TOKEN``,
``QISKIT_IBM_INSTANCE``, ``QISKIT_IBM_CHANNEL`` and ``QISKIT_IBM_URL``, else the account saved
with ``QiskitRuntimeService.save_account(...)``. Whatever goes wrong becomes one
:class:`RemoteError` line that says what to do, with any token replaced by ``***``.

Example:
    >>> from qmodes.remote import service
    >>> service.scrub("token abc123 refused", ["abc123"])
    'token *** refused'
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from qmodes.compat.runtime_private import account_token, fast_client
from qmodes.core.errors import QModesError

__all__ = ["RemoteError", "allowance_line", "current_service", "describe", "fast_client",
           "get_service", "scrub", "use_service"]

HOW_TO_CONNECT = (
    "save your IBM Quantum account once with QiskitRuntimeService.save_account(token=..., "
    "instance=..., set_as_default=True), or set QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE, "
    "or call qmodes.remote.use_service(service)")

_lock = threading.Lock()
_explicit: Any = None
_cached: Any = None


class RemoteError(QModesError, ValueError):
    """An IBM account, device or request problem, in one line that says what to do."""

_on_change: list[Callable[[], None]] = []
"""Called after the service changes (:func:`on_service_change`)."""


def use_service(service: Any) -> None:
    """Make ``ibm:<device>`` backends use ``service`` (a ``QiskitRuntimeService``; None resets).

    Example:
        >>> import qmodes.remote
        >>> qmodes.remote.use_service(None)  # back to the saved account / environment
    """
    global _explicit, _cached
    with _lock:
        _explicit, _cached = service, None
    for listener in list(_on_change):
        listener()


def on_service_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` after :func:`use_service` (the backend cache registers here)."""
    _on_change.append(listener)


def get_service() -> Any:
    """The service in use: the explicit one, else one made from the environment or account.

    Raises:
        RemoteError: no account is configured, or IBM refused it.
    """
    global _cached
    with _lock:
        if _explicit is not None:
            return _explicit
        if _cached is None:
            _cached = _make_service()
        return _cached


def current_service() -> Any:
    """The service already in use (explicit or made earlier), or None: never connects."""
    with _lock:
        return _explicit if _explicit is not None else _cached


def allowance_line() -> str | None:
    """The instance's allowance as one line (:mod:`qmodes.accounting.allowance`, cached 30 s), or
    None when no IBM service is in use; a failure to read it is one line too."""
    service = current_service()
    if service is None:
        return None
    from qmodes.accounting.allowance import allowance_of

    try:
        return str(allowance_of(service))
    except Exception as error:  # IBM unreachable: say so, never a traceback
        return f"IBM allowance: could not be read ({describe(error)})"


def _make_service() -> Any:
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.accounts import AccountNotFoundError

    try:
        return QiskitRuntimeService()
    except AccountNotFoundError:
        raise RemoteError(f"no IBM Quantum account found: {HOW_TO_CONNECT}") from None
    except Exception as error:  # the client's own errors, shown as one line
        raise RemoteError(
            f"IBM Quantum did not accept the account ({describe(error)}): check the token and "
            f"instance; {HOW_TO_CONNECT}") from None


def known_secrets(service: Any = None) -> list[str]:
    """Tokens that must never be shown: the environment's and the service's account's."""
    found = [os.environ.get("QISKIT_IBM_TOKEN", "")]
    for candidate in (service, _explicit, _cached):
        found.append(account_token(candidate))
    return [secret for secret in found if secret and len(secret) >= 4]


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every known token replaced by ``***``."""
    for secret in known_secrets() if secrets is None else secrets:
        text = text.replace(secret, "***")
    return text


def describe(error: BaseException, limit: int = 240) -> str:
    """One scrubbed line describing ``error`` (the client's message, without its traceback)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    text = scrub(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
