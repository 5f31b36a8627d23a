"""Widget controls that act while a cell is blocked: the widget's messages go to a subshell.

A kernel runs one cell at a time on its main thread, and by default handles widget messages
(a click on *Cancel*) on that same thread: while a cell blocks in ``job.result()`` the click
waits for the cell to end. ipykernel 7 has *subshells* (Jupyter's kernel subshells, JEP 91):
extra threads, each with its own message loop, created with a ``create_subshell_request`` on
the control channel. Its shell-channel thread routes a ``comm_msg`` to the subshell its comm
names (:mod:`qmodes.compat.kernel_private`), so the widget's messages are handled on the subshell
thread at once, whatever the main thread does, as long as the GIL is not held for long.

:func:`route_to_subshell` creates one subshell per kernel process (the first time a widget is
shown) through the kernel's own control channel, and points a widget's comm at it. Outside a
kernel, or in a kernel without subshells (ipykernel < 7), it does nothing and returns False:
the buttons then act when the cell returns, as before.

Why not ``jupyter-ui-poll``: it processes messages by calling ``kernel.do_one_iteration()``,
which ipykernel 7 removed; on ipykernel 7.4 it swallows the AttributeError and processes
nothing (checked with a comm message sent to a kernel blocked inside ``ui_events()``).

Example:
    >>> route_to_subshell(object())  # no kernel here: nothing to do
    False
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from qmodes.compat import kernel_private

__all__ = ["create_subshell", "route_to_subshell", "supports_subshells"]

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_subshell: dict[int, str] = {}  # id(kernel) -> its qmodes subshell
_TIMEOUT = 5.0


def _kernel() -> Any:
    try:
        # start-up time: the kernel's parts load only where they are used
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None)


def supports_subshells(kernel: Any) -> bool:
    """Whether ``kernel`` (an ipykernel ``Kernel``) can run subshells."""
    return kernel_private.supports_subshells(kernel)


def create_subshell(kernel: Any) -> str:
    """The id of this process's qmodes subshell in ``kernel``, created on first call.

    The request goes through the kernel's control channel like a front-end's: a client in
    this process connects to the kernel's own connection file.
    """
    with _lock:
        known = _subshell.get(id(kernel))
        if known is not None:
            return known
        # start-up time: the kernel's parts load only where they are used
        from ipykernel.connect import get_connection_file
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(connection_file=get_connection_file())
        client.load_connection_file()
        client.start_channels(shell=False, iopub=False, stdin=False, hb=False, control=True)
        try:
            request = client.session.msg("create_subshell_request", {})
            client.control_channel.send(request)
            while True:
                reply = client.control_channel.get_msg(timeout=_TIMEOUT)
                if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
                    break
        finally:
            client.stop_channels()
        content = reply["content"]
        if content.get("status") != "ok" or "subshell_id" not in content:
            raise RuntimeError(f"the kernel refused a subshell: {content}")
        _subshell[id(kernel)] = subshell_id = str(content["subshell_id"])
        return subshell_id


def route_to_subshell(widget: Any) -> bool:
    """Handle ``widget``'s front-end messages on the qmodes subshell; True if they will be.

    Harmless anywhere: without a kernel that has subshells, or without a comm, returns False.
    """
    kernel = _kernel()
    comm = getattr(widget, "comm", None)
    if kernel is None or comm is None or not supports_subshells(kernel):
        return False
    if not kernel_private.routes_per_comm(comm):
        return False  # a comm implementation that does not route per comm
    try:
        subshell_id = create_subshell(kernel)
    except Exception:  # no subshell: the controls act after the cell, as without one
        _log.warning("qmodes: no kernel subshell; widget buttons act when the cell ends",
                     exc_info=True)
        return False

    def route(data: Any, default: Any) -> str:
        return subshell_id

    return kernel_private.route_comm(comm, route)
