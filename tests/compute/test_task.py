"""A job's simulation as a pure task: QPY round trip, derived seeds, the kernel backend, and
cluster settings (no cluster is started here)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from qiskit.circuit.library import efficient_su2
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

from qmodes.backends import get_backend
from qmodes.compute import KernelBackend, check, derive_seed, resolve, tasks_for
from qmodes.compute.worker import run_task
from qmodes.core.options import Settings
from qmodes.local.work import _aer_primitive


def isa_ansatz():
    backend = get_backend("fake_manila")
    circuit = efficient_su2(3, reps=1)
    circuit.measure_all()
    return generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)


def sampler_pubs():
    circuit = isa_ansatz()
    rng = np.random.default_rng(3)
    return [SamplerPub.coerce((circuit, rng.random((2, circuit.num_parameters)), 200)),
            SamplerPub.coerce((circuit, rng.random(circuit.num_parameters), 300))]


def test_a_task_is_plain_data_that_pickles_and_reads_its_circuits_back_from_qpy():
    pubs = sampler_pubs()
    task = tasks_for("sampler", "fake_manila", pubs, {"seed_simulator": 9})[0]
    assert isinstance(task.qpy, bytes) and task.backend == "fake_manila"
    again = pickle.loads(pickle.dumps(task))
    assert [p.circuit for p in again.pubs()] == [p.circuit for p in pubs]
    assert [p.shots for p in again.pubs()] == [200, 300]
    assert "Simulator" not in repr(vars(task))  # never a simulator object


def test_an_unsplit_task_gives_the_counts_of_the_in_kernel_run():
    pubs = sampler_pubs()
    backend = get_backend("fake_manila")
    kernel = _aer_primitive(backend, "sampler", Settings(seed=21))._run(pubs)
    tasks = tasks_for("sampler", "fake_manila", pubs, {"seed_simulator": 21})
    result, where = KernelBackend().launch(tasks).result()
    for ours, theirs in zip(result, kernel, strict=True):
        assert np.array_equal(ours.data.meas.array, theirs.data.meas.array)
    assert where["worker"] == "kernel" and where["worker_seconds"] > 0


def test_a_split_job_gets_one_task_per_pub_with_seeds_derived_from_the_jobs():
    pubs = sampler_pubs()
    tasks = tasks_for("sampler", "fake_manila", pubs, {"seed_simulator": 21}, split=True)
    assert [t.first_pub for t in tasks] == [0, 1]
    assert [t.run_options["seed_simulator"] for t in tasks] == [derive_seed(21, 0),
                                                               derive_seed(21, 1)]
    first, _ = KernelBackend().launch(tasks).result()
    second, _ = KernelBackend().launch(tasks_for("sampler", "fake_manila", pubs,
                                                 {"seed_simulator": 21}, split=True)).result()
    assert [r.data.meas.get_counts() for r in first] == [r.data.meas.get_counts()
                                                        for r in second]
    assert [r.data.meas.array.shape for r in first] == [(2, 200, 1), (300, 1)]


def test_an_estimator_task_carries_its_observables_and_precision():
    circuit = isa_ansatz().remove_final_measurements(inplace=False)
    observable = SparsePauliOp("ZZI").apply_layout(circuit.layout)
    pub = EstimatorPub.coerce((circuit, observable, np.full(circuit.num_parameters, 0.3), 0.05))
    outcome = run_task(tasks_for("estimator", "fake_manila", [pub], {"seed_simulator": 4})[0])
    again = run_task(tasks_for("estimator", "fake_manila", [pub], {"seed_simulator": 4})[0])
    assert float(outcome.pub_results[0].data.evs) == float(again.pub_results[0].data.evs)
    assert -1 <= float(outcome.pub_results[0].data.evs) <= 1


def test_a_workers_aer_threads_are_set_on_its_own_cached_simulator():
    from qmodes.compute.worker import cached_simulators, simulator_for

    simulator = simulator_for("fake_manila", 1)
    assert simulator.options.max_parallel_threads == 1
    assert simulator_for("fake_manila", 1) is simulator  # built once
    assert ("fake_manila", 1) in cached_simulators()
    assert get_backend("fake_manila").simulator is not simulator  # the kernel's is untouched


@pytest.mark.parametrize("spec", ["laptop", "local:0", 7.5, "http//x"])
def test_a_bad_cluster_setting_is_a_short_clear_error(spec):
    with pytest.raises(ValueError, match=r"cluster|worker"):
        resolve(spec)


def test_cluster_settings_normalise():
    assert check(" kernel ") is None and check("") is None and check(None) is None
    assert check("LOCAL") == "local" and check("tcp://h:8786") == "tcp://h:8786"


def test_import_qmodes_and_the_in_kernel_default_import_no_dask():
    code = ("import sys, qmodes\n"
            "from qiskit import QuantumCircuit\n"
            "c = QuantumCircuit(1); c.x(0); c.measure_all()\n"
            "qmodes.Sampler(mode='aer').run([c], shots=5).result()\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
