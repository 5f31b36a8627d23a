"""Execute the tutorial notebooks in place, keeping their outputs and widget state.

The committed notebooks carry their outputs so that GitHub shows the static timelines. Run
this after editing a notebook (it uses the same settings as ``tests/notebooks``)::

    .venv/bin/python notebooks/execute.py                       # every notebook
    .venv/bin/python notebooks/execute.py 02_session_vqe.ipynb  # some of them

The kernel runs as on a machine without an IBM Quantum account: its ``HOME`` is an empty
temporary folder (no saved account is found there) and no ``QISKIT_IBM_*`` variable reaches it,
so ``04_ibm_hardware.ipynb`` says so and runs against qmodes' offline IBM Quantum server, never
against a real account. The ledger goes to a temporary ``QMODES_HOME``, so your own history is
not touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT = 300
"""Seconds any one cell may take."""


def notebooks() -> list[Path]:
    """The tutorial notebooks, in order."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def kernel_env(qmodes_home: str) -> dict[str, str]:
    """The kernel's environment: the ledger in ``qmodes_home``, and no IBM account: ``HOME``
    is an empty folder next to it (qiskit-ibm-runtime looks for ``~/.qiskit/qiskit-ibm.json``)."""
    env = dict(os.environ)
    home = Path(qmodes_home) / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(QMODES_HOME=qmodes_home, HOME=str(home), PYDEVD_DISABLE_FILE_VALIDATION="1")
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_URL", "QISKIT_IBM_CHANNEL",
                 "QMODES_TEST_SERVER", "IPYTHONDIR"):
        env.pop(name, None)  # a real account never reaches the executed notebooks
    return env


def execute(path: Path, qmodes_home: str, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Execute the notebook at ``path`` in a fresh kernel and return it (not saved).

    Cells tagged ``raises-exception`` may fail; any other error raises
    ``nbclient.exceptions.CellExecutionError``.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=kernel_env(qmodes_home))
    return notebook


def main(names: list[str]) -> None:
    paths = [HERE / name for name in names] if names else notebooks()
    with tempfile.TemporaryDirectory(prefix="qmodes-home-") as home:
        for path in paths:
            start = time.monotonic()
            notebook = execute(path, home)
            nbformat.write(notebook, path)
            print(
                f"{path.name}: {time.monotonic() - start:.1f} s, "
                f"{path.stat().st_size / 1024:.0f} KiB"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
