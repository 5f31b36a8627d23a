"""Budget tests: a FakeRuntimeServer in device time (usage = projected QPU time), limit 60 s."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qmodes.accounting import allowance, budget
from qmodes.testing import FakeRuntimeServer
from tests.remote.conftest import (  # noqa: F401  (fixtures reused)
    _quiet_client,
    bell_isa,
    make_server,
)

LIMIT = 60.0


@pytest.fixture(autouse=True)
def _clean_budgets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("QMODES_HOME", str(tmp_path / "home"))
    budget.set_default_budget(None)
    allowance.invalidate()
    yield
    budget.set_default_budget(None)
    allowance.invalidate()


@pytest.fixture
def billing_server(make_server: Callable[..., FakeRuntimeServer]) -> FakeRuntimeServer:
    """Devices in device time at 20x: a Bell job bills its projected ~2.3 s."""
    return make_server(usage_limit_seconds=LIMIT, device_pace=0.05)


def job_posts(server: FakeRuntimeServer) -> int:
    """How many ``POST /jobs`` the server answered."""
    return sum(1 for method, path, _ in server.log if method == "POST" and path.endswith("/jobs"))


def wait_usage(server: FakeRuntimeServer, at_least: float, timeout: float = 30.0) -> float:
    from tests.remote.conftest import wait_for

    try:
        wait_for(lambda: server.state.usage_consumed() >= at_least - 0.01, timeout)
    except AssertionError:
        raise AssertionError(f"consumed {server.state.usage_consumed()} < {at_least}") from None
    return server.state.usage_consumed()


def unused(*_: Any) -> None:
    """Keeps imported fixtures referenced."""
