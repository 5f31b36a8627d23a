"""A notebook written for IBM hardware, under ``%%session``/``%%batch`` on fake_manila.

qiskit-ibm-runtime's own ``SamplerV2``, ``EstimatorV2`` and the 0.50+ executor ``Sampler``
and ``Estimator`` run inside the magics, with no mode and with ``mode=session``/``batch``;
their jobs are qmodes jobs of the cell's context (on its timeline, under its rules).
"""

from __future__ import annotations

import pytest

import qmodes
from tests.compat.conftest import assert_counts_match, assert_evs_match

SETUP = """
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
import qmodes
backend = qmodes.get_backend("fake_manila")   # the one changed line
bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1)
measured = bell.copy(); measured.measure_all()
pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
isa_measured = pm.run(measured)
isa = pm.run(bell)
observable = SparsePauliOp("ZZ").apply_layout(isa.layout)
"""

IBM_CELL = """
import warnings
warnings.simplefilter("ignore", DeprecationWarning)   # 0.50 deprecates SamplerV2/EstimatorV2
from qiskit_ibm_runtime import SamplerV2, EstimatorV2
from qiskit_ibm_runtime.executor_sampler import Sampler as ExecutorSampler
from qiskit_ibm_runtime.executor_estimator import Estimator as ExecutorEstimator
native = [
    SamplerV2().run([isa_measured], shots=200),
    EstimatorV2().run([(isa, observable)]),
    ExecutorSampler().run([isa_measured], shots=200),
    ExecutorEstimator().run([(isa, observable)]),
    SamplerV2(mode={name}).run([isa_measured], shots=200),
    ExecutorEstimator(mode={name}).run([(isa, observable)]),
]
results = [job.result() for job in native]
"""


@pytest.mark.parametrize("mode", ["session", "batch"])
def test_ibms_primitives_run_in_the_cell_context(shell, mode) -> None:
    shell.run_cell(SETUP)
    shell.run_cell(f"%%{mode} --no-widget -b fake_manila\n" + IBM_CELL.format(name=mode))
    ns = shell.user_ns
    context = ns[mode]
    assert isinstance(context, qmodes.Session if mode == "session" else qmodes.Batch)
    native = ns["native"]
    assert all(isinstance(job, qmodes.Job) for job in native)
    assert context.record().job_ids == [job.job_id() for job in native]  # its timeline
    assert {job.session_id for job in native} == {context.session_id}
    assert context.status() == "Closed" and context.usage() > 0
    results = ns["results"]
    for index in (0, 2, 4):
        assert_counts_match(results[index][0].data.meas.get_counts(), ns["measured"])
    for index in (1, 3, 5):
        assert_evs_match(results[index][0].data.evs, 1.0, results[index][0].data.stds)
    for index in (0, 2, 4):  # IBM's execution spans, V2 and executor Sampler alike
        spans = results[index].metadata["execution"]["execution_spans"]
        assert sum(span.size for span in spans) == 200


def test_ibms_primitives_join_the_line_form_session_across_cells(shell) -> None:
    shell.run_cell(SETUP)
    shell.run_cell("%session --no-widget -b fake_manila")
    shell.run_cell("from qiskit_ibm_runtime.executor_sampler import Sampler as ExecutorSampler\n"
                   "job = ExecutorSampler().run([isa_measured], shots=100)")
    shell.run_cell("counts = job.result()[0].data.meas.get_counts()")
    ns = shell.user_ns
    session = ns["session"]
    assert ns["job"].session_id == session.session_id
    assert_counts_match(ns["counts"], ns["measured"])
    shell.run_cell("%session --close")
    from qiskit_ibm_runtime.utils.default_session import get_cm_session

    assert session.status() == "Closed" and get_cm_session() is None
