"""``qmodes.LocalService``: the first line of IBM's tutorials, answered on this machine.

IBM's tutorials begin with ``service = QiskitRuntimeService()`` and then ask it for a backend
(``service.least_busy(...)``, ``service.backend(name)``), for the allowance
(``service.usage()``), and hand it to ``Session``/``Batch``. Change that one line to
``service = qmodes.LocalService()`` and the rest runs unchanged on qmodes' emulated devices:

* :meth:`~LocalService.backend` / :meth:`~LocalService.backends` return qmodes backends: the
  fake devices of ``qiskit_ibm_runtime.fake_provider`` (run on Aer with their noise, in device
  time) and, when asked for simulators, ``aer``. IBM's device names work too:
  ``"ibm_sherbrooke"`` is ``fake_sherbrooke``, ``"aer_simulator"`` is ``aer``.
* :meth:`~LocalService.least_busy` ranks the candidate devices as IBM does, by their pending
  jobs, here the *emulated* queue: other users' jobs (with a load set: ``load=``,
  ``%config QModes.device_load``, ``--load``) and yours waiting for the device's QPU now.
  Ties, and every device when no load is set, go by name.
* :meth:`~LocalService.usage` answers with the shape of IBM's ``service.usage()``: what this
  process's jobs on emulated devices billed (projected) in the last 28 days against the
  budget (``budget=`` or ``%config QModes.budget``), IBM's usage window.
* qiskit-ibm-runtime's primitives given one of these backends (``SamplerV2(mode=backend)``)
  run as qmodes jobs, in job mode or in the open session or batch (:mod:`qmodes.compat.
  runtime_modes`); this class is also the service they then use, and it queues their jobs
  in qmodes (:class:`qmodes.compat.runtime_private.LocalServiceDoor`).

Example:
    >>> import qmodes
    >>> service = qmodes.LocalService()
    >>> backend = service.least_busy(operational=True, simulator=False, min_num_qubits=127)
    >>> backend.name, backend.num_qubits
    ('fake_aachen', 156)
    >>> service.backend("ibm_manila").name
    'fake_manila'
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from qiskit.providers.exceptions import QiskitBackendNotFoundError

from qmodes.accounting.budget import default_budget, parse_budget
from qmodes.backends import LocalBackend, available_backends, device_qubits, get_backend
from qmodes.backends.names import fake_twin_name, is_fake_name, is_remote_name
from qmodes.compat.runtime_private import LocalServiceDoor
from qmodes.core.usage import context_usage, job_usage
from qmodes.local.load import check_load
from qmodes.local.runtime import LocalRuntime, default_runtime
from qmodes.modes.runtime_bridge import run_executor, run_program

if TYPE_CHECKING:
    from qmodes.context.base import ExecutionContext

__all__ = ["USAGE_WINDOW", "LocalService"]

USAGE_WINDOW = 28 * 24 * 3600.0
"""IBM's usage period for allowances: a rolling 28 days."""


class LocalService(LocalServiceDoor):
    """qiskit-ibm-runtime's service, answered by qmodes' emulated devices.

    A ``QiskitRuntimeLocalService`` (qiskit-ibm-runtime's own local testing service), so code
    that checks for it, or for ``service.is_local``, keeps working.

    Args:
        load: the share of each emulated device other users keep busy, 0 to 0.95 (sets the
            runtime's ``device_load``, as ``%config QModes.device_load`` does); None leaves it.
        budget: seconds (or ``"10m"``) that :meth:`usage` reports as the limit; None: the
            process-wide budget (``%config QModes.budget``), if any.
        runtime: the local runtime whose devices are used (default: the process-wide one).
        **account: ``channel``, ``token``, ``instance``, ``url``... as given to
            ``QiskitRuntimeService``: accepted so the line changes only its class name, and
            ignored (nothing leaves this machine; a token is not kept).

    Example:
        >>> import qmodes
        >>> from qiskit_ibm_runtime import Session
        >>> service = qmodes.LocalService(channel="ibm_quantum_platform")
        >>> with Session(backend=service.backend("fake_manila")) as session:
        ...     pass
        >>> type(session).__module__
        'qmodes.modes.session'
    """

    def __init__(self, *, load: float | None = None, budget: float | str | None = None,
                 runtime: LocalRuntime | None = None, **account: Any) -> None:
        super().__init__()
        self._runtime_given = runtime
        self._budget = parse_budget(budget)
        self._context: ExecutionContext | None = None
        if load is not None:
            self.runtime.device_load = check_load(load)

    @classmethod
    def of_context(cls, context: ExecutionContext) -> LocalService:
        """The service of a local session or batch (its ``service``): the jobs
        qiskit-ibm-runtime's primitives hand it run in that context."""
        service = cls(runtime=context._runtime)
        service._context = context
        return service

    @property
    def runtime(self) -> LocalRuntime:
        """The local runtime this service's devices run on."""
        return self._runtime_given or default_runtime()

    # -- backends ---------------------------------------------------------------------------
    def backend(self, name: str | None = None, instance: str | None = None,
                use_fractional_gates: bool | None = False,
                calibration_id: str | None = None) -> Any:
        """The qmodes backend called ``name`` (IBM's ``ibm_<device>`` names map to
        ``fake_<device>``; ``aer_simulator`` to ``aer``); None: the first device by name.

        Raises:
            QiskitBackendNotFoundError: no such device, with the names that exist.
        """
        if name is None:
            return self.backends()[0]
        return _named(name)

    def backends(self, name: str | None = None, min_num_qubits: int | None = None,
                 instance: str | None = None, dynamic_circuits: bool | None = None,
                 filters: Callable[[Any], bool] | None = None, *,
                 operational: bool | None = None, simulator: bool | None = None,
                 **kwargs: Any) -> list[Any]:
        """qmodes backends matching every filter given, sorted by name.

        The devices are the fake devices (``simulator=False`` or None); ``simulator=True``
        gives ``aer`` instead. Filters as qiskit-ibm-runtime's: ``min_num_qubits``,
        ``dynamic_circuits``, ``operational`` (every emulated device is operational) and
        ``filters`` (a callable on each backend).

        Raises:
            QiskitBackendNotFoundError: none matches.
        """
        if name is not None:
            candidates = [_named(name)]
        elif simulator:
            candidates = [get_backend("aer")]
        else:
            names = [n for n in available_backends() if is_fake_name(n)
                     and device_qubits(n) >= (min_num_qubits or 0)]
            with warnings.catch_warnings():  # building every device, not the user's choice:
                warnings.filterwarnings("ignore", "Properties of fake_", UserWarning)
                candidates = [get_backend(n) for n in names]
        if min_num_qubits:
            candidates = [b for b in candidates if b.num_qubits >= min_num_qubits]
        if dynamic_circuits is not None:
            candidates = [b for b in candidates
                          if _supports_dynamic_circuits(b) == dynamic_circuits]
        if operational is not None:
            candidates = [b for b in candidates if _operational(b) == operational]
        if filters is not None:
            candidates = [b for b in candidates if filters(b)]
        if not candidates:
            raise QiskitBackendNotFoundError("No backend matches the criteria.")
        return candidates

    def least_busy(self, min_num_qubits: int | None = None, instance: str | None = None,
                   filters: Callable[[Any], bool] | None = None, **kwargs: Any) -> Any:
        """The candidate device with the fewest jobs waiting, as IBM's ``least_busy``.

        Candidates are :meth:`backends` (``operational=True, simulator=False`` unless given).
        Jobs waiting: on the device's emulated QPU, other users' and yours, now (in device
        time). With a load set, looking starts each candidate's crowd in its steady state;
        the crowds of devices not picked are stopped again (those nobody uses).
        Ties, and all devices when no load is set, go by name.
        """
        kwargs.setdefault("operational", True)
        kwargs.setdefault("simulator", False)
        candidates = self.backends(min_num_qubits=min_num_qubits, filters=filters, **kwargs)
        chosen = min(candidates, key=lambda backend: (self.pending_jobs(backend), backend.name))
        for backend in candidates:  # looking at a queue does not keep its crowd running
            if backend is not chosen:
                self.runtime.discard_unused(backend)
        return chosen

    def pending_jobs(self, backend: Any) -> int:
        """Jobs waiting for ``backend``'s emulated QPU now, other users' and yours (IBM's
        ``status().pending_jobs``). Under a process-wide load, a device not used yet gets
        its crowd (in its steady state) when first looked at."""
        runtime = self.runtime
        scheduler = runtime.existing_scheduler(backend)
        if scheduler is None and runtime.device_load > 0:
            scheduler = runtime.scheduler(backend)
        return 0 if scheduler is None else int(scheduler.pending_count())

    # -- allowance --------------------------------------------------------------------------
    def usage(self) -> dict[str, Any]:
        """The shape of IBM's ``service.usage()``, emulated: seconds billed (projected) by
        this process's jobs on local devices in the last 28 days, against the budget.

        Example:
            >>> import qmodes
            >>> usage = qmodes.LocalService(budget="10m").usage()
            >>> usage["usage_limit_seconds"], len(usage)
            (600.0, 5)
        """
        now = time.time()
        start = now - USAGE_WINDOW
        consumed = _billed_since(self.runtime, start)
        limit = self._budget if self._budget is not None else default_budget()
        usage: dict[str, Any] = {
            "usage_consumed_seconds": consumed,
            "usage_period": {"start_time": _iso(start), "end_time": _iso(now)},
        }
        if limit is not None:
            usage.update(usage_limit_seconds=float(limit),
                         usage_remaining_seconds=max(0.0, float(limit) - consumed),
                         usage_limit_reached=consumed >= limit)
        return usage

    # -- where qiskit-ibm-runtime's primitives send their jobs ---------------------------------
    def job_destination(self, backend: Any) -> Any:
        """Where a job of qiskit-ibm-runtime's primitives goes: this service's context, else
        a qmodes backend's job mode; None for another backend (IBM's local testing mode)."""
        if self._context is not None:
            return self._context
        return backend if isinstance(backend, LocalBackend) else None

    def run_program_at(self, destination: Any, program_id: Any, inputs: dict, options: Any,
                       dry_run: bool) -> Any:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        return run_program(destination, program_id, inputs, options, dry_run=dry_run)

    def run_executor_at(self, destination: Any, options: Any, program: Any,
                        dry_run: bool) -> Any:
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        return run_executor(destination, options, program, dry_run=dry_run)


def _named(name: str) -> Any:
    key = name.strip().lower()
    if key == "aer_simulator":
        key = "aer"
    elif is_remote_name(key):
        key = fake_twin_name(key)
    try:
        return get_backend(key)
    except ValueError:
        devices = ", ".join(n for n in available_backends() if is_fake_name(n))
        raise QiskitBackendNotFoundError(
            f"No backend matches the criteria: {name!r} is not an emulated device here; "
            f"use one of {devices} (or ibm_<device> for the same), or aer") from None


def _supports_dynamic_circuits(backend: Any) -> bool:
    check = getattr(backend, "_supports_dynamic_circuits", None)
    return bool(check()) if callable(check) else False


def _operational(backend: Any) -> bool:
    status = getattr(backend, "status", None)
    return bool(status().operational) if callable(status) else True



def _billed_since(runtime: LocalRuntime, start: float) -> float:
    """Seconds billed by the local jobs and contexts on ``runtime``'s timeline since ``start``
    (wall-clock epoch seconds), each by its mode's rule."""
    timeline = runtime.timeline
    total = 0.0
    for context in timeline.contexts():
        if context.created >= start and not _remote(context.source):
            total += context_usage(context, timeline.jobs(ids=context.job_ids)).seconds
    for job in timeline.jobs():
        if job.context_id is None and job.created >= start and not _remote(job.source):
            total += job_usage(job)
    return total


def _remote(source: str) -> bool:
    return source == "reported by IBM"


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
