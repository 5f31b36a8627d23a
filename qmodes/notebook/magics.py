"""``%%session``, ``%%batch``, their line forms, and ``%qmodes``.

The magics only parse their arguments and hand off to :class:`qmodes.notebook.cell.CellContexts`;
each does what ``with qmodes.Session(...) as session:`` does in plain Python.

Example:
    In a notebook::

        %load_ext qmodes

        %%session --backend fake_manila --max-time 30m
        job = sampler.run([circuit])          # runs in the session
        job.result()

        %batch -b aer                         # open across cells ...
        %batch --close                        # ... until closed

        %qmodes usage --since 30d             # billed time recorded in the ledger
        %qmodes history --limit 5             # the last sessions and batches
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sqlite3
import sys
import time
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import (
    MagicArgumentParser,
    argument,
    magic_arguments,
)

from qmodes.accounting.allowance import allowance_of
from qmodes.accounting.budget import set_default_budget
from qmodes.core.durations import parse_duration, parse_interactive_ttl, parse_max_time
from qmodes.notebook.cell import CellContexts, Options

if TYPE_CHECKING:
    from collections.abc import Callable

    from IPython.core.interactiveshell import InteractiveShell

    from qmodes.notebook.config import QModes

__all__ = ["QModesMagics"]

_OPTIONS_HINT = ("valid options: --backend/-b NAME, --max-time T, --interactive-ttl T, "
                 "--name VAR, --no-widget, --load L, --budget T, --rehearse, --cluster C, "
                 "--close (line form)")


def _mode_arguments(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``%%session`` and ``%%batch`` share."""
    decorators = [
        magic_arguments(),
        argument("-b", "--backend", metavar="NAME", help="'aer', 'aer:<method>', "
                 "'fake_<device>' or 'ibm:<device>' (default: %%config QModes.default_backend)"),
        argument("--max-time", metavar="T", nargs="+", help="maximum TTL: seconds, '30m' or "
                 "'2h 30m' (default: %%config QModes.max_time, else 8h)"),
        argument("--interactive-ttl", metavar="T", nargs="+", help="idle time allowed "
                 "between jobs on local backends (default: the mode's)"),
        argument("--name", metavar="VAR", help="the variable that holds the context "
                 "(default: session or batch)"),
        argument("--no-widget", action="store_true", help="no live timeline at the top"),
        argument("--load", metavar="L", type=float, help="fake_<device> only: share of the "
                 "device other users keep busy, 0 to 0.95, from now on (default: %%config "
                 "QModes.device_load)"),
        argument("--budget", metavar="T", nargs="+", help="ibm:<device>: most this context "
                 "may bill, e.g. 90s or 2m; a job that would cross it is refused before it is "
                 "sent (default: %%config QModes.budget)"),
        argument("--rehearse", action="store_true", help="ibm:<device>: run the cell locally "
                 "on the device's twin, in device time, and end with the projected bill"),
        argument("--cluster", metavar="C", help="where Aer runs: 'local' (a Dask LocalCluster), "
                 "'tcp://host:8786' (a Dask scheduler) or 'kernel'; the cell form for this "
                 "cell, the line form from now on (default: %%config QModes.cluster)"),
        argument("--close", action="store_true", help="line form only: close the context "
                 "opened by an earlier %%session or %%batch line"),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


_UNCHANGED = object()

EXIT_FLUSH_SECONDS = 10.0
"""At exit, how long the timeline's observers (the ledger) get to hear the last events."""

MAX_HISTORY_LIMIT = 10_000
"""The most rows ``%qmodes history --limit N`` shows."""

_QMODES_HINT = ("valid: %qmodes, %qmodes usage [--since 7d] [--backend NAME], "
                "%qmodes history [--limit N]")


def _qmodes_parser() -> MagicArgumentParser:
    """``%qmodes [usage [--since T] [--backend NAME] | history [--limit N]]``."""
    parser = MagicArgumentParser(
        "%qmodes", description="Without a command: the open contexts, the backends and the "
        "defaults. With one: a report from the ledger of past runs ($QMODES_HOME, default "
        "~/.qmodes).")
    commands = parser.add_subparsers(dest="command", metavar="{usage,history}")
    usage = commands.add_parser("usage", help="billed time per backend, mode and source")
    usage.add_argument("--since", metavar="T", nargs="+", default=["7d"],
                       help="'7d' (default), '12h', '2w', a date such as '2025-01-31', or 'all'")
    usage.add_argument("--backend", metavar="NAME", help="only this backend")
    history = commands.add_parser("history", help="the last sessions and batches")
    history.add_argument("--limit", metavar="N", type=int, default=20,
                         help="how many (default 20)")
    return parser


@magics_class
class QModesMagics(Magics):
    """The qmodes magics; ``%load_ext qmodes`` registers them."""

    def __init__(self, shell: InteractiveShell, settings: QModes) -> None:
        super().__init__(shell)
        self.settings = settings
        self.contexts = CellContexts(shell, settings)
        self._transformer: Any = None
        self._job_widgets: Any = None  # qmodes.notebook.job_widget.JobModeWidgets, set on load

    @_mode_arguments
    @line_cell_magic
    def session(self, line: str, cell: str | None = None) -> None:
        """Run the cell in a session, closed when the cell ends (whatever happens).

        Inside the cell ``session``, ``sampler`` and ``estimator`` are bound to it, and
        ``qmodes.Sampler()`` with no mode uses it. The line form ``%session [options]`` keeps
        a session open across cells until ``%session --close``.
        """
        self._run("session", line, cell)

    @_mode_arguments
    @line_cell_magic
    def batch(self, line: str, cell: str | None = None) -> None:
        """Run the cell in a batch, closed when the cell ends (whatever happens).

        Inside the cell ``batch``, ``sampler`` and ``estimator`` are bound to it, and
        ``qmodes.Sampler()`` with no mode uses it. The line form ``%batch [options]`` keeps a
        batch open across cells until ``%batch --close``.
        """
        self._run("batch", line, cell)

    @line_magic
    def qmodes(self, line: str = "") -> None:
        """Show the open contexts, backends and defaults; or a ledger report:
        ``%qmodes usage [--since 7d] [--backend NAME]``, ``%qmodes history [--limit N]``."""
        __tracebackhide__ = True
        words = _split("%qmodes", line, _QMODES_HINT)
        try:
            args = _QMODES_PARSER.parse_args(words)
        except UsageError as error:
            raise UsageError(f"%qmodes: {error}; {_QMODES_HINT}") from None
        except SystemExit as error:  # argparse exiting
            raise UsageError(f"%qmodes: cannot parse {line.strip()!r} ({error}); "
                             f"{_QMODES_HINT}") from None
        if args.command is None:
            self._status()
        else:
            print(self._report(args))
            if args.command == "usage":
                _print_allowance()
                if getattr(self.shell, "kernel", None) is not None:  # a notebook, not a terminal
                    _show_chart(self.settings.budget)

    def _report(self, args: argparse.Namespace) -> str:
        """The text of ``%qmodes usage`` or ``%qmodes history``."""
        # start-up time: the ledger (SQLite) loads when it is read; a layer below
        from qmodes import ledger

        try:
            if args.command == "history":
                if not 1 <= args.limit <= MAX_HISTORY_LIMIT:
                    raise UsageError(f"%qmodes history: --limit must be from 1 to "
                                     f"{MAX_HISTORY_LIMIT}, got {args.limit}")
                return ledger.history(limit=args.limit)
            since: str | None = " ".join(args.since)
            if since is not None and since.lower() == "all":
                since = None
            try:
                ledger.parse_since(since)
            except (ValueError, OverflowError) as error:
                raise UsageError(f"%qmodes usage: --since: {error}") from None
            return ledger.usage_report(since=since, backend=args.backend,
                                       price_per_second=self.settings.price_per_second)
        except (sqlite3.Error, OSError) as error:
            raise UsageError(f"%qmodes {args.command}: cannot read the ledger at "
                             f"{ledger.ledger_path()}: {error}") from None

    def _status(self) -> None:
        # start-up time: the backends and the ledger load when %qmodes runs; layers below
        from qmodes.backends import available_backends
        from qmodes.ledger import ledger_path
        from qmodes.notebook.output import summary_line

        print("open:")
        opened = self.contexts.open_contexts()
        for context in opened:
            kind = "line form" if context is self.contexts.line else "this cell"
            print(f"  {context.id} on {context.backend_name} ({kind}): {context.status()}; "
                  f"{summary_line(context, 'so far').split(' · ', 1)[1]}")
        if not opened:
            print("  nothing")
        print("backends:", ", ".join(available_backends()), "ibm:<device>")
        print("defaults (%config QModes.<name> = value):")
        for setting in self.settings.describe():
            print(f"  {setting}")
        print(_compute_line(self._runtime()))
        print(f"ledger: {ledger_path()} (%qmodes usage, %qmodes history)")
        closing = sys.modules.get("qmodes.remote.closing")  # loaded only once ibm: is used
        still_open = closing.unclosed_text() if closing is not None else None
        if still_open:
            print(still_open)
        _print_allowance()

    async def run_cell_async(self, mode: str, line: str, cell: str) -> None:
        """``%%session``/``%%batch`` for a body with top-level ``await`` (see
        qmodes.notebook.extension)."""
        __tracebackhide__ = True
        args = self._parse(f"%%{mode}", mode, line)
        self._check_cell_args(mode, args)
        await self.contexts.run_cell_async(self._options(f"%%{mode}", mode, args), cell)

    def shutdown(self) -> None:
        """Close every context the magics left open (kernel shutdown, ``%unload_ext``), let
        the timeline's observers hear everything, then stop recording in the ledger and close
        it. Never raises."""
        self.contexts.shutdown()
        with contextlib.suppress(Exception):  # shutting down: nothing left to tell
            # start-up time: the ledger loads only if it was used; layers below
            from qmodes.core.timeline import default_timeline
            from qmodes.ledger import close_default_ledger

            default_timeline().flush(EXIT_FLUSH_SECONDS)
            close_default_ledger()
        if self.settings.budget is not None:  # %config QModes.budget goes with the extension
            set_default_budget(None)

    def at_exit(self, grace: float | None = None) -> None:
        """The kernel is shutting down: end every local job and context in a final state.

        Queued local jobs are cancelled; running ones get ``grace`` seconds (default
        :data:`qmodes.local.runtime.SHUTDOWN_GRACE_SECONDS`) to finish, then are cancelled;
        every context is closed; then :meth:`shutdown`. Never raises.
        """
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local.runtime import SHUTDOWN_GRACE_SECONDS, default_runtime_if_made

        grace = SHUTDOWN_GRACE_SECONDS if grace is None else grace
        for runtime in {id(r): r for r in (default_runtime_if_made(), self.contexts.runtime)
                        if r is not None}.values():
            with contextlib.suppress(Exception):
                runtime.shutdown(grace)
        compute = sys.modules.get("qmodes.compute.clusters")  # loaded only if a cluster was set
        if compute is not None:
            compute.close_all()  # a LocalCluster qmodes started closes; an external one stays
        self.shutdown()

    # -- hand-off --------------------------------------------------------------------------
    def _run(self, mode: str, line: str, cell: str | None) -> None:
        __tracebackhide__ = True
        label = f"%{mode}" if cell is None else f"%%{mode}"
        args = self._parse(label, mode, line)
        if cell is None:
            if args.close:
                if _given(args):
                    raise UsageError(f"%{mode} --close takes no other option")
                self.contexts.close_line(mode)
            else:
                self._apply_load(label, args)
                self._use_cluster(label, args)
                self.contexts.open_line(self._options(label, mode, args))
            return
        self._check_cell_args(mode, args)
        self._apply_load(label, args)
        previous = self._use_cluster(label, args)
        try:
            self.contexts.run_cell(self._options(label, mode, args), cell)
        finally:
            if previous is not _UNCHANGED:
                self._runtime().cluster = previous

    def _runtime(self) -> Any:
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local import default_runtime

        return self.contexts.runtime or default_runtime()

    def _use_cluster(self, label: str, args: argparse.Namespace) -> Any:
        """``--cluster C``: connect before any job is queued; returns the setting it replaced
        (``_UNCHANGED`` without the option)."""
        if getattr(args, "cluster", None) is None:
            return _UNCHANGED
        runtime = self._runtime()
        previous = runtime.cluster
        try:
            runtime.cluster = args.cluster
        except (ValueError, ConnectionError) as error:
            raise UsageError(f"{label}: --cluster: {str(error).splitlines()[0]}") from None
        except ImportError:
            raise UsageError(f"{label}: --cluster needs dask: pip install "
                             f"'qmodes[cluster]'") from None
        return previous

    def _apply_load(self, label: str, args: argparse.Namespace) -> None:
        """``--load L``: other users on the device, from now on (qmodes.local.device_time)."""
        if getattr(args, "load", None) is None:
            return
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local.runtime import set_device_load

        try:
            set_device_load(self.contexts.runtime, args.backend or self.settings.default_backend,
                            args.load)
        except ValueError as error:
            raise UsageError(f"{label}: --load: {error}") from None

    def _parse(self, label: str, mode: str, line: str) -> argparse.Namespace:
        words = _split(label, line, _OPTIONS_HINT)
        try:
            return getattr(self, mode).parser.parse_args(words)  # type: ignore[no-any-return]
        except UsageError as error:
            raise UsageError(f"{label}: {error}; {_OPTIONS_HINT}") from None
        except SystemExit as error:  # argparse exiting
            raise UsageError(f"{label}: cannot parse {line.strip()!r} ({error}); "
                             f"{_OPTIONS_HINT}") from None

    @staticmethod
    def _check_cell_args(mode: str, args: argparse.Namespace) -> None:
        if args.close:
            raise UsageError(f"%%{mode} --close: --close is for the line form, "
                             f"%{mode} --close")

    def _options(self, label: str, mode: str, args: argparse.Namespace) -> Options:
        return Options(
            mode=mode,
            backend=args.backend or self.settings.default_backend,
            max_time=_duration(label, args.max_time, "--max-time", self.settings.max_time,
                               parse_max_time),
            interactive_ttl=_duration(label, args.interactive_ttl, "--interactive-ttl",
                                      self.settings.interactive_ttl, parse_interactive_ttl),
            name=args.name,
            widget=self.settings.widget and not args.no_widget,
            budget=_duration(label, args.budget, "--budget", None, parse_duration),
            rehearse=bool(args.rehearse),
        )


_QMODES_PARSER = _qmodes_parser()
QModesMagics.qmodes.__doc__ = _QMODES_PARSER.format_help()


def _split(label: str, line: str, hint: str) -> list[str]:
    """The words of a magic line, shell-style: quotes group words and are removed
    (``--max-time '2h 30m'``, ``--max-time "30m"``)."""
    try:
        return shlex.split(line)
    except ValueError as error:  # unbalanced quotes, a trailing backslash
        raise UsageError(f"{label}: cannot parse {line.strip()!r} ({error}); {hint}") from None


def _duration(label: str, words: list[str] | None, option: str, default: float | None,
              parse: Callable[[str, str], float]) -> float | None:
    if words is None:
        return default
    try:
        return parse(" ".join(words), option)
    except ValueError as error:
        raise UsageError(f"{label}: {error}") from None


def _compute_line(runtime: Any) -> str:
    """Where Aer runs (qmodes.compute): the kernel, or the cluster with its workers."""
    # start-up time: the engine (and Qiskit) loads on first use; a layer below
    from qmodes.compute import describe

    try:
        return describe(runtime.compute)
    except Exception as error:  # a cluster that went away: say so, never fail %qmodes
        return f"compute: {runtime.cluster} (unavailable: {error})"


def _print_allowance() -> None:
    """The IBM instance's allowance, when an IBM service is in use (qmodes.accounting.allowance)."""
    # start-up time: the engine (and Qiskit) loads on first use; a layer below
    from qmodes.remote.service import allowance_line

    line = allowance_line()
    if line is not None:
        print(line)


def _show_chart(budget: float | None) -> None:
    """The usage chart of the last 28 days (qmodes.ledger.chart), inline SVG; never raises."""
    # start-up time: the kernel's parts load only where they are used
    from IPython.display import display

    # start-up time: the ledger (SQLite) loads when it is read; a layer below
    from qmodes.ledger import chart as usage_chart
    from qmodes.ledger import default_ledger
    from qmodes.remote.service import current_service

    try:
        limit = None
        service = current_service()
        if service is not None:
            limit = allowance_of(service).limit
        now = time.time()
        rows = usage_chart.ledger_rows(default_ledger(attach=False),
                                       now - usage_chart.DAYS * 86400.0)
        svg = usage_chart.render_svg(usage_chart.daily_usage(rows, now=now), budget=budget,
                                     allowance=limit, now=now)
    except Exception as error:  # a chart must not hide the table above it
        print(f"(no usage chart: {error})")
        return
    display({"text/html": svg, "image/svg+xml": svg,
             "text/plain": "<qmodes usage chart, last 28 days: shown in notebooks>"}, raw=True)


def _given(args: argparse.Namespace) -> bool:
    return any(getattr(args, name) for name in
               ("backend", "max_time", "interactive_ttl", "name", "no_widget", "load",
                "budget", "rehearse", "cluster"))
