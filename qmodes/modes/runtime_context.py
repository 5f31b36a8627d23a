"""A context as qiskit-ibm-runtime's code sees it on a local device, and rehearsals.

:class:`RuntimeContext` is the :class:`~qmodes.context.base.ExecutionContext` that
:class:`~qmodes.Session` and :class:`~qmodes.Batch` build on. It adds what qiskit-ibm-runtime's
primitives call on their mode (:meth:`_run`, :attr:`service`: a ``QiskitRuntimeLocalService``
bound to the context, :mod:`qmodes.modes.runtime_bridge`), makes the open context IBM's
default session, and runs a rehearsal (``rehearse=True``: on the device's twin, ending with the
projected bill, :mod:`qmodes.modes.rehearsal`).
"""

from __future__ import annotations

from typing import Any

from qmodes.accounting.budget import parse_budget
from qmodes.context.base import ExecutionContext
from qmodes.local.runtime import LocalRuntime
from qmodes.modes.rehearsal import Rehearsal
from qmodes.modes.runtime_bridge import enter_default_session, run_program
from qmodes.modes.service import LocalService

__all__ = ["RuntimeContext"]


class RuntimeContext(ExecutionContext):
    """An execution context with qiskit-ibm-runtime's session surface, and rehearsals.

    Args:
        rehearse: run on the device's twin, send nothing, end with the projected bill
            (:meth:`bill`); the other arguments are :class:`ExecutionContext`'s.
    """

    def __init__(self, backend: Any = None, max_time: float | str | None = None, *,
                 create_new: bool | None = True,
                 interactive_ttl: float | str | None = None,
                 runtime: LocalRuntime | None = None, budget: float | str | None = None,
                 rehearse: bool = False, service: Any = None) -> None:
        self._rehearsal: Rehearsal | None = None
        if rehearse:  # run locally on the device's twin (qmodes.modes.rehearsal)
            parse_budget(budget)  # a bad budget fails before anything is opened
            self._rehearsal = Rehearsal.of(backend)
            backend = self._rehearsal.twin
        super().__init__(backend, max_time, create_new=create_new,
                         interactive_ttl=interactive_ttl, runtime=runtime, budget=budget,
                         service=service)

    def _local_service(self) -> Any:
        return LocalService.of_context(self)

    def _enter_local_default(self) -> Any:
        return enter_default_session(self)

    def _run(self, program_id: str, inputs: dict, options: Any = None,
             result_decoder: Any = None, calibration_id: str | None = None,
             dry_run: bool = False) -> Any:
        """What qiskit-ibm-runtime's primitives call on their mode: runs the program here."""
        __tracebackhide__ = True  # IPython: show the user's line, not ours
        return run_program(self, program_id, inputs, options, calibration_id, dry_run)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> None:
        super().__exit__(exc_type, exc, tb)
        if self._rehearsal is not None and exc_type is None:  # ends with the projected bill
            self.wait()
            print(self.bill())

    def bill(self) -> Any:
        """A rehearsal's projected bill (:class:`qmodes.modes.rehearsal.Bill`): each mode's
        usage against the instance's remaining allowance.

        Raises:
            ValueError: this context is not a rehearsal (open it with ``rehearse=True``).
        """
        if self._rehearsal is None:
            raise ValueError(f"{self._id} is not a rehearsal: open it with rehearse=True")
        return self._rehearsal.bill(self)
