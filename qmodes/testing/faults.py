"""Fault injection: slow answers, HTTP errors and dropped connections, by path and count.

A rule matches a request when its ``path`` pattern is found (``re.search``) in the request path
(query string excluded) and, if given, its ``method`` is the request's. The first matching rule
with shots left fires; each firing uses one of its ``times`` (``None``: forever).

Example:
    >>> faults = Faults()
    >>> rule = faults.add(path="/jobs/", status=503, times=2)
    >>> [faults.take("GET", "/api/v1/jobs/abc") is rule for _ in range(3)]
    [True, True, False]
    >>> rule.hits
    2
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FaultRule", "Faults"]


@dataclass
class FaultRule:
    """One fault to inject.

    Attributes:
        path: Regular expression searched in the request path, e.g. ``"/jobs/"`` or
            ``r"/jobs/[^/]+/results$"``.
        method: Only for this HTTP method (``"GET"``, ``"POST"``...), or any method if ``None``.
        status: Answer with this HTTP status instead of the real answer (e.g. 503).
        delay: Sleep this many seconds before answering (combined with ``status`` or not).
        drop: Close the connection without answering.
        times: How many requests the rule affects; ``None`` for all of them.
        body: JSON body of the error answer; a generic IBM-like error if ``None``.
        hits: How many requests the rule affected so far.
    """

    path: str = ""
    method: str | None = None
    status: int | None = None
    delay: float = 0.0
    drop: bool = False
    times: int | None = 1
    body: dict[str, Any] | None = None
    hits: int = 0
    _regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.status is None and not self.drop and self.delay <= 0:
            raise ValueError("a fault needs a status, a delay or drop=True")
        if self.method is not None:
            self.method = self.method.upper()
        self._regex = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        """Tell whether the rule applies to a request (ignoring how many shots are left)."""
        if self.method is not None and self.method != method.upper():
            return False
        return self._regex.search(path) is not None

    @property
    def exhausted(self) -> bool:
        """Whether the rule has used all its ``times``."""
        return self.times is not None and self.hits >= self.times

    def error_body(self) -> dict[str, Any]:
        """The JSON body sent with ``status``."""
        if self.body is not None:
            return self.body
        return {
            "errors": [{"code": "injected_fault", "message": f"injected HTTP {self.status}"}],
            "trace": "qmodes-testing",
            "status_code": self.status,
        }


class Faults:
    """A thread-safe, ordered set of :class:`FaultRule` that a server consults per request."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(
        self,
        path: str = "",
        *,
        method: str | None = None,
        status: int | None = None,
        delay: float = 0.0,
        drop: bool = False,
        times: int | None = 1,
        body: dict[str, Any] | None = None,
    ) -> FaultRule:
        """Add a rule (see :class:`FaultRule` for the arguments) and return it."""
        rule = FaultRule(path, method, status, delay, drop, times, body)
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """Return the first live rule matching the request, counting the hit, or ``None``."""
        with self._lock:
            for rule in self._rules:
                if not rule.exhausted and rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)
