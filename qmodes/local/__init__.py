"""Local execution on Aer with IBM's scheduling rules: the scheduler (lanes, QPU lane, TTLs),
executors, the work of a job on Aer, device time on a virtual clock, other users' load, and the
runtime that owns them.

It may import :mod:`qmodes.compute`, :mod:`qmodes.accounting`, :mod:`qmodes.backends`,
:mod:`qmodes.compat`, :mod:`qmodes.core` and :mod:`qmodes._util`; never the remote adapter, the
contexts, the modes or the observers (which hear of its work through the timeline).
"""

from qmodes.local.executors import SimulatedExecutor, ThreadExecutor
from qmodes.local.runtime import LocalRuntime, default_runtime
from qmodes.local.scheduler import Scheduler

__all__ = ["LocalRuntime", "Scheduler", "SimulatedExecutor", "ThreadExecutor", "default_runtime"]
