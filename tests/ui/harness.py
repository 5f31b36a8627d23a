"""Headless Chromium helpers: launch the system Chromium, and load the widget's ESM into a blank
page with a stand-in anywidget model (no Jupyter), for fast JS checks and the benchmark."""

from __future__ import annotations

import os
import shutil
from typing import Any

from qmodes.widget import timeline as widget_module

CHROMIUM = os.environ.get("QMODES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def launch(playwright: Any) -> Any:
    """The system Chromium, headless (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


_BOOT = """
async ({esm, css, state, width}) => {
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const mod = await import(URL.createObjectURL(new Blob([esm], {type: "text/javascript"})));
  class Model {
    constructor(state) { this.state = state; this.handlers = {}; this.sent = []; }
    get(k) { return this.state[k]; }
    set(k, v) { this.state[k] = v; (this.handlers["change:" + k] || []).forEach((f) => f()); }
    on(n, f) { (this.handlers[n] ||= []).push(f); }
    off() {}
    send(m) { this.sent.push(m); }
    save_changes() {}
  }
  const model = new Model(state);
  const el = document.createElement("div");
  el.id = "widget";
  el.style.width = width + "px";
  document.body.append(el);
  const t0 = performance.now();
  mod.default.initialize({ model });
  await mod.default.render({ model, el });
  window.bootMs = performance.now() - t0;
  window.model = model;
  window.widgetEl = el;
}
"""


def load_widget(page: Any, state: dict[str, Any], width: int = 900) -> None:
    """Render the widget into ``page`` with ``state`` as the model's traits."""
    page.set_content("<!doctype html><html><body></body></html>")
    page.evaluate(_BOOT, {"esm": str(widget_module.TimelineWidget._esm),
                          "css": str(widget_module.TimelineWidget._css),
                          "state": state, "width": width})


def model_state(widget: Any) -> dict[str, Any]:
    """The synced traits of a Python widget, as the front-end model would hold them."""
    return {name: getattr(widget, name) for name in
            ("uid", "delta", "snapshot", "summary", "advice", "message", "controls", "height")}
