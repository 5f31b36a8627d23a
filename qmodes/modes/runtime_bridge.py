"""qiskit-ibm-runtime's own primitives inside qmodes sessions and batches.

qiskit-ibm-runtime's primitives (``SamplerV2``, ``EstimatorV2``, and the 0.50+
``executor_sampler.Sampler`` / ``executor_estimator.Estimator``) accept as ``mode`` only its own
``Session``, ``Batch`` or a backend, and with no mode they look up its default-session
``ContextVar`` (``qiskit_ibm_runtime.utils.default_session``). So:

* :class:`~qmodes.Session` and :class:`~qmodes.Batch` *are* qiskit-ibm-runtime ``Session`` /
  ``Batch`` objects (they subclass :data:`RuntimeSession` / :data:`RuntimeBatch`, with
  qmodes' base first in the MRO, so every public method is qmodes'); ``SamplerV2(mode=session)``
  is accepted as it is on IBM;
* entering a local context (``with``, ``%%session``, ``%%batch``) sets that ``ContextVar`` to
  the qmodes context, so ``SamplerV2()`` with no mode joins it, as inside IBM's own ``with``;
* what the primitive then calls on its mode lands here (through :mod:`qmodes.compat.
  runtime_private`, the door to IBM's private names): a V2 primitive's program becomes a
  qmodes :class:`~qmodes.Sampler`/:class:`~qmodes.Estimator` job in the context, with the
  primitive's options rebuilt from its inputs (:func:`run_program`); an executor primitive's
  program becomes a qmodes job whose QPU phase runs qiskit-ibm-runtime's local executor
  (:func:`run_executor`).

Given a qmodes *backend* as ``mode``, the primitives resolve it as IBM resolves an
``IBMBackend`` (:mod:`qmodes.compat.runtime_modes`): they join the open context, or run in job
mode through :class:`~qmodes.LocalService`, whose jobs land here too with the backend as
destination.

Either way the job is queued by qmodes' scheduler, obeys the mode's rules and shows on the
timeline. On an IBM device (``ibm:<device>``) the ``with`` block makes the real IBM session
the default instead (:meth:`qmodes.remote.scheduler.RemoteScheduler.enter_context`), and an
executor program given ``mode=session`` goes to that session as it is.

Example:
    >>> import qmodes
    >>> from qiskit import QuantumCircuit
    >>> from qiskit_ibm_runtime.executor_sampler import Sampler
    >>> c = QuantumCircuit(1); _ = c.x(0); c.measure_all()
    >>> with qmodes.Session("aer") as session:
    ...     job = Sampler().run([c], shots=8)         # no mode: joins the open session
    >>> job.result()[0].data.meas.get_counts(), job.session_id == session.session_id
    ({'1': 8}, True)
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qiskit_ibm_runtime import Batch as RuntimeBatch
from qiskit_ibm_runtime import Session as RuntimeSession

from qmodes.backends import LocalBackend
from qmodes.compat.runtime_private import run_in_session, semantic_role, set_default_session
from qmodes.core.errors import ContextClosedError
from qmodes.modes.job import submit_job
from qmodes.modes.primitives import Estimator, Sampler

if TYPE_CHECKING:
    from qmodes.context.base import ExecutionContext
    from qmodes.core.jobs import Job

Destination = Any
"""Where a job of qiskit-ibm-runtime's primitives goes: an ``ExecutionContext`` (its session
or batch), or a qmodes ``LocalBackend`` (job mode)."""

_job_mode_reported: dict[str, set[str]] = {}
"""Options not emulated that job mode already reported, per backend (once each, not per job)."""

__all__ = ["RuntimeBatch", "RuntimeSession", "enter_default_session", "rebuild_options",
           "run_executor", "run_program"]

_RUNTIME_KEYS = ("job_tags", "log_level", "private", "image")
"""Runtime options (``_get_runtime_options``) that live under ``options.environment``."""


def enter_default_session(context: ExecutionContext) -> Callable[[], None]:
    """Make ``context`` qiskit-ibm-runtime's default session; returns the undo."""
    return set_default_session(context)


def rebuild_options(program_id: str, inputs: dict, options: Any) -> Any:
    """The primitive's ``SamplerOptions``/``EstimatorOptions`` from what it sent its mode."""
    from dataclasses import asdict

    from qiskit_ibm_runtime.options import EstimatorOptions, SamplerOptions
    from qiskit_ibm_runtime.options.utils import merge_options_v2

    options_class = SamplerOptions if program_id == "sampler" else EstimatorOptions
    given: dict[str, Any] = dict(inputs.get("options", {}))
    if "resilience_level" in inputs:
        given["resilience_level"] = inputs["resilience_level"]
    runtime = options if isinstance(options, dict) else asdict(options) if options else {}
    environment = {key: runtime[key] for key in _RUNTIME_KEYS if runtime.get(key) is not None}
    if environment:
        given["environment"] = {**given.get("environment", {}), **environment}
    if runtime.get("max_execution_time") is not None:
        given["max_execution_time"] = runtime["max_execution_time"]
    return options_class(**merge_options_v2(options_class(), given))


def run_program(destination: Destination, program_id: Any, inputs: dict, options: Any,
                calibration_id: str | None = None, dry_run: bool = False) -> Any:
    """A qiskit-ibm-runtime program as a qmodes job in ``destination`` (a context: what its
    ``_run`` does; a qmodes backend: job mode)."""
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    if program_id not in ("sampler", "estimator"):
        remote = _remote_session(destination)
        if remote is not None:  # an executor program on IBM: its session runs it as it is
            return run_in_session(remote, program_id=program_id, inputs=inputs,
                                  options=options, calibration_id=calibration_id,
                                  dry_run=dry_run)
        raise ValueError(f"qmodes runs the sampler and estimator programs locally, not "
                         f"{program_id!r}")
    if dry_run:
        _warn_dry_run()
    primitive_class = Sampler if program_id == "sampler" else Estimator
    primitive = primitive_class(mode=destination,
                                options=rebuild_options(program_id, inputs, options))
    if isinstance(destination, LocalBackend):  # warn once per backend, not per job
        primitive._reported = _job_mode_reported.setdefault(destination.name, set())
    else:  # once per context
        primitive._reported = destination.__dict__.setdefault("_bridge_reported", set())
    return primitive.run(inputs["pubs"])


def run_executor(destination: Destination, options: Any, program: Any,
                 dry_run: bool = False) -> Job:
    """A qiskit-ibm-runtime executor program (``QuantumProgram``) as a qmodes job in
    ``destination`` (a context, or a qmodes backend: job mode).

    The QPU phase runs qiskit-ibm-runtime's own local executor on the context's device; the
    post-processing phase decodes its result as ``LocalRuntimeJob.result()`` does (a
    ``PrimitiveResult`` for the executor Sampler and Estimator).
    """
    __tracebackhide__ = True  # IPython: show the user's line, not ours
    job_mode = isinstance(destination, LocalBackend)
    if not job_mode and destination.closed:
        raise ContextClosedError.for_context(destination.mode, destination.id)
    if dry_run:
        _warn_dry_run()
    from qmodes.core.timeline import JobRecord
    from qmodes.local import work as local_work

    target = destination if job_mode else destination.target
    role = semantic_role(program)
    primitive = "estimator" if role.startswith("estimator") else "sampler"
    executions = program.shots * sum(max(1, _size(item)) for item in program.items)
    record = JobRecord(id=local_work.new_job_id(), context_id=None, mode="job",
                       backend=target.name, primitive=primitive, created=0.0,
                       num_pubs=len(program.items), executions=executions,
                       shots=program.shots, source=target.source,
                       projected_qpu=_projection(program, target, primitive))
    work = ExecutorWork(target, program, options)
    if job_mode:
        return submit_job(target, record, work)
    return destination._submit(record, work)


class ExecutorWork:
    """The phases of an executor program on a local device."""

    def __init__(self, backend: Any, program: Any, options: Any) -> None:
        self.device = backend
        self.program = program
        self.options = options
        self.pubs: list[Any] = []  # no PUBs: the program's items are its unit of work
        self._job: tuple[str, Any] | None = None

    def bind(self, job_id: str, timeline: Any) -> None:
        """The job this work belongs to: its QPU span becomes the result's execution spans."""
        self._job = (job_id, timeline)

    def prepare(self) -> None:
        """Nothing to prepare: the client already built the program for the device."""

    def execute(self) -> Any:
        from qiskit_ibm_runtime.fake_provider.executor.run_quantum_program import (
            run_quantum_program,
        )

        from qmodes.core.jobs import qiskit_backend

        return run_quantum_program(backend=qiskit_backend(self.device), program=self.program,
                                   options=self.options)

    def finalize(self, raw: Any) -> Any:
        from qiskit_ibm_runtime.decoders.defaults import DEFAULT_DECODERS

        result = functools.reduce(
            lambda result, decoder: decoder.decode(result) if decoder.is_applicable(result)
            else result, DEFAULT_DECODERS["executor"], raw)
        return self._with_spans(result)

    def _with_spans(self, result: Any) -> Any:
        """Add IBM's ``metadata["execution"]["execution_spans"]`` from the job's QPU span."""
        from types import SimpleNamespace

        from qiskit.primitives import PrimitiveResult

        from qmodes.local.spans import execution_spans

        if not isinstance(result, PrimitiveResult) or self._job is None:
            return result
        job_id, timeline = self._job
        try:
            span = timeline.job(job_id).span("qpu")
        except KeyError:
            return result
        if span is None or span.end is None:
            return result
        role = semantic_role(self.program)
        primitive = "estimator" if role.startswith("estimator") else "sampler"
        pubs = [SimpleNamespace(shape=tuple(getattr(item, "shape", ())), shots=self.program.shots)
                for item in self.program.items]
        metadata = dict(result.metadata)
        metadata["execution"] = {
            **dict(metadata.get("execution") or {}),
            "execution_spans": execution_spans((span.start, span.end), pubs, primitive)}
        return PrimitiveResult(list(result), metadata=metadata)


def _remote_session(destination: Destination) -> Any:
    remote = getattr(getattr(destination, "scheduler", None), "remote_context", None)
    return remote(destination.id) if remote is not None else None


def _size(item: Any) -> int:
    shape = getattr(item, "shape", ())
    size = 1
    for dimension in shape:
        size *= int(dimension)
    return size


def _projection(program: Any, target: Any, primitive: str) -> float | None:
    """Projected QPU seconds of the program's circuits on the device (None on plain Aer)."""
    device = getattr(target, "device", None)
    if device is None:
        return None
    try:
        from qiskit.primitives.containers.sampler_pub import SamplerPub

        from qmodes.accounting.projection import project_pubs

        pubs = [SamplerPub(_bound(item.circuit), shots=program.shots * max(1, _size(item)))
                for item in program.items]
        return project_pubs(pubs, device, primitive="sampler").seconds if pubs else None
    except Exception:  # a figure, not a requirement: the job runs without it
        return None


def _bound(circuit: Any) -> Any:
    """The circuit with its parameters (twirling, basis changes) at 0: a circuit's duration
    on the device does not depend on its angles."""
    if not circuit.parameters:
        return circuit
    return circuit.assign_parameters([0.0] * circuit.num_parameters)


def _warn_dry_run() -> None:
    warnings.warn("`dry_run` has no effect on local devices: the job runs (as in "
                  "qiskit-ibm-runtime's local testing mode)", UserWarning, stacklevel=5)
