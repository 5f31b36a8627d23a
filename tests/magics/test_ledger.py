"""``%load_ext qmodes`` records every run in the ledger; ``%qmodes usage`` and ``%qmodes history``
report from it; remote sessions left open by an earlier kernel are reported on load."""

from __future__ import annotations

import time

import pytest

import qmodes
from qmodes.core.durations import format_duration
from qmodes.core.timeline import ContextRecord
from qmodes.ledger import Ledger, ledger_path

BELL = """
from qiskit import QuantumCircuit
bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()
"""
BATCH = ("%%batch --no-widget -b {backend}\n"
         "jobs = [sampler.run([bell], shots=10) for _ in range({n})]\n"
         "[j.result() for j in jobs];")


@pytest.fixture(autouse=True)
def _bell(shell):
    shell.run_cell(BELL)


@pytest.fixture
def ledger(qmodes_home):
    """A second connection to the ledger the extension writes (as another kernel would)."""
    reader = Ledger(qmodes_home / "ledger.sqlite3")
    yield reader
    reader.close()


def _until(condition, timeout: float = 10.0) -> None:
    """Wait for a write made on a job thread (jobs finish on their own threads)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the ledger was not written in time"
        time.sleep(0.01)


def _run_batch(shell, backend: str = "aer", n: int = 3) -> qmodes.Batch:
    shell.run_cell(BATCH.format(backend=backend, n=n))
    batch = shell.user_ns["batch"]
    assert batch.wait(10)
    return batch


class TestRecording:
    def test_the_ledger_is_under_qmodes_home(self, shell, qmodes_home):
        assert ledger_path() == qmodes_home / "ledger.sqlite3"
        assert ledger_path().exists()  # opened by %load_ext

    def test_a_batch_cell_and_its_jobs_are_in_the_ledger(self, shell, ledger):
        batch = _run_batch(shell)
        ids = {job.job_id() for job in shell.user_ns["jobs"]}

        def recorded() -> bool:
            rows = ledger.jobs(batch.id)
            return {r["id"] for r in rows} == ids and all(r["status"] == "DONE" for r in rows)

        _until(recorded)
        for row in ledger.jobs(batch.id):
            assert row["mode"] == "batch" and row["backend"] == "aer"
            assert row["qpu_seconds"] > 0 and row["usage_seconds"] == row["qpu_seconds"]
        context = next(r for r in ledger.contexts() if r["id"] == batch.id)
        assert (context["mode"], context["jobs"], context["state"]) == ("batch", 3, "closed")
        _until(lambda: next(r for r in ledger.contexts() if r["id"] == batch.id)[
            "usage_seconds"] == pytest.approx(batch.usage()))

    def test_unloading_stops_recording(self, shell, ledger):
        shell.run_cell("%unload_ext qmodes")
        try:
            with qmodes.Batch("aer") as batch:
                pass
            assert batch.id not in {r["id"] for r in ledger.contexts()}
        finally:
            shell.run_cell("%load_ext qmodes")

    def test_a_ledger_that_cannot_be_opened_is_a_note_not_an_error(
            self, shell, qmodes_home, monkeypatch, capsys):
        blocker = qmodes_home.parent / "not-a-directory"
        blocker.write_text("")
        monkeypatch.setenv("QMODES_HOME", str(blocker))
        shell.run_cell("%reload_ext qmodes")
        assert "qmodes: no ledger of past runs" in capsys.readouterr().err
        shell.run_cell("%%batch --no-widget\npass")
        assert shell.user_ns["batch"].closed


class TestReports:
    def test_usage_matches_the_ledger(self, shell, ledger, capsys):
        batches = [_run_batch(shell, "aer:stabilizer", n) for n in (2, 3)]
        _until(lambda: {r["id"]: r["usage_seconds"] for r in ledger.contexts()
                        if r["id"] in {b.id for b in batches}}
               == pytest.approx({b.id: b.usage() for b in batches}))
        capsys.readouterr()
        shell.run_cell("%qmodes usage --since 1d --backend aer:stabilizer")
        out = capsys.readouterr().out.splitlines()
        (total,) = ledger.usage_totals("1d", "aer:stabilizer")
        assert total["count"] >= 2  # (other tests' contexts may be in this kernel's timeline)
        assert out[0] == "qmodes usage since 1d on aer:stabilizer:"
        assert out[1].split() == ["aer:stabilizer", "batch", str(total["count"]), "contexts",
                                  format_duration(total["seconds"]), "(measured", "on", "Aer)"]
        ours = sum(b.usage() for b in batches)
        assert total["seconds"] >= ours - 1e-9

    def test_usage_shows_money_at_the_user_s_price(self, shell, capsys):
        _run_batch(shell, n=1)
        shell.run_cell("%config QModes.price_per_second = 2")
        capsys.readouterr()
        shell.run_cell("%qmodes usage")
        out = capsys.readouterr().out
        assert out.startswith("qmodes usage since 7d:")
        assert "at your price 2/s" in out

    def test_usage_since_all_and_on_a_backend_never_used(self, shell, capsys):
        shell.run_cell("%qmodes usage --since all --backend fake_nowhere")
        assert capsys.readouterr().out.strip() == "qmodes: no usage recorded on fake_nowhere"

    def test_history_lists_the_last_contexts_newest_first(self, shell, capsys):
        first, second = _run_batch(shell, n=1), _run_batch(shell, n=2)
        capsys.readouterr()
        shell.run_cell("%qmodes history --limit 2")
        out = capsys.readouterr().out.splitlines()
        assert out[0] == "qmodes history (newest first):"
        assert len(out) == 3
        assert second.id[:20] in out[1] and first.id[:20] in out[2]
        assert " 2 jobs" in out[1] and " 1 jobs" in out[2]


class TestUnclosedRemoteSessions:
    def test_load_reports_each_with_the_command_to_close_it(self, shell, ledger, capsys):
        ledger.write_context(ContextRecord(
            id="cr0abc123", mode="session", backend="ibm_brisbane", created=time.time() - 3600,
            max_time=28800.0, interactive_ttl=60.0, state="active", source="reported by IBM"))
        shell.run_cell("%reload_ext qmodes")
        out = capsys.readouterr().out
        assert "1 remote session(s)/batch(es) recorded as open but never closed" in out
        assert "session cr0abc123 on ibm_brisbane" in out
        assert "Session.from_id('cr0abc123', service=QiskitRuntimeService()).close()" in out

    def test_nothing_is_printed_when_all_are_closed(self, shell, capsys):
        shell.run_cell("%reload_ext qmodes")
        assert capsys.readouterr().out == ""
