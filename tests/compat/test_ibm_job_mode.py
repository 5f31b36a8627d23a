"""qiskit-ibm-runtime's own primitives given a qmodes backend: qmodes jobs, by IBM's rule.

IBM's tutorials keep ``from qiskit_ibm_runtime import SamplerV2 as Sampler`` and write
``Sampler(mode=backend)``. With the backend line changed to a qmodes backend, those jobs are
qmodes jobs: job mode outside any context (device time, usage by the job rule, a timeline row,
the ledger, IBM's options), and inside a context the rule qiskit-ibm-runtime applies to an
``IBMBackend`` (``base_primitive.get_mode_service_backend``), checked here against IBM's own
function on a stand-in ``IBMBackend``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Batch as IBMBatch
from qiskit_ibm_runtime import EstimatorV2, SamplerV2
from qiskit_ibm_runtime import Session as IBMSession
from qiskit_ibm_runtime.executor_estimator import Estimator as ExecutorEstimator
from qiskit_ibm_runtime.executor_sampler import Sampler as ExecutorSampler
from qiskit_ibm_runtime.ibm_backend import IBMBackend
from qiskit_ibm_runtime.utils.default_session import set_cm_session

import qmodes
from qmodes.compat import runtime_modes
from qmodes.local import default_runtime
from tests.compat.conftest import assert_counts_match, assert_evs_match

IBM_LOGGER = "qiskit_ibm_runtime.base_primitive"


@pytest.fixture(autouse=True)
def _quiet_deprecations():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 0.50 deprecates the V2 classes
        yield


@pytest.fixture(scope="module")
def manila() -> Any:
    return qmodes.get_backend("fake_manila")


@pytest.fixture(scope="module")
def circuits(manila: Any) -> dict[str, Any]:
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    measured = bell.copy()
    measured.measure_all()
    pm = generate_preset_pass_manager(optimization_level=1, backend=manila)
    isa = pm.run(bell)
    return {"measured": measured, "isa_measured": pm.run(measured), "isa": isa,
            "zz": SparsePauliOp("ZZ").apply_layout(isa.layout)}


def _run(primitive: Any, circuits: dict[str, Any]) -> Any:
    if "Estimator" in type(primitive).__name__:
        return primitive.run([(circuits["isa"], circuits["zz"])])
    return primitive.run([circuits["isa_measured"]], shots=200)


IBM_PRIMITIVES = [SamplerV2, EstimatorV2, ExecutorSampler, ExecutorEstimator]
NAMES = [cls.__module__.split(".")[1] + "." + cls.__name__ for cls in IBM_PRIMITIVES]


class TestJobMode:
    """Outside any context, ``Primitive(mode=backend)`` is a qmodes job-mode job."""

    @pytest.mark.parametrize("primitive", IBM_PRIMITIVES, ids=NAMES)
    def test_a_job_on_the_timeline_with_projected_usage(self, primitive, manila, circuits):
        job = _run(primitive(mode=manila), circuits)
        assert isinstance(job, qmodes.Job)
        result = job.result()
        record = default_runtime().timeline.job(job.job_id())
        assert (record.mode, record.context_id, record.backend) == ("job", None, "fake_manila")
        assert record.projected_qpu and record.projected_qpu > 2.0  # IBM's 2 s + shots
        assert job.usage() == pytest.approx(record.span("qpu").duration())
        assert job.usage() > 2.0
        assert job.session_id is None and record.source == "projected for fake_manila"
        if "Estimator" in primitive.__name__:
            assert_evs_match(result[0].data.evs, 1.0, result[0].data.stds)
        else:
            assert_counts_match(result[0].data.meas.get_counts(), circuits["measured"])

    def test_ibms_options_are_applied(self, manila, circuits):
        sampler = SamplerV2(mode=manila)
        sampler.options.default_shots = 123
        sampler.options.environment.job_tags = ["chsh", "tutorial"]
        sampler.options.simulator.seed_simulator = 11
        sampler.options.max_execution_time = 300
        first = sampler.run([circuits["isa_measured"]])
        second = sampler.run([circuits["isa_measured"]])
        assert first.tags == ["chsh", "tutorial"]
        assert first.record().tags == ("chsh", "tutorial")  # on the timeline too
        first.update_tags(["renamed"])
        assert first.record().tags == ("renamed",)
        counts = first.result()[0].data.meas.get_counts()
        assert sum(counts.values()) == 123
        assert counts == second.result()[0].data.meas.get_counts()  # seeded
        assert first.inputs["options"]["max_execution_time"] == 300

    def test_the_ledger_records_the_job(self, shell, qmodes_home, manila, circuits):
        from qmodes.ledger import Ledger

        shell.user_ns.update(manila=manila, isa=circuits["isa_measured"])
        shell.run_cell("from qiskit_ibm_runtime import SamplerV2 as Sampler\n"
                       "job = Sampler(mode=manila).run([isa], shots=50)\n"
                       "counts = job.result()[0].data.meas.get_counts()")
        job = shell.user_ns["job"]
        reader = Ledger(qmodes_home / "ledger.sqlite3")
        try:
            shell.run_cell("import qmodes; qmodes.core.timeline.default_timeline().flush(5)")
            _until(lambda: (reader.job(job.job_id()) or {}).get("status") == "DONE")
            row = reader.job(job.job_id())
            assert (row["mode"], row["backend"]) == ("job", "fake_manila")
            assert row["usage_seconds"] == pytest.approx(job.usage())
        finally:
            reader.close()

    def test_a_plain_backend_still_runs_in_ibms_local_mode(self, circuits):
        from qiskit_ibm_runtime.fake_provider import FakeManilaV2
        from qiskit_ibm_runtime.fake_provider.local_runtime_job import LocalRuntimeJob

        job = SamplerV2(mode=FakeManilaV2()).run([circuits["isa_measured"]], shots=10)
        assert isinstance(job, LocalRuntimeJob)


def _until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not written in time"
        time.sleep(0.02)


class _StandInIBMBackend(IBMBackend):
    """Enough of an ``IBMBackend`` for IBM's mode resolution: its type and its service."""

    def __init__(self) -> None:
        self._service = object()


class _StandInSession:
    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.service = object()


def _outcome(resolve: Callable[[Any], Any], mode: Any, session: Any,
             caplog: pytest.LogCaptureFixture) -> tuple[Any, ...]:
    """What resolving ``mode`` does with ``session`` as the open context manager (or none):
    whether it joins it, what it logs, what it raises."""
    caplog.clear()
    set_cm_session(session)
    try:
        with caplog.at_level(logging.WARNING, logger=IBM_LOGGER):
            try:
                resolved, _, backend = resolve(mode)
                joined, error = resolved is session and session is not None, None
                assert backend is mode
            except ValueError as raised:
                joined, error = False, str(raised)
    finally:
        set_cm_session(None)
    logged = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    return joined, logged, error


class TestIBMsContextRule:
    """The three branches, each as qiskit-ibm-runtime's own function decides for an
    ``IBMBackend`` (run here on a stand-in, so an upgrade that changes IBM's rule shows)."""

    BRANCHES: ClassVar[dict[str, str | None]] = {
        "inside the context, its backend": "same",
        "inside the context, another backend": "other",
        "outside any context": None,
    }

    @pytest.mark.parametrize("branch", BRANCHES)
    def test_a_qmodes_backend_follows_ibms_rule(self, branch, caplog, manila):
        ibm_backend, ibm_other = _StandInIBMBackend(), _StandInIBMBackend()
        lima = qmodes.get_backend("fake_lima")
        kind = self.BRANCHES[branch]
        ibm_session = None if kind is None else _StandInSession(ibm_backend)
        ours_session = None if kind is None else _StandInSession(manila)
        ibm_mode = ibm_other if kind == "other" else ibm_backend
        ours_mode = lima if kind == "other" else manila
        ibm = _outcome(runtime_modes._ORIGINAL, ibm_mode, ibm_session, caplog)
        ours = _outcome(runtime_modes.resolve_mode, ours_mode, ours_session, caplog)
        assert ours == ibm
        if kind is None:
            assert isinstance(runtime_modes.resolve_mode(manila)[1], qmodes.LocalService)

    def test_the_texts_are_ibms(self):
        import inspect

        from qiskit_ibm_runtime import base_primitive

        source = " ".join(inspect.getsource(runtime_modes._ORIGINAL).split())
        for text in (runtime_modes.JOINS_CONTEXT, runtime_modes.OTHER_BACKEND):
            parts = [" ".join(line.split()) for line in _sentences(text)]
            assert all(part in source.replace('" "', "") for part in parts), text
        assert base_primitive.logger.name == IBM_LOGGER


def _sentences(text: str) -> list[str]:
    return [piece.strip() + "." for piece in text.split(".") if piece.strip()]


def _contexts(manila: Any) -> dict[str, Callable[[], Any]]:
    return {
        "with qmodes.Session": lambda: qmodes.Session(manila),
        "with qmodes.Batch": lambda: qmodes.Batch(manila),
        "with IBM's Session": lambda: IBMSession(backend=manila),
        "with IBM's Batch": lambda: IBMBatch(backend=manila),
    }


class TestInsideContexts:
    """Every way of opening a context, every IBM primitive."""

    @pytest.mark.parametrize("opening", list(_contexts(None)))
    @pytest.mark.parametrize("primitive", IBM_PRIMITIVES, ids=NAMES)
    def test_created_inside_with_its_backend_it_joins_with_ibms_warning(
            self, opening, primitive, manila, circuits, caplog):
        with caplog.at_level(logging.WARNING, logger=IBM_LOGGER):
            with _contexts(manila)[opening]() as context:
                assert isinstance(context, (qmodes.Session, qmodes.Batch))
                job = _run(primitive(mode=manila), circuits)
        assert job.session_id == context.session_id
        assert context.record().job_ids == [job.job_id()]
        assert runtime_modes.JOINS_CONTEXT in caplog.messages
        job.result()

    @pytest.mark.parametrize("primitive", IBM_PRIMITIVES, ids=NAMES)
    def test_given_another_backend_it_raises_ibms_error(self, primitive, manila):
        with qmodes.Session(manila), pytest.raises(ValueError) as raised:
            primitive(mode=qmodes.get_backend("fake_lima"))
        assert str(raised.value) == runtime_modes.OTHER_BACKEND

    @pytest.mark.parametrize("primitive", [SamplerV2, EstimatorV2], ids=NAMES[:2])
    def test_a_v2_primitive_created_outside_runs_in_job_mode_with_ibms_warning(
            self, primitive, manila, circuits, caplog):
        outside = primitive(mode=manila)
        with caplog.at_level(logging.WARNING, logger=IBM_LOGGER):
            with qmodes.Session(manila) as session:
                job = _run(outside, circuits)
        assert job.session_id is None and session.record().job_ids == []
        assert any("will run in job mode because the" in m for m in caplog.messages)
        job.result()

    @pytest.mark.parametrize("primitive", IBM_PRIMITIVES[2:], ids=NAMES[2:])
    def test_an_executor_primitive_created_outside_joins_as_ibms_does(
            self, primitive, manila, circuits, caplog):
        """IBM's executor primitives build their ``Executor(mode=backend)`` at ``run``: inside
        a context that resolution joins it (for an ``IBMBackend`` too)."""
        outside = primitive(mode=manila)
        with caplog.at_level(logging.WARNING, logger=IBM_LOGGER):
            with qmodes.Batch(manila) as batch:
                job = _run(outside, circuits)
        assert job.session_id == batch.session_id
        assert runtime_modes.JOINS_CONTEXT in caplog.messages
        job.result()


MAGIC_CELLS = {
    "%%session": "%%session --no-widget -b fake_manila\n{body}",
    "%%batch": "%%batch --no-widget -b fake_manila\n{body}",
}
BODY = ("from qiskit_ibm_runtime import EstimatorV2 as Estimator\n"
        "job = Estimator(mode=backend).run([(isa, zz)])\n"
        "evs = job.result()[0].data.evs")


class TestMagics:
    @pytest.mark.parametrize("magic", MAGIC_CELLS)
    def test_a_primitive_given_the_backend_joins_the_cell(self, shell, magic, manila, circuits,
                                                          capsys):
        shell.user_ns.update(backend=manila, isa=circuits["isa"], zz=circuits["zz"])
        shell.run_cell(MAGIC_CELLS[magic].format(body=BODY))
        name = magic.strip("%")
        context, job = shell.user_ns[name], shell.user_ns["job"]
        assert job.session_id == context.session_id
        assert "· 1 job" in capsys.readouterr().out  # not "0 jobs"
        assert float(shell.user_ns["evs"]) > 0.5

    def test_the_line_form_session_across_cells(self, shell, manila, circuits):
        shell.user_ns.update(backend=manila, isa=circuits["isa"], zz=circuits["zz"])
        shell.run_cell("%session --no-widget -b fake_manila")
        shell.run_cell(BODY)
        session = shell.user_ns["session"]
        shell.run_cell("%session --close")
        assert shell.user_ns["job"].session_id == session.session_id

    def test_another_backend_in_the_cell_is_ibms_error(self, shell, circuits):
        shell.user_ns.update(backend=qmodes.get_backend("fake_lima"), isa=circuits["isa"],
                             zz=circuits["zz"])
        with pytest.raises(ValueError, match="different from the session backend"):
            shell.run_cell(MAGIC_CELLS["%%session"].format(body=BODY))
        assert shell.user_ns["session"].closed
