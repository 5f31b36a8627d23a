"""What would this workload cost, and how long would it take, in the other modes?

The advisor replays a recorded workload (:mod:`qmodes.advisor.workload`) in job, batch and session
mode through the emulated device itself (:mod:`qmodes.advisor.replay`: the same device
scheduler, the same seeded load model of other users), over several seeded crowds, and reports
each mode's billed usage, wall time (median and p10–p90) and waits
(:mod:`qmodes.advisor.advice`). It names the cheapest and the fastest mode and picks one by an
objective (:mod:`qmodes.advisor.verdict`). Hints (:mod:`qmodes.advisor.hints`) add best
practices.

An observer: it may import :mod:`qmodes.context` and the layers below (it replays through the
local engine); the engine never imports it. Importing it registers :func:`advise` as what
``session.advise()`` calls.

Example:
    >>> w = Workload((WorkloadJob("a", qpu=5.0), WorkloadJob("b", qpu=5.0, offset=0.1)),
    ...              device="fake_manila", source="projected for fake_manila")
    >>> advice = advise(w)
    >>> advice.recommended, advice.outcomes["batch"].usage.seconds
    ('batch', 10.0)
"""

from __future__ import annotations

from qmodes.advisor.advice import (
    DEFAULT_CROWDS,
    Advice,
    ModeOutcome,
    advise,
    replay,
    seconds_text,
    set_default_objective,
)
from qmodes.advisor.hints import SMALL_JOB_QPU, combine_hint, hints
from qmodes.advisor.replay import MODES, Run, replay_once
from qmodes.advisor.verdict import OBJECTIVES
from qmodes.advisor.workload import Workload, WorkloadJob, workload_from_records
from qmodes.context.base import register_advisor

__all__ = ["DEFAULT_CROWDS", "MODES", "OBJECTIVES", "SMALL_JOB_QPU", "Advice", "ModeOutcome",
           "Run", "Workload", "WorkloadJob", "advise", "combine_hint", "hints", "replay",
           "replay_once", "seconds_text", "set_default_objective", "workload_from_records"]

register_advisor(advise)  # ExecutionContext.advise() (the contexts sit below the advisor)
