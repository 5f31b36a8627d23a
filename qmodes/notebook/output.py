"""What the magics print: the live widget (or a text line), the summary line, the advisor.

Example:
    >>> import qmodes
    >>> with qmodes.Batch("aer") as batch:
    ...     pass
    >>> summary_line(batch)
    'batch closed · 0 jobs · usage 0 s measured on Aer'
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from qmodes.backends.names import is_device_name
from qmodes.core.durations import format_duration

__all__ = ["advice_table", "advisor_lines", "format_seconds", "open_line", "print_advice",
           "show_context", "summary_line"]

ADVISOR_MAX_JOBS = 500
"""More jobs than this are not replayed after a cell: the three replays take ~0.1 s for 200
jobs and grow faster than linearly (``ctx.advise()`` still replays any number)."""

_STATES = ("DONE", "RUNNING", "QUEUED", "ERROR", "CANCELLED")


def summary_line(context: Any, verb: str = "closed", price_per_second: float | None = None
                 ) -> str:
    """``session closed · 12 jobs (12 done) · usage 3.4 s measured on Aer``."""
    jobs = context.timeline.jobs(ids=context.record().job_ids)
    counts = Counter(job.status for job in jobs)
    states = ", ".join(f"{counts[state]} {state.lower()}" for state in _STATES if counts[state])
    plural = "" if len(jobs) == 1 else "s"
    jobs_part = f"{len(jobs)} job{plural}" + (f" ({states})" if states else "")
    figure = context.usage_figure()
    usage = f"usage {format_seconds(figure.seconds)} {figure.source}"
    if price_per_second is not None:
        usage += f" (≈ {figure.seconds * price_per_second:,.2f} at {price_per_second:g}/s)"
    pending = _still_open_on_ibm(context) if verb == "closed" else None
    if pending is not None:
        verb = "NOT closed on IBM"
    line = f"{context.mode} {verb} · {jobs_part} · {usage}"
    return line if pending is None else f"{line}\n  {pending.message()}"


def _still_open_on_ibm(context: Any) -> Any:
    """The unconfirmed close of a remote context (None: none, or no IBM device was used)."""
    closing = sys.modules.get("qmodes.remote.closing")  # loaded only once ibm: is used
    return None if closing is None else closing.unconfirmed_close(context.id)


def not_emulated_line(context: Any) -> str | None:
    """The options the context's jobs set that qmodes does not emulate, once per cell.

    Example: ``not emulated here (recorded in each result's metadata): resilience_level=2
    (3 jobs)``; None when every option took effect.
    """
    counts: Counter[str] = Counter()
    for job in context.jobs():
        settings = getattr(getattr(job, "_work", None), "settings", None)
        for path, value in getattr(settings, "not_emulated", {}).items():
            counts[f"{path}={value!r}"] += 1
    if not counts:
        return None
    listed = ", ".join(f"{option} ({n} job{'' if n == 1 else 's'})"
                       for option, n in counts.items())
    return f"not emulated here (recorded in each result's metadata): {listed}"


def format_seconds(seconds: float) -> str:
    """``"3.4 s"``, ``"71.4 s"``, ``"312 s"``, ``"4,213 s"`` (never in e-notation)."""
    return f"{seconds:.3g} s" if seconds < 1000 else f"{seconds:,.0f} s"


def advisor_lines(context: Any, target: str | None = None,
                  price_per_second: float | None = None) -> list[str]:
    """The advisor's verdict on a closed context's workload, as a compact table; [] when there
    is nothing to project (no jobs, or plain Aer with no ``target`` device).

    A caption line (the device, the load replayed), one row per mode (recommended first,
    marked ``→``: billed usage, median wall time with its p10–p90 range under load, time
    waited for the device, idle time billed, and cost with ``price_per_second``), the verdict
    in one line (cheapest, fastest, the pick by ``QModes.objective``), one ``hint: ...`` line
    per best-practice hint, and the sources in one last line.
    """
    record = context.record()
    if not record.job_ids:
        return []
    backend = context.backend_name
    device = backend if is_device_name(backend) else target
    if device is None:
        return []
    if len(record.job_ids) > ADVISOR_MAX_JOBS:
        return [f"advisor: skipped for {len(record.job_ids)} jobs (more than "
                f"{ADVISOR_MAX_JOBS} take long to replay); call .advise() on the context"]
    # heavy: the advisor (its replays) loads when advice is asked for; a layer below
    from qmodes.advisor import hints
    from qmodes.advisor.workload import replayable

    jobs = context.timeline.jobs(ids=record.job_ids)
    if not replayable(jobs):
        return []  # every job was cancelled before it ran: nothing to replay
    advice = context.advise(target=None if device == backend else device,
                            price_per_second=price_per_second)
    snapshot = device == backend and all(j.projected_qpu is not None for j in jobs)
    how = "from its calibration snapshot" if snapshot else "by IBM's quick formula"
    if price_per_second:
        how += f"; money at {price_per_second:g}/s"
    lines = [f"advisor (projected for {device} {how}; {advice.conditions()}):",
             *advice_table(advice), advice.verdict()]
    now = max([t for t in (record.closed_at, record.last_job_completed) if t is not None],
              default=record.created)
    found = [*advice.hints, *hints(record, jobs, now, target=device)]
    lines += [f"hint: {hint}" for hint in dict.fromkeys(found)]
    lines.append(f"sources: {advice.source}; usage by each mode's IBM billing rule")
    return lines


def advice_table(advice: Any) -> list[str]:
    """Rows ``  mode  billed usage  wall time  idle billed [cost]``, recommended first (→)."""
    return list(advice.table())


def print_advice(context: Any, target: str | None = None,
                 price_per_second: float | None = None) -> None:
    """Print :func:`advisor_lines`; a failure is one ``advisor: ...`` note, never an error."""
    try:
        lines = advisor_lines(context, target, price_per_second)
    except Exception as error:  # the advisor must never break the cell
        message = (str(error).splitlines() or [""])[0][:200]
        lines = [f"advisor: not available ({type(error).__name__}: {message})"]
    for line in lines:
        print(line)



def open_line(context: Any) -> str:
    """``session open · fake_manila · session-1a2b · max time 8h · interactive TTL 1m``."""
    record = context.record()
    return (f"{context.mode} open · {context.backend_name} · {context.id} · max time "
            f"{format_duration(record.max_time)} · interactive TTL "
            f"{format_duration(record.interactive_ttl)}")


def show_context(shell: Any, context: Any, settings: Any = None) -> None:
    """Show the live timeline widget for ``context``, or a text line without a widget front-end.

    The widget is imported here, on first use: ``import qmodes`` does not import it.
    """
    widget = _make_widget(shell, context, settings)
    if widget is None:
        print(open_line(context))
    elif hasattr(widget, "show"):
        widget.show()
    else:
        # start-up time: the kernel's parts load only where they are used
        from IPython.display import display

        display(widget)


def has_widget_frontend(shell: Any) -> bool:
    """True in a Jupyter kernel (a front-end that may render widgets); False in a terminal."""
    return getattr(shell, "kernel", None) is not None


def _make_widget(shell: Any, context: Any, settings: Any = None) -> Any:
    if not has_widget_frontend(shell):
        return None
    try:
        # start-up time: the widget (anywidget) loads when one is shown; a layer below
        from qmodes.widget import TimelineWidget

        options = {} if settings is None else {
            "target": settings.target, "price_per_second": settings.price_per_second,
            "advisor": settings.advisor}
        return TimelineWidget(context, **options)
    except Exception:  # no widget package, or it failed: the text line still says what opened
        return None
