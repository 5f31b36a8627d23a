"""An IPython shell for tests: a cell that fails raises its error (like jupysql's _testing).

Only the outermost ``run_cell`` re-raises, so a magic that runs its body as a nested cell
sees the body's error in the ``ExecutionResult``, as it does in a real kernel.

Example:
    >>> shell = TestingShell.instance()
    >>> shell.run_cell("1 / 0")
    Traceback (most recent call last):
    ...
    ZeroDivisionError: division by zero
    >>> TestingShell.clear_instance()
"""

from __future__ import annotations

from typing import Any

from IPython.core.interactiveshell import ExecutionResult, InteractiveShell

__all__ = ["TestingShell"]


class TestingShell(InteractiveShell):
    """``InteractiveShell`` whose outermost ``run_cell`` raises the cell's error."""

    __test__ = False  # not a pytest test class
    _depth = 0

    def run_cell(self, raw_cell: str, *args: Any, **kwargs: Any) -> ExecutionResult:
        self._depth += 1
        try:
            result = super().run_cell(raw_cell, *args, **kwargs)
        finally:
            self._depth -= 1
        if self._depth == 0:
            error = result.error_before_exec or result.error_in_exec
            if error is not None:
                raise error
        return result
