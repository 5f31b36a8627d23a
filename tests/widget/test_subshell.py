"""Routing the widget's messages to a kernel subshell: only where a kernel has subshells."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from qmodes.core.timeline import Timeline
from qmodes.widget import TimelineWidget, subshell
from qmodes.widget.throttle import Flusher


@pytest.fixture
def widget():
    widget = TimelineWidget(context_ids=[], timeline=Timeline(), flusher=Flusher())
    yield widget
    widget.close()


def with_kernel(monkeypatch, kernel) -> None:
    monkeypatch.setattr(subshell, "_kernel", lambda: kernel)


def test_outside_a_kernel_nothing_is_routed(widget):
    assert subshell.route_to_subshell(widget) is False
    widget._repr_mimebundle_()
    assert widget.routed == ""


def test_a_kernel_without_subshells_keeps_the_main_shell(widget, monkeypatch):
    with_kernel(monkeypatch, SimpleNamespace(_supports_kernel_subshells=False))
    monkeypatch.setattr(subshell, "create_subshell", lambda kernel: pytest.fail("created"))
    assert subshell.route_to_subshell(widget) is False


def test_a_kernel_with_subshells_gets_the_comm_s_messages_on_the_qmodes_subshell(
        widget, monkeypatch):
    with_kernel(monkeypatch, SimpleNamespace(_supports_kernel_subshells=True))
    made = []
    monkeypatch.setattr(subshell, "create_subshell", lambda kernel: made.append(1) or "sub-1")
    widget.comm._reply_subshell_for = lambda data, default: default  # as ipykernel's comm
    widget._repr_mimebundle_()
    widget._repr_mimebundle_()  # displayed twice: routed once
    assert widget.routed == "subshell" and made == [1]
    # ipykernel's shell-channel thread asks the comm where each comm_msg goes
    assert widget.comm._reply_subshell_for({"method": "custom"}, None) == "sub-1"


def test_a_failed_subshell_request_leaves_the_buttons_acting_after_the_cell(
        widget, monkeypatch, caplog):
    with_kernel(monkeypatch, SimpleNamespace(_supports_kernel_subshells=True))
    widget.comm._reply_subshell_for = lambda data, default: default

    def refuse(kernel):
        raise RuntimeError("no")

    monkeypatch.setattr(subshell, "create_subshell", refuse)
    assert subshell.route_to_subshell(widget) is False
    assert "act when the cell ends" in caplog.text
