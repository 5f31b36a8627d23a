from __future__ import annotations

import pytest

from qmodes.durations import format_duration, parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    (90, 90.0), (1.5, 1.5), ("90", 90.0), ("45s", 45.0), ("30m", 1800.0),
    ("2h 30m", 9000.0), ("1h30m15s", 5415.0), (" 8H ", 28800.0),
])
def test_durations_parse_to_seconds(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "abc", "0", "-5", "2x", "1h 1h", "3 days", True, 0, -1])
def test_bad_durations_say_what_is_valid(bad):
    with pytest.raises(ValueError, match="2h 30m"):
        parse_duration(bad, "max_time")


def test_format_duration_is_short():
    assert format_duration(9000) == "2h 30m"
    assert format_duration(12.5) == "12.5s"
