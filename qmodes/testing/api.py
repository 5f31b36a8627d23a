"""The REST routes: IAM, the instance look-ups, and the runtime API over a :class:`RuntimeState`.

Paths are relative to the server root. The runtime API is served under both
``/experimental/api/v1`` (what :attr:`FakeRuntimeServer.url` points at) and ``/api/v1``.

Example:
    >>> Route.split("/experimental/api/v1/jobs/abc/results")
    ('api', '/jobs/abc/results')
    >>> Route.split("/iam/identity/token")
    ('iam', '/identity/token')
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qmodes.testing.state import ApiError, RuntimeState

__all__ = ["API_PREFIXES", "Reply", "Request", "Route", "handle_api"]

API_PREFIXES = ("/experimental/api/v1", "/api/v1")


@dataclass
class Request:
    """A parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self, decoder: type[json.JSONDecoder] | None = None) -> Any:
        """The body as JSON (``{}`` if empty); 400 if malformed."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body, cls=decoder)
        except ValueError as exc:
            raise ApiError(400, f"Malformed JSON body: {exc}") from None


@dataclass
class Reply:
    """An HTTP answer: JSON for dicts and lists, text for strings, empty for ``None``."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        """Bytes and content type."""
        if self.body is None:
            return b"", "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


class Route:
    """Helpers to find which service a path belongs to."""

    @staticmethod
    def split(path: str) -> tuple[str, str]:
        """``(service, rest)`` with service in ``api``, ``iam``, ``search``, ``catalog``, ``?``."""
        for prefix in API_PREFIXES:
            if path == prefix or path.startswith(prefix + "/"):
                return "api", path[len(prefix) :] or "/"
        for service, prefix in (
            ("iam", "/iam"),
            ("search", "/global-search"),
            ("catalog", "/global-catalog"),
        ):
            if path.startswith(prefix + "/"):
                return service, path[len(prefix) :]
        return "?", path


Handler = Callable[[RuntimeState, Request, dict[str, str]], Reply]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a runtime API handler for ``method`` and a path regex with named groups."""

    def register(func: Handler) -> Handler:
        _ROUTES.append((method, re.compile(f"^{pattern}$"), func))
        return func

    return register


def handle_api(state: RuntimeState, request: Request, path: str) -> Reply:
    """Dispatch a runtime API request (``path`` without the API prefix)."""
    allowed = False
    for method, regex, func in _ROUTES:
        match = regex.match(path)
        if match:
            allowed = True
            if method == request.method:
                try:
                    return func(state, request, match.groupdict())
                except ApiError as exc:
                    return error_reply(exc.status, exc.message, exc.code)
    if allowed:
        return error_reply(405, f"Method {request.method} not allowed on {path}")
    return error_reply(404, f"No such endpoint: {request.method} {path}")


def error_reply(status: int, message: str, code: int | str = "") -> Reply:
    """An error in the runtime API's shape."""
    errors = [{"code": str(code or status), "message": message, "more_info": ""}]
    return Reply(status, {"errors": errors, "trace": "qmodes-testing", "status_code": status})
