"""The IBM instance's allowance: consumed, remaining and limit seconds, and the usage period.

Read from qiskit-ibm-runtime's ``service.usage()`` (REST ``GET /instances/usage``), whose
answer looks like ``{"usage_consumed_seconds": 12.5, "usage_limit_seconds": 600,
"usage_remaining_seconds": 587.5, "usage_limit_reached": False, "usage_period": {"start_time":
..., "end_time": ...}}`` (``usage_allocation_seconds`` instead of a limit on some plans; no
limit at all on unlimited ones). Each service's figure is cached for :data:`REFRESH_SECONDS`
and dropped after each job (:func:`invalidate`), so the widget header, ``%qmodes`` and the
budget guard read it at most every 30 s plus once per job.

Example:
    >>> a = Allowance.from_usage({"usage_consumed_seconds": 42.0, "usage_limit_seconds": 600})
    >>> a.remaining, a.limit
    (558.0, 600.0)
    >>> str(a)
    'IBM allowance: 9m 18s remaining of 10m (42s consumed), reported by IBM'
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qmodes.core.durations import format_duration

__all__ = ["REFRESH_SECONDS", "Allowance", "allowance_of", "cached", "invalidate", "latest"]

REFRESH_SECONDS = 30.0
"""How long an instance's figure is reused before ``service.usage()`` is asked again."""

_lock = threading.Lock()
_cache: dict[int, tuple[float, Allowance, Any]] = {}
_last: list[int] = []  # id of the service read last (the one in use)


@dataclass(frozen=True)
class Allowance:
    """What the instance may still spend, as IBM reported it at ``fetched`` (epoch seconds).

    Attributes:
        consumed: seconds billed in the current period.
        limit: the instance's limit (or allocation) in seconds; None when unlimited.
        remaining: ``limit - consumed`` (never below 0); None when unlimited.
        period_start: start of the usage period (epoch seconds), when IBM says.
        period_end: end of the usage period (epoch seconds), when IBM says.
        limit_reached: IBM's own flag (jobs then queue until time is available).
    """

    consumed: float
    limit: float | None
    remaining: float | None
    period_start: float | None = None
    period_end: float | None = None
    limit_reached: bool = False
    fetched: float = 0.0

    @classmethod
    def from_usage(cls, usage: dict[str, Any], fetched: float | None = None) -> Allowance:
        """Read ``service.usage()``'s dictionary (any missing field stays None)."""
        consumed = float(usage.get("usage_consumed_seconds") or 0.0)
        limit = usage.get("usage_limit_seconds") or usage.get("usage_allocation_seconds")
        remaining = usage.get("usage_remaining_seconds")
        if limit is not None and remaining is None:
            remaining = max(float(limit) - consumed, 0.0)
        period = usage.get("usage_period") or {}
        return cls(consumed=consumed, limit=None if limit is None else float(limit),
                   remaining=None if remaining is None else float(remaining),
                   period_start=_epoch(period.get("start_time")),
                   period_end=_epoch(period.get("end_time")),
                   limit_reached=bool(usage.get("usage_limit_reached")),
                   fetched=time.time() if fetched is None else fetched)

    def period(self) -> str:
        """``"2026-11-01 → 2026-11-29"`` or ``""`` when IBM gave no period."""
        if self.period_start is None or self.period_end is None:
            return ""
        start, end = (datetime.fromtimestamp(t).strftime("%Y-%m-%d")
                      for t in (self.period_start, self.period_end))
        return f"{start} → {end}"

    def __str__(self) -> str:
        consumed = format_duration(self.consumed) if self.consumed else "0s"
        if self.limit is None:
            text = f"IBM allowance: unlimited ({consumed} consumed)"
        else:
            left = format_duration(self.remaining) if self.remaining else "0s"
            text = (f"IBM allowance: {left} remaining of {format_duration(self.limit)} "
                    f"({consumed} consumed)")
        period = self.period()
        return text + (f", period {period}" if period else "") + ", reported by IBM"


def allowance_of(service: Any, *, refresh: bool = False) -> Allowance:
    """The allowance of ``service``'s active instance, cached for :data:`REFRESH_SECONDS`.

    Raises:
        Exception: the client's error when IBM cannot be asked (callers show one line).
    """
    key = id(service)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
        if (not refresh and cached is not None and cached[2] is service
                and now - cached[0] < REFRESH_SECONDS):
            return cached[1]
    allowance = Allowance.from_usage(service.usage())
    with _lock:
        _cache[key] = (time.monotonic(), allowance, service)
        _last[:] = [key]
    return allowance


def cached(service: Any) -> Allowance | None:
    """The last figure read for ``service``, however old (no request); None if never read."""
    with _lock:
        entry = _cache.get(id(service))
    return entry[1] if entry is not None and entry[2] is service else None


def latest() -> Allowance | None:
    """The figure read last, of the service read last, however old (no request); None if
    none was read or it was invalidated since. What views above the engine show (the
    widget's header) without knowing which service is in use.

    Example:
        >>> invalidate(); latest() is None
        True
    """
    with _lock:
        entry = _cache.get(_last[0]) if _last else None
    return entry[1] if entry is not None else None


def invalidate(service: Any = None) -> None:
    """Forget the cached figure (of ``service``, or all): the next read asks IBM again."""
    with _lock:
        if service is None:
            _cache.clear()
        else:
            _cache.pop(id(service), None)


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
