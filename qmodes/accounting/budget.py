"""The budget guard: refuse, before anything is sent, a job that would overspend.

A budget caps what one context may bill: a ``%%session``/``%%batch`` cell (``--budget 90s``,
``qmodes.Session(..., budget="2m")``), or, outside any context, one job-mode job. The default
is ``%config QModes.budget`` (:func:`set_default_budget`). Before each remote submission
:func:`check` compares

* the context's **committed** seconds: what it has billed so far (for a session, its windows
  up to now), plus the projected QPU seconds of its unfinished jobs, plus this job's projection,
  with its budget; and
* this job's projection plus every unfinished remote job's, with the instance's **remaining
  allowance** (:mod:`qmodes.accounting.allowance`).

A job that would exceed either raises :class:`BudgetExceededError`, a one-line message with the
projected seconds, the budget, the remaining allowance and what would fit.

Example:
    >>> parse_budget("2m"), parse_budget(None)
    (120.0, None)
    >>> verdict = Verdict(projected=6.0, committed=6.0, budget=5.0, remaining=None)
    >>> verdict.over
    'budget'
    >>> fewer_shots(projected=6.0, shots=4000, overhead=2.0, available=4.0)
    2000
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from qmodes.core.durations import parse_duration
from qmodes.core.errors import QModesError

__all__ = ["BudgetExceededError", "Verdict", "budget_of", "check", "default_budget", "fewer_shots",
           "parse_budget", "set_budget", "set_default_budget"]

_lock = threading.Lock()
_default: float | None = None
_budgets: dict[str, float] = {}


class BudgetExceededError(QModesError, ValueError):
    """A job was refused before submission: it would exceed the budget or the allowance."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows this one line instead of a traceback (the refusal is not a bug)."""
        return [f"{type(self).__name__}: {self}"]


def parse_budget(value: float | str | None) -> float | None:
    """Seconds from ``90``, ``"90s"``, ``"2m"``; None (no budget) stays None."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    return parse_duration(value, "budget")


def set_default_budget(value: float | str | None) -> None:
    """The budget of contexts and job-mode jobs that set none (``%config QModes.budget``)."""
    global _default
    seconds = parse_budget(value)
    with _lock:
        _default = seconds


def default_budget() -> float | None:
    with _lock:
        return _default


def set_budget(context_id: str, value: float | str | None) -> None:
    """Give one context its own budget (None: back to the default)."""
    seconds = parse_budget(value)
    with _lock:
        if seconds is None:
            _budgets.pop(context_id, None)
        else:
            _budgets[context_id] = seconds


def budget_of(context_id: str | None) -> float | None:
    """The budget that applies to ``context_id`` (None: a job-mode job)."""
    with _lock:
        if context_id is not None and context_id in _budgets:
            return _budgets[context_id]
        return _default


@dataclass(frozen=True)
class Verdict:
    """What :func:`check` found. ``over`` is "budget", "allowance" or "" (the job fits).

    Attributes:
        projected: this job's projected QPU seconds.
        committed: the context's billed-so-far + unfinished projections + this job.
        budget: the budget in force (None: none).
        remaining: the instance's remaining allowance (None: unlimited or unknown).
        pending: projected seconds of every unfinished remote job (all contexts).
        hints: what would fit.
    """

    projected: float
    committed: float
    budget: float | None
    remaining: float | None
    pending: float = 0.0
    hints: tuple[str, ...] = field(default=())

    @property
    def over(self) -> str:
        if self.budget is not None and self.committed > self.budget + 1e-9:
            return "budget"
        if self.remaining is not None and self.pending + self.projected > self.remaining + 1e-9:
            return "allowance"
        return ""

    def message(self, label: str) -> str:
        """The one-line refusal."""
        budget = "none" if self.budget is None else f"{self.budget:.1f}s"
        remaining = "unknown" if self.remaining is None else f"{self.remaining:.1f}s"
        text = (f"{label} refused before submission: projected {self.projected:.1f}s of QPU "
                f"time (committed {self.committed:.1f}s) would exceed the "
                f"{'budget' if self.over == 'budget' else 'remaining allowance'}; budget "
                f"{budget}, remaining allowance {remaining}")
        if self.pending:
            text += f" ({self.pending:.1f}s already pending)"
        return text + ("; " + "; ".join(self.hints) if self.hints else
                       "; nothing fits: raise the budget or wait for the allowance to renew")


def fewer_shots(projected: float, shots: int | None, overhead: float, available: float
                ) -> int | None:
    """The most shots whose projection fits ``available`` seconds (None: none fit)."""
    if not shots or projected <= overhead or available <= overhead:
        return None
    fit = math.floor(shots * (available - overhead) / (projected - overhead))
    return min(fit, shots) if fit >= 1 else None


def check(projected: float, *, label: str, context_id: str | None, mode: str,
          billed: float, unfinished: float, pending: float, remaining: float | None,
          shots: int | None, overhead: float, jobs_so_far: int, qpu_so_far: float) -> Verdict:
    """Decide on one job; raise :class:`BudgetExceededError` if it does not fit.

    Args:
        projected: this job's projected QPU seconds.
        label: how the message names the job ("sampler job on ibm:fake_manila").
        context_id: its session or batch (None: job mode).
        mode: "job", "session" or "batch".
        billed: what the context has billed so far (0 in job mode).
        unfinished: projected seconds of the context's unfinished jobs.
        pending: projected seconds of every unfinished remote job on the instance.
        remaining: the instance's remaining allowance (None: unlimited or unknown).
        shots: the job's shots (for the "fewer shots" hint).
        overhead: the job's fixed seconds (2 s per sub-job).
        jobs_so_far: jobs the context already ran or queued.
        qpu_so_far: QPU seconds of the context's jobs so far (what a batch would bill).
    """
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    budget = budget_of(context_id)
    committed = billed + unfinished + projected
    verdict = Verdict(projected, committed, budget, remaining, pending)
    if not verdict.over:
        return verdict
    available = math.inf
    if budget is not None:
        available = budget - billed - unfinished
    if remaining is not None:
        available = min(available, remaining - pending)
    hints: list[str] = []
    shots_fit = fewer_shots(projected, shots, overhead, available)
    if shots_fit is not None:
        hints.append(f"fits with at most {shots_fit} shots")
    if jobs_so_far:
        hints.append(f"combine PUBs into fewer jobs (each job costs {overhead:.0f}s of "
                     f"overhead)")
    if mode == "session" and budget is not None:
        as_batch = qpu_so_far + unfinished + projected
        if as_batch <= budget and (remaining is None or projected + pending <= remaining):
            hints.append(f"as a batch this work would bill about {as_batch:.1f}s "
                         f"(no idle time): use %%batch")
    verdict = Verdict(projected, committed, budget, remaining, pending, tuple(hints))
    raise BudgetExceededError(verdict.message(label))
