"""The seams' types (``qmodes/core/protocols.py``): every backend qmodes makes offers what the
engine needs (``is_remote`` a real attribute), both schedulers offer what contexts and jobs
need, a job offers its controller a public surface, and a context's parts are importable from
``qmodes.context`` as from ``qmodes.context.base``."""

from __future__ import annotations

import inspect

import pytest
from qiskit.providers import BackendV2

import qmodes
from qmodes.core.clock import ManualClock
from qmodes.core.jobs import ForeignJob, Job
from qmodes.core.protocols import ControlledJob, EngineBackend, JobScheduler
from qmodes.core.timeline import ContextRecord, JobRecord, Timeline
from qmodes.local.executors import SimulatedExecutor
from qmodes.local.scheduler import Scheduler


def _members(protocol: type) -> set[str]:
    names = {name for name in vars(protocol) if not name.startswith("_")}
    return names | set(getattr(protocol, "__annotations__", {}))


@pytest.mark.parametrize("name", ["aer", "aer:statevector", "fake_manila"])
def test_every_local_backend_offers_the_engine_backend_protocol(name):
    backend = qmodes.get_backend(name)
    assert isinstance(backend, EngineBackend)
    assert backend.is_remote is False  # an attribute, not a getattr default


def test_an_adopted_backend_offers_it_too():
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    backend = qmodes.get_backend(FakeManilaV2())
    assert isinstance(backend, EngineBackend) and backend.is_remote is False


def test_the_remote_backend_declares_what_the_protocol_asks():
    from qmodes.remote.backend import RemoteBackend

    assert RemoteBackend.is_remote is True and RemoteBackend.requires_isa is True
    missing = {name for name in _members(EngineBackend) if not hasattr(RemoteBackend, name)}
    assert missing <= {"name", "device"}  # set per instance (BackendV2.name, the IBMBackend)
    assert issubclass(RemoteBackend, BackendV2)


@pytest.mark.parametrize("scheduler_class", ["local", "remote"])
def test_both_schedulers_offer_the_scheduler_protocol(scheduler_class):
    if scheduler_class == "local":
        cls = Scheduler
    else:
        from qmodes.remote.scheduler import RemoteScheduler as cls
    methods = {"open_context", "close_context", "cancel_context", "submit", "cancel"}
    assert methods <= _members(JobScheduler)
    for name in methods:
        assert callable(getattr(cls, name)), name
    for name in ("backend_name", "clock", "timeline"):  # set in __init__ by both
        assert f"self.{name} = " in inspect.getsource(cls.__init__), name


def test_a_job_offers_its_controller_a_public_surface(bell):
    clock = ManualClock(start=0.0)
    timeline = Timeline()
    scheduler = Scheduler("aer", clock, SimulatedExecutor(clock, {"qpu": 1.0}), timeline)
    backend = qmodes.get_backend("aer")
    record = JobRecord(id="job-1", context_id=None, mode="job", backend="aer",
                       primitive="sampler", created=0.0)
    job = Job(record, backend.make_work("sampler", [bell], False), scheduler, timeline)
    for name in _members(ControlledJob):
        assert hasattr(job, name), name
    assert job.live_record is record and job.scheduler is scheduler
    assert job.timeline is timeline and job.foreign is False
    assert not job.cancel_requested
    job.take_id("job-2")
    assert job.job_id() == record.id == "job-2"
    job.mark_running()
    assert job.status() == "RUNNING"
    seen = []
    job.add_done_callback(seen.append)
    job.set_final("DONE", "result", None)
    assert job.done() and seen == []  # callbacks run when the controller says so
    job.run_done_callbacks()
    assert seen == [job] and job.result() == "result"


def test_another_users_job_declares_foreign_and_seconds():
    clock = ManualClock(start=0.0)
    timeline = Timeline()
    scheduler = Scheduler("aer", clock, SimulatedExecutor(clock, {"qpu": 1.0}), timeline)
    record = JobRecord(id="others-1", context_id=None, mode="job", backend="aer",
                       primitive="sampler", created=0.0)
    job = ForeignJob(record, None, scheduler, timeline, seconds=3.5)  # type: ignore[arg-type]
    assert job.foreign is True and job.seconds == 3.5


def test_the_scheduler_says_whether_a_context_is_active(bell):
    clock = ManualClock(start=0.0)
    timeline = Timeline()
    scheduler = Scheduler("aer", clock, SimulatedExecutor(clock, {"qpu": 1.0}), timeline)
    scheduler.open_context(ContextRecord(id="batch-1", mode="batch", backend="aer", created=0.0,
                                         max_time=60.0, interactive_ttl=1.0))
    assert scheduler.context_active("batch-1") is False  # open, no job started yet
    assert scheduler.context_active("nothing") is False
    assert scheduler.unfinished_jobs() == []


def test_a_context_record_declares_its_remote_id_and_close_error():
    record = ContextRecord(id="session-1", mode="session", backend="aer", created=0.0,
                           max_time=60.0, interactive_ttl=1.0)
    assert record.remote_id is None and record.close_error is None


def test_the_context_parts_are_importable_from_the_package_and_base():
    import qmodes.context as package
    import qmodes.context.base as base

    for name in package.__all__:
        assert getattr(package, name) is getattr(base, name)
    assert inspect.getmodule(base.current_context).__name__ == "qmodes.context.current"
    assert inspect.getmodule(base.open_contexts).__name__ == "qmodes.context.registry"
    assert inspect.getmodule(base.register_advisor).__name__ == "qmodes.context.figures"


def test_a_context_exposes_its_scheduler(bell):
    with qmodes.Batch("aer") as batch:
        job = qmodes.Sampler().run([bell], shots=10)
    assert batch.scheduler is job.scheduler
    assert qmodes.Batch.from_id(batch.id) is batch
    job.result()
