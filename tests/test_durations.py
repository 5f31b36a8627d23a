from __future__ import annotations

import pytest

import qmodes
from qmodes.core.durations import (
    INTERACTIVE_TTL_LIMIT,
    MAX_TIME_LIMIT,
    format_duration,
    parse_duration,
    parse_interactive_ttl,
    parse_max_time,
)
from tests.conftest import make_sim


@pytest.mark.parametrize(("text", "seconds"), [
    (90, 90.0), (1.5, 1.5), ("90", 90.0), ("45s", 45.0), ("30m", 1800.0),
    ("2h 30m", 9000.0), ("1h30m15s", 5415.0), (" 8H ", 28800.0),
])
def test_durations_parse_to_seconds(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "abc", "0", "-5", "2x", "1h 1h", "3 days", True, 0, -1,
                                 float("nan"), float("inf"), -float("inf"), "1e300h", "nan",
                                 "inf", None, [5], "9" * 500])
def test_bad_durations_say_what_is_valid(bad):
    with pytest.raises(ValueError, match="2h 30m"):
        parse_duration(bad, "max_time")


def test_format_duration_is_short():
    assert format_duration(9000) == "2h 30m"
    assert format_duration(12.5) == "12.5s"


@pytest.mark.parametrize("text", ["'2h 30m'", '"2h 30m"', " '2h 30m' "])
def test_quoted_durations_are_accepted(text):
    assert parse_duration(text) == 9000.0


def test_numpy_numbers_are_durations():
    np = pytest.importorskip("numpy")
    assert parse_max_time(np.float64(90)) == 90.0
    assert parse_max_time(np.int64(60)) == 60.0


@pytest.mark.parametrize("value", ["3000000h", 1e300 * 3600, "8h 1s", 8 * 3600 + 0.5, 1e300])
def test_max_time_beyond_ibm_s_8_hours_is_refused_naming_the_bound(value):
    with pytest.raises(ValueError, match="more than 8h, IBM's maximum TTL"):
        parse_max_time(value)


def test_the_bounds_themselves_are_accepted():
    assert parse_max_time("8h") == MAX_TIME_LIMIT
    assert parse_interactive_ttl("30m") == INTERACTIVE_TTL_LIMIT


@pytest.mark.parametrize("value", ["31m", "2h", 1e300])
def test_interactive_ttl_beyond_30_minutes_is_refused_naming_the_bound(value):
    with pytest.raises(ValueError, match="more than 30m, the longest interactive TTL"):
        parse_interactive_ttl(value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_time": "3000000h"}, "max_time '3000000h' is more than 8h"),
    ({"max_time": 1e300 * 3600}, "is more than 8h"),
    ({"max_time": float("inf")}, "invalid max_time inf"),
    ({"interactive_ttl": 1e300}, "interactive_ttl 1e[+]300 is more than 30m"),
    ({"interactive_ttl": float("nan")}, "invalid interactive_ttl nan"),
])
@pytest.mark.parametrize("mode", [qmodes.Session, qmodes.Batch])
def test_contexts_refuse_absurd_durations_before_opening(mode, kwargs, message):
    sim = make_sim()
    with pytest.raises(ValueError, match=message):
        mode("aer", runtime=sim.runtime, **kwargs)
    assert sim.timeline.contexts() == []


def test_the_clock_survives_because_no_absurd_timer_is_ever_set(bell):
    """The issue's case: a session with max_time='3000000h' killed the clock thread.
    Refused now; a later session's interactive TTL still fires on the real clock."""
    with pytest.raises(ValueError):
        qmodes.Session("aer", max_time="3000000h")
    with qmodes.Session("aer", interactive_ttl=0.05) as session:
        job = qmodes.Sampler(mode=session).run([bell], shots=5)
        assert job.wait(30)
        import time

        deadline = time.monotonic() + 10
        while session.record().state == "active" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert session.record().state == "inactive"
