"""The billing formulas of ARCHITECTURE.md, as pure functions."""

from __future__ import annotations

import pytest

from qmodes.core.timeline import ContextRecord, JobRecord, Span, Window
from qmodes.core.usage import batch_usage, context_usage, job_usage, session_usage, window_end


def job(qpu=None, error_kind=None, **kwargs):
    record = JobRecord(id="j", context_id=None, mode="job", backend="aer",
                       primitive="sampler", created=0.0, error_kind=error_kind, **kwargs)
    if qpu:
        record.spans = [Span("classical", 0, qpu[0]), Span("qpu", *qpu)]
    return record


def test_job_mode_bills_the_qpu_span():
    assert job_usage(job(qpu=(2.0, 7.5))) == 5.5


def test_an_open_qpu_span_counts_up_to_now():
    assert job_usage(job(qpu=(2.0, None)), now=3.0) == 1.0


def test_a_system_error_bills_nothing_a_user_error_bills_what_it_used():
    assert job_usage(job(qpu=(0, 4), error_kind="system")) == 0.0
    assert job_usage(job(qpu=(0, 4), error_kind="user")) == 4.0


def test_batch_bills_the_sum_of_qpu_time_not_classical_time():
    assert batch_usage([job(qpu=(1, 3)), job(qpu=(10, 11)), job()]) == 3.0


@pytest.mark.parametrize(("last", "ttl", "closed", "max_end", "end"), [
    (10, 60, None, 1e9, 70),   # deactivated by the interactive TTL
    (10, 60, 25, 1e9, 25),     # closed during the TTL
    (10, 60, 5, 1e9, 10),      # closed before the last job completed
    (10, 60, None, 40, 40),    # the max TTL came first
    (50, 60, None, 40, 50),    # a job running past the max TTL finishes
])
def test_a_session_window_ends_at_the_latest_of_last_completion_and_earliest_limit(
        last, ttl, closed, max_end, end):
    assert window_end(last, ttl, closed, max_end) == end


def test_session_usage_sums_active_windows_and_counts_an_open_one_to_now():
    context = ContextRecord(id="s", mode="session", backend="aer", created=0, max_time=100,
                            interactive_ttl=60, windows=[Window(0, 66.5), Window(200, None)])
    assert session_usage(context, now=210) == 76.5
    figure = context_usage(context, [], now=210)
    assert figure.source == "measured on Aer" and "active windows" in figure.rule
