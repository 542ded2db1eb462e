"""Fault injection, like the original's retry demo: errors, latency and outages."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from relecloud.errors import ConfigError

FLOWS = (
    "authentication",
    "list-concerts",
    "search-concerts",
    "create-concerts",
    "purchase-ticket",
    "collect-telemetry",
)
FlowId = Literal[
    "authentication",
    "list-concerts",
    "search-concerts",
    "create-concerts",
    "purchase-ticket",
    "collect-telemetry",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorFault(_Strict):
    """The next ``count`` requests of ``flow`` fail with 503."""

    kind: Literal["error"]
    flow: FlowId
    count: int = Field(default=1, ge=1, le=100_000)


class LatencyFault(_Strict):
    """Every request of ``flow`` waits ``ms`` extra for ``duration_s``."""

    kind: Literal["latency"]
    flow: FlowId
    ms: int = Field(ge=1, le=60_000)
    duration_s: float = Field(default=60, gt=0, le=86_400)


class OutageFault(_Strict):
    """``target`` is down for ``duration_s``."""

    kind: Literal["outage"]
    target: Literal["database", "payment-gateway"]
    duration_s: float = Field(default=30, gt=0, le=86_400)


FaultSpec = Annotated[ErrorFault | LatencyFault | OutageFault, Field(discriminator="kind")]
_adapter: TypeAdapter[ErrorFault | LatencyFault | OutageFault] = TypeAdapter(FaultSpec)


def parse_fault(raw: dict[str, Any]) -> ErrorFault | LatencyFault | OutageFault:
    return _adapter.validate_python(raw)


class FaultRegistry:
    """The active faults of this process; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: dict[str, int] = {}
        self._latency: dict[str, tuple[int, float]] = {}
        self._outages: dict[str, float] = {}

    @classmethod
    def from_settings(cls, faults: list[dict[str, Any]]) -> FaultRegistry:
        registry = cls()
        for raw in faults:
            try:
                registry.add(parse_fault(raw))
            except ValidationError as exc:
                raise ConfigError(f"RELECLOUD_FAULTS entry {raw!r} is invalid: {exc}") from None
        return registry

    def add(self, fault: ErrorFault | LatencyFault | OutageFault) -> None:
        now = time.monotonic()
        with self._lock:
            if isinstance(fault, ErrorFault):
                self._errors[fault.flow] = self._errors.get(fault.flow, 0) + fault.count
            elif isinstance(fault, LatencyFault):
                self._latency[fault.flow] = (fault.ms, now + fault.duration_s)
            else:
                self._outages[fault.target] = now + fault.duration_s

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self._latency.clear()
            self._outages.clear()

    def take_error(self, flow: str) -> bool:
        """Consume one injected error for ``flow``; True when the request must fail."""
        with self._lock:
            left = self._errors.get(flow, 0)
            if left <= 0:
                return False
            if left == 1:
                del self._errors[flow]
            else:
                self._errors[flow] = left - 1
            return True

    def latency_s(self, flow: str) -> float:
        with self._lock:
            item = self._latency.get(flow)
            if item is None:
                return 0.0
            if item[1] <= time.monotonic():
                del self._latency[flow]
                return 0.0
            return item[0] / 1000.0

    def is_down(self, target: str) -> bool:
        with self._lock:
            until = self._outages.get(target)
            if until is None:
                return False
            if until <= time.monotonic():
                del self._outages[target]
                return False
            return True

    def active(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        out: list[dict[str, Any]] = []
        with self._lock:
            for flow, count in sorted(self._errors.items()):
                out.append({"kind": "error", "flow": flow, "count": count})
            for flow, (ms, until) in sorted(self._latency.items()):
                if until > now:
                    left = round(until - now, 1)
                    out.append({"kind": "latency", "flow": flow, "ms": ms, "remaining_s": left})
            for target, until in sorted(self._outages.items()):
                if until > now:
                    left = round(until - now, 1)
                    out.append({"kind": "outage", "target": target, "remaining_s": left})
        return out
