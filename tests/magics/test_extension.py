"""Loading the extension: light, and only on ``%load_ext``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qmodes.notebook.extension import _magic_call


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_qmodes_does_not_import_ipython():
    assert _run("import sys, qmodes; print('IPython' in sys.modules)") == "False"


def test_load_ext_registers_the_magics_without_importing_qiskit_or_the_widget():
    code = """
import sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("%load_ext qmodes")
magics = shell.magics_manager.magics
print(sorted(n for n in ("session", "batch") if n in magics["cell"]),
      sorted(n for n in ("session", "batch", "qmodes") if n in magics["line"]),
      [m for m in ("qiskit", "qiskit_aer", "anywidget") if m in sys.modules])
"""
    assert _run(code) == "['batch', 'session'] ['batch', 'qmodes', 'session'] []"


def test_loading_twice_keeps_one_set_of_hooks(shell):
    shell.run_cell("%load_ext qmodes")  # already loaded: IPython does nothing
    shell.run_cell("%reload_ext qmodes")
    transformers = [t for t in shell.input_transformers_post
                    if type(t).__name__ == "_AsyncCellTransformer"]
    assert len(transformers) == 1
    assert sum(type(c).__name__ == "QModes" for c in shell.configurables) == 1


@pytest.mark.parametrize(("code", "expected"), [
    ("get_ipython().run_cell_magic('session', '-b aer', 'x = 1\\n')\n",
     ("session", "-b aer", "x = 1\n")),
    ("get_ipython().run_cell_magic('batch', '', 'await f()\\n')\n", ("batch", "", "await f()\n")),
    ("get_ipython().run_cell_magic('time', '', 'x\\n')\n", None),
    ("x = get_ipython().run_cell_magic('session', '', 'x\\n')\n", None),
    ("get_ipython().run_cell_magic('session', line, 'x\\n')\n", None),
    ("def (:\n", None),
])
def test_only_a_cell_that_is_one_qmodes_cell_magic_is_recognised(code, expected):
    assert _magic_call(code) == expected
