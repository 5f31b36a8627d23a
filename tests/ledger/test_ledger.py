"""The ledger: written ahead of submission, completed on each change, queried for reports."""

from __future__ import annotations

import time

import pytest

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.ledger import (
    Ledger,
    history,
    ledger_path,
    parse_since,
    unclosed_remote_sessions,
    unclosed_report,
    usage_report,
)


@pytest.fixture
def timeline() -> Timeline:
    return Timeline()


@pytest.fixture
def ledger(tmp_path, timeline):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    detach = ledger.attach(timeline)
    yield ledger
    detach()
    ledger.close()


def context(cid: str, mode: str = "batch", backend: str = "fake_manila", created: float = 100.0,
            source: str = "measured on Aer") -> ContextRecord:
    return ContextRecord(id=cid, mode=mode, backend=backend, created=created, max_time=28800.0,
                         interactive_ttl=60.0, source=source)


def job(jid: str, cid: str | None, mode: str = "batch", created: float = 100.0,
        backend: str = "fake_manila") -> JobRecord:
    return JobRecord(id=jid, context_id=cid, mode=mode, backend=backend, primitive="sampler",
                     created=created, executions=4096)


def run(timeline: Timeline, jid: str, qpu_start: float, qpu_end: float) -> None:
    timeline.open_span(jid, "classical", qpu_start - 1)
    timeline.close_span(jid, qpu_start)
    timeline.open_span(jid, "qpu", qpu_start)
    timeline.close_span(jid, qpu_end)
    timeline.update_job(jid, qpu_end, status="DONE", finished=qpu_end)


def test_default_path_follows_qmodes_home(qmodes_home, monkeypatch):
    assert ledger_path() == qmodes_home / "ledger.sqlite3"
    monkeypatch.delenv("QMODES_HOME")
    assert str(ledger_path()).endswith(".qmodes/ledger.sqlite3")


def test_wal_mode_so_several_kernels_can_write(ledger):
    assert ledger.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"


def test_a_job_is_written_when_created_before_it_runs(ledger, timeline):
    timeline.add_job(job("j1", None, mode="job"))
    row = ledger.job("j1")
    assert row["status"] == "QUEUED" and row["started"] is None and row["usage_seconds"] == 0


def test_each_state_change_completes_the_row(ledger, timeline):
    timeline.add_job(job("j1", None, mode="job"))
    run(timeline, "j1", 102.0, 104.5)
    row = ledger.job("j1")
    assert (row["status"], row["started"], row["finished"]) == ("DONE", 101.0, 104.5)
    assert row["qpu_seconds"] == row["usage_seconds"] == pytest.approx(2.5)
    spans = ledger.query("SELECT kind, start, end FROM spans WHERE job_id = 'j1' ORDER BY start")
    assert [(s["kind"], s["start"], s["end"]) for s in spans] == [
        ("classical", 101.0, 102.0), ("qpu", 102.0, 104.5)]


def test_a_batch_bills_the_sum_of_its_jobs_qpu_time(ledger, timeline):
    timeline.add_context(context("b1"))
    for i, (q0, q1) in enumerate([(110, 112), (112, 115)]):
        timeline.add_job(job(f"j{i}", "b1"))
        run(timeline, f"j{i}", q0, q1)
    row = ledger.contexts()[0]
    assert (row["id"], row["jobs"], row["usage_seconds"]) == ("b1", 2, pytest.approx(5.0))


def test_a_session_bills_its_windows(ledger, timeline):
    timeline.add_context(context("s1", mode="session"))
    timeline.open_window("s1", 110.0)
    timeline.add_job(job("j1", "s1", mode="session"))
    run(timeline, "j1", 111.0, 113.0)
    timeline.close_window("s1", 173.0, end=173.0)  # 60 s interactive TTL billed
    assert ledger.contexts()[0]["usage_seconds"] == pytest.approx(63.0)
    windows = ledger.query("SELECT start, end FROM windows WHERE context_id = 's1'")
    assert [(w["start"], w["end"]) for w in windows] == [(110.0, 173.0)]


def test_attach_records_what_the_timeline_already_holds(tmp_path, timeline):
    timeline.add_context(context("b1"))
    timeline.add_job(job("j1", "b1"))
    ledger = Ledger(tmp_path / "late.sqlite3")
    ledger.attach(timeline)
    assert ledger.job("j1")["context_id"] == "b1"
    assert ledger.contexts()[0]["jobs"] == 1


def test_usage_totals_by_backend_and_since(ledger, timeline):
    now = time.time()
    timeline.add_context(context("old", created=now - 10 * 86400))
    timeline.add_job(job("j0", "old", created=now - 10 * 86400))
    run(timeline, "j0", now - 10 * 86400 + 5, now - 10 * 86400 + 105)
    timeline.add_context(context("new", created=now - 3600))
    timeline.add_job(job("j1", "new", created=now - 3600))
    run(timeline, "j1", now - 3000, now - 2990)
    timeline.add_job(job("j2", None, mode="job", created=now - 60, backend="aer"))
    run(timeline, "j2", now - 50, now - 49)
    totals = {(r["backend"], r["mode"]): r["seconds"] for r in ledger.usage_totals()}
    assert totals == {("aer", "job"): pytest.approx(1),
                      ("fake_manila", "batch"): pytest.approx(110)}
    recent = {(r["backend"], r["mode"]): r["seconds"] for r in ledger.usage_totals("7d")}
    assert recent[("fake_manila", "batch")] == pytest.approx(10)
    only = ledger.usage_totals("7d", backend="aer")
    assert [(r["backend"], r["count"]) for r in only] == [("aer", 1)]


def test_usage_report_labels_each_figure_and_prices_only_when_asked(ledger, timeline):
    timeline.add_job(job("j1", None, mode="job", created=time.time()))
    run(timeline, "j1", time.time(), time.time() + 2)
    assert ledger.flush(10)  # the reports below read through another connection
    text = usage_report(since="7d", path=ledger.path)
    assert "(measured on Aer)" in text and "≈" not in text
    priced = usage_report(since="7d", price_per_second=1.6, path=ledger.path)
    assert "≈ 3.20 at your price 1.6/s" in priced
    assert "no usage recorded" in usage_report(backend="nowhere", path=ledger.path)


def test_history_lists_past_contexts_newest_first(ledger, timeline):
    timeline.add_context(context("first", created=time.time() - 100))
    timeline.add_context(context("second", mode="session", created=time.time()))
    assert ledger.flush(10)  # history reads through another connection
    text = history(path=ledger.path)
    assert text.index(" second ") < text.index(" first ")
    assert "session" in text


def test_unclosed_remote_sessions_are_reported_with_how_to_close_them(ledger, timeline):
    timeline.add_context(context("remote-open", "session", "ibm_kyiv", source="reported by IBM"))
    timeline.add_context(context("remote-done", "session", "ibm_kyiv", source="reported by IBM"))
    timeline.update_context("remote-done", 200.0, state="closed", closed_at=200.0)
    timeline.add_context(context("local-open", "session"))
    assert ledger.flush(10)  # the report reads through another connection
    ids = [row["id"] for row in unclosed_remote_sessions(path=ledger.path)]
    assert ids == ["remote-open"]
    report = unclosed_report(path=ledger.path)
    assert "Session.from_id('remote-open'" in report and ".close()" in report
    ledger.mark_closed("remote-open")
    assert unclosed_report(path=ledger.path) is None


@pytest.mark.parametrize(("value", "expected"), [
    (None, float("-inf")), ("7d", 1000.0 - 7 * 86400), ("12h", 1000.0 - 43200),
    ("2w", 1000.0 - 14 * 86400), (500, 500.0)])
def test_since_accepts_the_forms_users_type(value, expected):
    assert parse_since(value, now=1000.0) == expected


def test_since_rejects_nonsense_with_the_valid_forms():
    with pytest.raises(ValueError, match="'7d'"):
        parse_since("last tuesday")
    assert parse_since("2025-01-31") > 0


def test_default_ledger_records_the_default_timeline_even_if_read_first(qmodes_home):
    from qmodes.core.timeline import default_timeline
    from qmodes.ledger import close_default_ledger, default_ledger

    assert "no usage recorded" in usage_report()  # the magics may read before %load_ext
    ledger = default_ledger()
    assert ledger.path == qmodes_home / "ledger.sqlite3"
    assert default_ledger() is ledger
    default_timeline().add_job(job("default-j1", None, mode="job", created=time.time()))
    assert ledger.job("default-j1")["status"] == "QUEUED"
    close_default_ledger()
    default_timeline().add_job(job("default-j2", None, mode="job", created=time.time()))
    reopened = Ledger(qmodes_home / "ledger.sqlite3")
    assert reopened.job("default-j2") is None  # no longer recording
    reopened.close()


def test_a_job_refused_before_submission_is_recorded_from_its_event_not_kept_on_the_timeline(
        timeline, ledger):
    timeline.add_context(context("b1", backend="ibm:fake_manila"))
    refused = job("r1", "b1", backend="ibm:fake_manila")
    refused.status, refused.error, refused.error_kind = "ERROR", "over budget", "budget"
    refused.finished = 101.0
    timeline.refuse_job(refused)
    row = ledger.job("r1")
    assert row["status"] == "ERROR" and row["error_kind"] == "budget"
    assert row["error"] == "over budget" and row["usage_seconds"] == 0
    assert row["context_id"] == "b1"
    assert timeline.jobs() == [] and list(timeline.context("b1").job_ids) == []
