"""A deterministic emulated device for tests: a virtual clock over a manual wall clock, Aer
run inline (no threads), optional other users."""

from __future__ import annotations

from dataclasses import dataclass

from qiskit import QuantumCircuit

from qmodes.clock import ManualClock
from qmodes.local import LocalRuntime
from qmodes.local.device_scheduler import DeviceScheduler
from qmodes.local.device_time import DeviceTime, InlineExecutor
from qmodes.local.virtual_clock import VirtualClock
from qmodes.timeline import Timeline


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
