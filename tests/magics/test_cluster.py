"""``--cluster`` on the magics, ``%config QModes.cluster`` and ``%qmodes``: a bad or
unreachable cluster is refused in one line before any job is queued; a cell on a cluster
runs its jobs there and puts the kernel back afterwards."""

from __future__ import annotations

import socket

import pytest
from IPython.core.error import UsageError

from qmodes.compute import clusters
from qmodes.local import default_runtime


def unreachable() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(autouse=True)
def fast_connect(monkeypatch):
    from qmodes.compute import dask_backend

    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1.0)


def test_an_unreachable_cluster_on_the_magic_is_a_usage_error_before_any_job(shell):
    address = unreachable()
    with pytest.raises(UsageError, match=f"%%batch: --cluster: cannot reach the Dask "
                                         f"scheduler at {address}") as caught:
        shell.run_cell(f"%%batch --no-widget -b fake_manila --cluster {address}\nran = True")
    assert "\n" not in str(caught.value)
    assert "ran" not in shell.user_ns
    assert default_runtime().cluster is None


def test_a_bad_cluster_setting_is_refused_and_changes_nothing(shell, magics, caplog):
    shell.run_cell(f"%config QModes.cluster = '{unreachable()}'")
    shell.run_cell("%config QModes.cluster = 'laptop'")
    messages = [r.getMessage() for r in caplog.records]
    assert "cannot reach the Dask scheduler" in messages[0]
    assert "QModes.cluster: cluster must be None" in messages[1]
    assert magics.settings.cluster is None and default_runtime().cluster is None


def test_a_cell_on_a_local_cluster_runs_there_and_the_kernel_comes_back(shell, capsys):
    try:
        shell.run_cell("%%batch --no-widget -b aer --cluster local:1\n"
                       "from qiskit import QuantumCircuit\n"
                       "c = QuantumCircuit(1); c.x(0); c.measure_all()\n"
                       "job = sampler.run([c], shots=5)\n")
        where = shell.user_ns["job"].result().metadata["qmodes"]
        assert where["worker"].startswith("tcp://127.0.0.1:")
        assert default_runtime().cluster is None  # for this cell only
        capsys.readouterr()
        shell.run_cell("%qmodes")
        assert "compute: in the kernel" in capsys.readouterr().out
        shell.run_cell("%config QModes.cluster = 'local:1'")  # the same cluster, reused
        shell.run_cell("%qmodes")
        out = capsys.readouterr().out
        assert "compute: Dask at tcp://127.0.0.1:" in out and "1 worker," in out
        assert "cluster = 'local:1'" in out
    finally:
        shell.run_cell("%config QModes.cluster = None")
        clusters.close_all()
    assert default_runtime().cluster is None
