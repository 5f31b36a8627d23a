"""``FakeRuntimeServer``: the IBM Quantum runtime REST API on loopback, for offline tests.

The unmodified ``qiskit-ibm-runtime`` client talks to four services; the server plays all of
them on one ``127.0.0.1`` port:

* IAM (``<root>/iam``): the client reads it from the ``IAM_URL`` environment variable;
* Global Search and Global Catalog (``<root>/global-search``, ``<root>/global-catalog``): the
  client derives them from the account URL's host name (dropping the port), so they are
  pointed at the server with ``GLOBAL_SEARCH_URL`` / ``GLOBAL_CATALOG_URL``, which
  ``ibm_cloud_sdk_core``'s ``configure_service`` reads;
* the runtime API (``<root>/experimental/api/v1`` = :attr:`FakeRuntimeServer.url`). The path
  contains ``experimental`` because the client's default URL resolver rewrites any other URL
  to ``https://quantum.<host>/api/v1`` when the instance is a CRN.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from qmodes.core.limits import MAX_TTL
from qmodes.testing import routes  # noqa: F401  (registers the API handlers with the api)
from qmodes.testing.api import Reply, Request, Route, error_reply, handle_api
from qmodes.testing.auth import TokenIssuer
from qmodes.testing.devices import DEFAULT_DEVICES, DeviceCatalog
from qmodes.testing.executor import AerExecutor, Executor
from qmodes.testing.faults import Faults
from qmodes.testing.state import RuntimeState

if TYPE_CHECKING:
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

__all__ = ["DEFAULT_CRN", "FakeRuntimeServer"]

DEFAULT_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/qmodes-testing:qmodes-testing::"
_PLAN_ID = "qmodes-testing-plan"


class FakeRuntimeServer:
    """A loopback IBM Quantum runtime server that runs jobs on fake devices.

    Args:
        api_key: The API key the IAM endpoint accepts.
        devices: Fake backend names or instances served (each under its own ``name``).
        executor: What a job does on the QPU; default
            :class:`~qmodes.testing.executor.AerExecutor`.
        crn: The one service instance (CRN) of the account.
        plan: The instance's plan name (``"open"``, ``"premium"``...).
        interactive_ttl: Sessions' interactive TTL, seconds.
        batch_interactive_ttl: Batches' interactive TTL, seconds.
        max_ttl: Default maximum TTL of sessions and batches, seconds.
        lanes: Classical execution lanes per device (IBM: 5).
        token_ttl: Lifetime of issued bearer tokens, seconds.
        usage_limit_seconds: Reported instance usage limit (``None``: unlimited).
        device_pace: Run the devices in device time, so usage is what IBM would bill (the
            projected QPU time), at this pace (0.05: 20 times faster than real); None: a
            job's QPU span is its executor's run time.
        mock_devices: Also serve ``mock_<device>`` devices, so ``dry_run=True`` works; their
            jobs run but bill nothing.
        patch_env: Set ``IAM_URL``, ``GLOBAL_SEARCH_URL`` and ``GLOBAL_CATALOG_URL`` while
            running (restored on :meth:`stop`); with ``False`` use :attr:`environ` yourself.
        port: TCP port on 127.0.0.1 (0: any free port).

    Example:
        >>> from qiskit import QuantumCircuit
        >>> from qiskit_ibm_runtime import SamplerV2
        >>> with FakeRuntimeServer(api_key="secret") as server:  # doctest: +SKIP
        ...     service = server.service()
        ...     backend = service.backend("fake_manila")
        ...     qc = QuantumCircuit(1, 1)
        ...     qc.x(0)
        ...     qc.measure(0, 0)
        ...     job = SamplerV2(mode=backend).run([qc], shots=100)
        ...     job.result()[0].data.c.get_counts()["1"] > 80
        True
        >>> server.faults.add(path="/jobs/", status=503, times=2)  # doctest: +SKIP
    """

    def __init__(
        self,
        api_key: str = "qmodes-test-key",
        *,
        devices: Iterable[str | FakeBackendV2] = DEFAULT_DEVICES,
        executor: Executor | None = None,
        crn: str = DEFAULT_CRN,
        plan: str = "open",
        interactive_ttl: float = 60.0,
        batch_interactive_ttl: float = 1.0,
        max_ttl: float = MAX_TTL,
        lanes: int = 5,
        token_ttl: float = 3600.0,
        usage_limit_seconds: float | None = None,
        device_pace: float | None = None,
        mock_devices: bool = False,
        patch_env: bool = True,
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.crn = crn
        self.plan = plan
        self.tokens = TokenIssuer(api_key, token_ttl)
        self.faults = Faults()
        self.state = RuntimeState(
            DeviceCatalog(devices, mocks=mock_devices),
            executor or AerExecutor(),
            interactive_ttl=interactive_ttl,
            batch_interactive_ttl=batch_interactive_ttl,
            max_ttl=max_ttl,
            lanes=lanes,
            device_pace=device_pace,
        )
        self.state.usage_limit_seconds = usage_limit_seconds
        self.log: list[tuple[str, str, int]] = []
        """``(method, path, status)`` of every request answered (``-1``: dropped)."""
        self._patch_env = patch_env
        self._saved_env: dict[str, str | None] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- addresses --------------------------------------------------------------------------
    @property
    def root(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The runtime API URL to give ``QiskitRuntimeService(url=...)``."""
        return f"{self.root}/experimental/api/v1"

    @property
    def iam_url(self) -> str:
        """The IAM URL (``IAM_URL``)."""
        return f"{self.root}/iam"

    @property
    def environ(self) -> dict[str, str]:
        """Environment variables that point the client's IAM and instance look-ups here."""
        return {
            "IAM_URL": self.iam_url,
            "GLOBAL_SEARCH_URL": f"{self.root}/global-search",
            "GLOBAL_CATALOG_URL": f"{self.root}/global-catalog",
        }

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> FakeRuntimeServer:
        """Serve in a background thread (idempotent)."""
        if self._thread is not None:
            return self
        if self._patch_env:
            for key, value in self.environ.items():
                self._saved_env[key] = os.environ.get(key)
                os.environ[key] = value
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.name = "qmodes-testing-http"
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cancel open sessions, stop the engine and restore the environment."""
        if self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
        self._thread = None
        self.state.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def __enter__(self) -> FakeRuntimeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def service(self, **kwargs: Any) -> QiskitRuntimeService:
        """A ``QiskitRuntimeService`` pointed at this server (keyword arguments override)."""
        # heavy: Qiskit loads when a job or device needs it, not on import
        from qiskit_ibm_runtime import QiskitRuntimeService

        options: dict[str, Any] = {
            "channel": "ibm_quantum_platform",
            "token": self.api_key,
            "instance": self.crn,
            "url": self.url,
        }
        options.update(kwargs)
        return QiskitRuntimeService(**options)

    # -- dispatch ---------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Reply:
        """Answer one request (faults are applied by the HTTP layer)."""
        service, path = Route.split(request.path)
        if service == "iam":
            if request.method != "POST" or path != "/identity/token":
                return error_reply(404, f"No such IAM endpoint: {path}")
            status, body = self.tokens.exchange(parse_qs(request.body.decode()))
            return Reply(status, body)
        if not self.tokens.check(request.headers.get("authorization")):
            return Reply(
                401, {"errors": [{"code": "401", "message": "Unauthorized"}], "status_code": 401}
            )
        if service == "search":
            return self._search(request, path)
        if service == "catalog":
            return self._catalog(path)
        if service == "api":
            if request.headers.get("service-crn", self.crn) != self.crn:
                return error_reply(403, "Instance not available to this account", 1903)
            return handle_api(self.state, request, path)
        return error_reply(404, f"No such endpoint: {request.path}")

    def _search(self, request: Request, path: str) -> Reply:
        if request.method != "POST" or path != "/v3/resources/search":
            return error_reply(404, f"No such Global Search endpoint: {path}")
        item = {
            "crn": self.crn,
            "name": "qmodes-testing",
            "service_plan_unique_id": _PLAN_ID,
            "doc": {"extensions": {"quantum_computing": {"backends": self.state.catalog.names()}}},
            "tags": [],
        }
        return Reply(200, {"items": [item], "limit": 100, "search_cursor": None})

    def _catalog(self, path: str) -> Reply:
        if path.strip("/") != _PLAN_ID:
            return error_reply(404, f"No catalog entry {path}")
        entry = {
            "id": _PLAN_ID,
            "overview_ui": {"en": {"display_name": self.plan.capitalize()}},
            "metadata": {"pricing": {"type": "free" if self.plan == "open" else "paid"}},
        }
        return Reply(200, entry)


def _handler_class(server: FakeRuntimeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "qmodes-testing/0.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, parts.path, parse_qs(parts.query), headers, body)
            fault = server.faults.take(self.command, parts.path)
            if fault is not None and fault.delay > 0:
                time.sleep(fault.delay)
            if fault is not None and fault.drop:
                server.log.append((self.command, parts.path, -1))
                self.close_connection = True
                return
            if fault is not None and fault.status is not None:
                reply = Reply(fault.status, fault.error_body())
            else:
                try:
                    reply = server.dispatch(request)
                except Exception as exc:  # a bug here must not kill the connection silently
                    reply = error_reply(500, f"{type(exc).__name__}: {exc}")
            data, content_type = reply.encode()
            server.log.append((self.command, parts.path, reply.status))
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
