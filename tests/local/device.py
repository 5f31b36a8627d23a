"""A deterministic emulated device for tests: a virtual clock over a manual wall clock, Aer
run inline (no threads), optional other users."""

from __future__ import annotations

from dataclasses import dataclass

from qiskit import QuantumCircuit

from qmodes.core.clock import ManualClock
from qmodes.core.timeline import Timeline
from qmodes.local import LocalRuntime
from qmodes.local.device_scheduler import DeviceScheduler
from qmodes.local.device_time import DeviceTime, InlineExecutor
from qmodes.local.virtual_clock import VirtualClock


@dataclass
class Device:
    wall: ManualClock
    clock: VirtualClock
    runtime: LocalRuntime
    timeline: Timeline

    def scheduler(self, name: str = "fake_manila") -> DeviceScheduler:
        from qmodes.backends import get_backend

        scheduler = self.runtime.scheduler(get_backend(name))
        assert isinstance(scheduler, DeviceScheduler)
        return scheduler

    def think(self, seconds: float) -> None:
        """User code runs for ``seconds`` of wall time; due timers fire as time flows."""
        self.wall.advance(seconds)
        self.clock.poll()


def make_device(load: float = 0.0, seed: int = 0) -> Device:
    wall = ManualClock(start=1_000_000.0)
    clock = VirtualClock(wall=wall.now, thread=False)
    timeline = Timeline()
    device_time = DeviceTime(clock=clock, inner=lambda name: InlineExecutor(), load=load,
                             seed=seed)
    runtime = LocalRuntime(timeline=timeline, device_time=device_time)
    return Device(wall, clock, runtime, timeline)


def x_circuit() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    return circuit  # x and measure are native on fake_manila


def first_wait(load: float, seed: int, qpu: float = 2.0) -> float:
    """Seconds one job waits for the QPU when it arrives as the load starts on a fresh
    emulated device (``DeviceTime(load=...)``): the device's own scheduler and crowd, with a
    job that does no Aer work (it holds the QPU for ``qpu`` seconds)."""
    from qmodes.backends import get_backend
    from qmodes.core.jobs import Job
    from qmodes.core.timeline import JobRecord

    clock = VirtualClock(wall=lambda: 0.0, thread=False)
    timeline = Timeline()
    scheduler = DeviceTime(clock=clock, inner=lambda name: InlineExecutor(), load=load,
                           seed=seed).make_scheduler(get_backend("fake_manila"), timeline, 5)
    assert scheduler is not None
    record = JobRecord(id="mine", context_id=None, mode="job", backend="fake_manila",
                       primitive="sampler", created=0.0)
    job = Job(record, _Held(qpu), scheduler, timeline)
    scheduler.submit(job)
    while not job.in_final_state() and clock.step():
        pass
    return record.span("qpu").start - record.created


class _Held:
    """A job's work that does nothing and holds the QPU for ``projected_qpu`` seconds."""

    pubs: tuple[object, ...] = ()

    def __init__(self, seconds: float) -> None:
        self.projected_qpu = seconds

    def prepare(self) -> None: ...
    def execute(self) -> None: ...
    def finalize(self, raw: object) -> None: ...
