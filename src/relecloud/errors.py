"""Relecloud's exception hierarchy.

RelecloudError
├── ConfigError            bad RELECLOUD_* setting
├── DatabaseUnavailable    the database is down (or an injected outage)
├── Overloaded             too many password checks at once (HTTP 503, Retry-After)
├── SearchUnavailable      the search operation failed
├── ValidationFailed       a request breaks a business rule (HTTP 400)
├── NotFound               no such concert/ticket/user (HTTP 404)
├── Conflict               the request conflicts with current state (HTTP 409)
│   └── InProgress             the same Idempotency-Key is being worked on (409, Retry-After)
└── PaymentError           the payment gateway refused or failed
    ├── PaymentDeclined        card declined: not retried
    └── GatewayUnavailable     transient gateway failure: retried
        └── CircuitOpen        the breaker is open: fail fast
"""

from __future__ import annotations

import math
from datetime import UTC, datetime


class RelecloudError(Exception):
    """Base class of every error Relecloud raises on purpose."""


class ConfigError(RelecloudError):
    """A RELECLOUD_* environment variable has an unusable value."""


class DatabaseUnavailable(RelecloudError):
    """The database cannot be reached."""


class Overloaded(RelecloudError):
    """Every password-check slot is busy; the client should come back shortly."""

    retry_after_s = 1


class SearchUnavailable(RelecloudError):
    """Searching concerts failed; callers may fall back to the upcoming list."""


class ValidationFailed(RelecloudError):
    """A business rule rejected the request."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class NotFound(RelecloudError):
    """The requested object does not exist."""


class Conflict(RelecloudError):
    """The request conflicts with the current state (e.g. sold out)."""


class InProgress(Conflict):
    """Another request (or recovery) holds this checkout's lease until ``until``."""

    def __init__(self, until: datetime | None) -> None:
        super().__init__("a checkout with this Idempotency-Key is still in progress")
        now = datetime.now(UTC)
        self.retry_after_s = max(1, math.ceil((until - now).total_seconds())) if until else 1


class PaymentError(RelecloudError):
    """The payment gateway did not complete the operation."""


class PaymentDeclined(PaymentError):
    """The gateway declined the card or the capture."""


class GatewayUnavailable(PaymentError):
    """The gateway is unreachable or failed transiently."""


class CircuitOpen(GatewayUnavailable):
    """The circuit breaker is open; the gateway is not called."""
