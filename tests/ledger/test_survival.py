"""A ledger that survives anything: interrupts mid-write, a locked disk, dead processes (a
reused pid included), an older file layout, and several processes creating it at once."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.ledger import Ledger, history, unclosed_report
from qmodes.ledger.db import COLUMNS, connect
from qmodes.ledger.process import current_process

ROOT = Path(__file__).parents[2]


def job(jid: str, cid: str | None = "b1") -> JobRecord:
    return JobRecord(id=jid, context_id=cid, mode="batch", backend="aer", primitive="sampler",
                     created=time.time())


def batch(cid: str = "b1", backend: str = "aer") -> ContextRecord:
    return ContextRecord(id=cid, mode="batch", backend=backend, created=time.time(),
                         max_time=60.0, interactive_ttl=1.0)


class Interrupting:
    """A connection that raises KeyboardInterrupt at its ``at``-th statement, before or after
    the statement ran (an interrupt that lands just after SQLite finished it)."""

    def __init__(self, db: sqlite3.Connection, at: int, after: bool) -> None:
        self.db, self.at, self.after, self.count = db, at, after, 0

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    def _step(self, run: Any) -> Any:
        self.count += 1
        if self.count == self.at and not self.after:
            raise KeyboardInterrupt
        result = run()
        if self.count == self.at:
            raise KeyboardInterrupt
        return result

    def execute(self, *args: Any) -> Any:
        return self._step(lambda: self.db.execute(*args))

    def executemany(self, *args: Any) -> Any:
        return self._step(lambda: self.db.executemany(*args))


def test_an_interrupt_at_any_statement_of_a_write_loses_nothing(tmp_path):
    """100 seeded trials: the writer is interrupted at a random statement (BEGIN, a row, a
    span, COMMIT; before or after SQLite ran it). No transaction stays open, the batch is
    written again, every job has its row, and the connection keeps working."""
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    raw = ledger._writer._db
    rng = random.Random(10)
    for trial in range(100):
        proxy = Interrupting(raw, at=rng.randint(1, 9), after=rng.random() < 0.5)
        ledger._writer._db = proxy
        timeline = Timeline()
        detach = ledger.attach(timeline)
        cid = f"b{trial}"
        timeline.add_context(batch(cid))
        ids = [f"{cid}-j{i}" for i in range(rng.randint(1, 4))]
        for jid in ids:
            timeline.add_job(job(jid, cid))
            timeline.open_span(jid, "queued", 1.0)
        assert ledger.flush(10), ledger.problem
        assert proxy.count >= proxy.at  # the interrupt did happen
        assert not raw.in_transaction
        assert [r["id"] for r in ledger.jobs(cid)] == ids
        assert ledger.contexts()[0]["jobs"] == len(ids)
        detach()
    ledger._writer._db = raw
    assert ledger.problem is None
    assert ledger.close()


def test_a_transaction_left_open_does_not_block_later_writes(tmp_path):
    """What the first version suffered: an interrupt between BEGIN and COMMIT left the
    connection in a transaction, and every later write failed."""
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    timeline = Timeline()
    ledger.attach(timeline)
    ledger._writer._db.execute("BEGIN IMMEDIATE")  # as an interrupt would leave it
    timeline.add_context(batch())
    for i in range(5):
        timeline.add_job(job(f"j{i}"))
    assert len(ledger.jobs("b1")) == 5
    other = Ledger(tmp_path / "ledger.sqlite3")  # another kernel is not locked out
    other.write_job(job("other"))
    assert other.job("other") is not None
    other.close()
    ledger.close()


def test_a_locked_disk_never_blocks_the_engine_and_the_ledger_catches_up(tmp_path, capsys):
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path, busy_timeout=0.05)
    timeline = Timeline()
    ledger.attach(timeline)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # a slow or stuck writer elsewhere
    start = time.perf_counter()
    timeline.add_context(batch())
    for i in range(200):
        timeline.add_job(job(f"j{i}"))
    submitting = time.perf_counter() - start
    assert timeline.flush(5)
    assert not ledger.flush(0.3)  # the rows wait...
    assert "not yet written" in ledger.problem and "locked" in ledger.problem
    assert submitting < 0.3  # ...and the timeline never waited for them
    blocker.execute("ROLLBACK")
    assert ledger.flush(10) and ledger.problem is None  # caught up
    assert len(ledger.jobs("b1")) == 200
    blocker.execute("BEGIN EXCLUSIVE")
    timeline.add_job(job("late"))
    assert not ledger.close(timeout=0.3)
    assert "rows were NOT recorded" in capsys.readouterr().err  # said, not only logged
    blocker.execute("ROLLBACK")
    blocker.close()


def old_layout(path: Path) -> None:
    """A ledger as the first version wrote it (no process start, host or reason columns)."""
    db = sqlite3.connect(path, isolation_level=None)
    for table, columns in COLUMNS.items():
        old = [c for c in columns if c[0] not in ("proc_start", "host", "reason")]
        db.execute(f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in old)})")
    db.execute("INSERT INTO contexts (id, mode, backend, created, state, jobs, pid, updated, "
               "remote, source) VALUES ('old-ctx', 'batch', 'aer', 1.0, 'active', 1, ?, 2.0, "
               "0, 'measured on Aer')", (os.getpid(),))
    db.execute("INSERT INTO jobs (id, context_id, status, pid, updated, created) VALUES "
               "('old-job', 'old-ctx', 'QUEUED', ?, 2.0, 1.0)", (os.getpid(),))
    db.close()


def test_an_older_ledger_is_migrated_and_its_stale_rows_closed(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    old_layout(path)
    ledger = Ledger(path)
    columns = {row["name"] for row in ledger.query("PRAGMA table_info(contexts)")}
    assert {"proc_start", "host", "reason"} <= columns
    # written in 1970 by a process with this pid: this process started later, so it is not
    # the writer (the pid was reused) and the rows are closed
    assert ledger.job("old-job")["status"] == "CANCELLED"
    assert ledger.contexts()[0]["state"] == "closed"
    ledger.write_job(job("new-job"))
    assert ledger.job("new-job")["proc_start"] == current_process().start
    ledger.close()


def rows_of(db: sqlite3.Connection, pid: int, start: str | None, host: str) -> None:
    for n, (state, status) in enumerate([("active", "QUEUED"), ("inactive", "RUNNING")]):
        db.execute("INSERT INTO contexts (id, mode, backend, created, state, jobs, pid, "
                   "proc_start, host, updated, remote, source) VALUES (?, 'session', 'aer', "
                   "?, ?, 1, ?, ?, ?, ?, 0, 'measured on Aer')",
                   (f"{pid}-{start}-{host}-c{n}", time.time(), state, pid, start, host,
                    time.time()))
        db.execute("INSERT INTO jobs (id, context_id, status, pid, proc_start, host, updated, "
                   "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (f"{pid}-{start}-{host}-j{n}", f"{pid}-{start}-{host}-c{n}", status, pid,
                    start, host, time.time(), time.time()))


def test_a_reused_pid_does_not_pass_for_the_process_that_wrote_the_rows(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    me = current_process()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    db = connect(path)
    rows_of(db, me.pid, me.start, me.host)  # this very process: alive
    rows_of(db, me.pid, "linux:another-boot:12", me.host)  # same pid, another process
    rows_of(db, gone.pid, "linux:x:1", me.host)  # a process that ended
    rows_of(db, gone.pid, "linux:x:1", "another-machine")  # cannot tell from here
    db.close()
    ledger = Ledger(path)
    assert ledger.recovered == 8  # 2 contexts + 2 jobs, of each of the two dead processes
    state = {r["id"]: (r["state"], r["reason"]) for r in ledger.contexts()}
    status = {r["id"]: (r["status"], r["error"]) for r in ledger.jobs()}
    for prefix in (f"{me.pid}-linux:another-boot:12-{me.host}", f"{gone.pid}-linux:x:1-{me.host}"):
        assert {state[f"{prefix}-c0"], state[f"{prefix}-c1"]} == {("closed", "process ended")}
        assert {status[f"{prefix}-j0"], status[f"{prefix}-j1"]} == {("CANCELLED",
                                                                     "process ended")}
    for prefix in (f"{me.pid}-{me.start}-{me.host}", f"{gone.pid}-linux:x:1-another-machine"):
        assert state[f"{prefix}-c0"] == ("active", None)
        assert status[f"{prefix}-j1"] == ("RUNNING", None)
    text = history(path=path)
    assert text.count("closed: process ended") == 4
    ledger.close()


def test_a_dead_process_s_remote_session_stays_in_the_unclosed_report(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    db = connect(path)
    db.execute("INSERT INTO contexts (id, mode, backend, created, state, jobs, pid, "
               "proc_start, host, updated, remote, source) VALUES ('cr-remote', 'session', "
               "'ibm_kyiv', ?, 'active', 0, ?, 'linux:x:1', ?, ?, 1, 'reported by IBM')",
               (time.time(), gone.pid, current_process().host, time.time()))
    db.close()
    report = unclosed_report(path=path)
    assert "session cr-remote on ibm_kyiv" in report
    assert "process ended; it may still be open on IBM" in report
    assert "Session.from_id('cr-remote'" in report
    assert "unclosed: process ended" in history(path=path)


def test_processes_creating_a_new_ledger_at_once_lose_nothing(tmp_path):
    """4 processes x 20 rounds, a brand-new file each round, opened at the same instant: the
    WAL switch can fail at once with "database is locked" (no busy timeout covers it)."""
    processes_, rounds, jobs = 4, 20, 5
    start_at = time.time() + 2.0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("creator.py")), str(tmp_path), f"p{n}",
         str(rounds), str(start_at), "0.12", str(jobs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for n in range(processes_)]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert out.count("ROUND") == rounds
    for r in range(rounds):
        ledger = Ledger(tmp_path / f"round-{r}.sqlite3")
        assert len(ledger.jobs()) == processes_ * jobs, f"round {r}"
        assert sorted(c["id"] for c in ledger.contexts()) == [f"p{n}-r{r}"
                                                              for n in range(processes_)]
        ledger.close()


def test_a_row_that_can_never_be_written_is_dropped_loudly_and_the_rest_recorded(
        tmp_path, capsys):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    timeline = Timeline()
    ledger.attach(timeline)
    timeline.add_context(batch())
    bad = job("bad")
    bad.shots = object()  # type: ignore[assignment]  # SQLite cannot store it
    timeline.add_job(bad)
    for i in range(3):
        timeline.add_job(job(f"good{i}"))
    assert ledger.flush(20)
    assert sorted(r["id"] for r in ledger.jobs("b1")) == ["good0", "good1", "good2"]
    assert ledger.contexts()[0]["jobs"] == 4
    assert "a row could not be recorded and was dropped" in capsys.readouterr().err
    assert "1 row(s) could not be recorded at all" in ledger.problem
    timeline.add_job(job("later"))  # the writer goes on
    assert ledger.job("later") is not None
    ledger.close()


class InterruptedReads:
    """A read connection whose every fetch is interrupted after SQLite ran the query."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def execute(self, *args: Any) -> Any:
        cursor = self.db.execute(*args)

        class Cursor:
            def fetchall(self) -> Any:
                cursor.fetchone()  # the statement is running: a read snapshot is held
                raise KeyboardInterrupt

            def close(self) -> None:
                cursor.close()

        return Cursor()

    def close(self) -> None:
        self.db.close()


def test_an_interrupted_read_holds_nothing_open(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    for i in range(3):
        ledger.write_job(job(f"j{i}"))
    raw = ledger._read_db
    ledger._read_db = InterruptedReads(raw)
    try:
        ledger.jobs()
    except KeyboardInterrupt as error:
        kept = error  # as IPython keeps the last traceback (and with it the frame)
    assert kept.__traceback__ is not None
    assert not raw.in_transaction
    ledger._read_db = raw
    ledger.write_job(job("j3"))
    other = sqlite3.connect(path, isolation_level=None)
    # no statement left running pins an old snapshot: the whole log can be checkpointed
    busy, log, done = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0 and log == done
    other.close()
    assert [r["id"] for r in ledger.jobs()] == ["j0", "j1", "j2", "j3"]
    ledger.close()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="zombies seen through /proc")
def test_a_killed_process_not_yet_reaped_is_not_alive():
    from qmodes.ledger.process import is_alive, start_token

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        token = start_token(child.pid)
        assert is_alive(child.pid, token, None) is True
        child.kill()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_text().split(")")[-1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert is_alive(child.pid, token, None) is False  # a zombie: its rows can be closed
    finally:
        child.wait()
