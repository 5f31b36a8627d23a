"""The advisor's answer: each mode replayed over seeded crowds, the table, and the verdict.

:func:`advise` replays a recorded workload in job, batch and session mode through the emulated
device (:mod:`qmodes.advisor.replay`) over ``crowds`` seeded crowds of other users, and
summarises each mode by its median and p10–p90 range. :class:`Advice` is the one model both
renderings read: :meth:`Advice.rows` feeds the text table (:meth:`Advice.table`, printed after
a cell) and the widget's advisor panel (:func:`qmodes.widget.advice.comparison`).

Example:
    >>> from qmodes.advisor.workload import Workload, WorkloadJob
    >>> w = Workload((WorkloadJob("a", qpu=5.0), WorkloadJob("b", qpu=5.0, offset=0.1)),
    ...              device="fake_manila", source="projected for fake_manila")
    >>> advice = advise(w)
    >>> advice.recommended, advice.cheapest, advice.outcomes["batch"].usage.seconds
    ('batch', 'batch', 10.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from qmodes.advisor import verdict
from qmodes.advisor.replay import MODES, Run, percentile, replay_once
from qmodes.advisor.workload import Workload, workload_from_records
from qmodes.core.limits import MAX_TTL
from qmodes.core.timeline import JobRecord
from qmodes.core.usage import RULES, UsageFigure
from qmodes.local.load import check_load

__all__ = ["DEFAULT_CROWDS", "Advice", "ModeOutcome", "advise", "replay", "seconds_text",
           "set_default_objective"]

DEFAULT_CROWDS = 32
"""Seeded crowds of other users each mode is replayed with (one on an idle device). Waits
behind other users are heavy-tailed (their jobs last 3 s to 2.4 min): a median over fewer
crowds moves by a third from one set of seeds to another (``bench/bench_advisor.py``)."""
REPLAY_BUDGET = 800
"""With the default crowds, a workload of more than ``REPLAY_BUDGET / DEFAULT_CROWDS`` jobs is
replayed with fewer crowds (``REPLAY_BUDGET // jobs``, at least :data:`MIN_CROWDS`), so that
advice stays interactive: a 100-job workload is advised with 8 crowds in about 0.3 s."""
MIN_CROWDS = 8
MAX_CROWDS = 256
_default_objective = "balanced"


def set_default_objective(objective: str) -> None:
    """The objective :func:`advise` uses when given none (``QModes.objective`` sets it)."""
    global _default_objective
    _default_objective = verdict.check_objective(objective)


def seconds_text(seconds: float) -> str:
    """``"0.6 s"``, ``"12.2 s"``, ``"1,234 s"``: the advisor's figures, always in seconds."""
    return f"{seconds:,.1f} s" if seconds < 100 else f"{seconds:,.0f} s"


@dataclass(frozen=True)
class ModeOutcome:
    """One mode over the crowds: medians, with p10–p90 ranges of wall time and usage.

    ``waited``: seconds the workload's jobs waited for the QPU in all, median: behind your own
    jobs submitted together, other users' jobs, the batch's turn, an inactive session.
    ``idle``: billed time no job of yours used the QPU (a session's idle TTL), median.
    """

    mode: str
    usage: UsageFigure
    wall: float
    activations: int = 0
    idle: float = 0.0
    failed: int = 0
    cost: float | None = None
    wall_range: tuple[float, float] = (0.0, 0.0)
    usage_range: tuple[float, float] = (0.0, 0.0)
    waited: float = 0.0
    crowds: int = 1

    @classmethod
    def of(cls, runs: Sequence[Run], source: str, price: float | None = None) -> ModeOutcome:
        """The summary of one mode's replays (one per crowd)."""
        mode = runs[0].mode
        usage = median(r.usage for r in runs)
        walls, usages = [r.wall for r in runs], [r.usage for r in runs]
        return cls(mode, UsageFigure(usage, RULES[mode], source), median(walls),
                   round(median(r.activations for r in runs)),
                   median(max(0.0, r.usage - r.qpu) for r in runs),
                   max(r.failed for r in runs), usage * price if price else None,
                   (percentile(walls, 0.1), percentile(walls, 0.9)),
                   (percentile(usages, 0.1), percentile(usages, 0.9)),
                   median(r.waited for r in runs), len(runs))


@dataclass(frozen=True)
class Advice:
    """The three modes' outcomes, the cheapest and fastest, the pick and why, and hints."""

    outcomes: dict[str, ModeOutcome]
    recommended: str
    reason: str
    source: str
    hints: list[str] = field(default_factory=list)
    cheapest: str = "batch"
    fastest: str = "batch"
    objective: str = "balanced"
    load: float = 0.0

    @property
    def crowds(self) -> int:
        """How many seeded crowds each mode was replayed with."""
        return self.outcomes["job"].crowds

    def conditions(self) -> str:
        """``"other users' load 80 %, median of 16 seeded crowds"`` or ``"idle device"``."""
        if self.load <= 0:
            return "idle device"
        return f"other users' load {self.load:.0%}, median of {self.crowds} seeded crowds"

    def rows(self) -> list[dict[str, Any]]:
        """One dict per mode, recommended first: the model both renderings show.

        Keys: ``mode``, ``usage``, ``usage_range``, ``wall``, ``wall_range`` (p10, p90),
        ``waited``, ``idle`` (None in job mode, which bills no idle time), ``cost``,
        ``recommended``, ``cheapest``, ``fastest``.
        """
        order = sorted(MODES, key=lambda m: (m != self.recommended, ("batch", "session",
                                                                      "job").index(m)))
        return [{"mode": m, "usage": round(o.usage.seconds, 3),
                 "usage_range": [round(v, 3) for v in o.usage_range],
                 "wall": round(o.wall, 3), "wall_range": [round(v, 3) for v in o.wall_range],
                 "waited": round(o.waited, 3), "idle": None if m == "job" else round(o.idle, 3),
                 "cost": o.cost, "recommended": m == self.recommended,
                 "cheapest": m == self.cheapest, "fastest": m == self.fastest}
                for m, o in ((m, self.outcomes[m]) for m in order)]

    def verdict(self) -> str:
        """The recommendation in one line: ``→ session: <why> (cheapest: batch · fastest:
        session · objective balanced: <rule>)``."""
        return (f"→ {self.recommended}: {self.reason} (cheapest: {self.cheapest} · fastest: "
                f"{self.fastest} · objective {self.objective}: {verdict.rule(self.objective)})")

    def table(self) -> list[str]:
        """``mode  billed usage  wall time (p10–p90)  waited  idle billed [cost]`` rows,
        recommended first (→)."""
        rows = self.rows()
        money = any(r["cost"] is not None for r in rows)
        ranged = self.load > 0
        head = (f"  {'mode':<8} {'billed usage':>12} {'wall time':>10} "
                f"{'(p10–p90)' if ranged else '':<17} {'waited':>8} {'idle billed':>12}")
        lines = [head.rstrip() if not money else head + f" {'at your price':>13}"]
        for r in rows:
            low, high = r["wall_range"]
            spread = f"({seconds_text(low)}–{seconds_text(high)})" if ranged else ""
            idle = "–" if r["idle"] is None else seconds_text(r["idle"])
            line = (f"{'→' if r['recommended'] else ' '} {r['mode']:<8} "
                    f"{seconds_text(r['usage']):>12} {seconds_text(r['wall']):>10} "
                    f"{spread:<17} {seconds_text(r['waited']):>8} {idle:>12}")
            if money:
                line += f" {'–' if r['cost'] is None else format(r['cost'], ',.2f'):>13}"
            lines.append(line)
        return lines

    def __str__(self) -> str:
        lines = [f"qmodes advisor ({self.source}; {self.conditions()}):", *self.table(),
                 self.verdict()]
        lines += [f"hint: {h}" for h in self.hints]
        return "\n".join(lines)


def replay(workload: Workload, mode: str, *, load: float = 0.0, crowds: int = DEFAULT_CROWDS,
           interactive_ttl: float | None = None, max_time: float = MAX_TTL,
           lanes: int = 5, price_per_second: float | None = None) -> ModeOutcome:
    """Replay ``workload`` in ``mode`` over ``crowds`` seeded crowds (one if ``load`` is 0)."""
    load = check_load(load)
    seeds = range(_check_crowds(crowds) if load > 0 else 1)
    runs = [replay_once(workload, mode, load=load, seed=seed, interactive_ttl=interactive_ttl,
                        max_time=max_time, lanes=lanes) for seed in seeds]
    return ModeOutcome.of(runs, workload.source, price_per_second)


def _check_crowds(crowds: Any) -> int:
    if isinstance(crowds, bool) or not isinstance(crowds, int) or not (
            1 <= crowds <= MAX_CROWDS):
        raise ValueError(f"crowds must be a whole number from 1 to {MAX_CROWDS} (seeded crowds "
                         f"of other users to replay with), not {crowds!r}")
    return crowds


def advise(subject: Any, *, jobs: Sequence[JobRecord] | None = None, target: str | None = None,
           qpu_seconds: Callable[[JobRecord], float] | None = None,
           price_per_second: float | None = None, session_ttl: float | None = None,
           batch_ttl: float | None = None, load: float | None = None,
           crowds: int | None = None, objective: str | None = None) -> Advice:
    """Replay a workload in the three modes on the emulated device and pick one.

    Args:
        subject: a :class:`Workload`, a qmodes Session/Batch, or a ``ContextRecord`` (then
            give its ``jobs``), or None with ``jobs`` (job-mode jobs).
        target: device to project QPU time for (default: the context's backend).
        qpu_seconds: projected QPU seconds of a recorded job (default: the record's
            ``projected_qpu`` if set, else IBM's quick form of its executions).
        price_per_second: your price; no price, no money figures.
        load: other users' share of the device (0 to 0.95); default: the load of the device
            the workload ran on (0 for plain Aer); 0 replays on an idle device.
        crowds: seeded crowds of other users each mode is replayed with (medians, p10–p90);
            default :data:`DEFAULT_CROWDS`, fewer for long workloads (:data:`REPLAY_BUDGET`).
        objective: ``"cost"``, ``"time"`` or ``"balanced"`` (:mod:`qmodes.advisor.verdict`);
            default ``QModes.objective``.
    """
    objective = verdict.check_objective(objective or _default_objective)
    workload = subject if isinstance(subject, Workload) else _workload_of(
        subject, jobs, target, qpu_seconds)
    if crowds is None:
        crowds = min(DEFAULT_CROWDS, max(MIN_CROWDS, REPLAY_BUDGET // max(1, len(workload.jobs))))
    _check_crowds(crowds)
    load = check_load(workload.device_load if load is None else load)
    ttls = {"session": session_ttl, "batch": batch_ttl, "job": None}
    outcomes = {mode: replay(workload, mode, load=load, crowds=crowds,
                             interactive_ttl=ttls[mode], price_per_second=price_per_second)
                for mode in MODES}
    figures = {m: (o.usage.seconds, o.wall) for m, o in outcomes.items()}
    recommended = verdict.pick(figures, objective, len(workload.jobs))
    cheapest, fastest = verdict.cheapest(figures), verdict.fastest(figures)
    from qmodes.advisor.hints import workload_hints

    return Advice(outcomes, recommended, _reason(outcomes, recommended, cheapest, fastest,
                                                 len(workload.jobs)),
                  workload.source, workload_hints(workload), cheapest, fastest, objective,
                  load)


def _workload_of(subject: Any, jobs: Sequence[JobRecord] | None, target: str | None,
                 qpu_seconds: Callable[[JobRecord], float] | None) -> Workload:
    context = subject
    if hasattr(subject, "record") and hasattr(subject, "timeline"):  # a Session or a Batch
        context = subject.record()
        jobs = subject.timeline.jobs(ids=context.job_ids)
    return workload_from_records(list(jobs or []), context, target=target,
                                 qpu_seconds=qpu_seconds)


def _reason(outcomes: dict[str, ModeOutcome], pick: str, cheapest: str, fastest: str,
            jobs: int) -> str:
    """Why ``pick``, in one clause, with the trade-off against the others."""
    if jobs <= 1:
        return "a single job gains nothing from a batch or a session"
    o = outcomes

    def versus(mode: str, other: str) -> str:
        sooner = o[other].wall - o[mode].wall
        more = o[mode].usage.seconds - o[other].usage.seconds
        return (f"finishes {seconds_text(sooner)} sooner than {other} for "
                f"{seconds_text(max(0.0, more))} more")

    if pick == cheapest == fastest:
        return "the cheapest and the fastest"
    if pick == fastest:
        return versus(pick, cheapest)
    if pick == cheapest:
        extra = o[fastest].usage.seconds - o[pick].usage.seconds
        sooner = seconds_text(o[pick].wall - o[fastest].wall)
        return f"bills least; {fastest} would finish {sooner} sooner for {seconds_text(extra)} more"
    extra = o[fastest].usage.seconds / max(o[cheapest].usage.seconds, 1e-9) - 1.0
    return (f"{versus(pick, cheapest)}; {fastest} would be faster still but bills "
            f"{extra:.0%} over {cheapest}")
