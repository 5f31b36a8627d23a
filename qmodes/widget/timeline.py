"""The live timeline widget: an anywidget that observes one or several contexts.

State lives in traitlets. Per-job data travels as append-only ops (:mod:`.state`): each
update sets :attr:`TimelineWidget.delta` to the new ops only, and :attr:`~TimelineWidget.snapshot`
(the whole log, for a page reload or a saved notebook) is refreshed at most every
``snapshot_interval`` seconds and when the widget goes quiet. Updates are pushed by one
process-wide flusher thread (:mod:`.throttle`) at most ten times a second. The front-end
talks back only with ``{"kind": ...}`` messages: ``cancel_job``, ``close_context``,
``cancel_context`` and ``resync``.

Example:
    >>> from qmodes.core.timeline import ContextRecord, Timeline
    >>> timeline = Timeline()
    >>> timeline.add_context(ContextRecord(id="b1", mode="batch", backend="aer", created=0.0,
    ...                                    max_time=28800.0, interactive_ttl=1.0))
    >>> widget = TimelineWidget(timeline=timeline, context_ids=["b1"], clock=lambda: 1.0)
    >>> _ = widget.flush()
    >>> widget.summary["contexts"][0]["status"]
    'Pending'
"""

from __future__ import annotations

import pathlib
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import anywidget
import traitlets as t

from qmodes.accounting import allowance
from qmodes.backends.names import is_remote_name
from qmodes.core.timeline import OTHERS_QPU, Event, Timeline, default_timeline
from qmodes.widget import advice as advice_model
from qmodes.widget import subshell, uipoll
from qmodes.widget.compact import compact_ops
from qmodes.widget.snapshot import render_html, render_text
from qmodes.widget.state import TimelineState
from qmodes.widget.summary import summarize
from qmodes.widget.throttle import Flusher, shared_flusher

__all__ = ["TimelineWidget"]

_HERE = pathlib.Path(__file__).parent


class TimelineWidget(anywidget.AnyWidget):
    """A live Gantt chart of jobs with the contexts' header, usage panel and controls.

    Args:
        contexts: a context (``qmodes.Session``/``qmodes.Batch``: anything with ``id`` and
            ``timeline``; a :class:`~qmodes.modes.job.JobMode`, whose ``id`` is None, for
            job-mode jobs), several, or None to show everything on the timeline.
        timeline: the timeline to read; defaults to the contexts' own, else the default one.
        context_ids: ids to watch when no context objects are at hand (no controls then).
        clock: a function returning the time in seconds (defaults to the clock of the first
            context's runtime, else :func:`time.time` or the latest time recorded, whichever
            is later: an emulated device's time runs ahead of the wall clock).
        flusher: the flusher that pushes updates (defaults to the shared one).
        snapshot_interval: the shortest time between two refreshes of ``snapshot`` while live.
        since: show only what happened after this event of the timeline (its ``last_seq``).

    Example:
        >>> import qmodes                                   # doctest: +SKIP
        >>> with qmodes.Batch(backend="aer") as batch:      # doctest: +SKIP
        ...     TimelineWidget(batch).show()
        ...     qmodes.Sampler().run([circuit] * 20)
    """

    _esm = _HERE / "timeline.js"
    _css = _HERE / "timeline.css"

    delta = t.Dict(help="The latest ops only: {'from': n, 'to': m, 'ops': [...]}; a receiver "
                        "holding n ops applies them and then holds m.").tag(sync=True)
    snapshot = t.Dict(help="The op log {'to': m, 'ops': [...]}, refreshed less often than "
                           "delta: what a reloaded page or a saved notebook starts from."
                      ).tag(sync=True)
    summary = t.Dict(help="Header and usage panel: per context mode, backend, status, TTL "
                          "deadline, max time used, usage by the mode's rule, QPU seconds and "
                          "jobs by state, each figure with its source; 'load': other users' "
                          "band on the device; 'waits': job index -> why a job still waiting "
                          "waits so far.").tag(sync=True)
    advice = t.Dict(help="The advisor: {'tables': [{'context', 'rows': [{'mode', 'usage', "
                         "'wall', 'idle', 'cost', 'recommended'}], 'recommendation', "
                         "'footnote'}], 'hints': [str]}; empty hides the panel.").tag(sync=True)
    message = t.Unicode("", help="Outcome of the last control (cancel, close).").tag(sync=True)
    controls = t.Bool(True, help="Show the cancel and close buttons.").tag(sync=True)
    height = t.Int(360, help="Largest height of the chart area in pixels (it shrinks to fit "
                                   "fewer rows).").tag(sync=True)
    uid = t.Unicode("", help="Identifies this widget's op store in the front-end.").tag(sync=True)

    def __init__(self, contexts: Any = None, *, timeline: Timeline | None = None,
                 context_ids: Iterable[str] | None = None,
                 clock: Callable[[], float] | None = None, flusher: Flusher | None = None,
                 snapshot_interval: float = 5.0, target: str | None = None,
                 price_per_second: float | None = None, advisor: bool = True,
                 since: int = 0, **kwargs: Any) -> None:
        handles = [] if contexts is None else (
            list(contexts) if isinstance(contexts, (list, tuple)) else [contexts])
        self._handles = {str(ctx.id): ctx for ctx in handles}
        timeline = timeline or (handles[0].timeline if handles else default_timeline())
        ids = [ctx.id for ctx in handles] if handles else context_ids
        self._state = TimelineState(timeline, ids)
        if since:  # only what happened after event ``since`` (e.g. a cell's job-mode jobs)
            self._state.last_seq = since
        self._clock = clock or (_clock_of(handles) if handles else self._seen_clock)
        self._flusher = flusher or shared_flusher()
        self._snapshot_interval = snapshot_interval
        self._snapshot_at = -1e9
        self._lock = threading.RLock()
        self._static_handles: list[Any] = []
        self._static_key: tuple[int, bool] | None = None
        self._was_live = True
        self._advisor = advisor
        self._target = target
        self._price = price_per_second
        self._hints_at = self._compare_at = -1e9
        kwargs.setdefault("controls", bool(handles))
        super().__init__(uid=uuid.uuid4().hex, **kwargs)
        self.on_msg(_on_msg)
        self.routed = ""
        """How the buttons act while a cell blocks: "subshell", "ui-poll" or "" (after it)."""
        self._unsubscribe: Any = None  # a weakref.finalize: calling it unsubscribes once
        self._subscribe()
        self.flush()

    def _subscribe(self) -> None:
        if self._unsubscribe is None:  # also undone if the widget is garbage-collected
            self._unsubscribe = weakref.finalize(
                self, self._state.timeline.subscribe(_observer(self)))

    def _stop_observing(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    @property
    def observing(self) -> bool:
        """True while the widget observes its timeline (until its contexts are final)."""
        return self._unsubscribe is not None

    def _seen_clock(self) -> float:
        """The wall clock, or the latest time on the timeline when that is later."""
        return max(time.time(), self._state.latest)

    # -- pushing ---------------------------------------------------------------------------
    def watch(self, context: Any) -> None:
        """Also show ``context`` (a Session or Batch) in this widget."""
        with self._lock:
            self._handles[str(context.id)] = context
            self._state.watch(str(context.id))
            self._subscribe()
        self._flusher.request(self)

    def take_job_mode_jobs_until(self, seq: int) -> None:
        """Watch no job-mode job created after event ``seq`` (a cell's widget, as the next
        cell starts)."""
        self._state.job_mode_until = seq

    def wants(self, event: Event) -> bool:
        """Whether ``event`` concerns this widget."""
        ids = self._state.context_ids
        return (ids is None or event.context_id in ids
                or (event.kind == OTHERS_QPU and event.subject in self._state.backends))

    def flush(self) -> bool:
        """Push new ops and the summary now; returns True while something is live."""
        with self._lock:
            ops = self._state.pull()
            now = self._clock()
            summary = summarize(self._state, now)
            load = self._state.load_band(now)
            if load is not None:
                summary["load"] = load
            waiting = self._state.live_waits(now)
            if waiting:
                summary["waits"] = {str(ji): text for ji, text in waiting.items()}
            allowance = _allowance(summary)
            if allowance is not None:
                summary["allowance"] = allowance
            compute = _compute(self._handles.values())
            if compute is not None:
                summary["compute"] = compute
            live = summary["live"]
            count = len(self._state.ops)
            due = time.monotonic() - self._snapshot_at >= self._snapshot_interval
            with self.hold_sync():
                if self.snapshot.get("to") != count and (due or not live):
                    self._push_snapshot()  # it holds these ops: no delta needed
                elif ops:
                    self.delta = {"from": count - len(ops), "to": count, "ops": ops}
                self.summary = summary
                if self._advisor:
                    self._refresh_advice(live)
            finished, self._was_live = self._was_live and not live, live
            if finished and self._final():
                self._stop_observing()  # nothing more can happen to closed, final contexts
        if finished:
            self.refresh_static()
        return live

    def _final(self) -> bool:
        """Every watched context exists, is closed and has only final jobs."""
        ids = self._state.context_ids
        contexts = self._state.contexts
        return (bool(ids) and ids is not None and all(c in contexts for c in ids)
                and not self._state.live)

    def _refresh_advice(self, live: bool) -> None:
        """Hints every few seconds; the mode comparison when final (or now and then)."""
        tick = time.monotonic()
        final = not live and self._was_live
        if not final and tick - self._hints_at < advice_model.HINTS_INTERVAL:
            return
        self._hints_at = tick
        timeline = self._state.timeline
        records = [c for c in timeline.contexts() if c.id in (self._state.context_ids or ())]
        contexts = [(record, timeline.jobs(ids=record.job_ids)) for record in records]
        update: dict[str, Any] = {
            "hints": advice_model.live_hints(contexts, self._clock(), self._target)}
        small = sum(len(jobs) for _, jobs in contexts) <= advice_model.LIVE_COMPARE_MAX_JOBS
        if final or (small and tick - self._compare_at >= advice_model.COMPARE_INTERVAL):
            self._compare_at = tick
            tables = [advice_model.comparison(context, jobs, self._target, self._price)
                      for context, jobs in contexts]
            update["tables"] = [table for table in tables if table is not None]
        else:
            update["tables"] = self.advice.get("tables", [])
        if update != self.advice:
            self.advice = update

    def _push_snapshot(self) -> None:
        self.snapshot = {"to": len(self._state.ops), "ops": compact_ops(self._state)}
        self._snapshot_at = time.monotonic()

    # -- displaying ------------------------------------------------------------------------
    def static_html(self) -> str:
        """The static snapshot (header lines and an inline SVG) of the current state."""
        with self._lock:
            self._state.pull()
            return render_html(self._state, summarize(self._state, self._clock()))

    def static_text(self) -> str:
        """A plain-text summary of the current state."""
        with self._lock:
            self._state.pull()
            return render_text(summarize(self._state, self._clock()))

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        self._route()
        data, metadata = bundle
        data["text/plain"] = self.static_text()
        data["text/html"] = self.static_html()
        return data, metadata

    def show(self) -> None:
        """Display the live widget and, below it, a static snapshot for nbconvert and GitHub.

        The snapshot output is hidden wherever the widget renders (by the widget's CSS) and
        is redrawn when everything is final, or on :meth:`refresh_static`.
        """
        # start-up time: the kernel's parts load only where they are used
        from IPython.display import display

        bundle = super()._repr_mimebundle_()
        if bundle is not None:
            data, metadata = bundle
            # viewers without widgets (GitHub) show the snapshot below instead: no stale line
            data["text/plain"] = ""
            display(data, metadata=metadata, raw=True)
        handle = display(self._static_bundle(), raw=True, display_id=True)
        self._static_handles.append(handle)
        self._route()
        shell = _shell()
        if shell is not None and len(self._static_handles) == 1:
            shell.events.register("post_run_cell", self._after_cell)

    def _route(self) -> None:
        """Once shown: make the buttons act while a cell blocks. The front-end's messages go
        to the kernel's qmodes subshell (ipykernel 7, :mod:`qmodes.widget.subshell`), else
        qmodes' waits poll for them (ipykernel 6, :mod:`qmodes.widget.uipoll`)."""
        if not self.routed:
            self.routed = ("subshell" if subshell.route_to_subshell(self)
                           else "ui-poll" if uipoll.register(self) else "")

    def _after_cell(self, *_: Any) -> None:
        """Redraw the static snapshot at the end of each cell (on the kernel's thread, so
        nbclient records it) until it shows the final state."""
        live = self.flush()
        key = (len(self._state.ops), live)
        if key != self._static_key:
            self._static_key = key
            self.refresh_static()
        if not live:
            shell = _shell()
            if shell is not None:
                shell.events.unregister("post_run_cell", self._after_cell)

    def _static_bundle(self) -> dict[str, str]:
        return {"text/html": f'<div class="qmodes-static">{self.static_html()}</div>',
                "text/plain": self.static_text()}

    def refresh_static(self) -> None:
        """Redraw the static snapshot outputs made by :meth:`show` with the current state."""
        if self._static_handles:
            bundle = self._static_bundle()
            for handle in self._static_handles:
                handle.update(bundle, raw=True)

    # -- controls --------------------------------------------------------------------------
    def handle_command(self, content: dict[str, Any]) -> str:
        """Carry out a front-end command (``{"kind": ...}``); returns the message shown."""
        kind = content.get("kind")
        if kind == "resync":
            with self._lock:
                self._state.pull()
                self._push_snapshot()
            return self.message
        try:
            if kind == "cancel_job":
                job = self._find_job(content.get("job_id"), content.get("index"))
                job.cancel()
                text = f"cancel requested for job {job.job_id()}"
            elif kind in ("close_context", "cancel_context"):
                context = self._handles[str(content.get("context_id"))]
                context.close() if kind == "close_context" else context.cancel()
                text = f"{'closed' if kind == 'close_context' else 'cancelled'} {context.id}"
            else:
                text = f"unknown command {kind!r}"
        except Exception as error:  # shown to the user, not raised into the kernel's loop
            text = f"{kind} failed: {error}"
        self.message = text
        self._flusher.request(self)
        return text

    def _find_job(self, job_id: Any, index: Any = None) -> Any:
        if job_id is None and isinstance(index, int):  # a row rebuilt from a summary
            with self._lock:
                job_id = next((k for k, i in self._state._job_index.items() if i == index), None)
        for context in self._handles.values():
            for job in context.jobs():
                if job.job_id() == job_id:
                    return job
        raise LookupError(f"no handle for job {job_id} in this widget's contexts")

    def close(self) -> None:
        """Stop observing the timeline and close the widget's comm."""
        self._stop_observing()
        super().close()


def _shell() -> Any:
    try:
        # start-up time: the kernel's parts load only where they are used
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _clock_of(handles: list[Any]) -> Callable[[], float]:
    for handle in handles:
        runtime = getattr(handle, "_runtime", None)
        clock = getattr(handle, "clock", None) or getattr(runtime, "clock", None)
        if clock is not None and hasattr(clock, "now"):
            return clock.now  # type: ignore[no-any-return]
    return time.time


def _observer(widget: TimelineWidget) -> Callable[[Event], None]:
    """A timeline observer that holds the widget weakly and only asks for a flush."""
    ref = weakref.ref(widget)

    def observe(event: Event) -> None:
        target = ref()
        if target is not None and target.wants(event):
            target._flusher.request(target)

    return observe


def _on_msg(widget: TimelineWidget, content: Any, buffers: Any) -> None:
    if isinstance(content, dict):
        widget.handle_command(content)


def _compute(handles: Any) -> dict[str, Any] | None:
    """The cluster the contexts' simulations run on (qmodes.compute): workers, tasks running
    and queued, results simulated ahead, dashboard; None in the kernel. Never raises."""
    for handle in handles:
        compute = getattr(getattr(handle, "scheduler", None), "compute", None)
        if compute is not None:
            try:
                stats = dict(compute.stats())
            except Exception:  # a cluster gone away: no line rather than a broken widget
                return None
            return stats if stats.get("kind") == "dask" else None
    return None


def _allowance(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The IBM instance's last-read allowance (no request:
    :func:`qmodes.accounting.allowance.latest`), when the widget shows work on an
    ``ibm:<device>``."""
    if not any(is_remote_name(str(c.get("backend", ""))) for c in summary["contexts"]):
        return None
    figure = allowance.latest()
    if figure is None:
        return None
    return {"consumed": figure.consumed, "remaining": figure.remaining, "limit": figure.limit,
            "period": figure.period(), "text": str(figure)}
