"""A notebook kernel in miniature (run as a script): the ledger on, a real batch on Aer.

Usage: python kernel.py JOBS   (QMODES_HOME says where the ledger goes)
Submits JOBS jobs to a qmodes.Batch, prints "SUBMITTED <ids>" and waits to be killed.
"""

from __future__ import annotations

import sys
import time

from qiskit import QuantumCircuit

import qmodes
from qmodes.ledger import default_ledger


def layered(qubits: int, layers: int, seed: int) -> QuantumCircuit:
    """A circuit of standard gates that takes Aer a moment."""
    circuit = QuantumCircuit(qubits)
    for layer in range(layers):
        for q in range(qubits):
            circuit.rx(0.1 * (seed + layer + q), q)
        for q in range(layer % 2, qubits - 1, 2):
            circuit.cx(q, q + 1)
    circuit.measure_all()
    return circuit


def main() -> None:
    count = int(sys.argv[1])
    default_ledger()  # what %load_ext qmodes does: record the default timeline
    circuits = [layered(14, 40, seed) for seed in range(count)]
    batch = qmodes.Batch(backend="aer")
    sampler = qmodes.Sampler(mode=batch)
    ids = [sampler.run([circuit], shots=4000).job_id() for circuit in circuits]
    print("SUBMITTED " + " ".join(ids), flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
