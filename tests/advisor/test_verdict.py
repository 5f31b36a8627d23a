"""The advisor's rules for picking a mode: each objective, in words and on figures."""

from __future__ import annotations

import pytest

from qmodes.advisor.verdict import cheapest, fastest, pick, rule

# mode -> (billed usage, wall time), seconds
BUSY = {"job": (25.6, 215.0), "batch": (25.6, 65.4), "session": (26.6, 37.1)}
IDLE_BILLED = {"job": (25.0, 170.0), "batch": (25.0, 170.0), "session": (150.0, 60.0)}


def test_cheapest_and_fastest_are_named_on_the_figures():
    assert (cheapest(BUSY), fastest(BUSY)) == ("batch", "session")
    assert (cheapest(IDLE_BILLED), fastest(IDLE_BILLED)) == ("batch", "session")


def test_balanced_takes_the_fastest_unless_it_bills_over_ten_percent_more():
    assert pick(BUSY, "balanced") == "session"  # 4 % more, 28 s sooner
    assert pick(IDLE_BILLED, "balanced") == "batch"  # six times the bill
    assert rule("balanced") == ("the fastest mode unless it bills more than 10% over the "
                                "cheapest")


def test_cost_and_time_take_one_figure_each():
    assert pick(BUSY, "cost") == "batch" and pick(BUSY, "time") == "session"
    assert pick(IDLE_BILLED, "cost") == "batch" and pick(IDLE_BILLED, "time") == "session"


def test_figures_within_two_percent_tie_and_a_tie_prefers_batch():
    close = {"job": (25.0, 30.3), "batch": (25.0, 30.0), "session": (25.4, 29.9)}
    assert pick(close, "balanced") == "batch"
    assert pick(close, "time") == "batch"


def test_a_single_job_is_run_in_job_mode():
    assert pick(BUSY, "balanced", jobs=1) == "job"


def test_an_unknown_objective_is_refused():
    with pytest.raises(ValueError, match="objective must be one of 'balanced', 'cost', 'time'"):
        pick(BUSY, "cheap")
