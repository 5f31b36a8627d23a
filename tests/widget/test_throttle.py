"""Updates come from one flusher thread, at most ten rounds a second."""

from __future__ import annotations

import threading
import time

from qmodes.widget.throttle import Flusher, Throttle, shared_flusher


class Counter:
    def __init__(self, live: bool = False) -> None:
        self.flushes = 0
        self.live = live
        self.threads: set[str] = set()

    def flush(self) -> bool:
        self.flushes += 1
        self.threads.add(threading.current_thread().name)
        return self.live


def test_throttle_spaces_rounds_by_the_interval():
    now = [0.0]
    throttle = Throttle(0.1, now=lambda: now[0])
    assert throttle.wait_time() == 0.0
    throttle.mark()
    now[0] = 0.03
    assert abs(throttle.wait_time() - 0.07) < 1e-9
    now[0] = 0.2
    assert throttle.wait_time() == 0.0


def test_a_storm_of_requests_makes_at_most_ten_rounds_a_second_on_one_thread():
    flusher = Flusher(interval=0.1)
    targets = [Counter() for _ in range(3)]
    start = time.monotonic()
    while time.monotonic() < start + 0.6:
        for target in targets:
            flusher.request(target)
        time.sleep(0.0005)
    time.sleep(0.25)
    elapsed = time.monotonic() - start
    # thousands of requests, yet at most one round per interval (the throttle's promise)
    assert 1 <= flusher.rounds <= elapsed / 0.1 + 1
    assert all(1 <= t.flushes <= flusher.rounds for t in targets)
    assert {name for t in targets for name in t.threads} == {"qmodes-widget-flusher"}


def test_live_targets_are_ticked_without_requests_and_dropped_when_done():
    flusher = Flusher(interval=0.01, tick=0.05)
    target = Counter(live=True)
    flusher.request(target)
    time.sleep(0.3)
    assert target.flushes >= 3
    target.live = False
    time.sleep(0.1)
    settled = target.flushes
    time.sleep(0.2)
    assert target.flushes == settled


def test_there_is_one_shared_flusher_per_process():
    assert shared_flusher() is shared_flusher()
