"""Billed usage per day over IBM's 28-day window, as a static SVG drawn from the ledger.

:func:`daily_usage` sums the ledger's billed seconds per day, backend and mode (contexts by
their usage figure, job-mode jobs by theirs, each on the day it was created);
:func:`render_svg` stacks them as bars, one column a day, and draws the running total with
the instance's allowance and the budget as horizontal lines. The SVG has no script and no
external reference: text and axes use ``currentColor``, so inline in a notebook it takes the
theme's colour (light or dark), and saved in a notebook or a file it renders on GitHub.

Example:
    >>> day = 86400.0
    >>> rows = [{"created": 27 * day + 5, "backend": "ibm_x", "mode": "batch", "seconds": 12.0}]
    >>> usage = daily_usage(rows, now=28 * day - 1)
    >>> usage[-1]
    {'ibm_x · batch': 12.0}
    >>> svg = render_svg(usage, budget=60.0, allowance=600.0, now=28 * day - 1)
    >>> svg.startswith("<svg") and "allowance 10m" in svg and "budget 1m" in svg
    True
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from qmodes.core.durations import format_duration

__all__ = ["DAYS", "PALETTE", "daily_usage", "ledger_rows", "render_svg"]

DAYS = 28
"""IBM's usage window (Open Plan: 10 minutes per 28 days)."""
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948",
           "#9c755f")
"""Series colours, readable on light and dark backgrounds."""
_DAY = 86400.0


def ledger_rows(ledger: Any, since: float) -> list[dict[str, Any]]:
    """Billed rows since ``since``: every context, and each job-mode job (not refused)."""
    return ledger.query(  # type: ignore[no-any-return]
        "SELECT created, backend, mode, usage_seconds AS seconds FROM contexts "
        "WHERE created >= ? UNION ALL SELECT created, backend, mode, usage_seconds "
        "FROM jobs WHERE context_id IS NULL AND COALESCE(error_kind, '') != 'budget' "
        "AND created >= ?",
        (since, since))


def _midnight(moment: float) -> float:
    day = datetime.fromtimestamp(moment)
    return day.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def daily_usage(rows: Iterable[dict[str, Any]], *, days: int = DAYS,
                now: float | None = None) -> list[dict[str, float]]:
    """``days`` dictionaries, oldest first: ``"backend · mode"`` → billed seconds that day."""
    now = time.time() if now is None else now
    first = _midnight(now) - (days - 1) * _DAY
    out: list[dict[str, float]] = [{} for _ in range(days)]
    for row in rows:
        created, seconds = row.get("created"), row.get("seconds") or 0.0
        if created is None or not seconds:
            continue
        index = int((float(created) - first) // _DAY)
        if 0 <= index < days:
            key = f"{row.get('backend')} · {row.get('mode')}"
            out[index][key] = out[index].get(key, 0.0) + float(seconds)
    return out


def render_svg(usage: Sequence[dict[str, float]], *, budget: float | None = None,
               allowance: float | None = None, now: float | None = None,
               width: int = 640, height: int = 260) -> str:
    """The chart as an SVG document (a string)."""
    now = time.time() if now is None else now
    keys = sorted({key for day in usage for key in day})
    colour = {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}
    totals = [sum(day.values()) for day in usage]
    running = [sum(totals[: i + 1]) for i in range(len(totals))]
    top = max([*running, *(v for v in (budget, allowance) if v), 1.0]) * 1.1
    left, right, upper, lower = 56, 12, 16, 58 + 14 * ((len(keys) + 2) // 3)
    total_height = height + lower - 58
    plot_w, plot_h = width - left - right, height - upper - 58
    column = plot_w / max(len(usage), 1)

    def y(seconds: float) -> float:
        return upper + plot_h * (1 - seconds / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="qmodes-usage-chart" '
             f'width="{width}" height="{total_height}" viewBox="0 0 {width} {total_height}" '
             f'font-family="sans-serif" font-size="11" role="img" '
             f'aria-label="qmodes billed usage per day, last {len(usage)} days">',
             f'<title>Billed usage per day, last {len(usage)} days</title>']
    for fraction in (0.0, 0.5, 1.0):  # axis and two grid lines
        value = top / 1.1 * fraction
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}" stroke="currentColor" stroke-opacity="0.2"/>')
        parts.append(f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" '
                     f'fill="currentColor">{format_duration(value) if value else "0"}</text>')
    for i, day in enumerate(usage):
        base = 0.0
        for key in keys:
            seconds = day.get(key, 0.0)
            if seconds <= 0:
                continue
            x = left + i * column + column * 0.15
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y(base + seconds):.1f}" '
                         f'width="{column * 0.7:.1f}" height="{y(base) - y(base + seconds):.1f}" '
                         f'fill="{colour[key]}"><title>{html.escape(key)}: '
                         f'{seconds:.2f}s</title></rect>')
            base += seconds
    points = " ".join(f"{left + (i + 0.5) * column:.1f},{y(v):.1f}" for i, v in enumerate(running))
    parts.append(f'<polyline class="running" points="{points}" fill="none" '
                 f'stroke="currentColor" stroke-width="1.5" stroke-dasharray="1 2"/>')
    lines: list[tuple[float | None, str, str]] = [(allowance, "allowance", "6 3"),
                                                   (budget, "budget", "2 3")]
    for level, label, dash in lines:
        if level:
            parts.append(f'<line class="{label}" x1="{left}" x2="{width - right}" '
                         f'y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#e15759" '
                         f'stroke-width="1.5" stroke-dasharray="{dash}"/>')
            parts.append(f'<text x="{width - right}" y="{y(level) - 3:.1f}" text-anchor="end" '
                         f'fill="currentColor">{label} {format_duration(level)}</text>')
    first = datetime.fromtimestamp(_midnight(now) - (len(usage) - 1) * _DAY)
    axis_y = upper + plot_h + 14
    parts.append(f'<text x="{left}" y="{axis_y}" fill="currentColor">'
                 f'{first:%Y-%m-%d}</text>')
    parts.append(f'<text x="{width - right}" y="{axis_y}" text-anchor="end" '
                 f'fill="currentColor">today · dotted: running total</text>')
    for i, key in enumerate(keys):
        x, row = left + (i % 3) * 190, axis_y + 18 + 14 * (i // 3)
        parts.append(f'<rect x="{x}" y="{row - 9}" width="10" height="10" '
                     f'fill="{colour[key]}"/><text x="{x + 14}" y="{row}" '
                     f'fill="currentColor">{html.escape(key)}</text>')
    if not keys:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{upper + plot_h / 2:.1f}" '
                     f'text-anchor="middle" fill="currentColor">no billed usage in the last '
                     f'{len(usage)} days</text>')
    parts.append("</svg>")
    return "".join(parts)
