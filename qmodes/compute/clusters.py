"""Cluster settings → compute backends, one per setting per process.

Accepted forms (``QModes.cluster``, ``--cluster``, ``LocalRuntime(cluster=...)``):

* ``None``, ``""`` or ``"kernel"``: simulate in the kernel (the default);
* ``"local"``: a ``LocalCluster`` of worker processes, one single-thread worker per core;
  ``"local:N"``: N workers (Aer then runs cores // N threads in each);
* ``"tcp://host:port"`` (or ``tls://``, ``ucx://``): an existing Dask scheduler, e.g. one
  started by ``dask-jobqueue`` on SLURM/PBS or by the Dask Kubernetes operator;
* a ``distributed.Client`` or a cluster object (qmodes then never closes it);
* a compute backend (:class:`~qmodes.compute.KernelBackend`, :class:`DaskBackend`).

A setting is resolved once per process and kept (:func:`resolve`): setting ``"local"`` again
reuses the same workers, with their cached simulators. :func:`close_all` (at exit) closes the
clusters qmodes started and disconnects from the others, leaving them running.

Example:
    >>> check("tcp://10.0.0.5:8786"), check(None), check("local:2")
    ('tcp://10.0.0.5:8786', None, 'local:2')
    >>> check("laptop")
    Traceback (most recent call last):
    ...
    ValueError: cluster must be None (the kernel), 'local', ... not 'laptop'
"""

from __future__ import annotations

import atexit
import re
import threading
from typing import Any

__all__ = ["active", "check", "close_all", "resolve"]

_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://\S+$")
_LOCAL = re.compile(r"^local(:(\d+))?$")
_FORMS = ("cluster must be None (the kernel), 'local', 'local:<workers>' or a scheduler "
          "address such as 'tcp://host:8786'")
_backends: dict[str, Any] = {}
_lock = threading.Lock()
_registered = False


def check(spec: Any) -> Any:
    """``spec`` normalised (strings stripped; the kernel as None), or ValueError."""
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "kernel", "none")):
        return None
    if not isinstance(spec, str):
        if (hasattr(spec, "launch") or hasattr(spec, "scheduler_address")
                or type(spec).__name__ == "Client"):
            return spec
        raise ValueError(_FORMS + f", not {spec!r}")
    text = spec.strip()
    match = _LOCAL.match(text.lower())
    if match:
        if match.group(2) is not None and int(match.group(2)) < 1:
            raise ValueError(f"a local cluster needs at least 1 worker, not {spec!r}")
        return text.lower()
    if _ADDRESS.match(text):
        return text
    raise ValueError(_FORMS + f", not {spec!r}")


def resolve(spec: Any, timeout: float | None = None) -> Any:
    """The compute backend of ``spec`` (None: the kernel), made and connected on first use.

    Raises:
        ValueError: not a valid form.
        ClusterUnreachableError: no scheduler at the address (one line naming it).
    """
    spec = check(spec)
    if spec is None:
        return None
    if hasattr(spec, "launch") and hasattr(spec, "stats"):
        return spec  # a compute backend already
    from qmodes.compute.dask_backend import CONNECT_TIMEOUT, DaskBackend

    if not isinstance(spec, str):  # a Client, or a cluster object: used, never closed
        from distributed import Client

        client = spec if isinstance(spec, Client) else Client(spec, set_as_default=False)
        return DaskBackend(client)
    with _lock:
        backend = _backends.get(spec)
        if backend is None or backend._closed:
            match = _LOCAL.match(spec)
            if match:
                workers = int(match.group(2)) if match.group(2) else None
                backend = DaskBackend.local(workers)
            else:
                backend = DaskBackend.connect(spec, timeout or CONNECT_TIMEOUT)
            _backends[spec] = backend
            _register_exit()
        return backend


def active() -> list[Any]:
    """The compute backends this process has made and not closed."""
    with _lock:
        return [backend for backend in _backends.values() if not backend._closed]


def close_all() -> None:
    """Close the clusters qmodes started; disconnect from the others (they keep running)."""
    with _lock:
        backends = list(_backends.values())
        _backends.clear()
    for backend in backends:
        try:
            backend.close()
        except Exception:  # exiting: close the others anyway
            pass


def _register_exit() -> None:
    global _registered
    if not _registered:
        atexit.register(close_all)
        _registered = True
