"""What the magics print: the live widget (or a text line) and the one-line summary.

Example:
    >>> import qmodes
    >>> with qmodes.Batch("aer") as batch:
    ...     pass
    >>> summary_line(batch)
    'batch closed · 0 jobs · usage 0 s measured on Aer'
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from qmodes.durations import format_duration

__all__ = ["open_line", "show_context", "summary_line"]

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
    usage = f"usage {figure.seconds:.3g} s {figure.source}"
    if price_per_second is not None:
        usage += f" (≈ {figure.seconds * price_per_second:,.2f} at {price_per_second:g}/s)"
    return f"{context.mode} {verb} · {jobs_part} · {usage}"


def open_line(context: Any) -> str:
    """``session open · fake_manila · session-1a2b · max time 8h · interactive TTL 1m``."""
    record = context.record()
    return (f"{context.mode} open · {context.backend_name} · {context.id} · max time "
            f"{format_duration(record.max_time)} · interactive TTL "
            f"{format_duration(record.interactive_ttl)}")


def show_context(shell: Any, context: Any) -> None:
    """Show the live timeline widget for ``context``, or a text line without a widget front-end.

    The widget is imported here, on first use: ``import qmodes`` does not import it.
    """
    widget = _make_widget(shell, context)
    if widget is None:
        print(open_line(context))
    elif hasattr(widget, "show"):
        widget.show()
    else:
        from IPython.display import display

        display(widget)


def has_widget_frontend(shell: Any) -> bool:
    """True in a Jupyter kernel (a front-end that may render widgets); False in a terminal."""
    return getattr(shell, "kernel", None) is not None


def _make_widget(shell: Any, context: Any) -> Any:
    if not has_widget_frontend(shell):
        return None
    try:
        from qmodes.widget import TimelineWidget

        return TimelineWidget(context)
    except Exception:  # no widget package, or it failed: the text line still says what opened
        return None
