"""A static picture of the timeline for places without a widget front-end.

nbconvert's HTML export, GitHub's notebook view and a terminal cannot run the widget's
JavaScript; they show ``text/html`` (an inline SVG Gantt chart drawn here) or ``text/plain``
(a few summary lines) from the same display output instead.

Example:
    >>> from qmodes.core.timeline import Timeline
    >>> from qmodes.widget.state import TimelineState
    >>> from qmodes.widget.summary import summarize
    >>> state = TimelineState(Timeline())
    >>> render_text(summarize(state, now=0.0))
    'qmodes timeline: no jobs yet'
"""

from __future__ import annotations

from html import escape
from typing import Any

from qmodes.widget.state import TimelineState
from qmodes.widget.waits import gaps

__all__ = ["COLORS", "render_html", "render_svg", "render_text"]

COLORS = {"queued": "#b0b7c3", "classical": "#4a90d9", "qpu": "#8e44ad", "post": "#2aa198",
          "ERROR": "#d9534f", "CANCELLED": "#7f8c8d", "window": "#dbe9f9", "idle": "#fbe3b6",
          "load": "#b57edc",
          "text": "#333333", "grid": "#e3e3e3"}
"""Fixed colours of the static picture (the live widget follows the theme instead)."""

_WIDTH, _GUTTER, _AXIS, _ROW, _MAX_ROWS = 760, 120, 22, 14, 60


def render_text(summary: dict[str, Any]) -> str:
    """A few plain lines: one per context with status, jobs by state and usage."""
    lines = []
    for ctx in summary["contexts"]:
        lines.append(f"qmodes timeline: {ctx['mode']} on {ctx['backend']} — {ctx['status']}")
        lines.append(_figures(ctx))
    if summary.get("job_mode"):
        lines.append("qmodes timeline: job mode")
        lines.append(_figures(summary["job_mode"]))
    return "\n".join(lines) if lines else "qmodes timeline: no jobs yet"


def _figures(part: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in part["jobs"].items() if n)
    usage = part["usage"]
    return (f"  {sum(part['jobs'].values())} jobs ({counts or 'none'}); "
            f"usage {usage['seconds']:.3f} s ({usage['rule']}), {usage['source']}; "
            f"QPU {part['qpu_seconds']['seconds']:.3f} s")


def _x(t: float, span: float) -> float:
    return _GUTTER + (_WIDTH - _GUTTER - 10) * (t / span if span > 0 else 0.0)


def render_svg(state: TimelineState, summary: dict[str, Any]) -> str:
    """An inline SVG Gantt chart: one row per job (the first 60), windows as bands, waits for
    the QPU as queued time (their reason in the tooltip), other users' time as a band."""
    origin = state.origin or 0.0
    now = summary["now"]
    jobs = list(state.jobs.values())
    shown = jobs[:_MAX_ROWS]
    height = _AXIS + _ROW * max(1, len(shown)) + (16 if len(jobs) > len(shown) else 4)
    ends = [now] + [s.end - origin for j in jobs for s in j.spans if s.end is not None]
    span = max(ends) if ends else 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
           f'viewBox="0 0 {_WIDTH} {height}" font-family="sans-serif" font-size="10" '
           f'role="img" aria-label="qmodes job timeline">']
    for ctx in state.contexts.values():
        for w in ctx.windows:
            end = (w.end if w.end is not None else origin + now) - origin
            x0, x1 = _x(w.start - origin, span), _x(end, span)
            out.append(f'<rect x="{x0:.1f}" y="{_AXIS}" width="{max(1.0, x1 - x0):.1f}" '
                       f'height="{height - _AXIS}" fill="{COLORS["window"]}"/>')
    load = state.load_band(origin + now)
    for a, b in (load or {}).get("intervals", []):
        x0, x1 = _x(a, span), _x(b, span)
        if x1 >= _GUTTER:
            x0 = max(x0, _GUTTER)
            out.append(f'<rect x="{x0:.1f}" y="{_AXIS - 6}" width="{max(1.0, x1 - x0):.1f}" '
                       f'height="4" fill="{COLORS["load"]}"><title>other users {b - a:.3f}s'
                       f'</title></rect>')
    for i in range(5):
        t = span * i / 4
        x = _x(t, span)
        out.append(f'<line x1="{x:.1f}" y1="{_AXIS - 4}" x2="{x:.1f}" y2="{height}" '
                   f'stroke="{COLORS["grid"]}"/>')
        out.append(f'<text x="{x:.1f}" y="{_AXIS - 8}" text-anchor="middle" '
                   f'fill="{COLORS["text"]}">{t:.3g}s</text>')
    for row, job in enumerate(shown):
        y = _AXIS + row * _ROW
        out.append(f'<text x="4" y="{y + 10}" fill="{COLORS["text"]}">'
                   f'{escape(job.id[-14:])}</text>')
        why = state.waits.get(job.id) or state.reason(job, origin + now)
        for a, b in gaps(job.spans, job.in_final_state, job.finished, origin + now):
            x0, x1 = _x(a - origin, span), _x(b - origin, span)
            out.append(f'<rect x="{x0:.1f}" y="{y + 2}" width="{max(1.0, x1 - x0):.1f}" '
                       f'height="{_ROW - 4}" fill="{COLORS["queued"]}"><title>{escape(job.id)} '
                       f'waited {b - a:.3f}s for the QPU: {escape(why or "")}</title></rect>')
        for s in job.spans:
            end = (s.end if s.end is not None else origin + now) - origin
            x0, x1 = _x(s.start - origin, span), _x(end, span)
            color = COLORS[job.status] if (job.status in ("ERROR", "CANCELLED")
                                           and s is job.spans[-1]) else COLORS[s.kind]
            out.append(f'<rect x="{x0:.1f}" y="{y + 2}" width="{max(1.0, x1 - x0):.1f}" '
                       f'height="{_ROW - 4}" fill="{color}"><title>{escape(job.id)} '
                       f'{s.kind} {end - (s.start - origin):.3f}s'
                       f'{": " + escape(why) if s.kind == "queued" and why else ""}'
                       f'</title></rect>')
    if len(jobs) > len(shown):
        out.append(f'<text x="4" y="{height - 4}" fill="{COLORS["text"]}">… and '
                   f'{len(jobs) - len(shown)} more jobs</text>')
    out.append("</svg>")
    return "".join(out)


def render_html(state: TimelineState, summary: dict[str, Any]) -> str:
    """The static snapshot: a header per context, the SVG and a colour legend."""
    parts = ['<div class="qmodes-snapshot" style="font-family:sans-serif;font-size:12px">']
    for line in render_text(summary).splitlines():
        tag = "div" if line.startswith("  ") else "strong"
        parts.append(f"<{tag}>{escape(line.strip())}</{tag}>")
    parts.append(render_svg(state, summary))
    legend = " ".join(
        f'<span style="display:inline-block;width:10px;height:10px;background:{COLORS[k]}">'
        f"</span> {label}" for k, label in (("queued", "queued or waiting for the QPU"),
                                             ("classical", "classical"),
                                             ("qpu", "QPU"), ("post", "post-processing"),
                                             ("ERROR", "failed"), ("CANCELLED", "cancelled"),
                                             ("window", "session window"),
                                             ("load", "other users")))
    parts.append(f"<div>{legend}</div></div>")
    return "".join(parts)
