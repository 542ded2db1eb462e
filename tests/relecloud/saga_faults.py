"""Fault injection around the real database and gateway, for the checkout saga tests.

The wrappers delegate to the real objects and count every step a checkout takes (a
database transaction or a gateway call). One chosen step fails, before or after the
real work: ``fail`` raises the component's own outage error (so the code's handlers
run), ``crash`` raises a BaseException that no handler catches, as if the process died
at that instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relecloud.db import Database
from relecloud.errors import DatabaseUnavailable, GatewayUnavailable
from relecloud.models import Checkout, Ticket, TicketNumber
from relecloud.payment import ResilientGateway
from relecloud.services import Services

MODES = ("fail-before", "fail-after", "crash-before", "crash-after")


class Crash(BaseException):
    """The process dies here: nothing after this line runs, no handler sees it."""


class FaultPlan:
    def __init__(self, step: int, mode: str) -> None:
        self.step = step
        self.mode = mode
        self.seen = 0
        self.fired = False
        self.log: list[str] = []

    def around(self, name: str, outage: type[Exception], when: str) -> None:
        if when == "before":
            self.seen += 1
            self.log.append(name)
        if self.fired or self.seen != self.step or not self.mode.endswith(when):
            return
        self.fired = True
        if self.mode.startswith("crash"):
            raise Crash(f"crash {when} {name}")
        raise outage(f"injected outage {when} {name}")


class FaultyDatabase:
    def __init__(self, db: Database, plan: FaultPlan) -> None:
        self._db = db
        self._plan = plan

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    @contextmanager
    def write(self) -> Iterator[Session]:
        self._plan.around("db.write", DatabaseUnavailable, "before")
        with self._db.write() as session:
            yield session
        # Committed; the caller may still hear of an outage (a lost commit acknowledgement).
        self._plan.around("db.write", DatabaseUnavailable, "after")


class FaultyGateway:
    def __init__(self, gateway: ResilientGateway, plan: FaultPlan) -> None:
        self._gateway = gateway
        self._plan = plan

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._gateway, name)

        def call(*args: Any) -> Any:
            self._plan.around(f"gateway.{name}", GatewayUnavailable, "before")
            result = real(*args)
            self._plan.around(f"gateway.{name}", GatewayUnavailable, "after")
            return result

        return call


def assert_invariants(services: Services) -> None:
    """Money captured = tickets issued x price; no seat both held and sold; no key pending."""
    captured = sum(h.amount for h in services.gateway.holds.values() if h.state == "captured")
    with services.db.read() as session:
        sold = session.scalar(select(func.coalesce(func.sum(Ticket.price), 0))) or 0
        assert round(captured, 2) == round(float(sold), 2), (captured, sold)
        both = session.scalar(
            select(func.count()).where(
                TicketNumber.ticket_id.is_not(None), TicketNumber.hold_id.is_not(None)
            )
        )
        assert both == 0
        pending = session.scalars(select(Checkout.id).where(Checkout.status != "succeeded")).all()
        assert pending == [], "every key ends succeeded or released"
        orphans = session.scalar(select(func.count()).where(TicketNumber.hold_id.is_not(None)))
        assert orphans == 0, "released checkouts leave no held seats"
