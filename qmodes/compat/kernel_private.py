"""ipykernel's private parts that qmodes' widget uses, one named function each.

Checked on ipykernel 7.0–7.4 (and 6.29, where they are absent and the widget falls back);
``tests/compat/test_private_parts.py`` fails with a clear message when an upgrade moves one.
It imports nothing: the kernel and the comm are handed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["CHECKED_ON", "route_comm", "routes_per_comm", "supports_subshells"]

CHECKED_ON = ("7.0", "7.4")
"""The ipykernel versions these accesses were checked on."""


def supports_subshells(kernel: Any) -> bool:
    """Whether ``kernel`` (an ipykernel ``Kernel``) can run subshells.

    Why: ipykernel says so only in its private ``_supports_kernel_subshells`` flag.
    """
    return bool(getattr(kernel, "_supports_kernel_subshells", False))


def routes_per_comm(comm: Any) -> bool:
    """Whether ipykernel asks ``comm`` where to handle its messages (:func:`route_comm`).

    Why: ipykernel 7's comms have a private ``_reply_subshell_for``; other comm
    implementations do not.
    """
    return hasattr(comm, "_reply_subshell_for")


def route_comm(comm: Any, route: Callable[[Any, Any], str]) -> bool:
    """Make ``comm``'s incoming messages go to the subshell ``route(data, default)`` names;
    False if this comm does not route per comm.

    Why: ipykernel asks a comm where to handle each incoming ``comm_msg`` through its private
    ``_reply_subshell_for``; its own answer is "where I last published from", which would be
    the main shell again after any update.
    """
    if not routes_per_comm(comm):
        return False
    comm._reply_subshell_for = route
    return True
