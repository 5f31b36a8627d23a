"""The advisor's part of the widget: live best-practice hints and the mode comparison.

Hints (:func:`qmodes.advisor.hints`) are cheap and refreshed while the workload runs; the
comparison replays the workload in the three modes (:func:`qmodes.advisor.advise`) and is
computed when the context is final, or at most every ``COMPARE_INTERVAL`` seconds while live.
The panel shows it as a small table (mode, billed usage, wall time with its p10–p90 range,
time waited, idle time billed), the verdict in one line (cheapest, fastest, the pick) and the
sources in one muted footnote: the same rows as the text after a cell (``Advice.rows``).

Example:
    >>> from qmodes.core.timeline import ContextRecord
    >>> ctx = ContextRecord(id="s", mode="session", backend="aer", created=0.0,
    ...                     max_time=28800.0, interactive_ttl=60.0)
    >>> live_hints([(ctx, [])], now=600.0)[0].startswith("session s has been open")
    True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from qmodes.backends.names import is_device_name
from qmodes.core.timeline import ContextRecord, JobRecord

__all__ = ["COMPARE_INTERVAL", "HINTS_INTERVAL", "LIVE_COMPARE_MAX_JOBS", "comparison",
           "footnote", "live_hints"]

HINTS_INTERVAL = 2.0
COMPARE_INTERVAL = 10.0
LIVE_COMPARE_MAX_JOBS = 500
"""Above this many jobs the comparison (a replay) waits until the workload is final."""
_log = logging.getLogger(__name__)


def live_hints(contexts: Sequence[tuple[ContextRecord, list[JobRecord]]], now: float,
               target: str | None = None) -> list[str]:
    """Best-practice hints for the watched contexts, right now."""
    # heavy: the advisor (its replays) loads when advice is asked for; a layer below
    from qmodes.advisor import hints

    found: list[str] = []
    for context, jobs in contexts:
        try:
            found += hints(context, jobs, now, target=_device(context, target))
        except Exception:
            _log.debug("hints failed for %s", context.id, exc_info=True)
    return found


def comparison(context: ContextRecord, jobs: list[JobRecord], target: str | None = None,
               price_per_second: float | None = None) -> dict[str, Any] | None:
    """The advisor's table for one context: the workload replayed in each mode, recommended
    first; None if there is no device to project to (plain Aer without a target) or no job.

    Returns ``{"context", "rows": Advice.rows(), "recommendation": the verdict in one line,
    "conditions": the load replayed, "footnote": the sources, one line}``: the same model the
    text table after a cell is printed from (:meth:`qmodes.advisor.Advice.rows`). A row's
    ``idle`` is the billed time no job used (None in job mode, which bills nothing else).
    """
    # heavy: the advisor (its replays) loads when advice is asked for; a layer below
    from qmodes.advisor.workload import replayable

    device = _device(context, target)
    if device is None or not replayable(jobs):
        return None
    # heavy: the advisor (its replays) loads when advice is asked for; a layer below
    from qmodes.advisor import advise

    try:
        advice = advise(context, jobs=jobs, target=device, price_per_second=price_per_second)
    except Exception:
        _log.debug("advisor failed for %s", context.id, exc_info=True)
        return None
    return {"context": context.id, "rows": advice.rows(), "recommendation": advice.verdict(),
            "conditions": advice.conditions(),
            "footnote": footnote(advice.source, price_per_second)}


def footnote(source: str, price_per_second: float | None = None) -> str:
    """Where the advisor's figures come from, in one line."""
    money = f" Cost at {price_per_second:g} per second." if price_per_second else ""
    return (f"{source[:1].upper()}{source[1:]}. Usage by each mode's IBM billing rule: job "
            f"mode bills its QPU time, a batch the sum of its jobs' QPU time, a session its "
            f"active windows (idle TTL included). Wall time: first submission to last result, "
            f"median over seeded crowds of other users, with its p10–p90 range; waited: time "
            f"the jobs waited for the device.{money}")


def _device(context: ContextRecord, target: str | None) -> str | None:
    if target:
        return target
    backend = context.backend
    return backend if is_device_name(backend) else None
