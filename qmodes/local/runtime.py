"""The local runtime: one scheduler per device, sharing a clock, an executor kind and a timeline.

The default runtime uses the real clock and runs jobs on threads. Tests and the advisor build
their own with a :class:`~qmodes.core.clock.ManualClock` and a
:class:`~qmodes.local.executors.SimulatedExecutor`, and pass it as ``runtime=``.

Example:
    >>> from qmodes.core.clock import ManualClock
    >>> from qmodes.local.executors import SimulatedExecutor
    >>> clock = ManualClock(start=0.0)
    >>> runtime = LocalRuntime(clock=clock,
    ...     executor=SimulatedExecutor(clock, {"classical": 1, "qpu": 5, "post": 0.5}))
    >>> runtime.lanes
    5
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmodes._util.lazy import ProcessWide
from qmodes.backends.names import get_backend
from qmodes.core.clock import Clock, RealClock
from qmodes.core.limits import PACE_LIMIT, check_pace
from qmodes.core.timeline import Timeline, default_timeline
from qmodes.local.device_scheduler import DeviceScheduler
from qmodes.local.device_time import DeviceTime
from qmodes.local.executors import Executor, ThreadExecutor
from qmodes.local.load import LoadModel, check_load
from qmodes.local.scheduler import Scheduler

if TYPE_CHECKING:
    from qmodes.backends.types import LocalBackend
    from qmodes.core.protocols import EngineBackend, JobScheduler

__all__ = ["PACE_LIMIT", "SHUTDOWN_GRACE_SECONDS", "LocalRuntime", "default_runtime",
           "default_runtime_if_made", "set_device_load"]

_log = logging.getLogger(__name__)

"""The slowest pacing accepted: 100 × the device's projected time (beyond, a job could hold
the QPU lane for days)."""


class LocalRuntime:
    """Creates and keeps the scheduler of each local device.

    Args:
        clock: time source for every scheduler (default: the real clock).
        executor: one executor shared by all devices (e.g. a ``SimulatedExecutor``); by
            default each device gets its own ``ThreadExecutor`` with ``lanes`` lanes.
        timeline: where events go (default: the process-wide timeline).
        lanes: classical execution lanes per device (IBM: 5).
        pace: wall seconds per device second of emulated devices while nothing waits
            (None or 1.0: real time, 0.1: ten times faster); see ``docs/device-time.md``.
        device_time: how ``fake_<device>`` backends run: in device time (default; a
            :class:`~qmodes.local.device_time.DeviceTime`, e.g. with ``load=0.8``), or
            False for Aer's own speed. Not used with an explicit ``executor``.
        load: share of each emulated device other users keep busy (0 to 0.95).
        cluster: where Aer runs: None (in the kernel, the default), ``"local"`` (a Dask
            ``LocalCluster`` of worker processes), ``"tcp://host:8786"`` (a Dask scheduler),
            a ``distributed.Client`` or a compute backend; see :mod:`qmodes.compute`.
    """

    def __init__(self, *, clock: Clock | None = None, executor: Executor | None = None,
                 timeline: Timeline | None = None, lanes: int = 5,
                 pace: float | None = None, device_time: DeviceTime | bool = True,
                 load: float | None = None, cluster: Any = None) -> None:
        self.device_time: DeviceTime | None = (
            DeviceTime() if device_time is True else device_time or None)
        self.pace = pace
        if load is not None:
            self.device_load = load
        if lanes < 1:
            raise ValueError(f"lanes must be at least 1, got {lanes}")
        self.clock: Clock = clock or RealClock()
        self.timeline = timeline or default_timeline()
        self.lanes = lanes
        self._executor = executor
        self._make_executor: Callable[[str], Executor] = (
            (lambda name: executor) if executor is not None
            else (lambda name: ThreadExecutor(lanes, name=f"qmodes-{name}",
                                              clock=self.clock)))
        self._schedulers: dict[str, Scheduler] = {}
        self._lock = threading.Lock()
        self.compute: Any = None
        self._cluster: Any = None
        if cluster is not None:
            self.cluster = cluster

    def scheduler(self, backend: EngineBackend) -> JobScheduler:
        """The scheduler of ``backend``'s device (made on first use).

        A remote backend brings its own scheduler (it forwards to IBM and polls); it shares
        this runtime's timeline.
        """
        if backend.is_remote:  # a RemoteBackend
            return backend.scheduler(self)  # type: ignore[attr-defined,no-any-return]
        key = self._key(backend)
        with self._lock:
            scheduler = self._schedulers.get(key)
            if scheduler is None:
                if self._executor is None and self.device_time is not None:
                    scheduler = self.device_time.make_scheduler(backend, self.timeline,
                                                                self.lanes)
                if scheduler is None:
                    scheduler = Scheduler(backend.name, self.clock,
                                          self._make_executor(backend.name), self.timeline,
                                          self.lanes)
                scheduler.compute = self.compute
                self._schedulers[key] = scheduler
            return scheduler

    def existing_scheduler(self, backend: LocalBackend) -> Scheduler | None:
        """The scheduler of ``backend``'s device if one was made (nothing is made here)."""
        with self._lock:
            return self._schedulers.get(self._key(backend))

    def discard_unused(self, backend: LocalBackend) -> bool:
        """Stop and forget the scheduler of an emulated device nothing of yours ran on (its
        crowd of other users stops with it; the next use makes a new one). False if it was
        used, is not an emulated device's, or was never made."""
        key = self._key(backend)
        with self._lock:
            scheduler = self._schedulers.get(key)
            if not isinstance(scheduler, DeviceScheduler) or scheduler.used:
                return False
            del self._schedulers[key]
        if self.device_time is not None:
            self.device_time.forget(scheduler)
        scheduler.shutdown()
        return True

    def _key(self, backend: LocalBackend) -> str:
        target = self.device_time.target if self.device_time is not None else None
        if target and self._executor is None and getattr(backend, "device", None) is None:
            return f"{backend.name}@{target}"  # plain aer emulating a device: its own scheduler
        return str(backend.name)

    @property
    def cluster(self) -> Any:
        """Where Aer runs: None (the kernel), ``"local"``, ``"tcp://host:port"``...; setting it
        connects at once (jobs already submitted keep theirs).

        Raises:
            ValueError: not a valid setting.
            ClusterUnreachableError: no Dask scheduler answers at the address.
        """
        return self._cluster

    @cluster.setter
    def cluster(self, value: Any) -> None:
        from qmodes.compute import resolve

        compute = resolve(value)
        with self._lock:
            self._cluster, self.compute = (None if compute is None else value), compute
            for scheduler in self._schedulers.values():
                scheduler.compute = compute

    @property
    def pace(self) -> float | None:
        """Wall seconds per device second while nothing waits (None: 1.0); may change any time."""
        return self._pace

    @pace.setter
    def pace(self, value: float | None) -> None:
        self._pace = check_pace(value)
        if self.device_time is not None:
            self.device_time.pace = value

    @property
    def device_load(self) -> float:
        """Share of each emulated device other users keep busy (0: nobody else)."""
        return self.device_time.load if self.device_time is not None else 0.0

    @device_load.setter
    def device_load(self, value: float) -> None:
        if self.device_time is None:
            raise ValueError("device load needs device time: LocalRuntime(device_time=True)")
        self.device_time.load = value

    def shutdown(self, timeout: float = 0.0) -> None:
        """End every job and context in a final state (the process is exiting).

        Queued jobs are cancelled at once; running ones get ``timeout`` seconds in all (wall
        clock) to finish; then each scheduler closes its contexts and stops. A later job
        makes new schedulers. Never raises.
        """
        with self._lock:
            schedulers = list(self._schedulers.values())
            self._schedulers.clear()
        deadline = time.monotonic() + max(0.0, timeout)
        for scheduler in schedulers:
            try:
                scheduler.shutdown(max(0.0, deadline - time.monotonic()))
            except Exception as error:  # shutting down: tell, and go on with the others
                _log.warning("qmodes: shutting down %s failed: %s", scheduler.backend_name,
                             error)


SHUTDOWN_GRACE_SECONDS = 5.0
"""At exit, how long running local jobs get to finish before they are cancelled."""


def _made_with_exit_hook() -> LocalRuntime:
    """The default runtime, shut down at exit before any ``atexit`` hook runs (so the ledger's
    exit flush, an ``atexit`` hook, records the final states): ``threading``'s own exit hooks
    run first, as ``concurrent.futures`` uses them."""
    runtime = LocalRuntime()
    register = getattr(threading, "_register_atexit", None)
    try:
        if register is None:
            raise RuntimeError("no threading exit hooks")
        register(runtime.shutdown, SHUTDOWN_GRACE_SECONDS)
    except RuntimeError:  # already exiting, or another Python
        atexit.register(runtime.shutdown, SHUTDOWN_GRACE_SECONDS)
    return runtime


_default: ProcessWide[LocalRuntime] = ProcessWide(_made_with_exit_hook)


def default_runtime() -> LocalRuntime:
    """The process-wide runtime (real clock, threads, the default timeline).

    At interpreter exit it is shut down (:meth:`LocalRuntime.shutdown`, with
    :data:`SHUTDOWN_GRACE_SECONDS`), so no job or context is left open on the timeline.
    """
    return _default.get()


def default_runtime_if_made() -> LocalRuntime | None:
    """The process-wide runtime if something made it already (nothing is made here)."""
    return _default._value


def set_device_load(runtime: Any, backend: Any, load: float) -> None:
    """Other users keep ``backend``'s emulated device ``load`` busy from now on.

    Args:
        runtime: a :class:`~qmodes.local.LocalRuntime` (None: the process-wide one).
        backend: a ``fake_<device>`` name or backend.
        load: 0 to 0.95.

    Raises:
        ValueError: the load is out of range, or the backend emulates no device.
    """
    load = check_load(load)
    runtime = runtime or default_runtime()
    resolved = get_backend(backend)
    scheduler = runtime.scheduler(resolved)
    if not isinstance(scheduler, DeviceScheduler):
        raise ValueError(f"{getattr(resolved, 'name', backend)} is not an emulated device: "
                         f"other users' load needs a fake_<device> backend (e.g. fake_manila)")
    if load > 0:
        scheduler.start_load(LoadModel(load, seed=getattr(runtime.device_time, "seed", 0)))
    else:
        scheduler.stop_load()
