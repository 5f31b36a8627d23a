"""A process-wide object made on first use, thread-safely (the default runtime, poller, ...).

Example:
    >>> made = ProcessWide(list)
    >>> made.get() is made.get()
    True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ProcessWide"]

T = TypeVar("T")


class ProcessWide(Generic[T]):
    """Holds one ``factory()`` for the whole process, made by the first :meth:`get`."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._factory()
            return self._value
