"""Session mode: exclusive access to the device for iterative classical + quantum work."""

from __future__ import annotations

from qmodes.modes.base import ExecutionContext

__all__ = ["Session"]


class Session(ExecutionContext):
    """A session on a local or remote device.

    While a session's active window is open no other job runs on its device. The window
    opens when its first job starts; after each job the interactive TTL (default 60 s)
    runs, and with no job ready by then the session deactivates until its next job. Usage is
    the wall-clock length of its active windows, idle TTL included. ``max_time`` (default
    8 h) counts from the first job's start and never pauses.

    Args:
        backend: ``"aer"``, ``"aer:<method>"``, ``"fake_<device>"``, ``"ibm:<device>"`` or a
            ``BackendV2`` (default ``"aer"``).
        max_time: maximum TTL, as seconds or a duration such as ``"2h 30m"``.
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
        >>> session.details()["mode"], session.status()
        ('dedicated', 'Closed')
    """

    mode = "session"
    default_interactive_ttl = 60.0
