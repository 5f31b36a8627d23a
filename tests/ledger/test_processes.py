"""The ledger across processes: a killed kernel loses nothing, concurrent writers lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from qmodes.ledger import Ledger

WRITER = Path(__file__).with_name("writer.py")
ROOT = Path(__file__).parents[2]


def spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(WRITER), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def kill(process: subprocess.Popen[str]) -> None:
    """``kill -9`` the process and close its pipes."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL


def rows_appear(db: Path, count: int, timeout: float = 10.0) -> list[dict]:
    """The job rows, once ``count`` of them are on disk (written by the process's own writer
    thread, with no flush asked for); fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    reader = Ledger(db, recover=False)
    try:
        while len(jobs := reader.jobs()) < count:
            assert time.monotonic() < deadline, f"only {len(jobs)} of {count} rows written"
            time.sleep(0.01)
        return jobs
    finally:
        reader.close()


def test_a_kernel_killed_mid_batch_loses_no_submitted_job(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    process = spawn(str(db), "killed", "7", "--hang")
    submitted = 0
    for line in process.stdout:
        if line.startswith("SUBMITTED"):
            submitted = int(line.split()[1])
        if line.startswith("HANGING"):
            break
    assert submitted == 7
    assert {j["status"] for j in rows_appear(db, 7)} == {"QUEUED"}  # promptly, while alive
    kill(process)
    ledger = Ledger(db)  # the next process: the killed one's rows are closed, not lost
    jobs = ledger.jobs("killed-batch")
    assert [j["id"] for j in jobs] == [f"killed-job{i}" for i in range(7)]
    assert {(j["status"], j["error"]) for j in jobs} == {("CANCELLED", "process ended")}
    [context] = ledger.contexts()
    assert (context["jobs"], context["state"], context["reason"]) == (7, "closed",
                                                                     "process ended")
    ledger.close()


def test_concurrent_writers_lose_nothing(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    Ledger(db).close()  # create the schema once; the writers race on the rows
    writers, per_writer = 4, 100
    start_at = time.time() + 1.5
    processes = [spawn(str(db), f"w{n}", str(per_writer), str(start_at))
                 for n in range(writers)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    ledger = Ledger(db)
    jobs = ledger.jobs()
    assert len(jobs) == writers * per_writer
    assert {j["status"] for j in jobs} == {"DONE"}
    assert ledger.query("SELECT COUNT(*) AS n FROM spans")[0]["n"] == 2 * writers * per_writer
    contexts = ledger.contexts()
    assert len(contexts) == writers
    assert all(abs(c["usage_seconds"] - per_writer * 1.0) < 1e-6 for c in contexts)
    assert all(c["state"] == "closed" for c in contexts)


def test_a_real_batch_killed_mid_run_has_every_submitted_job_in_the_ledger(qmodes_home):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QMODES_HOME": str(qmodes_home)}
    process = subprocess.Popen([sys.executable, str(WRITER.with_name("kernel.py")), "12"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    assert line.startswith("SUBMITTED"), process.stderr.read()
    submitted = line.split()[1:]
    assert len(submitted) == 12
    rows_appear(qmodes_home / "ledger.sqlite3", 12)
    kill(process)
    ledger = Ledger(qmodes_home / "ledger.sqlite3")
    rows = {row["id"]: row for row in ledger.jobs()}
    assert set(submitted) <= set(rows)
    [context] = ledger.contexts()
    assert context["mode"] == "batch" and context["jobs"] == 12
    assert {rows[i]["context_id"] for i in submitted} == {context["id"]}
