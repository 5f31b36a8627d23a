"""A close IBM does not acknowledge (HTTP 500) is recorded as unclosed, retried with backoff and
at exit, and reported with the command that closes it; never passed off as closed."""

from __future__ import annotations

import pytest

import qmodes
import qmodes.remote
from qmodes.ledger import Ledger, unclosed_report
from qmodes.notebook.output import summary_line
from qmodes.remote import closing
from tests.remote.conftest import wait_for


@pytest.fixture
def ledger(tmp_path, runtime):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    detach = ledger.attach(runtime.timeline)
    yield ledger
    detach()
    ledger.close()


@pytest.fixture(autouse=True)
def _forget_pending():
    yield
    closing._pending.clear()
    closing._exit_retry_done.clear()


def refuse_closes(server):
    """IBM answers 500 to every close request (the client's own retry included)."""
    return server.faults.add(path=r"/sessions/[^/]+$", method="PATCH", status=500, times=None)


def test_a_close_answered_500_is_unclosed_then_retried_until_ibm_acknowledges(
        server, runtime, ledger, bell_isa):
    with qmodes.Session(backend="ibm:fake_manila", runtime=runtime) as session:
        job = qmodes.Sampler().run([bell_isa], shots=20)
        assert job.result(timeout=30)[0].data.meas.num_shots == 20
        rule = refuse_closes(server)
    remote_id = qmodes.remote.ibm_session(session).session_id
    assert rule.hits >= 1
    record = session.record()
    assert record.closed_at is None and record.accepting_jobs is False  # not "closed"
    pending = closing.unconfirmed_close(session.id)
    assert pending is not None and "500" in pending.error
    assert f"session {remote_id} on ibm:fake_manila is still open on IBM" in pending.message()
    assert f"Session.from_id({remote_id!r}, service=QiskitRuntimeService()).close()" in (
        pending.message())
    assert "still open on IBM" in closing.unclosed_text()
    line = summary_line(session)  # what the magic prints as the cell ends
    assert line.startswith("session NOT closed on IBM · 1 job (1 done)")
    assert f"Session.from_id({remote_id!r}" in line
    assert server.state.sessions[remote_id].closed_at is None  # IBM indeed still has it open
    [row] = ledger.unclosed_remote_sessions()
    assert (row["id"], row["remote_id"]) == (session.id, remote_id)
    assert "not acknowledged" in row["reason"]
    report = unclosed_report(path=ledger.path)  # what the next %load_ext says
    assert f"session {session.id} (IBM id {remote_id}) on ibm:fake_manila" in report
    assert "500" in report
    assert f"Session.from_id({remote_id!r}, service=QiskitRuntimeService()).close()" in report
    wait_for(lambda: rule.hits >= 3, timeout=15)  # retried with backoff, still refused
    assert closing.unconfirmed_close(session.id) is pending and pending.attempts >= 2
    server.faults.clear()  # IBM answers again
    wait_for(lambda: closing.unconfirmed_close(session.id) is None, timeout=20)
    assert server.state.sessions[remote_id].closed_at is not None
    assert session.record().closed_at is not None
    assert ledger.flush(10)
    assert ledger.unclosed_remote_sessions() == []
    assert closing.unclosed_text() is None


def test_a_close_still_refused_at_exit_is_said_on_stderr_with_how_to_close(
        server, runtime, bell_isa, capsys, monkeypatch):
    monkeypatch.setattr(closing, "MAX_ATTEMPTS", 0)  # the poller gives up at once
    batch = qmodes.Batch(backend="ibm:fake_manila", runtime=runtime)
    job = qmodes.Sampler(mode=batch).run([bell_isa], shots=20)
    assert job.wait(30)
    refuse_closes(server)
    batch.close()
    remote_id = qmodes.remote.ibm_session(batch).session_id
    left = closing.retry_at_exit(timeout=10)
    assert [p.context_id for p in left] == [batch.id]
    err = capsys.readouterr().err
    assert f"batch {remote_id} on ibm:fake_manila is still open on IBM" in err
    assert f"Batch.from_id({remote_id!r}, service=QiskitRuntimeService()).close()" in err
    server.faults.clear()
    assert closing.retry_at_exit(timeout=10) == []
    assert batch.record().closed_at is not None
    assert server.state.sessions[remote_id].closed_at is not None
