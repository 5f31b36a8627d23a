"""IBM's tutorials, whole, under qmodes with one line changed (issue 20, point 4).

Each notebook here is one tutorial of IBM's documentation (``Qiskit/documentation``,
``docs/tutorials/<name>.ipynb``, <https://quantum.cloud.ibm.com/docs/tutorials/<name>>) with
its steps, API calls and imports kept (``from qiskit_ibm_runtime import QiskitRuntimeService,
SamplerV2 as Sampler, EstimatorV2 as Estimator, Session``) and only the service line changed:
``service = QiskitRuntimeService()`` → ``service = qmodes.LocalService()``. The first markdown
cell of each says where it was scaled down and why; ``docs/compat.md`` ("IBM's tutorials")
lists them and the tutorials that cannot run here.

Each notebook runs once with nbclient in a fresh kernel, as ``notebooks/execute.py`` runs the
project's own notebooks (no IBM account, the ledger in a temporary ``QMODES_HOME``), with two
cells added around it in memory (the files are not changed):

* first, ``%load_ext qmodes`` (the kernel a user has after loading the extension) and a seed for
  NumPy's global generator (the VQE tutorial draws its start point with ``np.random.random``);
* last, a probe that prints one JSON line: every job on qmodes' timeline in that kernel
  (``qmodes.local.runtime.default_runtime().timeline``) with its mode, context, status,
  projected QPU seconds and tags, the contexts, and the tutorial's own results.

The tests then check the tutorial's scientific result, that every job the tutorial submitted
is a qmodes job on the timeline with projected usage > 0 (and no other job is), and the tags
the tutorial set.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CELL_TIMEOUT = 300
MARKER = "QMODES-TUTORIAL-REPORT "
TUTORIALS = (
    "hello-world",
    "chsh-inequality",
    "grovers-algorithm",
    "quantum-approximate-optimization-algorithm",
    "variational-quantum-eigensolver",
)

SETUP = """\
%load_ext qmodes
import numpy as _np
_np.random.seed(20)  # the test's: reproducible random start points (VQE's x0)"""

PROBE = """\
import gc as _gc
import json as _json

from qmodes.core.jobs import Job as _QmodesJob
from qmodes.local.runtime import default_runtime as _default_runtime

_timeline = _default_runtime().timeline
_timeline.flush(30)
_handles = {job.job_id(): job for job in _gc.get_objects() if isinstance(job, _QmodesJob)}


def _tags(record):
    tags = getattr(record, "tags", None)
    if tags is None and record.id in _handles:
        tags = _handles[record.id].tags
    return None if tags is None else sorted(tags)


def _usage(record):
    job = _handles.get(record.id)
    return None if job is None else job.usage()


_report = {
    "jobs": [
        {"id": r.id, "mode": r.mode, "backend": r.backend, "status": r.status,
         "context_id": r.context_id, "primitive": r.primitive,
         "projected_qpu": r.projected_qpu, "tags": _tags(r), "usage": _usage(r)}
        for r in _timeline.jobs()
    ],
    "contexts": [
        {"id": c.id, "mode": c.mode, "state": c.state, "backend": c.backend,
         "jobs": list(c.job_ids)}
        for c in _timeline.contexts()
    ],
    "values": VALUES,
}
print("QMODES-TUTORIAL-REPORT " + _json.dumps(_report, default=float))"""

VALUES = {
    "hello-world": """{
        "bell": {label: float(v) for label, v in zip(observables_labels, pub_result.data.evs)},
        "ghz": [float(v) for v in result.data.evs],
        "ghz_backend": backend.name,
        "ghz_backend_qubits": backend.num_qubits,
        "job_id": job.job_id(),
        "job_usage": job.usage(),
    }""",
    "chsh-inequality": """{
        "chsh1": [float(v) for v in chsh1_est],
        "chsh2": [float(v) for v in chsh2_est],
        "backend": backend.name,
        "backend_qubits": backend.num_qubits,
    }""",
    "grovers-algorithm": """{
        "dist": dist,
        "marked_states": marked_states,
        "backend": backend.name,
    }""",
    "quantum-approximate-optimization-algorithm": """{
        "edges": [list(edge) for edge in graph.edge_list()],
        "num_nodes": len(graph),
        "cut_value": cut_value,
        "most_likely_bitstring": most_likely_bitstring,
        "final_distribution_bin": final_distribution_bin,
        "evaluations": len(objective_func_vals),
        "nfev": int(result.nfev),
        "session_id": session.session_id,
        "sample_job_id": job.job_id(),
        "sample_job_usage": job.usage(),
        "backend": backend.name,
    }""",
    "variational-quantum-eigensolver": """{
        "fun": float(res.fun),
        "nfev": int(res.nfev),
        "iters": cost_history_dict["iters"],
        "history": [float(e) for e in cost_history_dict["cost_history"]],
        "exact": float(_np.linalg.eigvalsh(hamiltonian.to_matrix()).min()),
        "session_id": session.session_id,
        "backend": backend.name,
    }""",
}


def _load_execute() -> Any:
    """``notebooks/execute.py``: the kernel environment the project's notebooks run in."""
    spec = importlib.util.spec_from_file_location(
        "qmodes_notebooks_execute", ROOT / "notebooks" / "execute.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute = _load_execute()


def run_tutorial(name: str, qmodes_home: str) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    """Execute tutorial ``name`` with the setup cell first and the probe last; returns the
    executed notebook and the probe's report."""
    notebook = nbformat.read(HERE / f"{name}.ipynb", as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(SETUP))
    probe = PROBE.replace("VALUES", VALUES[name])
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute(env=execute.kernel_env(qmodes_home))
    for output in notebook.cells[-1].outputs:
        if output.output_type == "stream" and MARKER in output.text:
            line = next(x for x in output.text.splitlines() if x.startswith(MARKER))
            return notebook, json.loads(line.removeprefix(MARKER))
    raise AssertionError(f"{name}: the probe printed no report: {notebook.cells[-1].outputs}")


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Any]]:
    """Run a tutorial once for all the tests of this module; later calls reuse its report."""
    home = str(tmp_path_factory.mktemp("qmodes-home"))
    cache: dict[str, dict[str, Any]] = {}

    def report(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = run_tutorial(name, home)[1]
        return cache[name]

    return report


# -- every tutorial ------------------------------------------------------------------------
def test_the_ported_tutorials_are_there() -> None:
    assert sorted(path.stem for path in HERE.glob("*.ipynb")) == sorted(TUTORIALS)
    for name in TUTORIALS:
        notebook = nbformat.read(HERE / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
        first = notebook.cells[0]
        assert first.cell_type == "markdown"
        assert f"https://quantum.cloud.ibm.com/docs/tutorials/{name}" in first.source
        code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
        assert "qmodes.LocalService(" in code
        statements = [line.split("#")[0] for line in code.splitlines()]
        assert not [line for line in statements if "QiskitRuntimeService(" in line]
        assert "from qiskit_ibm_runtime import" in code
        assert all(c.outputs == [] for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", TUTORIALS)
def test_every_job_is_a_qmodes_job_with_projected_usage(
    tutorial: Callable[[str], dict[str, Any]], name: str
) -> None:
    jobs = tutorial(name)["jobs"]
    assert jobs, f"{name}: no job on qmodes' timeline (they ran elsewhere)"
    for job in jobs:
        assert job["status"] == "DONE", job
        assert job["backend"].startswith("fake_"), job
        assert job["projected_qpu"] is not None and job["projected_qpu"] > 0, job
        if job["usage"] is not None:
            assert job["usage"] > 0, job


# -- what each tutorial shows, and its jobs --------------------------------------------------
def test_hello_world(tutorial: Callable[[str], dict[str, Any]]) -> None:
    report = tutorial("hello-world")
    values = report["values"]
    bell = values["bell"]
    # the tutorial's own check: single-qubit values ~0, the correlations ~1
    assert all(abs(bell[label]) < 0.2 for label in ("IZ", "IX", "ZI", "XI")), bell
    assert all(bell[label] > 0.8 for label in ("XX", "ZZ")), bell
    # GHZ (5 qubits here): every <Z_0 Z_i> near 1 within the device's noise
    assert len(values["ghz"]) == 4 and all(v > 0.7 for v in values["ghz"]), values["ghz"]
    assert values["ghz_backend_qubits"] >= 100
    # two Estimator jobs, both in job mode, the second one the `job` still held
    jobs = report["jobs"]
    assert [(j["mode"], j["context_id"], j["primitive"]) for j in jobs] == [
        ("job", None, "estimator")] * 2
    assert jobs[-1]["id"] == values["job_id"] and jobs[-1]["backend"] == values["ghz_backend"]
    assert values["job_usage"] > 0
    assert report["contexts"] == []


def test_chsh_inequality(tutorial: Callable[[str], dict[str, Any]]) -> None:
    report = tutorial("chsh-inequality")
    values = report["values"]
    s = [abs(x) for x in values["chsh1"] + values["chsh2"]]
    assert len(s) == 42
    assert max(s) > 2.2, max(s)  # violated: ideal 2√2 ≈ 2.83, the device's noise lowers it
    assert max(s) <= 2 * 2**0.5 + 0.15
    jobs = report["jobs"]
    assert [(j["mode"], j["primitive"], j["backend"]) for j in jobs] == [
        ("job", "estimator", values["backend"])]
    assert report["contexts"] == []


def test_grovers_algorithm(tutorial: Callable[[str], dict[str, Any]]) -> None:
    report = tutorial("grovers-algorithm")
    values = report["values"]
    dist = values["dist"]
    assert sum(dist.values()) == 10_000
    top_two = sorted(dist, key=dist.__getitem__, reverse=True)[:2]
    assert sorted(top_two) == sorted(values["marked_states"]), dist
    assert sum(dist[s] for s in values["marked_states"]) > 0.6 * 10_000, dist
    # one Sampler job (the simulator section's StatevectorSampler is not a runtime job),
    # in job mode, with the tutorial's tag
    jobs = report["jobs"]
    assert [(j["mode"], j["primitive"], j["backend"]) for j in jobs] == [
        ("job", "sampler", values["backend"])]
    assert jobs[0]["tags"] == ["TUT-GA"], jobs[0]


def _cut(bits: Sequence[int], edges: list[list[int]]) -> int:
    return sum(bits[u] != bits[v] for u, v in edges)


def test_qaoa_small_scale(tutorial: Callable[[str], dict[str, Any]]) -> None:
    """The Max-Cut found, from the tutorial's own final sample.

    The tutorial prints the cut of the most likely bitstring ("The value of the cut is: 5" in
    its run on hardware). That number is the luck of one optimization: COBYLA with
    ``tol=1e-2`` on 1,000-shot estimates from the tutorial's start point ends in the optimum's
    basin about half the time, in IBM's own local testing mode on ``FakeAthensV2`` as here
    (2 runs of 4 there, 3 of 10 here: the other runs' most likely bitstrings cut 4 edges). So
    the tutorial's result is checked as a distribution: the best cut sampled is the graph's
    maximum cut (5), the most likely bitstring is within one edge of it, and the sample's
    mean cut beats random guessing (3 of the 6 edges).
    """
    report = tutorial("quantum-approximate-optimization-algorithm")
    values = report["values"]
    edges, num_nodes = values["edges"], values["num_nodes"]
    best = max(_cut(bits, edges) for bits in itertools.product((0, 1), repeat=num_nodes))
    assert best == 5  # the tutorial's graph: a triangle (0, 1, 2) makes 6 impossible
    distribution = values["final_distribution_bin"]
    cuts = {key: _cut([int(bit) for bit in reversed(key)], edges) for key in distribution}
    assert max(cuts.values()) == best
    assert values["cut_value"] == _cut(values["most_likely_bitstring"], edges) >= best - 1, (
        values["most_likely_bitstring"])
    mean_cut = sum(cuts[key] * p for key, p in distribution.items())
    assert mean_cut > len(edges) / 2 + 0.05, mean_cut
    # the optimization loop in the tutorial's Session: one Estimator job per evaluation
    evaluations = values["evaluations"]
    assert evaluations == values["nfev"] >= 5
    jobs = report["jobs"]
    assert len(jobs) == evaluations + 1
    session_jobs, final = jobs[:-1], jobs[-1]
    assert {(j["mode"], j["primitive"], j["context_id"]) for j in session_jobs} == {
        ("session", "estimator", values["session_id"])}
    # the final sample: Sampler(mode=backend) after the `with` block, in job mode
    assert (final["mode"], final["primitive"], final["context_id"]) == ("job", "sampler", None)
    assert final["id"] == values["sample_job_id"] and values["sample_job_usage"] > 0
    assert {j["backend"] for j in jobs} == {values["backend"]}
    [context] = report["contexts"]
    assert (context["id"], context["mode"], context["state"]) == (
        values["session_id"], "session", "closed")
    assert context["jobs"] == [j["id"] for j in session_jobs]


def test_vqe(tutorial: Callable[[str], dict[str, Any]]) -> None:
    report = tutorial("variational-quantum-eigensolver")
    values = report["values"]
    exact, history = values["exact"], values["history"]
    assert values["iters"] == values["nfev"] == len(history)
    # the optimizer went down towards the ground-state energy (≈ -0.70), within the device's
    # noise and the capped iterations
    assert values["fun"] in history
    assert min(history) < exact / 2, (min(history), exact)
    assert min(history) > exact - 0.1
    jobs = report["jobs"]
    assert len(jobs) == values["iters"]
    assert {(j["mode"], j["primitive"], j["context_id"], j["backend"]) for j in jobs} == {
        ("session", "estimator", values["session_id"], values["backend"])}
    [context] = report["contexts"]
    assert (context["id"], context["mode"], context["state"]) == (
        values["session_id"], "session", "closed")
    assert len(context["jobs"]) == len(jobs)
