"""Injectable clocks: the sandbox never calls time.time() directly, so tests can move time instead of sleeping."""

import threading
import time


def system_clock():
    return time.time()


class FakeClock:
    """A manual clock for tests: ``clock()`` returns the current fake time, ``advance(seconds)`` moves it."""

    def __init__(self, start=None):
        self._now = float(time.time() if start is None else start)
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self._now

    def advance(self, seconds):
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, timestamp):
        with self._lock:
            self._now = float(timestamp)
