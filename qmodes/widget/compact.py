"""A bounded snapshot of the widget's state: recent jobs in detail, older ones summarized.

The widget's ``snapshot`` trait is what a reloaded page or a saved notebook starts from. The
op log grows with every job (about 400 bytes of JSON each), so the snapshot is rebuilt from
the mirror instead: ops that recreate the contexts and, in detail, only the rows someone can
read. At most :data:`DETAIL_JOBS` recent jobs, the running ones and the next
:data:`DETAIL_JOBS` queued ones keep their row; every other job is folded into one summary
op per context::

    ["A", ci, {"n": jobs, "status": {status: count}, "t0": first created, "t1": last end,
               "qpu": [[start, end], ...] (at most QPU_BANDS merged QPU bands),
               "queued": [[first ji, last ji], ...] (summarized jobs not started yet)}]

A summarized queued job that starts later gets a row of its own in the front-end (from its
``S`` op; ``queued`` tells which context it belongs to). A live view that received every
delta keeps all its rows: only a view that starts from the snapshot sees the summary.

Example:
    >>> from qmodes.core.timeline import Timeline
    >>> from qmodes.widget.state import TimelineState
    >>> compact_ops(TimelineState(Timeline()))
    []
"""

from __future__ import annotations

from typing import Any

from qmodes.core.timeline import JobRecord
from qmodes.widget.state import _CONTEXT_FIELDS, KIND_CODES, Op, TimelineState

__all__ = ["DETAIL_JOBS", "QPU_BANDS", "compact_ops"]

DETAIL_JOBS = 200
"""Jobs kept row by row: the latest ones, and as many of the next queued ones."""
QPU_BANDS = 120
"""Largest number of QPU bands drawn for the summarized jobs of one context."""
_JOB_EXTRAS = ("executions", "error", "error_kind", "finished", "source", "usage_reported")


def compact_ops(state: TimelineState, detail: int = DETAIL_JOBS) -> list[Op]:
    """Ops that rebuild ``state`` with at most about ``3 × detail`` job rows."""
    ops: list[Op] = []
    for context_id, ci in state._context_index.items():
        record = state.contexts[context_id]
        fields = {name: getattr(record, name) for name in _CONTEXT_FIELDS}
        ops.append(["C", ci, state._fields(fields, _CONTEXT_FIELDS)])
        for window in record.windows:
            ops.append(["W", ci, state.relative(window.start)])
            if window.end is not None:
                ops.append(["w", ci, state.relative(window.end)])
    ordered = sorted(state._job_index.items(), key=lambda item: item[1])
    keep = _kept(state, ordered, detail)
    summarized: dict[int, list[tuple[int, JobRecord]]] = {}
    for job_id, ji in ordered:
        job = state.jobs[job_id]
        ci = state._context_index.get(job.context_id, -1) if job.context_id else -1
        if ji in keep:
            ops += _job_ops(state, job, ji, ci)
        else:
            summarized.setdefault(ci, []).append((ji, job))
    for ci, jobs in summarized.items():
        ops.append(["A", ci, _summary(state, jobs)])
    return ops


def _kept(state: TimelineState, ordered: list[tuple[str, int]], detail: int) -> set[int]:
    keep = {ji for _, ji in ordered[-detail:]}
    queued = 0
    for job_id, ji in ordered:
        job = state.jobs[job_id]
        if job.status == "RUNNING":
            keep.add(ji)
        elif job.status == "QUEUED" and queued < detail:
            keep.add(ji)
            queued += 1
    return keep


def _job_ops(state: TimelineState, job: JobRecord, ji: int, ci: int) -> list[Op]:
    ops: list[Op] = [["J", ji, job.id, ci, state.relative(job.created), job.status,
                      job.num_pubs, job.shots, job.primitive]]
    for span in job.spans:
        ops.append(["S", ji, KIND_CODES[span.kind], state.relative(span.start)])
        if span.end is not None:
            ops.append(["s", ji, state.relative(span.end)])
    extras = {name: getattr(job, name, None) for name in _JOB_EXTRAS}
    extras = {name: value for name, value in extras.items() if value not in (None, "", 0)}
    if job.id in state.waits:
        extras["wait"] = state.waits[job.id]
    if extras:
        ops.append(["j", ji, state._fields(extras, extras)])
    return ops


def _summary(state: TimelineState, jobs: list[tuple[int, JobRecord]]) -> dict[str, Any]:
    status: dict[str, int] = {}
    qpu: list[tuple[float, float]] = []
    ends: list[float] = []
    queued: list[list[int]] = []
    for ji, job in jobs:
        status[job.status] = status.get(job.status, 0) + 1
        for span in job.spans:
            if span.end is not None:
                ends.append(span.end)
                if span.kind == "qpu":
                    qpu.append((span.start, span.end))
        if job.status == "QUEUED":
            if queued and queued[-1][1] == ji - 1:
                queued[-1][1] = ji
            else:
                queued.append([ji, ji])
    first = min(job.created for _, job in jobs)
    last = max(ends, default=first)
    return {"n": len(jobs), "status": status, "t0": state.relative(first),
            "t1": state.relative(last),
            "qpu": [[state.relative(a), state.relative(b)] for a, b in _bands(qpu, last - first)],
            "queued": queued}


def _bands(spans: list[tuple[float, float]], extent: float,
           limit: int = QPU_BANDS) -> list[tuple[float, float]]:
    """Merge intervals that touch or lie closer than ``extent / limit``; at most ``limit``."""
    gap = extent / limit if extent > 0 else 0.0
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    while len(merged) > limit:  # only with uneven gaps: merge pairs until it fits
        merged = [[merged[i][0], merged[min(i + 1, len(merged) - 1)][1]]
                  for i in range(0, len(merged), 2)]
    return [(a, b) for a, b in merged]
