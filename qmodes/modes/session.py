"""Session mode: exclusive access to the device for iterative classical + quantum work."""

from __future__ import annotations

from qmodes.modes.runtime_bridge import RuntimeSession
from qmodes.modes.runtime_context import RuntimeContext

__all__ = ["Session"]


class Session(RuntimeContext, RuntimeSession):
    """A session on a local or remote device.

    It is also a qiskit-ibm-runtime ``Session`` (same signature, ``session_id``,
    ``backend()``, ``service``, ``details()``, ``status()``, ``usage()``, ``close()``,
    ``cancel()``, ``from_id``), so qiskit-ibm-runtime's primitives take it as ``mode`` and, inside
    ``with``, join it with no mode (:mod:`qmodes.modes.runtime_bridge`).

    While a session's active window is open no other job runs on its device. The window
    opens when its first job starts; after each job the interactive TTL (default 60 s)
    runs, and with no job ready by then the session deactivates until its next job. Usage is
    the wall-clock length of its active windows, idle TTL included. ``max_time`` (default
    8 h) counts from the first job's start and never pauses.

    Args:
        backend: ``"aer"``, ``"aer:<method>"``, ``"fake_<device>"``, ``"ibm:<device>"`` or a
            ``BackendV2`` (default ``"aer"``).
        max_time: maximum TTL, as seconds or a duration such as ``"2h 30m"`` (positional or
            keyword, as in qiskit-ibm-runtime).
        create_new: accepted as in qiskit-ibm-runtime; a local session is always new.
        interactive_ttl: idle time allowed between jobs (local backends).
        runtime: the local runtime to schedule on (tests pass one with a manual clock).

    Example:
        >>> import qmodes
        >>> from qiskit import QuantumCircuit
        >>> ghz = QuantumCircuit(3); _ = ghz.h(0); _ = ghz.cx(0, 1); _ = ghz.cx(1, 2)
        >>> ghz.measure_all()
        >>> with qmodes.Session(backend="aer", max_time="30m") as session:
        ...     sampler = qmodes.Sampler()          # picks up the open session
        ...     counts = sampler.run([ghz], shots=200).result()[0].data.meas.get_counts()
        >>> sorted(counts)
        ['000', '111']
        >>> session.details()["mode"], session.details()["max_time"], session.status()
        ('dedicated', 1800, 'Closed')
        >>> from qiskit_ibm_runtime.executor_sampler import Sampler
        >>> with qmodes.Session("aer", "10m") as session:       # max_time by position
        ...     job = Sampler(mode=session).run([ghz], shots=50)  # IBM's own primitive
        >>> job.session_id == session.session_id, job.result()[0].data.meas.num_shots
        (True, 50)
    """

    mode = "session"
    ibm_mode = "dedicated"
    default_interactive_ttl = 60.0
