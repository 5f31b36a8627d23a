"""The advisor's part of the widget: live best-practice hints and the mode comparison.

Hints (:func:`qmodes.advisor.hints`) are cheap and refreshed while the workload runs; the
comparison replays the workload in the three modes (:func:`qmodes.advisor.advise`) and is
computed when the context is final, or at most every ``COMPARE_INTERVAL`` seconds while live.

Example:
    >>> from qmodes.timeline import ContextRecord
    >>> ctx = ContextRecord(id="s", mode="session", backend="aer", created=0.0,
    ...                     max_time=28800.0, interactive_ttl=60.0)
    >>> live_hints([(ctx, [])], now=600.0)[0].startswith("session s has been open")
    True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from qmodes.timeline import ContextRecord, JobRecord

__all__ = ["COMPARE_INTERVAL", "HINTS_INTERVAL", "LIVE_COMPARE_MAX_JOBS", "comparison",
           "live_hints"]

HINTS_INTERVAL = 2.0
COMPARE_INTERVAL = 10.0
LIVE_COMPARE_MAX_JOBS = 500
"""Above this many jobs the comparison (a replay) waits until the workload is final."""
_log = logging.getLogger(__name__)


def live_hints(contexts: Sequence[tuple[ContextRecord, list[JobRecord]]], now: float,
               target: str | None = None) -> list[str]:
    """Best-practice hints for the watched contexts, right now."""
    from qmodes.advisor import hints

    found: list[str] = []
    for context, jobs in contexts:
        try:
            found += hints(context, jobs, now, target=_device(context, target))
        except Exception:
            _log.debug("hints failed for %s", context.id, exc_info=True)
    return found


def comparison(context: ContextRecord, jobs: list[JobRecord], target: str | None = None,
               price_per_second: float | None = None) -> list[dict[str, Any]]:
    """The workload's projected usage in each mode, the recommended one first; [] if no
    device to project to (plain Aer without a target) or nothing ran."""
    device = _device(context, target)
    if device is None or not jobs:
        return []
    from qmodes.advisor import advise

    try:
        advice = advise(context, jobs=jobs, target=device, price_per_second=price_per_second)
    except Exception:
        _log.debug("advisor failed for %s", context.id, exc_info=True)
        return []
    order = sorted(advice.outcomes, key=lambda mode: mode != advice.recommended)
    return [{"mode": mode + (" (recommended)" if mode == advice.recommended else ""),
             "seconds": advice.outcomes[mode].usage.seconds,
             "source": advice.outcomes[mode].usage.source,
             "cost": advice.outcomes[mode].cost} for mode in order]


def _device(context: ContextRecord, target: str | None) -> str | None:
    if target:
        return target
    backend = context.backend
    return backend if backend.startswith(("fake_", "ibm:", "ibm_")) else None
