"""Durations as users write them: seconds (``90``, ``"90"``, ``"90s"``) or ``"2h 30m"``.

Example:
    >>> parse_duration("2h 30m")
    9000.0
    >>> parse_duration(45)
    45.0
"""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([hms]?)")


def parse_duration(value: float | int | str, name: str = "duration") -> float:
    """Seconds from a number or a string such as ``"30m"``, ``"2h 30m"``, ``"1h30m15s"``.

    Raises:
        ValueError: the value is not a positive duration; the message says what is valid.
    """
    if isinstance(value, bool):
        raise ValueError(_invalid(name, value))
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        parts = _PART.findall(text)
        if not parts or _PART.sub("", text).strip():
            raise ValueError(_invalid(name, value))
        units = [unit or "s" for _, unit in parts]
        if len(set(units)) != len(units):
            raise ValueError(_invalid(name, value))
        seconds = sum(float(number) * _UNITS[unit or "s"] for number, unit in parts)
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(_invalid(name, value))
    return seconds


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
    return (f"invalid {name} {value!r}: give seconds (e.g. 90) or a duration such as "
            f"'30m', '2h 30m' or '45s'")
