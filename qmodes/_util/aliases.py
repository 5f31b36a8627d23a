"""Old module names that still import, for one release: ``qmodes.usage`` is
``qmodes.core.usage``.

qmodes' modules moved into packages (``core/``, ``accounting/``, ``ledger/``, ``notebook/``...).
:class:`MovedModules`, a :class:`~importlib.abc.MetaPathFinder` that ``qmodes/__init__.py``
installs, answers an import of an old name with the new module itself (the same object, also
entered in ``sys.modules`` under the old name) and a :class:`DeprecationWarning` that names the
new path. No file is left at the old place.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     import qmodes.durations as old
    >>> import qmodes.core.durations as new
    >>> old is new, str(caught[0].message).split(":")[0]
    (True, 'qmodes.durations is now qmodes.core.durations')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import warnings
from types import ModuleType
from typing import Any

__all__ = ["MOVED", "MovedModules", "install", "moved_message"]

MOVED = {
    "qmodes._atomic": "qmodes._util.atomic",
    "qmodes._lazy": "qmodes._util.lazy",
    "qmodes.timeline": "qmodes.core.timeline",
    "qmodes._dispatch": "qmodes.core.dispatch",
    "qmodes.jobs": "qmodes.core.jobs",
    "qmodes.options": "qmodes.core.options",
    "qmodes.clock": "qmodes.core.clock",
    "qmodes.durations": "qmodes.core.durations",
    "qmodes.errors": "qmodes.core.errors",
    "qmodes.waiting": "qmodes.core.waiting",
    "qmodes._submitted": "qmodes.core.submitted",
    "qmodes.usage": "qmodes.core.usage",
    "qmodes.projection": "qmodes.accounting.projection",
    "qmodes.allowance": "qmodes.accounting.allowance",
    "qmodes.budget": "qmodes.accounting.budget",
    "qmodes.backend_types": "qmodes.backends.types",
    "qmodes.workload": "qmodes.advisor.workload",
    "qmodes._ledger_db": "qmodes.ledger.db",
    "qmodes._ledger_rows": "qmodes.ledger.rows",
    "qmodes._ledger_writer": "qmodes.ledger.writer",
    "qmodes._process": "qmodes.ledger.process",
    "qmodes.ledger_report": "qmodes.ledger.report",
    "qmodes.usage_chart": "qmodes.ledger.chart",
    "qmodes._ipython": "qmodes.notebook.extension",
    "qmodes.magics": "qmodes.notebook.magics",
    "qmodes._cell": "qmodes.notebook.cell",
    "qmodes.config": "qmodes.notebook.config",
    "qmodes._output": "qmodes.notebook.output",
    "qmodes.testing_shell": "qmodes.notebook.testing_shell",
    "qmodes._job_widget": "qmodes.notebook.job_widget",
    "qmodes.primitives": "qmodes.modes.primitives",
    "qmodes.rehearsal": "qmodes.modes.rehearsal",
    "qmodes.modes.base": "qmodes.context.base",
}
"""Old module name → the module it now is. (``qmodes.backends`` and ``qmodes.ledger`` kept
their names: they are packages now, which export what the modules did.)"""

_INTERNAL = (os.path.join(os.path.dirname(importlib.__file__), ""), "<frozen importlib", __file__,
             os.path.join(os.path.dirname(os.path.dirname(__file__)), "__init__.py"))
"""Files whose frames the warning skips: the import machinery, this module and ``qmodes``'s
``__init__`` (whose ``__getattr__`` imports ``qmodes.usage`` for ``qmodes.usage.RULES``)."""


def moved_message(old: str) -> str:
    return (f"{old} is now {MOVED[old]}: import it from there (the old name goes in the "
            f"next release)")


class MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports each old name in :data:`MOVED` as its new module, with a DeprecationWarning."""

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(moved_message(spec.name), DeprecationWarning, stacklevel=_caller_level())
        module = importlib.import_module(MOVED[spec.name])
        self._specs[spec.name] = module.__spec__  # the import system overwrites it next
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The new module is already executed: give it back its own ``__spec__``; the import
        system files it under the old name in ``sys.modules`` (and on the parent package)."""
        module.__spec__ = self._specs.pop(module.__spec__.name)  # type: ignore[union-attr]


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside the import machinery and this module, so
    the warning points at the line with the old import (and is shown in ``__main__``)."""
    frame, level = sys._getframe(2), 1  # the caller of create_module (level 1)
    while frame is not None:
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:  # warnings.warn skips these itself
            frame = frame.f_back
            continue
        level += 1
        if not name.startswith(_INTERNAL):
            return level
        frame = frame.f_back
    return level


_finder = MovedModules()


def install() -> None:
    """Put the finder on ``sys.meta_path`` (idempotent)."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
