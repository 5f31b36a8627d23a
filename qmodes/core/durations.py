"""Durations as users write them: seconds (``90``, ``"90"``, ``"90s"``) or ``"2h 30m"``.

Every duration is checked where it enters (the magics, ``%config``, ``Session(...)`` and
``Batch(...)``): finite, positive and within the bound of what it sets, with an error that
names the bound. The bounds (IBM Quantum documentation):

* ``max_time`` of a session or batch: at most :data:`MAX_TIME_LIMIT`, 8 h ("Run jobs in a
  session", "Run jobs in a batch": the maximum TTL is 8 hours; shorter on some plans).
* ``interactive_ttl``: at most :data:`INTERACTIVE_TTL_LIMIT`, 30 min. IBM fixes it (60 s for
  a session; 1 s or 60 s for a batch, the docs differ); a longer one cannot matter, since a
  session with no job for 30 minutes closes itself ("Execution modes FAQ").

Numbers past these bounds would otherwise reach the clock: a timer hours or eons ahead
overflows a thread wait ("timestamp out of range for platform time_t").

Example:
    >>> parse_duration("2h 30m")
    9000.0
    >>> parse_duration(45)
    45.0
    >>> parse_max_time("3000000h")
    Traceback (most recent call last):
    ...
    ValueError: max_time '3000000h' is more than 8h, IBM's maximum TTL of a session or batch
"""

from __future__ import annotations

import math
import numbers
import re

from qmodes.core.limits import INTERACTIVE_TTL_LIMIT, MAX_TTL

__all__ = ["INTERACTIVE_TTL_LIMIT", "MAX_TIME_LIMIT", "format_duration", "parse_duration",
           "parse_interactive_ttl", "parse_max_time"]

MAX_TIME_LIMIT = MAX_TTL
"""The longest maximum TTL (``max_time``) of a session or batch: 8 hours (IBM,
:data:`qmodes.core.limits.MAX_TTL`). The longest interactive TTL accepted is
:data:`qmodes.core.limits.INTERACTIVE_TTL_LIMIT`, 30 minutes (an idle session closes by then)."""

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([hms]?)")
_MAX_TEXT = 100  # longer text is no duration anyone meant


def parse_duration(value: float | int | str, name: str = "duration",
                   maximum: float | None = None, bound: str = "") -> float:
    """Seconds from a number or a string such as ``"30m"``, ``"2h 30m"``, ``"1h30m15s"``.

    Args:
        value: the duration as given.
        name: what it sets, for the error message.
        maximum: the largest value accepted, if any.
        bound: what ``maximum`` is (e.g. "IBM's maximum TTL"), for the error message.

    Raises:
        ValueError: the value is not a finite, positive duration within ``maximum``; the
            message says what is valid and names the bound.
    """
    if isinstance(value, bool):
        raise ValueError(_invalid(name, value))
    if isinstance(value, numbers.Real):  # int, float, numpy numbers
        seconds = float(value)
    elif isinstance(value, str) and len(value) <= _MAX_TEXT:
        text = value.strip().strip("'\"").strip().lower()
        parts = _PART.findall(text)
        if not parts or _PART.sub("", text).strip():
            raise ValueError(_invalid(name, value))
        units = [unit or "s" for _, unit in parts]
        if len(set(units)) != len(units):
            raise ValueError(_invalid(name, value))
        seconds = sum(float(number) * _UNITS[unit or "s"] for number, unit in parts)
    else:
        raise ValueError(_invalid(name, value))
    if not math.isfinite(seconds) or not seconds > 0:
        raise ValueError(_invalid(name, value))
    if maximum is not None and seconds > maximum:
        raise ValueError(f"{name} {value!r} is more than {format_duration(maximum)}"
                         f"{', ' + bound if bound else ''}")
    return seconds


def parse_max_time(value: float | int | str, name: str = "max_time") -> float:
    """A session's or batch's maximum TTL in seconds: at most :data:`MAX_TIME_LIMIT`."""
    return parse_duration(value, name, MAX_TIME_LIMIT,
                          "IBM's maximum TTL of a session or batch")


def parse_interactive_ttl(value: float | int | str, name: str = "interactive_ttl") -> float:
    """An interactive TTL in seconds: at most :data:`INTERACTIVE_TTL_LIMIT`."""
    return parse_duration(value, name, INTERACTIVE_TTL_LIMIT,
                          "the longest interactive TTL (IBM closes a session idle for 30m)")


def format_duration(seconds: float) -> str:
    """A short human form: ``"2h 30m"``, ``"45s"``, ``"1.25s"``."""
    if seconds < 60:
        return f"{seconds:.3g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "",
             f"{secs}s" if secs else ""]
    return " ".join(p for p in parts if p)


def _invalid(name: str, value: object) -> str:
    shown = value if not isinstance(value, str) or len(value) <= _MAX_TEXT else \
        value[:_MAX_TEXT] + "..."
    return (f"invalid {name} {shown!r}: give seconds (e.g. 90) or a duration such as "
            f"'30m', '2h 30m' or '45s'")
