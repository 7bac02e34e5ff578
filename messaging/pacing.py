"""Sending several SMS at once, never faster than the provider takes them.

The dispatcher's main thread does every database step; a `SendPool`'s threads only call the
provider. All threads of the pool draw from one `RateLimit`, so the process as a whole keeps to
the rate the provider's senders can send (Twilio queues what comes in faster, and refuses new
messages once that queue holds hours of work: errors 21611 and 30001).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class RateLimit:
    """A token bucket that holds one token, refilled `per_second` times a second: sends start
    at least 1/per_second apart, so N sends take at least (N-1)/per_second, and an idle spell
    saves up no burst. Thread-safe; `clock` and `sleep` can be replaced (tests)."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if per_second <= 0:
            raise ValueError("the rate must be more than 0 messages per second")
        self.interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next: float | None = None  # when the next token is there

    def wait(self) -> float:
        """Take the next token, sleeping until it is there; returns the moment it was taken."""
        with self._lock:  # reserve the moment under the lock, sleep outside it
            now = self._clock()
            at = now if self._next is None else max(now, self._next)
            self._next = at + self.interval
        if at > now:
            self._sleep(at - now)
        return at


class SendPool:
    """At most `size` calls to the provider at once, at most `per_second` started a second."""

    def __init__(self, size: int, per_second: float):
        if size < 1:
            raise ValueError("the pool needs at least one thread")
        self.rate = RateLimit(per_second)
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sms-send")

    def submit(self, work: Callable, *args) -> Future:
        """`work(*args)` on one of the pool's threads, after what was submitted before."""
        return self._executor.submit(work, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def __enter__(self) -> SendPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
