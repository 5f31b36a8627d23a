"""``%%session``, ``%%batch``, their line forms, and ``%qmodes``.

The magics only parse their arguments and hand off to :class:`qmodes._cell.CellContexts`;
each does what ``with qmodes.Session(...) as session:`` does in plain Python.

Example:
    In a notebook::

        %load_ext qmodes

        %%session --backend fake_manila --max-time 30m
        job = sampler.run([circuit])          # runs in the session
        job.result()

        %batch -b aer                         # open across cells ...
        %batch --close                        # ... until closed
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from qmodes._cell import CellContexts, Options
from qmodes.durations import parse_duration

if TYPE_CHECKING:
    from collections.abc import Callable

    from IPython.core.interactiveshell import InteractiveShell

    from qmodes.config import QModes

__all__ = ["QModesMagics"]

_OPTIONS_HINT = ("valid options: --backend/-b NAME, --max-time T, --interactive-ttl T, "
                 "--name VAR, --no-widget, --close (line form)")


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
        argument("--close", action="store_true", help="line form only: close the context "
                 "opened by an earlier %%session or %%batch line"),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@magics_class
class QModesMagics(Magics):
    """The qmodes magics; ``%load_ext qmodes`` registers them."""

    def __init__(self, shell: InteractiveShell, settings: QModes) -> None:
        super().__init__(shell)
        self.settings = settings
        self.contexts = CellContexts(shell, settings)
        self._transformer: Any = None

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
        """Show the open contexts, the available backends and the defaults."""
        if line.strip():
            raise UsageError(f"%qmodes takes no arguments, got {line.strip()!r}")
        from qmodes._output import summary_line
        from qmodes.backends import available_backends

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

    async def run_cell_async(self, mode: str, line: str, cell: str) -> None:
        """``%%session``/``%%batch`` for a body with top-level ``await`` (see qmodes._ipython)."""
        __tracebackhide__ = True
        args = self._parse(f"%%{mode}", mode, line)
        self._check_cell_args(mode, args)
        await self.contexts.run_cell_async(self._options(f"%%{mode}", mode, args), cell)

    def shutdown(self) -> None:
        """Close every context the magics left open (kernel shutdown, ``%unload_ext``)."""
        self.contexts.shutdown()

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
                self.contexts.open_line(self._options(label, mode, args))
            return
        self._check_cell_args(mode, args)
        self.contexts.run_cell(self._options(label, mode, args), cell)

    def _parse(self, label: str, mode: str, line: str) -> argparse.Namespace:
        try:
            return parse_argstring(getattr(self, mode), line)
        except UsageError as error:
            raise UsageError(f"{label}: {error}; {_OPTIONS_HINT}") from None
        except (ValueError, SystemExit) as error:  # unbalanced quotes; argparse exiting
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
            max_time=_duration(label, args.max_time, "--max-time", self.settings.max_time),
            interactive_ttl=_duration(label, args.interactive_ttl, "--interactive-ttl",
                                      self.settings.interactive_ttl),
            name=args.name,
            widget=self.settings.widget and not args.no_widget,
        )


def _duration(label: str, words: list[str] | None, option: str, default: float | None
              ) -> float | None:
    if words is None:
        return default
    try:
        return parse_duration(" ".join(words), option)
    except ValueError as error:
        raise UsageError(f"{label}: {error}") from None


def _given(args: argparse.Namespace) -> bool:
    return any(getattr(args, name) for name in
               ("backend", "max_time", "interactive_ttl", "name", "no_widget"))
