"""Local execution on Aer with IBM's scheduling rules: scheduler, executors, runtime."""

from qmodes.local.executors import SimulatedExecutor, ThreadExecutor
from qmodes.local.runtime import LocalRuntime, default_runtime
from qmodes.local.scheduler import Scheduler

__all__ = ["LocalRuntime", "Scheduler", "SimulatedExecutor", "ThreadExecutor", "default_runtime"]
