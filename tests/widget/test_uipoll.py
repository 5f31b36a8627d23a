"""The ipykernel-6 fallback: qmodes' waits poll the UI while a shown widget is live."""

from __future__ import annotations

import contextlib
import sys
import threading
from types import ModuleType, SimpleNamespace

import pytest

from qmodes.core import waiting
from qmodes.widget import uipoll


class FakeUiPoll(ModuleType):
    """Stands in for jupyter_ui_poll: counts entries and polls."""

    def __init__(self) -> None:
        super().__init__("jupyter_ui_poll")
        self.entered = 0
        self.polls: list[int] = []

    def ui_events(self):
        @contextlib.contextmanager
        def events():
            self.entered += 1
            yield self.polls.append
        return events()


@pytest.fixture
def fake(monkeypatch):
    module = FakeUiPoll()
    monkeypatch.setitem(sys.modules, "jupyter_ui_poll", module)
    monkeypatch.setattr(uipoll, "_widgets", type(uipoll._widgets)())
    monkeypatch.setattr(uipoll, "_remove", None)
    yield module
    if uipoll._remove is not None:
        uipoll._remove()


class Widget:
    _was_live = True


def test_outside_a_kernel_nothing_is_registered(fake):
    assert uipoll.register(Widget()) is False
    assert uipoll._remove is None


def test_ipykernel_7_without_do_one_iteration_is_not_polled(fake, monkeypatch):
    monkeypatch.setattr(uipoll, "_kernel", lambda: SimpleNamespace())
    assert uipoll.register(Widget()) is False


def test_a_live_widget_in_ipykernel_6_polls_on_each_tick_of_a_wait(fake, monkeypatch):
    monkeypatch.setattr(uipoll, "_kernel", lambda: SimpleNamespace(do_one_iteration=None))
    widget = Widget()
    assert uipoll.register(widget) and uipoll.register(Widget())
    assert waiting._hooks.count(uipoll.poll_hook) == 1  # one hook for every widget
    done = threading.Event()
    threading.Timer(0.2, done.set).start()
    assert waiting.block_until(done, timeout=5, tick=0.02)
    assert fake.entered == 1 and len(fake.polls) >= 5 and set(fake.polls) == {10}

    widget._was_live = False  # every registered widget final: the hook does nothing
    fake.polls.clear()
    for other in list(uipoll._widgets):
        other._was_live = False
    done.clear()
    threading.Timer(0.1, done.set).start()
    assert waiting.block_until(done, timeout=5, tick=0.02)
    assert fake.entered == 1 and fake.polls == []
