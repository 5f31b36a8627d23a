"""Browser tests: in CI (CI=true) a browser test that cannot run fails instead of skipping."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ui.harness import chromium_missing


def require_browser() -> None:
    reason = chromium_missing()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    from tests.ui.harness import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    yield page
    context.close()


@dataclass(frozen=True)
class Server:
    """A running Jupyter server: its base URL and the folder it serves."""

    url: str
    notebooks: Path
    home: Path


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """One Jupyter server per test module, on loopback with temporary JUPYTER_* dirs.

    The module's ``APP`` (``"jupyterlab"``, the default, or ``"notebook"``) is the server run,
    and its ``SETTINGS`` (plugin id to values) are written as user settings before it starts.
    """
    require_browser()
    from tests.ui.jupyterlab import jupyter_server

    app = getattr(request.module, "APP", "jupyterlab")
    root = tmp_path_factory.mktemp(app)
    notebooks, home = root / "notebooks", root / "home"
    notebooks.mkdir()
    with jupyter_server(notebooks, home, app, getattr(request.module, "SETTINGS", None)) as url:
        yield Server(url, notebooks, home)
