"""The scheduler of an emulated device: figures labelled as projected, other users aside.

A :class:`DeviceScheduler` is the local scheduler (:mod:`qmodes.local.scheduler`) of a
``fake_<device>`` in device time (:mod:`qmodes.local.device_time`). On top of IBM's rules it
hosts other users' jobs (:mod:`qmodes.local.load`): they are scheduled like yours, with a fair
share of the QPU (turns while both of you wait), wait in the queue rather than on the lanes, and
stay off the timeline's records: only their aggregated occupancy is kept, and the timeline
hears when one of them holds the QPU (``others.qpu`` events, for the widget's load band).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmodes.core.states import FINAL_STATES
from qmodes.core.timeline import ContextRecord, Timeline
from qmodes.local.load import FOREIGN_PREFIX, BackgroundLoad, LoadModel, Occupancy
from qmodes.local.scheduler import Scheduler

if TYPE_CHECKING:
    from qmodes.core.jobs import Job

__all__ = ["DeviceScheduler", "device_source"]


def device_source(device: str) -> str:
    """The label of figures in device time: ``"projected for fake_manila"``."""
    return f"projected for {device}"


class DeviceScheduler(Scheduler):
    """The scheduler of an emulated device: labels figures as projected, hosts other users.

    Args:
        device: the device's name, for labels (``"fake_manila"``).
        *args, **kwargs: as :class:`~qmodes.local.scheduler.Scheduler`.
    """

    def __init__(self, device: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.device = device
        self.source = device_source(device)
        self.occupancy = Occupancy()
        """Other users' time on this device's QPU (aggregated, not one row per job)."""
        self.timeline = _ForeignAside(self.timeline, self.occupancy,  # type: ignore[assignment]
                                      self.backend_name)
        self.load: BackgroundLoad | None = None
        self.used = False
        """True once a context opened or a job of yours came here (not other users')."""
        self._last_qpu_foreign: bool | None = None
        """Whose job held the QPU last (fair share's turns); None: nobody's yet."""

    def start_load(self, model: LoadModel) -> None:
        """Let other users' jobs (``model``) share this device from now on."""
        with self._lock:
            if self.load is not None:
                if self.load.model.load == model.load:
                    return  # the same crowd goes on
                self.load.stop()
            self.load = BackgroundLoad(self, model)
            self.load.start()
        self._after_lock()

    def stop_load(self) -> None:
        """No more jobs of other users arrive (queued ones still run)."""
        if self.load is not None:
            self.load.stop()
            self.load = None

    @property
    def device_load(self) -> float:
        """Other users' share of this device right now (0.0: nobody else)."""
        load = self.load
        return load.model.load if load is not None else 0.0

    def open_context(self, record: ContextRecord) -> None:
        record.source = self.source
        record.device_load = self.device_load
        self.used = True
        super().open_context(record)

    def others_waiting(self) -> list[float]:
        """Arrival times of other users' jobs still waiting for the QPU."""
        with self._lock:
            return [j.live_record.created for j in (*self._queue, *self._qpu_ready) if _foreign(j)]

    def _next_to_start(self) -> Any:
        """Other users' jobs wait in the queue, not on the lanes: one of theirs at a time
        enters the pipeline, when the QPU is idle or it is their turn (fair share)."""
        job = super()._next_to_start()
        if job is None or not _foreign(job) or self._owner is not None:
            return job
        if self._foreign_may_start():
            return job
        for mine in self._queue:
            if not _foreign(mine):
                ctx = self._contexts.get(mine.context_id) if mine.context_id else None
                if ctx is not None and ctx.mode == "session" and self._running:
                    return None  # a session waits for the device to be free, then locks it
                return mine
        return None

    def _foreign_may_start(self) -> bool:
        """One of theirs at a time; and not while one of yours waits and it is your turn."""
        if any(_foreign(j) for j in self._running):
            return False
        if not self._last_qpu_foreign:
            return True  # their turn
        waiting = any(not _foreign(j) for j in self._queue) or any(
            not _foreign(j) for j in self._qpu_ready)
        return not waiting

    def _next_for_qpu(self) -> Any:
        """Fair share between you and the other users (see :mod:`qmodes.local.load`): while
        both have job-mode jobs ready, you take turns on the QPU. Priority (an active batch)
        comes first, as in the base scheduler; a session's window keeps others out anyway."""
        ready = self._qpu_ready
        first = next((j for j in ready if self._has_priority(j)), None)
        if first is not None:
            return first
        last_foreign = self._last_qpu_foreign is not False
        turn = next((j for j in ready if j.foreign != last_foreign),
                    ready[0])
        self._last_qpu_foreign = turn.foreign
        return turn

    def submit(self, job: Job) -> None:
        __tracebackhide__ = True
        if not job.foreign:
            self.used = True
            job.live_record.source = self.source
            job.live_record.device_load = self.device_load
        super().submit(job)

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        self.stop_load()
        super().shutdown(*args, **kwargs)


def _foreign(job: Job) -> bool:
    return job.foreign


class _ForeignAside:
    """The scheduler's view of the timeline: other users' jobs go to the occupancy, and only
    their QPU time to the timeline (:meth:`~qmodes.core.timeline.Timeline.others_qpu`)."""

    def __init__(self, timeline: Timeline, occupancy: Occupancy, backend: str) -> None:
        self._timeline = timeline
        self._occupancy = occupancy
        self._backend = backend
        self._open: dict[str, tuple[str, float]] = {}
        self._arrived: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._timeline, name)

    def add_job(self, record: Any) -> None:
        if not record.id.startswith(FOREIGN_PREFIX):
            self._timeline.add_job(record)

    def update_job(self, job_id: str, time: float, **changes: Any) -> None:
        if not job_id.startswith(FOREIGN_PREFIX):
            self._timeline.update_job(job_id, time, **changes)
        elif changes.get("status") in FINAL_STATES:
            self._open.pop(job_id, None)
            self._arrived.pop(job_id, None)

    def open_span(self, job_id: str, kind: Any, time: float) -> None:
        if job_id.startswith(FOREIGN_PREFIX):
            self._open[job_id] = (kind, time)
            if kind == "queued":
                self._arrived[job_id] = time
            elif kind == "qpu":
                self._timeline.others_qpu(self._backend, time)
        else:
            self._timeline.open_span(job_id, kind, time)

    def close_span(self, job_id: str, time: float, *, start: float | None = None) -> None:
        if not job_id.startswith(FOREIGN_PREFIX):
            self._timeline.close_span(job_id, time, start=start)
            return
        kind, opened = self._open.pop(job_id, ("", time))
        start = opened if start is None else start
        if kind == "qpu":
            self._occupancy.add(start, time, self._arrived.get(job_id))
            self._timeline.others_qpu(self._backend, start, time)
