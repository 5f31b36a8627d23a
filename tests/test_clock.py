"""The clocks survive what their callbacks and their callers throw at them."""

from __future__ import annotations

import logging
import threading

from qmodes.core.clock import ManualClock, RealClock


def test_a_failing_timer_callback_is_logged_and_later_timers_still_fire(caplog):
    clock = ManualClock(start=0.0)
    fired: list[float] = []

    def boom() -> None:
        raise RuntimeError("callback bug")

    clock.call_later(1, boom)
    clock.call_later(2, lambda: fired.append(clock.now()))
    with caplog.at_level(logging.ERROR, logger="qmodes.core.clock"):
        clock.advance(5)
    assert fired == [2.0]
    assert "timer callback failed" in caplog.text
    assert "callback bug" in caplog.text


def test_the_real_clock_thread_survives_a_failing_callback(caplog):
    clock = RealClock()
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("callback bug")

    with caplog.at_level(logging.ERROR, logger="qmodes.core.clock"):
        clock.call_later(0.0, boom)
        clock.call_later(0.01, done.set)
        assert done.wait(5)
    assert "callback bug" in caplog.text


def test_a_timer_due_in_a_million_years_does_not_kill_the_clock_thread():
    clock = RealClock()
    far = clock.call_later(1e12, lambda: None)  # beyond what threading can wait for
    done = threading.Event()
    clock.call_later(0.01, done.set)  # the thread is already waiting on the far timer
    assert done.wait(5)
    again = threading.Event()
    clock.call_later(0.01, again.set)
    assert again.wait(5)
    assert clock._thread is not None and clock._thread.is_alive()
    far.cancel()



def test_the_device_clock_thread_survives_a_failing_callback_and_a_far_timer(caplog):
    from qmodes.local.virtual_clock import VirtualClock

    clock = VirtualClock()
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("device callback bug")

    with caplog.at_level(logging.ERROR, logger="qmodes.core.clock"):
        far = clock.call_later(1e12, lambda: None)
        clock.call_later(0.0, boom)
        clock.call_later(0.01, done.set)
        assert done.wait(5)
    assert "device callback bug" in caplog.text
    assert clock._thread is not None and clock._thread.is_alive()
    far.cancel()
