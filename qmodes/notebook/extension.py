"""IPython wiring for qmodes: loading the extension, top-level ``await`` in cells, shutdown.

``%load_ext qmodes`` calls :func:`load_ipython_extension`. It registers the magics of
:mod:`qmodes.notebook.magics`, adds the :class:`qmodes.notebook.config.QModes` settings to
``shell.configurables`` (so ``%config QModes.max_time = '30m'`` works), adds an input
transformer so a ``%%session`` body may use top-level ``await``, and makes sure every
context a magic opened is closed when the kernel shuts down: at exit, queued local jobs are
cancelled, running ones get a bounded time, and every job and context ends in a final state
before the ledger is flushed (:meth:`qmodes.notebook.magics.QModesMagics.at_exit`). A cell that
sends job-mode jobs shows them on a widget (:mod:`qmodes.notebook.job_widget`). It also attaches
the ledger (:mod:`qmodes.ledger`, under ``$QMODES_HOME``) to the default timeline, so every
context and job of the kernel is recorded, and reports remote sessions an earlier kernel
left open.

Why the transformer: a cell magic is an ordinary function call, and IPython (and
ipykernel, which runs async cells as asyncio tasks on its running loop) can only run a
body with top-level ``await`` from an async cell. So when the body needs a loop, the
transformer turns ``get_ipython().run_cell_magic('session', line, body)`` into an awaited
call of the magic's async variant; the body then runs in the cell's own task, with the
context's ContextVar set.

Example:
    In a notebook::

        %load_ext qmodes
"""

from __future__ import annotations

import ast
import atexit
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from qmodes.notebook.magics import QModesMagics

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

_MAGIC_NAMES = ("session", "batch")


def load_ipython_extension(shell: InteractiveShell) -> None:
    """Register the qmodes magics, settings, async-cell support and shutdown hook."""
    # start-up time: `import qmodes` stays light until %load_ext
    from qmodes.notebook.config import QModes
    from qmodes.notebook.magics import QModesMagics

    settings, problems = QModes.from_config(shell.config)
    for problem in problems:
        print(f"qmodes: ignoring a setting from the config: {problem}", file=sys.stderr)
    magics = QModesMagics(shell, settings)
    shell.register_magics(magics)
    shell.configurables.append(settings)
    magics._transformer = _AsyncCellTransformer(shell)
    shell.input_transformers_post.append(magics._transformer)
    # start-up time: `import qmodes` stays light until %load_ext
    from qmodes.notebook.job_widget import JobModeWidgets

    magics._job_widgets = JobModeWidgets(shell, settings)
    magics._job_widgets.install()
    _open_ledger()
    atexit.register(magics.at_exit)  # after the ledger's own exit hook: runs before it


def _open_ledger() -> None:
    """Record the default timeline in the ledger; report unclosed remote sessions.

    A ledger that cannot be opened (e.g. an unwritable ``QMODES_HOME``) is a one-line note:
    the magics work without it.
    """
    try:
        # start-up time: the ledger (SQLite) loads when it is read; a layer below
        from qmodes.ledger import default_ledger, unclosed_report

        default_ledger(attach=True)
        report = unclosed_report()
    except Exception as error:
        print(f"qmodes: no ledger of past runs ({type(error).__name__}: {error})",
              file=sys.stderr)
        return
    if report:
        print(report)


def unload_ipython_extension(shell: InteractiveShell) -> None:
    """Close what the magics left open and remove everything the extension added."""
    magics: QModesMagics | None = shell.magics_manager.registry.pop("QModesMagics", None)
    if magics is None:
        return
    magics.shutdown()
    atexit.unregister(magics.at_exit)
    if magics._job_widgets is not None:
        magics._job_widgets.uninstall()
    settings = magics.settings
    if settings.pace is not None or settings.device_load or settings.target:
        from qmodes.local import default_runtime  # the engine's settings go with qmodes

        runtime = default_runtime()
        runtime.pace = None
        runtime.device_load = 0.0
        if runtime.device_time is not None:
            runtime.device_time.target = None
    for kind, names in (("line", (*_MAGIC_NAMES, "qmodes")), ("cell", _MAGIC_NAMES)):
        for name in names:
            shell.magics_manager.magics[kind].pop(name, None)
    if magics.settings in shell.configurables:
        shell.configurables.remove(magics.settings)
    if magics._transformer in shell.input_transformers_post:
        shell.input_transformers_post.remove(magics._transformer)


class _AsyncCellTransformer:
    """Post-input transformer: ``%%session`` cells whose body awaits become async cells."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    def __call__(self, lines: list[str]) -> list[str]:
        if not lines or "run_cell_magic(" not in lines[0] or not self.shell.autoawait:
            return lines
        call = _magic_call("".join(lines))
        if call is None:
            return lines
        name, line, body = call
        try:
            transformed = self.shell.transform_cell(body)
            needs_loop = self.shell.should_run_async(body, transformed_cell=transformed)
        except Exception:
            return lines  # the body's own run reports its syntax error
        if not needs_loop:
            return lines
        registry = "get_ipython().magics_manager.registry['QModesMagics']"
        return [f"await {registry}.run_cell_async({name!r}, {line!r}, {body!r})\n"]


def _magic_call(code: str) -> tuple[str, str, str] | None:
    """``(name, line, body)`` when ``code`` is exactly one call of a qmodes cell magic."""
    try:
        module = ast.parse(code)
    except SyntaxError:
        return None
    if len(module.body) != 1 or not isinstance(module.body[0], ast.Expr):
        return None
    call = module.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "run_cell_magic" and len(call.args) == 3
            and not call.keywords and _is_get_ipython(call.func.value)):
        return None
    values: list[Any] = [arg.value if isinstance(arg, ast.Constant) else None
                         for arg in call.args]
    if not all(isinstance(value, str) for value in values) or values[0] not in _MAGIC_NAMES:
        return None
    return values[0], values[1], values[2]


def _is_get_ipython(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "get_ipython" and not node.args)
