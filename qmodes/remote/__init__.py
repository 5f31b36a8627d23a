"""Remote IBM backends through qiskit-ibm-runtime (``ibm:<device>``)."""

from __future__ import annotations

from typing import Any

__all__ = ["get_remote_backend"]


def get_remote_backend(name_or_backend: Any) -> Any:
    """Resolve ``ibm:<device>`` (or an ``IBMBackend``) to a remote backend."""
    raise ValueError(
        f"remote IBM backends are not available yet in this version of qmodes "
        f"(asked for {name_or_backend!r}): use 'aer' or 'fake_<device>' to run locally")
