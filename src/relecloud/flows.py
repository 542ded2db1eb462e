"""Which flow and step each route belongs to (the ``app.flow`` span attributes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
UNMAPPED = ("unmapped", "unmapped")


def flow(flow_id: str, step: str) -> Callable[[F], F]:
    """Mark a route endpoint as a step of a flow."""

    def mark(fn: F) -> F:
        fn.__relecloud_flow__ = (flow_id, step)  # type: ignore[attr-defined]
        return fn

    return mark


def flow_of(endpoint: Any) -> tuple[str, str]:
    value = getattr(endpoint, "__relecloud_flow__", None)
    return value if isinstance(value, tuple) else UNMAPPED
