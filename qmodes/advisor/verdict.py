"""Which mode to choose: the cheapest, the fastest, and the pick by an objective.

Three objectives (``QModes.objective``, ``advise(objective=...)``):

* ``"cost"``: the cheapest mode (least billed usage); among modes within 2 % of it, the fastest.
* ``"time"``: the fastest mode (least median wall time); among modes within 2 % of it, the
  cheapest.
* ``"balanced"`` (default): the fastest mode unless it bills more than 10 % over the cheapest;
  then the fastest of those that do not.

Figures within 2 % (:data:`TIE`) of each other count as equal (the medians over seeded crowds
move that much); a tie left is broken in the order batch, job, session. A single job is run in
job mode: a batch or a session gains it nothing.

Example:
    >>> pick({"job": (10.0, 200.0), "batch": (10.0, 150.0), "session": (10.5, 90.0)},
    ...      "balanced")
    'session'
    >>> pick({"job": (10.0, 200.0), "batch": (10.0, 150.0), "session": (10.5, 90.0)}, "cost")
    'batch'
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "BALANCED_MARGIN",
    "OBJECTIVES",
    "TIE",
    "cheapest",
    "check_objective",
    "fastest",
    "pick",
    "rule",
]

OBJECTIVES = ("balanced", "cost", "time")
BALANCED_MARGIN = 0.10
"""``"balanced"``: the fastest mode may bill at most this share over the cheapest."""
TIE = 0.02
"""Figures within this share of each other count as equal."""
_ORDER = ("batch", "job", "session")

Figures = Mapping[str, tuple[float, float]]
"""``mode -> (billed usage, wall time)`` in seconds."""


def check_objective(value: object, name: str = "objective") -> str:
    """``value`` as an objective, or a ValueError naming the choices."""
    if value not in OBJECTIVES:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, OBJECTIVES))}, "
                         f"not {value!r}")
    return str(value)


def rule(objective: str) -> str:
    """The objective's rule in words, as the verdict states it."""
    return {"cost": "the cheapest mode",
            "time": "the fastest mode",
            "balanced": f"the fastest mode unless it bills more than "
                        f"{BALANCED_MARGIN:.0%} over the cheapest"}[check_objective(objective)]


def _within(value: float, best: float, share: float) -> bool:
    return value <= best * (1.0 + share) + 1e-9


def _best(figures: Figures, modes: list[str], index: int) -> list[str]:
    """The modes whose figure ``index`` (0 usage, 1 wall) is within :data:`TIE` of the least."""
    least = min(figures[m][index] for m in modes)
    return [m for m in modes if _within(figures[m][index], least, TIE)]


def _first(modes: list[str]) -> str:
    return min(modes, key=_ORDER.index)


def cheapest(figures: Figures) -> str:
    """The mode that bills least (ties: the fastest, then batch, job, session)."""
    tied = _best(figures, list(figures), 0)
    return _first(_best(figures, tied, 1))


def fastest(figures: Figures) -> str:
    """The mode that finishes first (ties: the cheapest, then batch, job, session)."""
    tied = _best(figures, list(figures), 1)
    return _first(_best(figures, tied, 0))


def pick(figures: Figures, objective: str, jobs: int = 2) -> str:
    """The mode ``objective`` picks on ``figures`` (a workload of ``jobs`` jobs)."""
    objective = check_objective(objective)
    if jobs <= 1 and "job" in figures:
        return "job"
    if objective == "cost":
        return cheapest(figures)
    if objective == "time":
        return fastest(figures)
    least = min(usage for usage, _ in figures.values())
    affordable = {m: f for m, f in figures.items() if _within(f[0], least, BALANCED_MARGIN)}
    return fastest(affordable)
