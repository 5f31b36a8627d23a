"""Cell code shared by the tests and the bench that click a widget while a cell is blocked."""

from __future__ import annotations

SLOW_CIRCUIT = """from qiskit import QuantumCircuit
circuit = QuantumCircuit(13)
for layer in range(200):  # about 0.1 s of Aer simulation per job
    for q in range(13):
        circuit.rx(0.1 * (q + layer), q)
    for q in range(layer % 2, 12, 2):
        circuit.cx(q, q + 1)
circuit.measure_all()
"""
"""Builds ``circuit``: a job whose Aer run takes about 0.1 s, so a batch of 40-60 of them is
still queued when a test clicks Cancel."""
