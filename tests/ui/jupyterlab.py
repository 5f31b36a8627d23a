"""A real JupyterLab (or Notebook 7) on loopback for browser tests: temporary dirs for every
JUPYTER_* path, and the few page steps the tests share (write a notebook, open it, run it)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
"""The notebook shown (JupyterLab keeps hidden panels in the DOM; Notebook 7 has one)."""

BASE_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
    "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True},
}
"""No news pop-up; widget state saved with the notebook."""

DARK_THEME = {"@jupyterlab/apputils-extension/themes": {"theme": "JupyterLab Dark"}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_settings(home: Path, settings: dict[str, dict[str, Any]]) -> None:
    """User settings, as JupyterLab's Settings Editor saves them, under ``home/settings``."""
    for plugin, values in settings.items():
        package, name = plugin.rsplit("/", 1)
        path = home / "settings" / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@contextmanager
def jupyter_server(notebook_dir: Path, home: Path, app: str = "jupyterlab",
                   settings: dict[str, dict[str, Any]] | None = None) -> Iterator[str]:
    """Run ``python -m APP`` (``jupyterlab`` or ``notebook``) serving ``notebook_dir``.

    Yields its base URL and stops it after. ``settings`` add to :data:`BASE_SETTINGS`.
    """
    home.mkdir(parents=True, exist_ok=True)
    write_settings(home, {**BASE_SETTINGS, **(settings or {})})
    env = {**os.environ,
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "QMODES_HOME": str(home / "qmodes"),  # the kernels' ledger: not ~/.qmodes
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    port = free_port()
    log_path = home / f"{app}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", app, "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={notebook_dir}"],
        cwd=notebook_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not start; see {log_path}") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def jupyterlab(notebook_dir: Path, home: Path) -> Iterator[str]:
    """Run ``jupyter lab`` serving ``notebook_dir``; yields its base URL; stops it after."""
    with jupyter_server(notebook_dir, home) as url:
        yield url


def write_notebook(path: Path, cells: list[str]) -> None:
    """A Python 3 notebook of code ``cells``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def open_notebook(page: Any, url: str) -> Any:
    """Go to ``url`` (a notebook's page) and wait for the notebook; returns its panel."""
    page.goto(url)
    panel = page.locator(PANEL)
    panel.locator(".jp-Notebook").wait_for(timeout=60_000)
    return panel


def dismiss_dialogs(page: Any) -> list[str]:
    """Close any modal dialog the front-end opened on its own (a kernel choice, a notice);
    returns their texts, so a test can still see what they said."""
    texts = []
    dialogs = page.locator("dialog.jp-Dialog, .jp-Dialog[aria-modal='true']")
    for _ in range(3):
        if dialogs.count() == 0:
            break
        dialog = dialogs.first
        texts.append(dialog.inner_text())
        accept = dialog.locator(".jp-Dialog-button.jp-mod-accept")
        if accept.count():
            accept.first.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(200)
    return texts


def run_all(page: Any, panel: Any) -> None:
    """Run > Run All Cells, once the kernel takes it (a click right after it starts can be lost)."""
    first_prompt = panel.locator(".jp-Cell").first.locator(".jp-InputArea-prompt")
    for _ in range(12):
        for text in dismiss_dialogs(page):
            print(f"dismissed a front-end dialog: {text!r}")  # shown if the test fails
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            first_prompt.filter(has_text=re.compile(r"\[[*0-9]")).wait_for(timeout=5_000)
            return
        except Exception:
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells never started the first cell")


def wait_cells_done(page: Any, panel: Any, timeout: float = 60_000) -> None:
    """Wait until every cell of the shown notebook has run (a number in each prompt)."""
    prompts = panel.locator(".jp-Cell .jp-InputArea-prompt")
    deadline = time.monotonic() + timeout / 1000
    while True:
        texts = prompts.all_inner_texts()
        if texts and all(re.search(r"\[\d+\]", text) for text in texts):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"cells still running or not run: {texts}")
        page.wait_for_timeout(100)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/NAME.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
