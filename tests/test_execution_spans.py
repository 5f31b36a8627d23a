"""Results carry IBM's execution spans, built from the job's QPU span, and per-PUB shots."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp
from qiskit_ibm_runtime.execution_span import DoubleSliceSpan, ExecutionSpans, SliceSpan

import qmodes


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def test_a_sampler_job_has_one_span_at_its_qpu_time_covering_every_pub(sim, bell):
    theta = Parameter("θ")
    rotation = QuantumCircuit(1)
    rotation.ry(theta, 0)
    rotation.measure_all()
    job = qmodes.Sampler(mode="aer", runtime=sim.runtime).run(
        [(bell, None, 100), (rotation, [[0.0], [np.pi], [np.pi / 2]], 20)])
    sim.at(10)
    result = job.result()
    spans = result.metadata["execution"]["execution_spans"]
    assert isinstance(spans, ExecutionSpans) and len(spans) == 1
    span = spans[0]
    qpu = job.record().span("qpu")
    assert isinstance(span, DoubleSliceSpan)
    assert (span.start, span.stop) == (_at(qpu.start), _at(qpu.end)) == (_at(1.0), _at(6.0))
    assert span.pub_idxs == [0, 1] and span.size == 100 + 3 * 20
    assert span.mask(0).shape == (100,) and span.mask(1).shape == (3, 20)
    assert span.mask(1).all()
    assert [pub.metadata["shots"] for pub in result] == [100, 20]
    assert spans.filter_by_pub(1)[0].pub_idxs == [1]


def test_jobs_of_a_batch_have_back_to_back_spans(sim, bell):
    with qmodes.Batch("aer", runtime=sim.runtime):
        sampler = qmodes.Sampler(runtime=sim.runtime)
        jobs = [sampler.run([bell], shots=10) for _ in range(3)]
    sim.at(60)
    spans = [job.result().metadata["execution"]["execution_spans"] for job in jobs]
    assert [(s.start, s.stop) for s in spans] == [(_at(1), _at(6)), (_at(6), _at(11)),
                                                   (_at(11), _at(16))]


def test_an_estimator_job_has_a_slice_span_and_per_pub_shots(sim):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    observables = [[SparsePauliOp("ZZ")], [SparsePauliOp("XX")]]
    job = qmodes.Estimator(mode="aer", runtime=sim.runtime).run(
        [(circuit, observables, None, 0.1), (circuit, SparsePauliOp("ZI"))])
    sim.at(10)
    result = job.result()
    span = result.metadata["execution"]["execution_spans"][0]
    assert isinstance(span, SliceSpan) and span.pub_idxs == [0, 1]
    assert span.mask(0).shape == (2, 1) and span.size == 2 + 1
    assert [pub.metadata["shots"] for pub in result] == [100, 4096]  # 1/precision²


def test_a_fake_device_job_has_spans_in_real_time(bell):
    manila = qmodes.get_backend("fake_manila")
    before = datetime.now(timezone.utc)
    job = qmodes.Sampler(mode=manila, transpile=True).run([bell], shots=50)
    result = job.result(timeout=60)
    spans = result.metadata["execution"]["execution_spans"]
    # a fake device runs in device time (docs/device-time.md): its clock is ahead of the wall's
    device_now = datetime.fromtimestamp(job._scheduler.clock.now(), timezone.utc)
    assert before <= spans.start <= spans.stop <= device_now
    assert spans[0].size == 50 and result[0].metadata["shots"] == 50


def test_draw_execution_spans_draws_local_jobs(sim, bell):
    pytest.importorskip("plotly")
    from qiskit_ibm_runtime.visualization import draw_execution_spans

    sampler = qmodes.Sampler(mode="aer", runtime=sim.runtime)
    jobs = [sampler.run([bell], shots=10) for _ in range(3)]
    sim.at(60)
    figure = draw_execution_spans(*[j.result().metadata["execution"]["execution_spans"]
                                    for j in jobs])
    assert len(figure.data) == 3
    drawn = [tuple(trace.x[:2]) for trace in figure.data]  # each span: (start, stop, None)
    assert drawn == [(_at(1), _at(6)), (_at(6), _at(11)), (_at(11), _at(16))]
