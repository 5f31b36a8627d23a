"""The public API: explicit, sorted, light to import."""

from __future__ import annotations

import subprocess
import sys

import qmodes


def test_all_is_sorted_and_every_name_resolves():
    assert list(qmodes.__all__) == sorted(qmodes.__all__)
    for name in qmodes.__all__:
        assert getattr(qmodes, name) is not None


def test_import_qmodes_pulls_in_neither_ipython_nor_qiskit_nor_the_widget():
    code = ("import sys, qmodes; print(sorted(m for m in ('IPython', 'qiskit', 'anywidget', "
            "'qiskit_ibm_runtime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_api_works_in_a_plain_script_without_ipython():
    code = """
import sys, qmodes
from qiskit import QuantumCircuit
c = QuantumCircuit(1); c.x(0); c.measure_all()
with qmodes.Session(backend="aer", max_time="30m") as session:
    counts = qmodes.Sampler().run([(c,)], shots=16).result()[0].data.meas.get_counts()
assert counts == {"1": 16}, counts
assert session.status() == "Closed"
assert "IPython" not in sys.modules
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_a_session_left_open_in_a_script_is_closed_at_exit(tmp_path):
    code = """
import atexit
from qmodes.timeline import default_timeline
ids = []
atexit.register(lambda: print(default_timeline().context(ids[0]).state))  # runs last
import qmodes
session = qmodes.Session("aer")  # never closed by the script
ids.append(session.id)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "closed", out.stderr


def test_submodules_are_reachable_as_attributes_after_a_plain_import():
    code = "import qmodes; print(qmodes.local.default_runtime().lanes, qmodes.usage.RULES['job'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.startswith("5 job mode"), out.stderr
