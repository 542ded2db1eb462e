"""Retry with jittered exponential backoff and a consecutive-failure circuit breaker.

Parameters follow the original's Polly policies: 3 attempts with a 500 ms median first
delay, and a breaker that opens after 5 consecutive failures for 30 s.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from relecloud.errors import CircuitOpen, GatewayUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)


class CircuitBreaker:
    """closed -> (N consecutive failures) -> open -> (after open_s) -> half-open -> ..."""

    def __init__(self, name: str, failures: int, open_s: float) -> None:
        self.name = name
        self.threshold = failures
        self.open_s = open_s
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if time.monotonic() - self._opened_at >= self.open_s:
                return "half-open"
            return "open"

    def _before(self) -> None:
        with self._lock:
            if self._opened_at is None:
                return
            if time.monotonic() - self._opened_at < self.open_s or self._trial_running:
                raise CircuitOpen(f"{self.name} circuit is open; not calling it")
            self._trial_running = True

    def _success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def _failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.threshold:
                if self._opened_at is None or self._trial_running:
                    log.warning("circuit opened", extra={"dependency": self.name})
                self._opened_at = time.monotonic()
            self._trial_running = False

    def call(self, fn: Callable[[], T]) -> T:
        self._before()
        try:
            result = fn()
        except GatewayUnavailable:
            self._failure()
            raise
        except BaseException:
            # Not a dependency failure (e.g. a declined card): the gateway answered.
            self._success()
            raise
        self._success()
        return result

    def reset(self) -> None:
        self._success()


class Retry:
    """Retry transient (GatewayUnavailable) failures; an open circuit is not retried."""

    def __init__(self, attempts: int, base_ms: float, sleep: Callable[[float], None] = time.sleep):
        self.attempts = attempts
        self.base_s = base_ms / 1000.0
        self.sleep = sleep

    def delay_s(self, retry: int) -> float:
        """Median ``base * 2**retry`` with +-50 % uniform jitter."""
        return self.base_s * (2**retry) * random.uniform(0.5, 1.5)

    def call(self, fn: Callable[[], T]) -> T:
        for attempt in range(self.attempts):
            try:
                return fn()
            except CircuitOpen:
                raise
            except GatewayUnavailable as exc:
                if attempt + 1 >= self.attempts:
                    raise
                delay = self.delay_s(attempt)
                log.info(
                    "retrying after transient failure",
                    extra={
                        "attempt": attempt + 1,
                        "delay_ms": round(delay * 1000),
                        "error": str(exc),
                    },
                )
                self.sleep(delay)
        raise AssertionError("unreachable")
