"""Run a notebook cell inside a session or batch that is always closed when the cell ends.

:class:`CellContexts` is what ``%%session``/``%%batch`` (and the line forms) hand off to
once their arguments are parsed. It opens the context, binds ``session``/``batch``,
``sampler`` and ``estimator`` in the user namespace, runs the body as a nested IPython cell
with the context's ContextVar set, and then, whatever happened, closes the context (cancels
its queued jobs on an interrupt) and prints one summary line. An error in the body is
re-raised after that, with the body's own traceback, so the cell fails and "Run All",
nbclient and papermill stop on it.

Outside IPython, the same lifecycle is ``with qmodes.Session(...) as session:``.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import keyword
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from qmodes._util.atomic import deferred_interrupt
from qmodes.notebook import output as _output

if TYPE_CHECKING:
    from IPython.core.interactiveshell import ExecutionResult, InteractiveShell

    from qmodes.modes import ExecutionContext
    from qmodes.notebook.config import QModes

__all__ = ["CellContexts", "Options"]


@dataclass(frozen=True)
class Options:
    """What a ``%%session``/``%%batch`` line asked for (durations already in seconds)."""

    mode: str
    backend: str
    max_time: float | None = None
    interactive_ttl: float | None = None
    name: str | None = None
    widget: bool = True
    budget: float | None = None
    rehearse: bool = False

    @property
    def variable(self) -> str:
        return self.name or self.mode


class CellContexts:
    """The contexts opened by the magics of one shell.

    At most one line-form context is open at a time (it is also the sticky default context
    primitives fall back to), plus the context of the cell that is running, if any.

    Example:
        In a notebook, after ``%load_ext qmodes``::

            %%session --backend fake_manila --max-time 30m
            result = sampler.run([circuit]).result()
    """

    def __init__(self, shell: InteractiveShell, settings: QModes) -> None:
        self.shell = shell
        self.settings = settings
        self.line: ExecutionContext | None = None
        self.cells: list[ExecutionContext] = []
        self.runtime: Any = None
        """The local runtime contexts are scheduled on; None is qmodes' default (a seam for
        tests, which pass one on a manual clock)."""

    # -- the cell form ---------------------------------------------------------------------
    def run_cell(self, options: Options, cell: str) -> None:
        """Run ``cell`` in a new context, then close it; re-raise the body's error."""
        __tracebackhide__ = True
        opened = len(self.cells)  # the contexts past this index are this cell's to close
        error: BaseException | None = None
        started = False
        try:
            self._start_cell(options)
            started = True
            result = self.shell.run_cell(cell)
            error = _error_of(result)
        except BaseException as raised:  # an interrupt outside the body, or a re-raising shell
            error = raised
        finally:
            error = self._finish_cells(opened, error)
        if error is not None:
            _reraise(self.shell, error, shown=started)

    async def run_cell_async(self, options: Options, cell: str) -> None:
        """As :meth:`run_cell`, for a body with top-level ``await`` (an async cell)."""
        __tracebackhide__ = True
        opened = len(self.cells)
        error: BaseException | None = None
        result = None
        started = False
        try:
            self._start_cell(options)
            started = True
            transformed = self.shell.transform_cell(cell)
            result = await self.shell.run_cell_async(cell, transformed_cell=transformed)
            error = _error_of(result)
        except BaseException as raised:
            error = raised
        finally:
            self.shell.events.trigger("post_execute")
            self.shell.events.trigger("post_run_cell", result)
            error = self._finish_cells(opened, error)
        if error is not None:
            _reraise(self.shell, error, shown=started)

    def _finish_cells(self, opened: int, error: BaseException | None) -> BaseException | None:
        """Close the contexts opened past index ``opened``; returns the error to re-raise.

        Tracked by position, not by a local variable: a Ctrl-C between the context's opening
        and the ``try`` that would close it (or at the start of the close itself) cannot
        leave it open and registered, which would refuse every later magic as "nested".
        """
        while len(self.cells) > opened:
            try:
                self._finish_cell(self.cells[-1], error)
            except KeyboardInterrupt as again:  # before the close's guarded section: again
                error = error if error is not None else again
        return error

    def _start_cell(self, options: Options) -> ExecutionContext:
        """Open the cell's context; a Ctrl-C meanwhile cancels it again, then is raised."""
        context = None
        try:
            with deferred_interrupt():
                context = self.open(options, f"%%{options.mode}")
                self.cells.append(context)
                context.__enter__()  # sets the ContextVar in the context the body runs in
        except KeyboardInterrupt as interrupt:
            if context is not None:
                self._finish_cell(context, interrupt)
            raise
        return context

    def _finish_cell(self, context: ExecutionContext, error: BaseException | None) -> None:
        interrupted = isinstance(error, (KeyboardInterrupt, asyncio.CancelledError))
        with deferred_interrupt():  # a second Ctrl-C cannot leave the context open
            try:
                if interrupted:
                    context.cancel()  # queued jobs are cancelled, then the context is closed
                context.__exit__(None, None, None)
            finally:
                if context in self.cells:
                    self.cells.remove(context)
        self._summarize(context, "cancelled" if interrupted else "closed")

    # -- the line form ---------------------------------------------------------------------
    def open_line(self, options: Options) -> ExecutionContext:
        """Open a context that stays open across cells (closing the previous one)."""
        self._check_not_nested(f"%{options.mode}")
        self.close_line()
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.modes import set_default_context

        with deferred_interrupt():  # opened means tracked: a Ctrl-C waits until both hold
            context = self.open(options, f"%{options.mode}")
            self.line = context
            set_default_context(context)
        return context

    def close_line(self, mode: str | None = None) -> None:
        """Close the line-form context; with ``mode``, only if it is of that mode."""
        context = self.line
        if context is None:
            if mode is not None:
                print(f"no %{mode} is open")
            return
        if mode is not None and context.mode != mode:
            raise UsageError(f"%{mode} --close: the open context is a {context.mode} "
                             f"({context.id}); close it with %{context.mode} --close")
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.modes import set_default_context

        with deferred_interrupt():
            self.line = None
            set_default_context(None)
            context.close()
        self._summarize(context, "closed")

    # -- shared ----------------------------------------------------------------------------
    def _summarize(self, context: ExecutionContext, verb: str) -> None:
        """Print the summary line and, unless interrupted or turned off, the advisor's lines.

        Never raises: a summary must not hide the body's own error.
        """
        settings = self.settings
        try:
            line = _output.summary_line(context, verb, settings.price_per_second)
        except Exception:
            line = f"{context.mode} {verb}"
        print(line)
        with contextlib.suppress(Exception):
            note = _output.not_emulated_line(context)
            if note:
                print(note)
        if verb == "closed" and settings.advisor:
            _output.print_advice(context, settings.target, settings.price_per_second)

    def open(self, options: Options, label: str) -> ExecutionContext:
        """Open a context for ``options``, bind its names and show it.

        ``label`` names the magic in error messages (``%%session``, ``%batch``).
        """
        self._check_not_nested(label)
        name = options.variable
        check_name(self.shell, label, name)
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.modes import Batch, Session
        from qmodes.modes.primitives import Estimator, Sampler

        factory = Session if options.mode == "session" else Batch
        try:
            context = factory(options.backend, max_time=options.max_time,
                              interactive_ttl=options.interactive_ttl, runtime=self.runtime,
                              budget=options.budget, rehearse=options.rehearse)
        except ValueError as error:
            raise UsageError(f"{label}: {error}") from None
        self.shell.push({name: context, "sampler": Sampler(mode=context),
                         "estimator": Estimator(mode=context)})
        if options.widget:
            _output.show_context(self.shell, context, self.settings)
        return context

    def _check_not_nested(self, label: str) -> None:
        if self.cells:
            outer = self.cells[-1]
            raise UsageError(f"{label} cannot open inside the running %%{outer.mode} cell "
                             f"({outer.id}): contexts do not nest; use a separate cell")

    def open_contexts(self) -> list[ExecutionContext]:
        """The contexts opened here that are still open."""
        contexts = [*self.cells, *([self.line] if self.line is not None else [])]
        return [context for context in contexts if not context.closed]

    def shutdown(self) -> None:
        """Close everything still open (kernel shutdown, ``%unload_ext``). Never raises."""
        for context in self.open_contexts():
            with contextlib.suppress(Exception):
                context.close()
        if self.line is not None:
            # start-up time: the engine (and Qiskit) loads on first use; a layer below
            from qmodes.modes import set_default_context

            self.line = None
            set_default_context(None)
        self.cells.clear()


_PRIMITIVES = ("sampler", "estimator")
_IPYTHON_NAMES = frozenset({"get_ipython", "In", "Out", "exit", "quit", "display", "_ih",
                            "_oh", "_dh"})
_IPYTHON_CACHE = re.compile(r"_i{0,3}\d*|_+")  # _, __, _i, _iii, _3, _i3: IPython's caches


def check_name(shell: InteractiveShell, label: str, name: str) -> None:
    """Raise UsageError unless ``name`` is a plain variable name the magic may bind.

    Refused: what is not an identifier, keywords, builtins (``print``, ``__builtins__``),
    dunders, IPython's own names (``get_ipython``, ``In``, ``Out``, ``exit``, ``quit``,
    ``display``, the ``_``/``_iN`` caches and whatever the shell hides from ``%who``), and
    the names the magic binds itself (``sampler``, ``estimator``).
    """
    reason = None
    if not name.isidentifier() or keyword.iskeyword(name):
        reason = "not a Python variable name"
    elif name in _PRIMITIVES:
        reason = "the magic binds it to the context's primitive"
    elif (name in _IPYTHON_NAMES or _IPYTHON_CACHE.fullmatch(name)
          or name in getattr(shell, "user_ns_hidden", {})):
        reason = "IPython uses it"
    elif name.startswith("__") or hasattr(builtins, name):
        reason = "it would shadow a Python builtin"
    if reason is not None:
        shown = name if len(name) <= 40 else name[:40] + "..."
        raise UsageError(f"{label}: --name {shown!r}: {reason}; give a Python variable name "
                         f"such as my_{'session' if 'session' in label else 'batch'}, other "
                         f"than {' or '.join(_PRIMITIVES)}")


def _error_of(result: ExecutionResult | None) -> BaseException | None:
    if result is None:
        return None
    return result.error_before_exec or result.error_in_exec


def _reraise(shell: InteractiveShell, error: BaseException, shown: bool = True) -> None:
    """Make the body's error the cell's error, without showing it a second time.

    The nested run already showed it (with the body's frames only). The outer cell shows
    nothing more, but still fails with this error: the kernel replies ``status: error``
    with its name, value and the traceback that was shown. An error from before the body
    ran (``shown=False``, e.g. a Ctrl-C while the context opened) is shown as usual.
    """
    __tracebackhide__ = True
    if shown:
        _hide_next_display_of(shell, error)
    tb = error.__traceback__
    while tb is not None and _is_internal(tb.tb_frame.f_globals.get("__name__", "")):
        tb = tb.tb_next
    raise error.with_traceback(tb)


def _is_internal(module: str) -> bool:
    return module.startswith(("IPython.", "qmodes."))


def _hide_next_display_of(shell: InteractiveShell, error: BaseException) -> None:
    """Until the cell's ``post_execute``, the shell does not show ``error`` again."""
    names = ("showtraceback", "showsyntaxerror")
    saved = {name: shell.__dict__.get(name) for name in names}

    def restore(*args: Any) -> None:
        for name, previous in saved.items():
            if previous is None:
                shell.__dict__.pop(name, None)
            else:
                setattr(shell, name, previous)
        with contextlib.suppress(ValueError):
            shell.events.unregister("post_execute", restore)

    def silent(name: str) -> Any:
        show = getattr(shell, name)

        def maybe_show(*args: Any, **kwargs: Any) -> Any:
            if sys.exc_info()[1] is error:
                return None
            return show(*args, **kwargs)

        return maybe_show

    for name in names:
        setattr(shell, name, silent(name))
    shell.events.register("post_execute", restore)
