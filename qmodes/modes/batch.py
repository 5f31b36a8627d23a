"""Batch mode: independent jobs scheduled together."""

from __future__ import annotations

from qmodes.modes.base import ExecutionContext

__all__ = ["Batch"]


class Batch(ExecutionContext):
    """A batch of independent jobs on a local or remote device.

    Once its first job starts the rest jump the queue; their classical processing runs in
    parallel on the execution lanes and their QPU work back to back. Usage is the sum of the
    jobs' time on the QPU. The interactive TTL of a batch is short and fixed on IBM (the
    documentation says 1 s or 60 s); here it is a parameter, default 1 s.

    Example:
        >>> import qmodes
        >>> from qiskit import QuantumCircuit
        >>> bell = QuantumCircuit(2); _ = bell.h(0); _ = bell.cx(0, 1); bell.measure_all()
        >>> with qmodes.Batch(backend="aer") as batch:
        ...     jobs = [qmodes.Sampler(mode=batch).run([bell], shots=100) for _ in range(3)]
        >>> [job.result()[0].data.meas.num_shots for job in jobs]
        [100, 100, 100]
        >>> batch.details()["mode"]
        'batch'
    """

    mode = "batch"
    default_interactive_ttl = 1.0
