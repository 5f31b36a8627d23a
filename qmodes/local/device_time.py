"""Device time: an emulated device's QPU is held for each job's projected duration.

On ``fake_<device>`` backends (and on ``aer`` when a target device is named) the scheduler
runs on a :class:`~qmodes.local.virtual_clock.VirtualClock`. Aer does the work on threads, in
wall time, as fast as it can; the device lives in virtual time:

* a job holds the QPU from its QPU start to start + its projected duration (IBM's estimate on
  the device's calibration, :mod:`qmodes.accounting.projection`); its result is released when Aer
  has finished *and* virtual time has reached that end;
* while user code waits on a job whose end lies ahead, :func:`warp_hook` jumps virtual time to
  the next event, firing every timer due on the way (TTLs, other users' jobs) — see
  :mod:`qmodes.core.waiting`;
* figures are labelled ``"projected for <device>"``; Aer's own run time of each job is kept
  as ``simulation_seconds`` on the job's record;
* other users (:mod:`qmodes.local.load`) share the device through its scheduler
  (:mod:`qmodes.local.device_scheduler`).

:class:`DeviceTime` holds a runtime's settings (pace, load, seed) and makes the scheduler of
each emulated device. See ``docs/device-time.md`` for the model.

Example:
    >>> from qmodes.core.clock import ManualClock
    >>> from qmodes.local.virtual_clock import VirtualClock
    >>> wall = ManualClock(start=0.0)
    >>> clock = VirtualClock(wall=wall.now, thread=False)
    >>> executor = DeviceTimeExecutor(clock, InlineExecutor(), lambda job: 2.5)
    >>> executor.submit("qpu", None, lambda: "counts", lambda v, e, **stamps: print(clock.now(), v))
    >>> clock.step()
    2.5 counts
    True
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from qmodes.core.timeline import Timeline
from qmodes.local.device_scheduler import DeviceScheduler, device_source
from qmodes.local.executors import Done, Executor, Phase
from qmodes.local.load import LoadModel, check_load
from qmodes.local.virtual_clock import Hold, VirtualClock

__all__ = ["DeviceScheduler", "DeviceTime", "DeviceTimeExecutor", "InlineExecutor", "device_source",
           "install_warp_hook", "projected_seconds",
           "warp_hook"]


class InlineExecutor:
    """Runs each phase at once on the calling thread (deterministic tests)."""

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None:
        try:
            value, error = work(), None
        except BaseException as exc:
            value, error = None, exc
        done(value, error)

    def shutdown(self) -> None:
        pass


def projected_seconds(device: Any) -> Callable[[Any], float]:
    """``job -> seconds`` on ``device``: the projection made at submission or after transpiling,
    else one computed from the job's PUBs."""

    def seconds(job: Any) -> float:
        for value in (getattr(job.work, "projected_qpu", None), job.live_record.projected_qpu):
            if value is not None:
                return float(value)
        from qmodes.accounting.projection import project_pubs, quick_estimate

        try:
            return project_pubs(job.work.pubs, device, primitive=job.live_record.primitive).seconds
        except Exception:  # circuits not made for the device (plain aer): IBM's quick form
            return quick_estimate(max(1, int(job.live_record.executions)))

    return seconds


class DeviceTimeExecutor:
    """Runs Aer work on ``inner`` (wall time) and reports the QPU phase in device time.

    Classical and post-processing phases run on ``inner`` in wall time (virtual time flows
    with it; no jump happens meanwhile). The QPU phase ends at its start + ``duration(job)``,
    and not before Aer has finished. Jobs of other users (``job.foreign``) do no work.

    Args:
        clock: the device's virtual clock.
        inner: where Aer work runs (a :class:`~qmodes.local.executors.ThreadExecutor`).
        duration: ``job -> seconds`` on the QPU (:func:`projected_seconds`).
        timeline: where Aer's run time (``simulation_seconds``) is recorded, if given.
    """

    def __init__(self, clock: VirtualClock, inner: Executor,
                 duration: Callable[[Any], float], timeline: Timeline | None = None) -> None:
        self.clock = clock
        self.inner = inner
        self.duration = duration
        self.timeline = timeline

    def submit(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done) -> None:
        clock = self.clock
        if getattr(job, "foreign", False):  # other users' jobs have no work (job may be None)
            if phase == "qpu":
                clock.call_later(job.seconds, lambda: done(None, None))
            else:
                done(None, None)
            return
        if phase != "qpu":
            hold = clock.hold()

            def finished(value: Any, error: BaseException | None, **stamps: float) -> None:
                try:
                    done(value, error, **stamps)  # the next phase takes its own hold first
                finally:
                    clock.release(hold)

            self._submit_inner(phase, job, work, finished, hold)
            return
        start = _qpu_start(job, clock)
        try:
            end = start + max(0.0, self.duration(job))
        except Exception:  # no projection: the QPU phase takes Aer's time
            end = start
        hold = clock.hold(end)

        def timed() -> Any:
            began = time.perf_counter()
            try:
                return work()
            finally:  # on a cluster: the worker's own time, not this wait
                worker = getattr(getattr(job, "_work", None), "worker_seconds", None)
                self._record_simulation(job, worker if worker is not None
                                        else time.perf_counter() - began)

        def simulated(value: Any, error: BaseException | None, **stamps: float) -> None:
            clock.call_at(end, lambda: done(value, error, start=start, end=end))
            clock.release(hold)

        self._submit_inner(phase, job, timed, simulated, hold)

    def _submit_inner(self, phase: Phase, job: Any, work: Callable[[], Any], done: Done,
                      hold: Hold) -> None:
        """Hand the work to Aer; if that fails (e.g. after shutdown), free the clock."""
        try:
            self.inner.submit(phase, job, work, done)
        except BaseException:
            self.clock.release(hold)
            raise

    def _record_simulation(self, job: Any, seconds: float) -> None:
        if self.timeline is not None and job is not None:
            with contextlib.suppress(Exception):
                self.timeline.update_job(job.job_id(), self.clock.now(),
                                         simulation_seconds=seconds)

    def shutdown(self) -> None:
        self.inner.shutdown()


def _qpu_start(job: Any, clock: VirtualClock) -> float:
    """The start of the job's open QPU span (stamped by the scheduler), else now."""
    spans = getattr(getattr(job, "live_record", None), "spans", None)  # any job-like
    if spans and spans[-1].kind == "qpu" and spans[-1].end is None:
        return float(spans[-1].start)
    return clock.now()


def _clock_of(subject: Any) -> VirtualClock | None:
    scheduler = getattr(subject, "scheduler", None)  # a job's (Job.scheduler)
    clock = getattr(scheduler, "clock", None)
    return clock if isinstance(clock, VirtualClock) else None


def _is_done(subject: Any) -> bool:
    final = getattr(subject, "in_final_state", None)  # a job
    if callable(final):
        return bool(final())
    jobs = getattr(subject, "jobs", None)
    if callable(jobs):
        return all(job.in_final_state() for job in jobs())
    return True


@contextlib.contextmanager
def warp_hook(subject: Any, tick: float = 0.05) -> Iterator[Callable[[], None]]:
    """A wait hook (:func:`qmodes.core.waiting.add_wait_hook`): while user code waits on a job of an
    emulated device, jump virtual time from event to event until the job is done.

    Each round lasts at most ``tick`` wall seconds; when Aer is still working (a hold), it
    waits for the release instead of spinning.
    """
    clock = _clock_of(subject)
    if clock is None:
        yield lambda: None
        return

    def advance() -> None:
        deadline = time.monotonic() + tick
        while not _is_done(subject):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if not clock.step():
                clock.wait_for_change(min(remaining, 0.01))

    yield advance


_installed: Callable[[], None] | None = None
_install_lock = threading.Lock()


def install_warp_hook() -> None:
    """Register :func:`warp_hook` with :mod:`qmodes.core.waiting` (once per process)."""
    global _installed
    with _install_lock:
        if _installed is None:
            from qmodes.core.waiting import add_wait_hook

            _installed = add_wait_hook(warp_hook)


class DeviceTime:
    """Device-time settings of a local runtime; makes the scheduler of each emulated device.

    Args:
        clock: the virtual clock every emulated device shares (made on first use).
        inner: ``name -> executor`` where Aer work runs (default: a ``ThreadExecutor``).
        pace: wall seconds per device second while nothing waits (None or 1.0: real time,
            0.1: ten times faster).
        load: the share of each emulated device other users keep busy (0: nobody else).
        seed: seed of the other users' jobs.
        target: device that plain ``aer`` emulates (None: aer stays on wall time).
    """

    def __init__(self, *, clock: VirtualClock | None = None,
                 inner: Callable[[str], Executor] | None = None, pace: float | None = None,
                 load: float = 0.0, seed: int = 0, target: str | None = None) -> None:
        self._clock = clock
        self._inner = inner
        self._pace = pace
        self._load = check_load(load)
        self.seed = seed
        self.target = target
        self._schedulers: list[DeviceScheduler] = []
        self._lock = threading.Lock()

    @property
    def clock(self) -> VirtualClock:
        """The virtual clock (made on first use)."""
        with self._lock:
            if self._clock is None:
                self._clock = VirtualClock(pace=1.0 / (self._pace or 1.0))
            return self._clock

    @property
    def pace(self) -> float | None:
        """Wall seconds per device second while nothing waits (None: 1.0)."""
        return self._pace

    @pace.setter
    def pace(self, value: float | None) -> None:
        self._pace = value
        if self._clock is not None:
            self._clock.pace = 1.0 / (value or 1.0)

    @property
    def load(self) -> float:
        """Share of each emulated device other users keep busy; setting it applies at once."""
        return self._load

    @load.setter
    def load(self, value: float) -> None:
        self._load = check_load(value)
        for scheduler in list(self._schedulers):
            self._apply_load(scheduler)

    def _apply_load(self, scheduler: DeviceScheduler) -> None:
        if self._load > 0:
            scheduler.start_load(LoadModel(self._load, seed=self.seed))
        else:
            scheduler.stop_load()

    def forget(self, scheduler: DeviceScheduler) -> None:
        """Stop applying the load to ``scheduler`` (its runtime discarded it)."""
        scheduler.stop_load()
        if scheduler in self._schedulers:
            self._schedulers.remove(scheduler)

    def device_of(self, backend: Any) -> str | None:
        """The device ``backend`` emulates in device time, if any."""
        if getattr(backend, "device", None) is not None:
            return str(backend.name)
        return self.target

    def make_scheduler(self, backend: Any, timeline: Timeline, lanes: int
                       ) -> DeviceScheduler | None:
        """The scheduler of ``backend`` in device time (None: not an emulated device)."""
        device = self.device_of(backend)
        if device is None:
            return None
        from qmodes.local.executors import ThreadExecutor

        install_warp_hook()
        clock = self.clock
        inner = (self._inner(backend.name) if self._inner is not None
                 else ThreadExecutor(lanes, name=f"qmodes-{backend.name}", clock=clock))
        target = backend.device if backend.device is not None else device
        executor = DeviceTimeExecutor(clock, inner, projected_seconds(target), timeline)
        scheduler = DeviceScheduler(device, backend.name, clock, executor, timeline, lanes)
        self._schedulers.append(scheduler)
        if self._load > 0:
            self._apply_load(scheduler)
        return scheduler
