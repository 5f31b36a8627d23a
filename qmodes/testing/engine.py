"""How the fake server hands REST jobs to qmodes' own local engine.

Each served device is a :class:`ServedBackend`: a qmodes ``LocalBackend`` for the fake device
whose jobs run the server's executor on the QPU lane (:class:`ServedWork`). A ``POST /jobs``
becomes ``qmodes.Sampler(mode=<context or backend>).run(pubs)`` (or ``Estimator``) through
:func:`run_primitive`, so PUB coercion, ISA checks and IBM's job limits are qmodes'; programs
without PUBs (the client-side ``executor`` program) go through :func:`submit_work`, the same
path with the work built here. Either way the job takes qmodes' scheduler: queue, a classical
lane, the device's single QPU lane, post-processing.

Example:
    >>> from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    >>> device = FakeManilaV2()
    >>> backend = ServedBackend(device.name, device, device, executor=lambda request: None)
    >>> backend.name, backend.requires_isa
    ('fake_manila', True)
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import traceback
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from qmodes.backends import LocalBackend
from qmodes.core.limits import DEFAULT_PRECISION
from qmodes.core.timeline import JobRecord
from qmodes.testing.executor import ExecutionOutcome, ExecutionRequest, Executor

if TYPE_CHECKING:
    from qmodes.core.jobs import Job
    from qmodes.local.runtime import LocalRuntime

__all__ = ["ServedBackend", "ServedWork", "run_primitive", "submit_work"]

DEFAULT_SHOTS = 4096
"""IBM's default shots when neither the PUB nor ``options.default_shots`` gives any."""

_submission: contextvars.ContextVar[ExecutionRequest | None] = contextvars.ContextVar(
    "qmodes_testing_submission", default=None
)
"""The request being submitted on this thread (read by :meth:`ServedBackend.make_work`)."""


@dataclass(eq=False)
class ServedBackend(LocalBackend):
    """A fake device as the server's engine sees it: jobs run ``executor`` on the QPU lane."""

    executor: Executor | None = None

    def make_work(self, primitive: str, pubs: list[Any], transpile: bool) -> ServedWork:
        """The work of the REST job being submitted, with the PUBs qmodes coerced."""
        request = _submission.get()
        if request is None:
            raise RuntimeError(f"jobs on the served device {self.name} come through the server")
        work = ServedWork(self, replace(request, pubs=list(pubs)))
        if self.device is not None:  # device time (``device_pace``): hold the QPU as projected
            # start-up time: the engine (and Qiskit) loads on first use; a layer below
            from qmodes.accounting.projection import project_pubs

            with contextlib.suppress(Exception):  # a program without PUBs: the quick form
                work.projected_qpu = project_pubs(pubs, self.device, primitive=primitive).seconds
        return work

    def __repr__(self) -> str:
        return f"<ServedBackend {self.name}>"


@dataclass
class _Failed:
    error: BaseException
    text: str


class ServedWork:
    """One REST job's phases: nothing classical, the executor on the QPU, JSON encoding after.

    An executor failure is carried through the QPU phase and raised in post-processing, so the
    engine reports it as a system error (billed nothing), as IBM does for failures on its side.

    Attributes:
        request: What the executor gets.
        extra_metrics: The executor's extra metrics, once it ran.
        error_text: The executor's traceback, if it raised.
    """

    def __init__(self, backend: ServedBackend, request: ExecutionRequest) -> None:
        self.backend = backend
        self.request = request
        self.pubs = request.pubs
        self.projected_qpu: float | None = None
        self.extra_metrics: dict[str, Any] = {}
        self.error_text: str | None = None

    def prepare(self) -> None:
        """Classical pre-processing: the PUBs were coerced and checked at submission."""

    def execute(self) -> ExecutionOutcome | _Failed:
        """The QPU phase: the server's executor."""
        assert self.backend.executor is not None
        try:
            return self.backend.executor(self.request)
        except Exception as exc:  # becomes the job's error text, never lost
            return _Failed(exc, "".join(traceback.format_exception(exc)))

    def finalize(self, raw: ExecutionOutcome | _Failed) -> str:
        """Post-processing: the results body (``RuntimeEncoder`` JSON, or the executor's text)."""
        # heavy: Qiskit loads when a job or device needs it, not on import
        from qiskit_ibm_runtime import RuntimeEncoder

        if isinstance(raw, _Failed):
            self.error_text = raw.text
            raise raw.error
        if not isinstance(raw, ExecutionOutcome):
            raise TypeError(f"the executor returned {type(raw).__name__}, not ExecutionOutcome")
        self.extra_metrics.update(raw.extra_metrics)
        result = raw.result
        return result if isinstance(result, str) else json.dumps(result, cls=RuntimeEncoder)


def run_primitive(mode: Any, request: ExecutionRequest, runtime: LocalRuntime) -> Job:
    """Submit a ``sampler``/``estimator`` request with qmodes' primitives.

    Args:
        mode: A qmodes ``Session``/``Batch``, or the :class:`ServedBackend` (job mode).
        request: The REST job; its decoded ``params`` give the PUBs and default options.
        runtime: The server's runtime (job mode).

    Raises:
        ValueError: Malformed PUBs, non-ISA circuits, or a job over IBM's limits.
        qmodes.core.errors.ContextClosedError: The session or batch accepts no more jobs.
    """
    # start-up time: the engine (and Qiskit) loads on first use; a layer below
    from qmodes.modes.primitives import Estimator, Sampler

    options = request.params.get("options") or {}
    pubs = [
        tuple(pub) if isinstance(pub, list) else pub for pub in request.params.get("pubs") or []
    ]
    token = _submission.set(request)
    try:
        if request.program_id == "sampler":
            shots = int(options.get("default_shots") or DEFAULT_SHOTS)
            return Sampler(mode, default_shots=shots, runtime=runtime).run(pubs)
        precision = options.get("default_precision")
        precision = DEFAULT_PRECISION if precision is None else float(precision)
        return Estimator(mode, default_precision=precision, runtime=runtime).run(pubs)
    finally:
        _submission.reset(token)


def submit_work(mode: Any, request: ExecutionRequest, runtime: LocalRuntime) -> Job:
    """Submit a program without PUBs (e.g. ``executor``) as one qmodes job.

    The same path as a primitive's ``run``: the context's ``_submit`` (which refuses a closed
    context), or ``qmodes.modes.submit_job`` in job mode.
    """
    from qmodes.local.work import new_job_id
    from qmodes.modes import ExecutionContext, submit_job

    backend = mode.target if isinstance(mode, ExecutionContext) else mode
    record = JobRecord(
        id=new_job_id(),
        context_id=None,
        mode="job",
        backend=backend.name,
        primitive=request.program_id,
        created=0.0,
        source=backend.source,
    )
    work = ServedWork(backend, request)
    device = getattr(backend, "device", None)
    if device is not None and request.program_id == "executor":
        # heavy: IBM's executor schemas load with the first executor job
        from qmodes.testing.quantum_program import project_program

        with contextlib.suppress(Exception):  # an unreadable program fails when it runs
            work.projected_qpu, record.executions = project_program(request.params_json
                                                                    or request.params, device)
            record.projected_qpu = work.projected_qpu
    if isinstance(mode, ExecutionContext):
        return mode._submit(record, work)
    return submit_job(backend, record, work, runtime)
