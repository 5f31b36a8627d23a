"""Text of the ledger's reports (``%qmodes usage``, ``%qmodes history``, ``%load_ext``) and
the ``--since`` forms users type; pure functions over ledger rows.

Example:
    >>> parse_since("7d", now=1_000_000.0)
    395200.0
    >>> print(format_usage([{"backend": "aer", "mode": "job", "count": 2, "seconds": 3.0,
    ...                      "source": "measured on Aer"}], "7d", None, None))
    qmodes usage since 7d:
      aer              job         2 jobs        3s  (measured on Aer)
"""

from __future__ import annotations

import datetime as _dt
import re
import time
from typing import Any

from qmodes.core.durations import format_duration, parse_duration

__all__ = ["format_history", "format_unclosed", "format_usage", "parse_since"]

Row = dict[str, Any]

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|w)\s*$")


def parse_since(value: Any, now: float | None = None) -> float:
    """Epoch seconds from ``None`` (all time), a number, a datetime, ``"7d"``, ``"12h"``,
    ``"2w"`` or an ISO date such as ``"2025-01-31"``."""
    now = time.time() if now is None else now
    if value is None:
        return float("-inf")
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    if isinstance(value, _dt.timedelta):
        return now - value.total_seconds()
    if isinstance(value, (int, float)):
        return float(value)
    match = _SINCE.match(str(value))
    if match:
        return now - float(match[1]) * (86400.0 if match[2] == "d" else 7 * 86400.0)
    try:
        return now - parse_duration(str(value), "since")
    except ValueError:
        pass
    try:
        return _dt.datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        raise ValueError(f"invalid since {value!r}: give e.g. '7d', '12h', '2w' or a date "
                         f"such as '2025-01-31'") from None


def _noun(mode: str, count: int) -> str:
    noun = "job" if mode == "job" else "context"
    return noun if count == 1 else noun + "s"


def format_usage(rows: list[Row], since: Any, backend: str | None,
                 price_per_second: float | None) -> str:
    """Billed time per backend, mode and source; money only with the user's price."""
    scope = (f" since {since}" if since else "") + (f" on {backend}" if backend else "")
    if not rows:
        return f"qmodes: no usage recorded{scope}"
    lines = [f"qmodes usage{scope}:"]
    for row in rows:
        money = (f", ≈ {row['seconds'] * price_per_second:.2f} at your price "
                 f"{price_per_second:g}/s" if price_per_second else "")
        lines.append(f"  {row['backend']:<16} {row['mode']:<8} {row['count']:>4} "
                     f"{_noun(row['mode'], row['count'])}  "
                     f"{format_duration(row['seconds'] or 0.0):>8}{money}  ({row['source']})")
    return "\n".join(lines)


def _state(row: Row) -> str:
    """A row's state, with why it is in it when known (e.g. "closed: process ended")."""
    reason = row.get("reason")
    return f"{row['state']}: {reason}" if reason else str(row["state"])


def format_history(rows: list[Row]) -> str:
    """Past contexts, one a line, in the order given (newest first)."""
    if not rows:
        return "qmodes: no sessions or batches recorded yet"
    lines = ["qmodes history (newest first):"]
    for row in rows:
        when = _dt.datetime.fromtimestamp(row["created"]).strftime("%Y-%m-%d %H:%M")
        lines.append(f"  {when}  {row['mode']:<7} {row['id'][:20]:<20} {row['backend']:<16} "
                     f"{row['jobs']:>3} jobs  {format_duration(row['usage_seconds'] or 0.0):>8}"
                     f"  {_state(row)}  ({row['source']})")
    return "\n".join(lines)


def format_unclosed(rows: list[Row]) -> str | None:
    """Each unclosed remote session or batch and the command that closes it (None: none)."""
    if not rows:
        return None
    lines = [f"qmodes: {len(rows)} remote session(s)/batch(es) recorded as open but never "
             f"closed (an open session can keep billing until its TTL ends):"]
    for row in rows:
        remote_id = row.get("remote_id")
        ibm = f" (IBM id {remote_id})" if remote_id and remote_id != row["id"] else ""
        lines.append(f"  {row['mode']} {row['id']}{ibm} on {row['backend']}, opened "
                     f"{_dt.datetime.fromtimestamp(row['created']):%Y-%m-%d %H:%M}"
                     + (f" ({row['reason']})" if row.get("reason") else ""))
        kind = "Batch" if row["mode"] == "batch" else "Session"
        lines.append(f"    close it: from qiskit_ibm_runtime import QiskitRuntimeService, "
                     f"{kind}; {kind}.from_id({row.get('remote_id') or row['id']!r}, "
                     f"service=QiskitRuntimeService()).close()")
    return "\n".join(lines)
