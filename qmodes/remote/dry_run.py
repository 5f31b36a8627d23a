"""Validate a job against the real service without running it: qiskit-ibm-runtime's dry run.

qiskit-ibm-runtime 0.50+ has ``dry_run=True`` on its primitives' ``run``: the job goes to the
device's ``mock_<device>`` counterpart, which checks it as IBM would and returns results of
the expected shape with random data, using no QPU time. :func:`dry_run` does that for an
``ibm:<device>`` from qmodes, outside the budget guard (it spends nothing) and outside the
timeline (it is not your workload).

Example:
    >>> from qmodes.remote.dry_run import dry_run
    >>> job = dry_run([isa_circuit], "ibm:ibm_brisbane", shots=1000)  # doctest: +SKIP
    >>> job.result()[0].data.meas.num_shots  # doctest: +SKIP
    1000
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qmodes.backends.names import remote_device_name
from qmodes.remote.service import RemoteError, describe

__all__ = ["dry_run"]


def dry_run(pubs: Iterable[Any], backend: Any, *, primitive: str = "sampler",
            shots: int | None = None, precision: float | None = None) -> Any:
    """Submit ``pubs`` to IBM as a dry run on ``backend`` (``"ibm:<device>"`` or a qmodes
    remote backend); returns qiskit-ibm-runtime's job.

    Raises:
        RemoteError: the client has no dry run, the device has no mock counterpart, or IBM
            refused the job (one line: what it said).
    """
    from qmodes.remote.backend import get_remote_backend

    remote = get_remote_backend(remote_device_name(backend) if isinstance(backend, str)
                                else backend)
    try:
        if primitive == "sampler":
            from qiskit_ibm_runtime.executor_sampler import Sampler

            return Sampler(mode=remote.device).run(list(pubs), shots=shots, dry_run=True)
        if primitive == "estimator":
            from qiskit_ibm_runtime.executor_estimator import Estimator

            return Estimator(mode=remote.device).run(list(pubs), precision=precision,
                                                     dry_run=True)
    except ImportError:
        raise RemoteError("this qiskit-ibm-runtime has no dry run: upgrade to 0.50 or later "
                          "(pip install -U qiskit-ibm-runtime)") from None
    except TypeError as error:  # an older run() without dry_run
        raise RemoteError(f"dry run not supported by this qiskit-ibm-runtime "
                          f"({describe(error)})") from None
    except Exception as error:  # the client's errors, as one line
        raise RemoteError(f"IBM did not accept the dry run on {remote.name} "
                          f"({describe(error)})") from None
    raise ValueError(f"primitive must be 'sampler' or 'estimator', not {primitive!r}")
