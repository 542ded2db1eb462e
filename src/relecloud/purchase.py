"""Checkout on behalf of a customer: hold seats, pre-authorize, capture, issue tickets.

Race-free on SQLite and PostgreSQL: free seats are picked with
``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL locks them until commit and skips
rows other checkouts are taking; SQLite writers are serialized by ``BEGIN IMMEDIATE``),
then held with a conditional ``UPDATE ... WHERE id IN (...) AND <still free>``. The hold
must cover every requested seat, or the whole transaction rolls back.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from relecloud import receipts
from relecloud.catalog import _free_ticket_clause
from relecloud.db import Database
from relecloud.errors import (
    Conflict,
    InProgress,
    NotFound,
    PaymentError,
    RelecloudError,
    ValidationFailed,
)
from relecloud.models import Checkout, Concert, Customer, TicketNumber
from relecloud.payment import ResilientGateway
from relecloud.receipts import checkout_result
from relecloud.saga import (
    DEFAULT_LEASE_S,
    compensate,
    issue_tickets,
    record_hold,
    settle,
    take_lease,
)
from relecloud.schemas import CheckoutIn, CheckoutOut

log = logging.getLogger(__name__)


def request_hash(request: CheckoutIn) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def _claim(session: Session, checkout_id: str, concert_id: int, count: int, ttl_s: int) -> int:
    """Hold ``count`` free seats for this checkout; returns how many were held."""
    now = datetime.now(UTC)
    # PostgreSQL: lock the picked rows (skipping rows other checkouts hold locked) until
    # commit. SQLite: the transaction already holds the database write lock.
    ids = session.scalars(
        select(TicketNumber.id)
        .where(TicketNumber.concert_id == concert_id, _free_ticket_clause(now))
        .order_by(TicketNumber.id)
        .limit(count)
        .with_for_update(skip_locked=True)
    ).all()
    if len(ids) < count:
        return len(ids)
    stmt = (
        update(TicketNumber)
        .where(TicketNumber.id.in_(ids), _free_ticket_clause(now))
        .values(hold_id=checkout_id, held_until=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def _begin(
    db: Database,
    user_id: int,
    key: str,
    digest: str,
    request: CheckoutIn,
    ttl_s: int,
    lease_s: float,
) -> CheckoutOut | str | tuple[str, float]:
    """Transaction 1: record the key and hold the seats.

    Returns a done result, the id of an earlier attempt this call must settle first
    (its lease is now ours), or (id, total) of the new attempt.
    """
    with db.write() as session:
        existing = session.scalar(
            select(Checkout).where(Checkout.user_id == user_id, Checkout.idempotency_key == key)
        )
        if existing is not None:
            if existing.request_hash != digest:
                raise ValidationFailed("Idempotency-Key was already used for a different request")
            if existing.status == "succeeded":
                return checkout_result(session, existing)
            if take_lease(session, existing.id, lease_s):
                return existing.id
            raise InProgress(existing.lease_until)
        checkout = Checkout(
            id=str(uuid.uuid4()),
            user_id=user_id,
            idempotency_key=key,
            request_hash=digest,
            status="pending",
            total=0,
            customer_id=_upsert_customer(session, request),
            seats=sum(request.items.values()),
            lease_until=datetime.now(UTC) + timedelta(seconds=lease_s),
        )
        session.add(checkout)
        try:
            session.flush()
        except IntegrityError:
            raise InProgress(None) from None
        total = 0.0
        now = datetime.now(UTC)
        for concert_key, count in sorted(request.items.items(), key=lambda kv: int(kv[0])):
            concert = session.get(Concert, int(concert_key))
            if concert is None or not concert.is_visible:
                raise NotFound(f"ConcertNotFound: concert {concert_key} is not on sale")
            if concert.start_time <= now:
                raise ValidationFailed(f"concert {concert_key} has already started")
            total += concert.price * count
            claimed = _claim(session, checkout.id, concert.id, count, ttl_s)
            if claimed < count:
                raise Conflict(
                    f"NotEnoughTicketsRemaining: concert {concert.id} has fewer than {count} left"
                )
        checkout.total = round(total, 2)
        return checkout.id, checkout.total


def _upsert_customer(session: Session, request: CheckoutIn) -> int:
    email = request.customer.email.lower()
    values = {"name": request.customer.name, "email": email, "phone": request.customer.phone}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(Customer).values(**values).on_conflict_do_nothing())
    customer_id = session.scalar(select(Customer.id).where(Customer.email == email))
    if customer_id is None:
        raise ValidationFailed("could not record the customer")
    return customer_id


def checkout(
    db: Database,
    gateway: ResilientGateway,
    *,
    user_id: int,
    key: str,
    request: CheckoutIn,
    hold_ttl_s: int = 600,
    lease_s: float = DEFAULT_LEASE_S,
) -> CheckoutOut:
    """Buy ``request.items`` for a customer; retried calls with the same key buy once.

    A retry of a checkout left ``pending`` (a crash, an outage after the capture) first
    settles it: it ends in the tickets already paid for, or in a refund and a new try.
    """
    if not key or len(key) > 128:
        raise ValidationFailed("an Idempotency-Key of 1 to 128 characters is required")
    digest = request_hash(request)
    begun = _begin(db, user_id, key, digest, request, hold_ttl_s, lease_s)
    if isinstance(begun, str):
        settled = settle(db, gateway, begun)
        if settled is not None:
            return settled
        begun = _begin(db, user_id, key, digest, request, hold_ttl_s, lease_s)
    if isinstance(begun, CheckoutOut):
        return begun
    if isinstance(begun, str):
        raise InProgress(None)
    checkout_id, total = begun
    try:
        hold = gateway.preauthorize(total, request.payment.card_number)
    except PaymentError:
        compensate(db, gateway, checkout_id, None)
        raise
    return _pay(db, gateway, checkout_id, hold, total)


def _pay(
    db: Database, gateway: ResilientGateway, checkout_id: str, hold: str, total: float
) -> CheckoutOut:
    """Record the hold, capture, issue tickets; on failure undo what can be undone now."""
    try:
        record_hold(db, checkout_id, hold)
        confirmation = gateway.capture(hold, total)
    except RelecloudError:
        log.warning("payment failed; reversing it", extra={"checkout_id": checkout_id})
        compensate(db, gateway, checkout_id, hold)
        raise
    try:
        return issue_tickets(db, checkout_id, confirmation)
    except Conflict:
        log.warning("seats lost after capture; refunding", extra={"checkout_id": checkout_id})
        compensate(db, gateway, checkout_id, hold)
        raise
    # Anything else (the database went away) may have struck before or after the commit:
    # the checkout stays pending and settling (retry or sweep) finds out which.


my_tickets = receipts.my_tickets
ticket_for_image = receipts.ticket_for_image
