"""A simulated external payment gateway: pre-authorize, then capture (or void).

It runs in-process but is called only through ``ResilientGateway`` (retry + breaker),
exactly as a remote gateway would be. Test cards (all valid VISA numbers):

* ending ``0002``: pre-authorization declined (insufficient funds);
* ending ``0119``: capture declined after a successful hold;
* anything else: approved.

An injected ``payment-gateway`` outage makes every call fail as unreachable.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from relecloud.errors import GatewayUnavailable, PaymentDeclined
from relecloud.resilience import CircuitBreaker, Retry

DECLINE_SUFFIX = "0002"
CAPTURE_FAIL_SUFFIX = "0119"


@dataclass
class Hold:
    code: str
    amount: float
    card_suffix: str
    state: str = "held"  # held | captured | voided | refunded


class PaymentGateway:
    """The 'remote' service. Thread-safe; keeps holds and captures in memory."""

    def __init__(self, is_down: Callable[[], bool] = lambda: False) -> None:
        self.is_down = is_down
        self._lock = threading.Lock()
        self.holds: dict[str, Hold] = {}
        self.calls = 0

    def _reachable(self) -> None:
        with self._lock:
            self.calls += 1
        if self.is_down():
            raise GatewayUnavailable("payment gateway unreachable (injected outage)")

    def preauthorize(self, amount: float, card_number: str) -> str:
        self._reachable()
        if card_number.endswith(DECLINE_SUFFIX):
            raise PaymentDeclined("We were unable to process this card: insufficient funds")
        code = secrets.token_hex(8)
        with self._lock:
            self.holds[code] = Hold(code, amount, card_number[-4:])
        return code

    def capture(self, hold_code: str, amount: float) -> str:
        self._reachable()
        with self._lock:
            hold = self.holds.get(hold_code)
            if hold is None or hold.state == "voided":
                raise PaymentDeclined("InvalidHoldCode")
            if hold.state == "captured":  # idempotent: same hold, same confirmation
                return "C-" + hold.code
            if abs(hold.amount - amount) > 0.005:
                raise PaymentDeclined("InvalidHoldAmount")
            if hold.card_suffix == CAPTURE_FAIL_SUFFIX:
                raise PaymentDeclined("Capture declined by the card issuer")
            hold.state = "captured"
            return "C-" + hold.code

    def void(self, hold_code: str) -> None:
        self._reachable()
        with self._lock:
            hold = self.holds.get(hold_code)
            if hold is not None and hold.state == "held":
                hold.state = "voided"

    def status(self, hold_code: str) -> str:
        """The hold's state (``unknown`` for a code the gateway never issued)."""
        self._reachable()
        with self._lock:
            hold = self.holds.get(hold_code)
            return hold.state if hold is not None else "unknown"

    def reverse(self, hold_code: str) -> str:
        """Undo whatever happened: void a hold, refund a capture. Idempotent."""
        self._reachable()
        with self._lock:
            hold = self.holds.get(hold_code)
            if hold is None:
                return "unknown"
            if hold.state == "held":
                hold.state = "voided"
            elif hold.state == "captured":
                hold.state = "refunded"
            return hold.state


class ResilientGateway:
    """The gateway behind retry (outer) and a circuit breaker (inner), like Polly."""

    def __init__(self, gateway: PaymentGateway, retry: Retry, breaker: CircuitBreaker) -> None:
        self.gateway = gateway
        self.retry = retry
        self.breaker = breaker

    def preauthorize(self, amount: float, card_number: str) -> str:
        return self.retry.call(
            lambda: self.breaker.call(lambda: self.gateway.preauthorize(amount, card_number))
        )

    def capture(self, hold_code: str, amount: float) -> str:
        return self.retry.call(
            lambda: self.breaker.call(lambda: self.gateway.capture(hold_code, amount))
        )

    def void(self, hold_code: str) -> None:
        self.retry.call(lambda: self.breaker.call(lambda: self.gateway.void(hold_code)))

    def status(self, hold_code: str) -> str:
        return self.retry.call(lambda: self.breaker.call(lambda: self.gateway.status(hold_code)))

    def reverse(self, hold_code: str) -> str:
        return self.retry.call(lambda: self.breaker.call(lambda: self.gateway.reverse(hold_code)))
