"""A real JupyterLab (or Notebook 7) on loopback for browser tests: temporary dirs for every
JUPYTER_* path, and the few page steps the tests share (write a notebook, open it, run it)."""

from __future__ import annotations

import json
import os
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
    app_class = "LabApp" if app == "jupyterlab" else "JupyterNotebookApp"
    log_path = home / f"{app}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", app, "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={notebook_dir}",
         "--ServerApp.port_retries=0",  # the port asked for or none: never another server's
         f"--{app_class}.expose_app_in_browser=True"],  # window.jupyterapp, as Galata does
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
        dialog.wait_for(state="detached", timeout=10_000)
    return texts


# The shown notebook as its model says (window.jupyterapp, exposed by jupyter_server()): not
# its DOM, which JupyterLab renders lazily (a cell out of view may show no prompt) and late.
_NOTEBOOK = """() => {
  const panel = window.jupyterapp?.shell?.currentWidget;
  const cells = panel?.content?.widgets, context = panel?.sessionContext;
  if (!cells || !context) return null;
  const code = cells.filter((c) => c.model.type === "code").map((c) => c.model);
  return {
    kernel: context.session?.kernel?.status ?? null,
    started: code.some((m) => m.executionState === "running" || m.executionCount !== null),
    done: code.length > 0 && code.every((m) => m.executionState === "idle"
                                          && m.executionCount !== null),
    cells: code.map((m) => [m.executionState, m.executionCount]),
  };
}"""


def notebook_state(page: Any) -> dict[str, Any] | None:
    """The shown notebook's kernel status and its code cells' execution states."""
    return page.evaluate(_NOTEBOOK)  # type: ignore[no-any-return]


def wait_kernel_idle(page: Any, timeout: float = 120_000) -> None:
    """Wait until the shown notebook's kernel has started and is idle."""
    page.wait_for_function(f"() => ({_NOTEBOOK})()?.kernel === 'idle'", timeout=timeout)


def run_all(page: Any, panel: Any, item: str = "Run All Cells") -> None:
    """Run > ``item`` (Run All Cells) once the kernel is idle, exactly once.

    Clicked before the kernel exists, Run All clears the prompts and runs nothing; clicked
    twice, every cell runs twice. So: wait for the kernel, click, and click again only if the
    notebook's model shows that no cell started (the menu's command sets a cell running in the
    click's own handler, so that answer is final, however slowly the page draws).
    """
    wait_kernel_idle(page)
    started = f"() => ({_NOTEBOOK})()?.started === true"
    for _ in range(3):
        for text in dismiss_dialogs(page):
            print(f"dismissed a front-end dialog: {text!r}")  # shown if the test fails
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=item, exact=True).click()
        try:
            page.wait_for_function(started, timeout=30_000)
            return
        except Exception:
            page.keyboard.press("Escape")
    raise AssertionError(f"{item} never started a cell: {notebook_state(page)}")


def wait_cells_done(page: Any, panel: Any, timeout: float = 60_000) -> None:
    """Wait until every code cell of the shown notebook has run (its model: idle, with an
    execution count), wherever it is scrolled."""
    try:
        page.wait_for_function(f"() => ({_NOTEBOOK})()?.done === true", timeout=timeout)
    except Exception:
        raise AssertionError(f"cells still running or not run: {notebook_state(page)}") from None


def switch_theme(page: Any, theme: str) -> None:
    """Settings > Theme > ``theme``, and wait until it is applied, the shell shown again and
    the splash gone (JupyterLab shows a splash while it loads a theme's CSS, hides its shell
    when it has, shows it a frame later and fades the splash out)."""
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    labels = page.locator(".lm-Menu-itemLabel")  # submenus have no menuitem role
    labels.get_by_text("Theme", exact=True).hover()
    labels.get_by_text(theme, exact=True).click()
    page.wait_for_function(
        """(theme) => document.body.dataset.jpThemeName === theme
             && !document.querySelector(".jp-LabShell.lm-mod-hidden")
             && !document.querySelector("#jupyterlab-splash")""", arg=theme,
        timeout=30_000)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/NAME.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
