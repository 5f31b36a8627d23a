"""Benchmarks of the magics: an empty ``%%session`` cell once warm, and ``%load_ext qmodes``.

Targets (issue 3): an empty ``%%session`` cell <= 20 ms once warm; ``%load_ext qmodes``
<= 0.3 s in a fresh process. Each figure is the median of several runs, printed with its
ratio to a baseline (a plain empty cell; ``%load_ext`` of nothing heavier than IPython).

Run by hand::

    python bench/bench_magics.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CELL_TARGET = 0.020
LOAD_TARGET = 0.3


def _median_time(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_cells(repeat: int = 50) -> None:
    import contextlib
    import io

    from traitlets.config import Config

    from qmodes.notebook import output as _output
    from qmodes.notebook.testing_shell import TestingShell

    config = Config()
    config.HistoryManager.enabled = False
    shell = TestingShell.instance(config=config)
    shell.run_cell("%load_ext qmodes")

    def cell(code: str):
        def run() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                shell.run_cell(code, store_history=True)
        return run

    cases = {
        "plain empty cell (baseline)": cell("pass"),
        "%%session --no-widget (empty)": cell("%%session --no-widget\npass"),
        "%%batch --no-widget (empty)": cell("%%batch --no-widget\npass"),
        "%%session, text line (no front-end)": cell("%%session\npass"),
        "%%session --no-widget, await in body": cell(
            "%%session --no-widget\nimport asyncio\nawait asyncio.sleep(0)"),
    }
    results = {}
    for name, run in cases.items():
        for _ in range(3):  # warm: Aer, the runtime, the first context
            run()
        results[name] = _median_time(run, repeat)

    # the live widget, as in a kernel (comms go nowhere here)
    _output.has_widget_frontend = lambda shell: True  # type: ignore[assignment]
    run = cell("%%session\npass")
    for _ in range(3):
        run()
    results["%%session with the live widget"] = _median_time(run, max(10, repeat // 5))

    base = results["plain empty cell (baseline)"]
    print(f"empty cells, median of {repeat} once warm (target <= {CELL_TARGET * 1e3:.0f} ms)")
    for name, seconds in results.items():
        flag = "" if "baseline" in name or seconds <= CELL_TARGET else "  OVER TARGET"
        print(f"  {name:40s} {seconds * 1e3:8.2f} ms  x{seconds / base:6.1f}{flag}")


LOAD = """
import time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
start = time.perf_counter()
shell.run_cell("{cell}")
print(time.perf_counter() - start)
"""


def bench_load_ext(repeat: int = 5) -> None:
    def once(cell: str) -> float:
        out = subprocess.run([sys.executable, "-c", LOAD.format(cell=cell)], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        return float(out.strip().splitlines()[-1])

    base = statistics.median(once("%load_ext autoreload") for _ in range(repeat))
    load = statistics.median(once("%load_ext qmodes") for _ in range(repeat))
    flag = "" if load <= LOAD_TARGET else "  OVER TARGET"
    print(f"%load_ext in a fresh process, median of {repeat} (target <= {LOAD_TARGET} s)")
    print(f"  {'%load_ext autoreload (baseline)':40s} {base * 1e3:8.1f} ms")
    print(f"  {'%load_ext qmodes':40s} {load * 1e3:8.1f} ms  x{load / base:6.1f}{flag}")


if __name__ == "__main__":
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        os.environ["QMODES_HOME"] = home  # the ledger of the bench is thrown away
        bench_load_ext()
        bench_cells()
