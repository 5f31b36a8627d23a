"""``--load`` on the magics and ``%config QModes.device_load``: other users on a fake device."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from tests.local.device import make_device

CELL = ("from qiskit import QuantumCircuit\n"
        "c = QuantumCircuit(1); c.x(0); c.measure_all()\n"
        "job = sampler.run([c], shots=100); job.result()\n")


@pytest.fixture
def device(magics):
    device = make_device()
    magics.contexts.runtime = device.runtime
    yield device
    magics.contexts.runtime = None


def test_load_on_a_session_cell_brings_other_users_to_the_device(shell, device):
    shell.run_cell("%%session --no-widget -b fake_manila --load 0.8\n" + CELL)
    scheduler = device.scheduler()
    assert scheduler.load is not None and scheduler.load.model.load == 0.8
    assert shell.user_ns["job"].metrics()["source"] == "projected for fake_manila"
    shell.run_cell("%%batch --no-widget -b fake_manila --load 0\n" + CELL)
    assert scheduler.load is None


@pytest.mark.parametrize("line, message", [
    ("%%session -b fake_manila --load 1.5", r"--load: load must be between 0 and 0\.95"),
    ("%%session -b aer --load 0.5", "aer is not an emulated device"),
    ("%%batch -b fake_manila --load lots", "invalid float value"),
])
def test_a_bad_load_is_one_usage_error(shell, device, line, message):
    with pytest.raises(UsageError, match=message):
        shell.run_cell(line + "\npass\n")


def test_the_config_setting_validates_and_reaches_the_runtime(shell, caplog):
    from qmodes.local import default_runtime

    shell.run_cell("%config QModes.device_load = 0.99")
    assert "QModes.device_load must be between 0 and 0.95" in caplog.text
    assert default_runtime().device_load == 0.0
    try:
        shell.run_cell("%config QModes.device_load = 0.5")
        assert default_runtime().device_load == 0.5
    finally:
        default_runtime().device_load = 0.0


def test_config_target_runs_plain_aer_in_the_devices_time(shell, capsys):
    shell.run_cell("from qiskit import QuantumCircuit\n"
                   "c = QuantumCircuit(2); c.h(0); c.cx(0, 1); c.measure_all()")
    shell.run_cell("%%batch --backend aer --no-widget\njob = sampler.run([c], shots=100)\n"
                   "job.result()")
    assert shell.user_ns["job"].metrics()["source"] == "measured on Aer"
    shell.run_cell("%config QModes.target = 'fake_manila'")
    shell.run_cell("%%batch --backend aer --no-widget\njob = sampler.run([c], shots=100)\n"
                   "job.result()")
    job = shell.user_ns["job"]
    assert job.metrics()["source"] == "projected for fake_manila"
    assert job.usage() > 2.0  # IBM's 2 s a job, at least
    assert job.result().metadata["qmodes"]["source"] == "projected for fake_manila"
    shell.run_cell("%config QModes.target = None")
    shell.run_cell("%%batch --backend aer --no-widget\njob = sampler.run([c], shots=100)\n"
                   "job.result()")
    assert shell.user_ns["job"].metrics()["source"] == "measured on Aer"


def test_unloading_qmodes_puts_plain_aer_back_on_wall_time(shell):
    from qmodes.local import default_runtime

    shell.run_cell("%config QModes.target = 'fake_manila'")
    assert default_runtime().device_time.target == "fake_manila"
    shell.run_cell("%unload_ext qmodes")
    assert default_runtime().device_time.target is None
    shell.config.pop("QModes", None)
    shell.run_cell("%load_ext qmodes")
