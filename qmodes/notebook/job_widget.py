"""A cell's job-mode jobs, drawn: one live timeline per cell that submits any.

In a notebook with ``%load_ext qmodes``, a job sent in job mode (``Sampler(mode=backend)``,
qmodes' or qiskit-ibm-runtime's own) from a cell shows on a timeline widget in that cell,
shown when its first job is queued and live while the cell waits for results, as a
``%%session`` cell shows its session. Only jobs of the process-wide runtime (a runtime made
by hand is shown by hand: ``TimelineWidget(timeline=runtime.timeline).show()``), only in a
front-end that renders widgets, only from the cell's own thread, and only while
``QModes.widget`` is on.

Example:
    In a notebook::

        %load_ext qmodes
        from qiskit_ibm_runtime import SamplerV2 as Sampler
        job = Sampler(mode=qmodes.get_backend("fake_manila")).run([isa_circuit])  # drawn
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from qmodes.core.submitted import on_submit
from qmodes.core.timeline import default_timeline
from qmodes.notebook.output import has_widget_frontend

if TYPE_CHECKING:
    from qmodes.core.jobs import Job
    from qmodes.modes.job import JobMode

__all__ = ["JobModeWidgets"]


class JobModeWidgets:
    """Shows each cell's job-mode jobs on a widget of their own (see the module).

    Args:
        shell: the IPython shell.
        settings: the ``QModes`` settings (``widget``, ``target``, ``price_per_second``,
            ``advisor``).
    """

    def __init__(self, shell: Any, settings: Any) -> None:
        self.shell = shell
        self.settings = settings
        self._view: JobMode | None = None
        self._widget: Any = None
        self._since = 0
        self._remove: Any = None

    def install(self) -> None:
        self.shell.events.register("pre_run_cell", self._new_cell)
        self._remove = on_submit(self._submitted)

    def uninstall(self) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None
        if self._new_cell in self.shell.events.callbacks["pre_run_cell"]:
            self.shell.events.unregister("pre_run_cell", self._new_cell)

    def _new_cell(self, *_: Any) -> None:
        self._since = default_timeline().last_seq
        if self._widget is not None:  # the last cell's widget keeps its own jobs only
            self._widget.take_job_mode_jobs_until(self._since)
        self._view = self._widget = None

    def _submitted(self, job: Job) -> None:
        if self._view is not None:
            self._view.add(job)
            return
        if (not self.settings.widget or not has_widget_frontend(self.shell)
                or threading.current_thread() is not threading.main_thread()
                or job.timeline is not default_timeline()):
            return
        from qmodes.modes.job import JobMode  # loaded with the job: Qiskit is in by now
        from qmodes.widget import TimelineWidget

        self._view = JobMode(job)
        self._widget = TimelineWidget(self._view, since=self._since,
                                      target=self.settings.target,
                                      price_per_second=self.settings.price_per_second,
                                      advisor=self.settings.advisor)
        self._widget.show()
