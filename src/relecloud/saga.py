"""Checkout after the seats are held, as a saga: every captured payment ends in tickets
or in a refund, and every Idempotency-Key ends succeeded or released.

The steps, each its own transaction or gateway call: record the pre-authorization's
hold code, capture, issue the tickets. A failure in the request undoes what it can at
once (reverse the payment, then release the seats). What it cannot undo (the gateway or
the database is down, or the process died) stays ``pending`` with its hold code, and
``settle`` finishes it later: on a retry with the same key, or from ``sweep``. Settling
asks the gateway what really happened to the hold, since a lost response can hide a
capture: a captured payment is turned into tickets when the seats are still this
checkout's, and refunded when they are not.

A lease on the row keeps one worker at a time on a checkout: the request holds it while
it runs, and recovery takes it only once it has expired.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from relecloud.db import Database
from relecloud.errors import Conflict, RelecloudError
from relecloud.models import Checkout, Concert, Ticket, TicketNumber
from relecloud.payment import ResilientGateway
from relecloud.receipts import checkout_result
from relecloud.schemas import CheckoutOut

log = logging.getLogger(__name__)
DEFAULT_LEASE_S = 30


def release(db: Database, checkout_id: str) -> None:
    """Give the held seats back and forget the attempt (the key may be retried)."""
    with db.write() as session:
        session.execute(
            update(TicketNumber)
            .where(TicketNumber.hold_id == checkout_id, TicketNumber.ticket_id.is_(None))
            .values(hold_id=None, held_until=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            Checkout.__table__.delete().where(  # type: ignore[attr-defined]
                Checkout.id == checkout_id, Checkout.status == "pending"
            )
        )


def record_hold(db: Database, checkout_id: str, hold_code: str) -> None:
    with db.write() as session:
        session.execute(
            update(Checkout)
            .where(Checkout.id == checkout_id)
            .values(hold_code=hold_code)
            .execution_options(synchronize_session=False)
        )


def issue_tickets(db: Database, checkout_id: str, confirmation: str) -> CheckoutOut:
    """Turn the seats this checkout holds into tickets; Conflict when some were lost.

    A hold that expired still belongs to this checkout until another one claims the
    seat, so only seats taken by someone else make the order incomplete.
    """
    with db.write() as session:
        checkout = session.get(Checkout, checkout_id)
        if checkout is None:
            raise Conflict("checkout vanished while it was being paid")
        if checkout.status == "succeeded":
            return checkout_result(session, checkout)
        # Filter on hold_id alone (indexed): with "ticket_id IS NULL" in the WHERE,
        # SQLite walks the ticket_id index over every unsold seat instead.
        rows = session.execute(
            select(TicketNumber.id, TicketNumber.number, Concert.id, Concert.price)
            .join(Concert, Concert.id == TicketNumber.concert_id)
            .where(TicketNumber.hold_id == checkout_id, TicketNumber.ticket_id.is_(None))
            .order_by(TicketNumber.id)
        ).all()
        if len(rows) != checkout.seats or checkout.customer_id is None:
            raise Conflict("seat holds expired and the seats were sold before payment completed")
        _sell(session, checkout, rows)
        checkout.status = "succeeded"
        checkout.confirmation = confirmation
        checkout.lease_until = None
        session.flush()
        return checkout_result(session, checkout)


def _sell(session: Session, checkout: Checkout, rows: Sequence[Row[int, str, int, float]]) -> None:
    for number_id, number, concert_id, price in rows:
        ticket = Ticket(
            concert_id=concert_id,
            user_id=checkout.user_id,
            customer_id=checkout.customer_id,
            checkout_id=checkout.id,
            number=number,
            price=price,
        )
        session.add(ticket)
        session.flush()
        # Sold, no longer held: a seat is never both.
        session.execute(
            update(TicketNumber)
            .where(TicketNumber.id == number_id)
            .values(ticket_id=ticket.id, hold_id=None, held_until=None)
            .execution_options(synchronize_session=False)
        )


def compensate(db: Database, gateway: ResilientGateway, checkout_id: str, hold: str | None) -> None:
    """Undo a failed attempt: reverse the payment first, then release the seats.

    When the payment cannot be reversed the row must stay (it is the only record of
    the hold code), so it is handed to recovery with its lease expired.
    """
    if hold is not None:
        try:
            gateway.reverse(hold)
        except RelecloudError:
            log.warning(
                "payment not reversed; left for recovery", extra={"checkout_id": checkout_id}
            )
            _expire_lease(db, checkout_id)
            return
    try:
        release(db, checkout_id)
    except RelecloudError:
        log.warning("seats not released; left for recovery", extra={"checkout_id": checkout_id})


def _expire_lease(db: Database, checkout_id: str) -> None:
    try:
        with db.write() as session:
            session.execute(
                update(Checkout)
                .where(Checkout.id == checkout_id, Checkout.status == "pending")
                .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
                .execution_options(synchronize_session=False)
            )
    except RelecloudError:
        log.warning("lease not expired; recovery waits for it", extra={"checkout_id": checkout_id})


def take_lease(session: Session, checkout_id: str, lease_s: float) -> bool:
    """Atomically become the one worker on a pending checkout whose lease has run out."""
    now = datetime.now(UTC)
    taken = session.execute(
        update(Checkout)
        .where(
            Checkout.id == checkout_id,
            Checkout.status == "pending",
            (Checkout.lease_until.is_(None)) | (Checkout.lease_until <= now),
        )
        .values(lease_until=now + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False)
    )
    return int(taken.rowcount) == 1  # type: ignore[attr-defined]


def settle(db: Database, gateway: ResilientGateway, checkout_id: str) -> CheckoutOut | None:
    """Bring a leased pending checkout to its end; the result when tickets were issued.

    Raises when the database or the gateway is still unavailable; the checkout then
    stays pending and is settled on a later try.
    """
    with db.read() as session:
        checkout = session.get(Checkout, checkout_id)
        if checkout is None:
            return None
        if checkout.status == "succeeded":
            return checkout_result(session, checkout)
        hold = checkout.hold_code
    state = gateway.status(hold) if hold is not None else "unknown"
    if state == "captured":
        try:
            return issue_tickets(db, checkout_id, "C-" + (hold or ""))
        except Conflict:
            log.warning("captured but seats lost: refunding", extra={"checkout_id": checkout_id})
    if hold is not None and state in ("held", "captured"):
        gateway.reverse(hold)
    release(db, checkout_id)
    return None


def sweep(db: Database, gateway: ResilientGateway, lease_s: float = DEFAULT_LEASE_S) -> int:
    """Settle every pending checkout whose lease has expired; returns how many were settled.

    Run periodically (``relecloud serve`` does, every RELECLOUD_SWEEP_S seconds), so a
    checkout nobody retries still ends in tickets or a refund.
    """
    now = datetime.now(UTC)
    with db.read() as session:
        stuck = session.scalars(
            select(Checkout.id).where(
                Checkout.status == "pending",
                (Checkout.lease_until.is_(None)) | (Checkout.lease_until <= now),
            )
        ).all()
    settled = 0
    for checkout_id in stuck:
        with db.write() as session:
            if not take_lease(session, checkout_id, lease_s):
                continue
        try:
            settle(db, gateway, checkout_id)
        except RelecloudError as exc:
            log.warning(
                "checkout not settled yet", extra={"checkout_id": checkout_id, "error": str(exc)}
            )
            continue
        settled += 1
    return settled
