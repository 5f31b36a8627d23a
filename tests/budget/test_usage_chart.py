"""The usage chart: per-day stacked bars from the ledger, allowance and budget lines."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.ledger import Ledger
from qmodes.ledger.chart import daily_usage, ledger_rows, render_svg

DAY = 86400.0


def _ledger_with_history(path: Path, now: float) -> Ledger:
    timeline, ledger = Timeline(), Ledger(path)
    ledger.attach(timeline)
    for index, (days_ago, qpu) in enumerate([(0, 3.0), (0, 2.0), (2, 5.0), (40, 9.0)]):
        job_id = f"j{index}"
        created = now - days_ago * DAY
        timeline.add_job(JobRecord(id=job_id, context_id=None, mode="job",
                                   backend="ibm_x", primitive="sampler", created=created))
        timeline.open_span(job_id, "qpu", created)
        timeline.close_span(job_id, created + qpu)
    timeline.add_context(ContextRecord(id="batch-1", mode="batch", backend="ibm_x",
                                       created=now - DAY, max_time=60.0, interactive_ttl=1.0))
    return ledger


def test_bars_sum_the_ledger_per_day_backend_and_mode(tmp_path: Path) -> None:
    now = time.time()
    ledger = _ledger_with_history(tmp_path / "l.sqlite3", now)
    usage = daily_usage(ledger_rows(ledger, now - 28 * DAY), now=now)
    assert len(usage) == 28
    assert usage[-1] == {"ibm_x · job": pytest.approx(5.0)}
    assert usage[-3] == {"ibm_x · job": pytest.approx(5.0)}
    assert sum(sum(d.values()) for d in usage) == pytest.approx(10.0)  # 40 days ago: out
    svg = render_svg(usage, budget=120.0, allowance=600.0, now=now)
    root = ET.fromstring(svg)  # well-formed, self-contained SVG
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in root.iter(f"{ns}rect") if r.get("class") == "bar"]
    assert len(bars) == 2
    heights = sorted(float(b.get("height", 0)) for b in bars)
    assert heights[0] == pytest.approx(heights[1])  # 5 s and 5 s
    assert root.find(f".//{ns}line[@class='allowance']") is not None
    assert "budget 2m" in svg and "allowance 10m" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # no external reference
    ledger.close()


def test_empty_ledger_says_so() -> None:
    svg = render_svg(daily_usage([], now=0.0), now=0.0)
    assert "no billed usage in the last 28 days" in svg
    assert not re.search(r'class="bar"', svg)
