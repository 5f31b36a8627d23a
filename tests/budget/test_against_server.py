"""Deliver 5: against FakeRuntimeServer with a 60 s limit, through the unmodified client."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

import qmodes
from qmodes.accounting import allowance
from qmodes.accounting.budget import BudgetExceededError
from qmodes.ledger import close_default_ledger, default_ledger
from qmodes.testing import FakeRuntimeServer
from tests.budget.conftest import LIMIT, job_posts, wait_usage


def _run(batch: qmodes.Batch, circuit: QuantumCircuit, shots: list[int]) -> None:
    sampler = qmodes.Sampler(mode=batch)
    jobs = [sampler.run([circuit], shots=n) for n in shots]
    for job in jobs:
        job.result()


def test_rehearsal_projects_what_the_real_run_consumes(
        billing_server: FakeRuntimeServer, bell_isa: QuantumCircuit) -> None:
    # A batch (and job mode, the same QPU time). A session is left out: its window ends when
    # the close request reaches the server, and at device_pace=0.05 every 10 ms of HTTP
    # latency is 0.2 s of device time.
    shots = [500, 1000, 1500]
    with qmodes.Batch("ibm:fake_manila", rehearse=True) as rehearsal:
        assert not getattr(rehearsal.target, "is_remote", False)
        _run(rehearsal, bell_isa, shots)
    bill = rehearsal.bill()
    assert job_posts(billing_server) == 0  # a rehearsal sends nothing
    assert bill.remaining == pytest.approx(LIMIT)
    with qmodes.Batch("ibm:fake_manila") as real:
        _run(real, bell_isa, shots)
    consumed = wait_usage(billing_server, bill.usage["batch"])
    assert job_posts(billing_server) == 3
    assert bill.usage["batch"] == pytest.approx(consumed, rel=0.05)
    assert bill.usage["job"] == pytest.approx(consumed, rel=0.05)


def test_guard_refuses_the_job_that_would_cross_the_budget_and_sends_nothing(
        billing_server: FakeRuntimeServer, bell_isa: QuantumCircuit) -> None:
    default_ledger()  # records the default timeline, as %load_ext qmodes does
    with qmodes.Batch("ibm:fake_manila", budget="5s") as batch:
        sampler = qmodes.Sampler(mode=batch)
        sampler.run([bell_isa], shots=1000).result()  # ~2.26 s
        sent = job_posts(billing_server)
        with pytest.raises(BudgetExceededError) as refused:
            sampler.run([bell_isa], shots=8000)  # ~4.1 s more: over 5 s
        assert job_posts(billing_server) == sent  # nothing was sent
        message = str(refused.value)
        assert "\n" not in message
        assert refused.value._render_traceback_() == [f"BudgetExceededError: {message}"]
        for part in ("projected 4.1s", "budget 5.0s", "remaining allowance 5", "shots"):
            assert part in message
        shots = int(message.split("fits with at most ")[1].split(" shots")[0])
        sampler.run([bell_isa], shots=shots).result()  # the context stays usable; it fits
    assert job_posts(billing_server) == sent + 1
    try:
        rows = [r for r in default_ledger().jobs() if r["error_kind"] == "budget"]
    finally:
        close_default_ledger()
    assert len(rows) == 1 and rows[0]["status"] == "ERROR" and rows[0]["usage_seconds"] == 0
    assert rows[0]["error"] == message and rows[0]["context_id"] == batch.id


def test_guard_refuses_what_the_remaining_allowance_cannot_pay(
        make_server, bell_isa: QuantumCircuit) -> None:
    server = make_server(usage_limit_seconds=3.0, device_pace=0.05)
    backend = qmodes.get_backend("ibm:fake_manila")
    qmodes.Sampler(mode=backend).run([bell_isa], shots=1000).result()  # 2.26 of 3 s
    wait_usage(server, 2.26)
    allowance.invalidate()
    with pytest.raises(BudgetExceededError, match="exceed the remaining allowance"):
        qmodes.Sampler(mode=backend).run([bell_isa], shots=1000)
    assert job_posts(server) == 1


def test_config_budget_applies_to_job_mode(billing_server: FakeRuntimeServer,
                                           bell_isa: QuantumCircuit) -> None:
    from qmodes.notebook.config import QModes

    settings = QModes()
    settings.budget = "2s"
    backend = qmodes.get_backend("ibm:fake_manila")
    with pytest.raises(BudgetExceededError, match=r"budget 2\.0s"):
        qmodes.Sampler(mode=backend).run([bell_isa], shots=1000)
    settings.budget = None
    qmodes.Sampler(mode=backend).run([bell_isa], shots=1000).result()
    assert job_posts(billing_server) == 1


def test_remaining_seconds_fall_as_jobs_run(billing_server: FakeRuntimeServer,
                                           bell_isa: QuantumCircuit) -> None:
    service = qmodes.get_backend("ibm:fake_manila").service
    before = allowance.allowance_of(service)
    assert before.remaining == pytest.approx(LIMIT) and before.limit == LIMIT
    assert before.period_start is not None and before.period()
    backend = qmodes.get_backend("ibm:fake_manila")
    seen = [before.remaining]
    for _ in range(2):
        qmodes.Sampler(mode=backend).run([bell_isa], shots=1000).result()
        wait_usage(billing_server, LIMIT - seen[-1] + 2.26)
        from tests.remote.conftest import wait_for

        expected = seen[-1] - 2.26
        def fell(expected: float = expected) -> bool:  # re-read when the job ended
            return (allowance.cached(service) or before).remaining <= expected + 0.01

        wait_for(fell)
        seen.append(allowance.cached(service).remaining)
    assert seen[0] > seen[1] > seen[2]
    assert seen[0] - seen[2] == pytest.approx(2 * 2.261, rel=0.01)


def test_widget_header_shows_the_remaining_seconds_falling(
        billing_server: FakeRuntimeServer, bell_isa: QuantumCircuit) -> None:
    from qmodes.widget.timeline import TimelineWidget
    from tests.remote.conftest import wait_for

    batch = qmodes.Batch("ibm:fake_manila")
    widget = TimelineWidget(batch, advisor=False)
    try:
        sampler = qmodes.Sampler(mode=batch)
        sampler.run([bell_isa], shots=1000)  # the guard reads the allowance: 60 s left
        widget.flush()
        assert widget.summary["allowance"]["remaining"] == pytest.approx(LIMIT)
        assert widget.summary["allowance"]["period"]
        sampler.run([bell_isa], shots=1000)
        batch.close()
        batch.wait()

        def fallen() -> bool:
            widget.flush()
            shown = widget.summary.get("allowance") or {}
            return shown.get("remaining", LIMIT) <= LIMIT - 2 * 2.26 + 0.01

        wait_for(fallen)
        assert widget.summary["allowance"]["consumed"] == pytest.approx(2 * 2.261, rel=0.01)
    finally:
        widget.close()
